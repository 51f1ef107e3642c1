-- Per-person data keys (issue 13, finding 2: erasure that really erases).
-- One table per owning service, so services still never read each other's
-- tables. A row holds a random AES-256 key, wrapped (sealed) by the key ring
-- under a context naming the table and the person; the person's encrypted
-- columns in that service are sealed with it (nudge-secure `person.rs`).
-- Erasure deletes the row: every envelope of the person, wherever a copy
-- survives, can then no longer be opened.
CREATE TABLE agent_person_keys (
    user_id TEXT PRIMARY KEY,
    wrapped_key BYTEA NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE sms_person_keys (
    user_id TEXT PRIMARY KEY,
    wrapped_key BYTEA NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE workers_person_keys (
    user_id TEXT PRIMARY KEY,
    wrapped_key BYTEA NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE api_person_keys (
    user_id TEXT PRIMARY KEY,
    wrapped_key BYTEA NOT NULL,
    created_at TIMESTAMP NOT NULL
);
