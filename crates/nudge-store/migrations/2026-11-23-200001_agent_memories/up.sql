-- agent: long-term memory (facts the person told or asked Nudge to keep),
-- and actions waiting for the person's explicit "yes".
CREATE TABLE agent_memories (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    -- The fact, encrypted (context "agent.memory.body"); relative dates already made absolute.
    body BYTEA NOT NULL,
    -- active | superseded (a newer fact contradicted it; kept as history)
    status TEXT NOT NULL,
    -- The newer memory that replaced this one.
    superseded_by TEXT,
    -- How many times the person told the same fact (duplicates are merged).
    mentions INTEGER NOT NULL DEFAULT 1,
    -- What created it (e.g. "sms:<inbound id>"): a retried message finds this row.
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE INDEX agent_memories_user_status ON agent_memories (user_id, status);

CREATE TABLE agent_pending_actions (
    user_id TEXT PRIMARY KEY,
    -- forget_all | cancel_all_reminders
    action TEXT NOT NULL,
    -- The inbound message that asked for it.
    inbound_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
