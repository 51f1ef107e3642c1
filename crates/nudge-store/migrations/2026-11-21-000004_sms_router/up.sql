-- sms-router: numbers, inbound and outbound SMS.
CREATE TABLE sms_numbers (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL UNIQUE,
    -- The person's dedicated Nudge number, E.164: the inbound `To`.
    nudge_number TEXT NOT NULL UNIQUE,
    -- The person's verified phone, E.164: the only accepted inbound `From`
    -- and the only recipient of their outbound SMS.
    phone TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE sms_inbound (
    id TEXT PRIMARY KEY,
    -- Twilio's MessageSid: the constraint that makes a retried webhook a no-op.
    message_sid TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    -- pending -> dispatched (handed to the agent)
    status TEXT NOT NULL,
    body BYTEA NOT NULL,
    num_segments INTEGER NOT NULL,
    received_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    dispatched_at TIMESTAMP
);

CREATE INDEX sms_inbound_status_user ON sms_inbound (status, user_id, received_at);

CREATE TABLE sms_outbound (
    id TEXT PRIMARY KEY,
    -- Chosen by the caller (e.g. "reply:<inbound id>", "occurrence:<id>"): a
    -- retried send finds this row and sends nothing.
    idempotency_key TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    -- reply | reminder | system
    kind TEXT NOT NULL,
    from_number TEXT NOT NULL,
    to_number TEXT NOT NULL,
    body BYTEA NOT NULL,
    -- queued -> sending -> sent -> delivered, or undelivered / failed
    status TEXT NOT NULL,
    -- Twilio's MessageSid once sent.
    provider_sid TEXT UNIQUE,
    segments INTEGER NOT NULL,
    error_code INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);

CREATE INDEX sms_outbound_user_created ON sms_outbound (user_id, created_at);
CREATE INDEX sms_outbound_status_updated ON sms_outbound (status, updated_at);
