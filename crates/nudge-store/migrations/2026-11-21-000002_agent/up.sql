-- agent: what it keeps about each person, and the conversation log.
CREATE TABLE agent_people (
    user_id TEXT PRIMARY KEY,
    timezone TEXT NOT NULL,
    language TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE agent_messages (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    -- 'in' (from the person) or 'out' (from Nudge).
    direction TEXT NOT NULL,
    -- For 'in': sms-router's inbound message id, so a message is handled once.
    inbound_id TEXT UNIQUE,
    -- AES-256-GCM ciphertext with its key id (nudge-secure).
    body BYTEA NOT NULL,
    intent TEXT,
    created_at TIMESTAMP NOT NULL,
    -- Set when handling finished; a row without it is handled again on retry.
    handled_at TIMESTAMP
);

CREATE INDEX agent_messages_user_created ON agent_messages (user_id, created_at);
