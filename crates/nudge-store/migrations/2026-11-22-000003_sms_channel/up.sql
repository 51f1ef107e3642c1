-- sms-router: the SMS channel made production-grade: numbers bought through
-- Twilio and their monthly cost, consent (STOP/START) and its audit trail,
-- strangers, and the paced outbound queue.
-- Expand only: every new column is nullable or has a default, so the
-- previous version keeps working beside this one.

-- Twilio's IncomingPhoneNumber sid (PN...) when Nudge bought the number;
-- NULL for a number assigned by hand (AssignNumber).
ALTER TABLE sms_numbers ADD COLUMN provider_sid TEXT;

-- Set for a message from a phone that is not the number's owner's
-- (status rejected_sender): hex SHA-256 of that phone. Its body is not kept.
ALTER TABLE sms_inbound ADD COLUMN sender_hash TEXT;
-- The compliance keyword the message was (STOP, START, HELP ...), normalised.
ALTER TABLE sms_inbound ADD COLUMN keyword TEXT;

-- The paced queue. A row is sent once send_after has passed (NULL: at once,
-- rows written by the previous version), oldest first per sending number.
ALTER TABLE sms_outbound ADD COLUMN send_after TIMESTAMP;
-- When the current attempt was claimed, and until when the claim holds.
ALTER TABLE sms_outbound ADD COLUMN claimed_at TIMESTAMP;
ALTER TABLE sms_outbound ADD COLUMN lease_until TIMESTAMP;
-- Set when an attempt may have reached Twilio without us knowing (a timeout,
-- a sender that died): Twilio's messages since then are checked before the
-- row is sent again.
ALTER TABLE sms_outbound ADD COLUMN reconcile_since TIMESTAMP;
-- A text over the segment budget goes out as several SMS: part k of parts.
ALTER TABLE sms_outbound ADD COLUMN part INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sms_outbound ADD COLUMN parts INTEGER NOT NULL DEFAULT 1;
-- gsm7 | ucs2 (NULL for rows of the previous version).
ALTER TABLE sms_outbound ADD COLUMN encoding TEXT;

UPDATE sms_outbound SET send_after = created_at WHERE send_after IS NULL;

-- Due rows, for the sender; a number's pending rows in order; usage per month.
CREATE INDEX sms_outbound_status_send_after ON sms_outbound (status, send_after);
CREATE INDEX sms_outbound_from_status_created ON sms_outbound (from_number, status, created_at);
CREATE INDEX sms_outbound_user_sent ON sms_outbound (user_id, sent_at);
CREATE INDEX sms_inbound_user_received ON sms_inbound (user_id, received_at);

-- Whether Nudge may text a person. No row: they may.
CREATE TABLE sms_consent (
    user_id TEXT PRIMARY KEY,
    opted_out BOOLEAN NOT NULL DEFAULT FALSE,
    -- en | fr: the language of the keyword that last changed it.
    language TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Every consent change, kept.
CREATE TABLE sms_consent_events (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    -- opt_out | opt_in
    event TEXT NOT NULL,
    -- sms (a keyword the person texted) | twilio_21610 (Twilio refused a send: unsubscribed)
    source TEXT NOT NULL,
    -- The keyword (STOP, ARRET, START ...) for source sms.
    keyword TEXT,
    -- The inbound message or outbound SMS that carried it.
    inbound_id TEXT,
    outbound_id TEXT,
    created_at TIMESTAMP NOT NULL
);

CREATE INDEX sms_consent_events_user_created ON sms_consent_events (user_id, created_at);

-- The one reply a stranger gets per Nudge number, ever.
CREATE TABLE sms_stranger_replies (
    id TEXT PRIMARY KEY,
    nudge_number TEXT NOT NULL,
    -- hex SHA-256 of the stranger's phone; the phone itself is not kept.
    sender_hash TEXT NOT NULL,
    -- The owner of the number (whose number paid for the reply).
    user_id TEXT NOT NULL,
    -- pending | sent | failed | skipped (not answered: a STOP keyword, or replies off)
    status TEXT NOT NULL,
    provider_sid TEXT,
    segments INTEGER NOT NULL DEFAULT 0,
    error_code INTEGER,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);

CREATE UNIQUE INDEX sms_stranger_replies_number_sender ON sms_stranger_replies (nudge_number, sender_hash);
CREATE INDEX sms_stranger_replies_user_sent ON sms_stranger_replies (user_id, sent_at);

-- Every number a person held and when: a number costs its monthly price
-- for each calendar month (UTC) it was held in, even in part.
CREATE TABLE sms_number_periods (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    nudge_number TEXT NOT NULL,
    provider_sid TEXT,
    monthly_price_micros INTEGER NOT NULL,
    assigned_at TIMESTAMP NOT NULL,
    released_at TIMESTAMP
);

CREATE INDEX sms_number_periods_user_assigned ON sms_number_periods (user_id, assigned_at);
