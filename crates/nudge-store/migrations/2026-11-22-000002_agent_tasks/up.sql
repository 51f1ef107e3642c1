-- agent: the person's tasks, and the last numbered list shown to them.
CREATE TABLE agent_tasks (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    -- The task's text, encrypted.
    body BYTEA NOT NULL,
    -- Order in the person's list (1 = top); gaps are fine.
    position INTEGER NOT NULL,
    -- open | done
    status TEXT NOT NULL,
    due_at TIMESTAMP,
    -- The reminder (in workers) that carries the task, if any.
    reminder_id TEXT,
    -- What created it (e.g. "sms:<inbound id>"): a retried capture finds this row.
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP
);

CREATE INDEX agent_tasks_user_status_position ON agent_tasks (user_id, status, position);

CREATE TABLE agent_listings (
    user_id TEXT PRIMARY KEY,
    -- reminders | tasks: what the numbers of the last list refer to.
    kind TEXT NOT NULL,
    -- The ids shown, in order, separated by commas.
    item_ids TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
