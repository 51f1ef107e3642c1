-- agent: a term index for recall, so a query decrypts only the memories it
-- shows. Terms are stored as keyed hashes (HMAC, key derived from the
-- encryption key ring; context "agent.memory.term"), never as text.

-- The key id the memory's terms were hashed under; NULL: not indexed yet
-- (rows written before this migration, or by an older agent). Recall indexes
-- such rows, and rows hashed under a key that is no longer active, first.
ALTER TABLE agent_memories ADD COLUMN terms_key TEXT;

CREATE INDEX agent_memories_terms_key ON agent_memories (user_id, status, terms_key);

CREATE TABLE agent_memory_terms (
    memory_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    -- Keyed hash of one folded, stemmed word of the memory (16 bytes).
    term BYTEA NOT NULL,
    PRIMARY KEY (memory_id, term)
);

CREATE INDEX agent_memory_terms_user_term ON agent_memory_terms (user_id, term, memory_id);
