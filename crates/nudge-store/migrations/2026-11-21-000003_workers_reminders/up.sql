-- workers: reminders and the occurrences the scheduler fires.
CREATE TABLE reminders (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    -- The reminder's text, encrypted.
    body BYTEA NOT NULL,
    timezone TEXT NOT NULL,
    language TEXT NOT NULL,
    -- scheduled | sent | done | cancelled
    status TEXT NOT NULL,
    -- What created it (e.g. "sms:<inbound id>"): a retried creation finds this row.
    idempotency_key TEXT NOT NULL UNIQUE,
    -- What acknowledged it (e.g. "done:<inbound id>"): a retried "done" finds this row.
    ack_key TEXT UNIQUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE INDEX reminders_user_status ON reminders (user_id, status);

CREATE TABLE reminder_occurrences (
    id TEXT PRIMARY KEY,
    reminder_id TEXT NOT NULL REFERENCES reminders (id),
    user_id TEXT NOT NULL,
    due_at TIMESTAMP NOT NULL,
    -- scheduled -> queued -> sent, or cancelled
    state TEXT NOT NULL,
    -- While queued: when the claim expires and the scheduler may publish it again.
    lease_until TIMESTAMP,
    -- Times it was claimed and published.
    attempts INTEGER NOT NULL DEFAULT 0,
    -- Sent later than the catch-up window after due_at (after downtime).
    late BOOLEAN NOT NULL DEFAULT FALSE,
    sent_at TIMESTAMP,
    -- sms-router's outbound message id.
    outbound_id TEXT,
    created_at TIMESTAMP NOT NULL
);

CREATE INDEX reminder_occurrences_state_due ON reminder_occurrences (state, due_at);
CREATE INDEX reminder_occurrences_reminder ON reminder_occurrences (reminder_id);
