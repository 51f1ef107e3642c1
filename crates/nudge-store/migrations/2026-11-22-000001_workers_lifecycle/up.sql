-- workers: recurrence, nagging, snooze, missed reminders, quiet hours.
-- Expand only: every new column is nullable or has a default, so the
-- previous version keeps working beside this one. New values of existing
-- text columns: reminders.status 'missed' (a one-off whose time passed while
-- Nudge was down, for a person who records such ones instead of receiving
-- them late) and reminder_occurrences.state 'missed' (not sent, recorded).

-- RFC 5545 rule without DTSTART; NULL for a one-off reminder.
ALTER TABLE reminders ADD COLUMN rrule TEXT;
-- The rule's DTSTART (the first occurrence), UTC; read in the reminder's timezone.
ALTER TABLE reminders ADD COLUMN dtstart TIMESTAMP;
-- Sent during quiet hours too.
ALTER TABLE reminders ADD COLUMN urgent BOOLEAN NOT NULL DEFAULT FALSE;
-- Nags sent since the current occurrence (or snooze) went out.
ALTER TABLE reminders ADD COLUMN nags_sent INTEGER NOT NULL DEFAULT 0;
-- When an SMS of this reminder last went out: "done" and "snooze" answer
-- the reminder sent most recently.
ALTER TABLE reminders ADD COLUMN last_sent_at TIMESTAMP;
-- When the occurrence sent (or missed) last was due, before any quiet-hours hold.
ALTER TABLE reminders ADD COLUMN last_due_at TIMESTAMP;

CREATE INDEX reminders_user_status_sent ON reminders (user_id, status, last_sent_at);

-- due | nag | snooze
ALTER TABLE reminder_occurrences ADD COLUMN kind TEXT NOT NULL DEFAULT 'due';
-- Set when the occurrence was due inside quiet hours and due_at moved to
-- the end of the window: the time it was originally due.
ALTER TABLE reminder_occurrences ADD COLUMN held_from TIMESTAMP;
-- What acknowledged this (sent) occurrence (e.g. "done:<inbound id>"): a
-- retried "done" finds it, for one-off and recurring reminders alike.
ALTER TABLE reminder_occurrences ADD COLUMN ack_key TEXT;
-- What created this snooze occurrence (e.g. "snooze:<inbound id>").
ALTER TABLE reminder_occurrences ADD COLUMN snooze_key TEXT;
-- When it was acknowledged.
ALTER TABLE reminder_occurrences ADD COLUMN acked_at TIMESTAMP;

-- SQLite cannot add a UNIQUE column; a unique index does the same on both.
CREATE UNIQUE INDEX reminder_occurrences_ack_key ON reminder_occurrences (ack_key);
CREATE UNIQUE INDEX reminder_occurrences_snooze_key ON reminder_occurrences (snooze_key);
-- Expired claims, looked for by the scheduler.
CREATE INDEX reminder_occurrences_state_lease ON reminder_occurrences (state, lease_until);
-- A reminder's occurrences by state (pending ones to cancel or replace, the last one sent).
CREATE INDEX reminder_occurrences_reminder_state ON reminder_occurrences (reminder_id, state, due_at);

-- workers: how and when each person is willing to be reminded. A person
-- without a row gets the defaults (nag every 600 s, 3 nags, no quiet
-- hours, send late reminders, each reminder's own time zone).
CREATE TABLE workers_people (
    user_id TEXT PRIMARY KEY,
    -- IANA zone of the quiet hours.
    timezone TEXT NOT NULL,
    -- Minutes after local midnight; both NULL: no quiet hours. The window may wrap midnight.
    quiet_start_minute INTEGER,
    quiet_end_minute INTEGER,
    -- 0: no nagging.
    nag_interval_seconds INTEGER NOT NULL,
    nag_limit INTEGER NOT NULL,
    -- send_late | record_missed
    missed_policy TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
