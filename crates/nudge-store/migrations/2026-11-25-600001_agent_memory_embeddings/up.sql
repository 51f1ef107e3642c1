-- agent: a memory's embedding (from a provider's embedding model), for recall
-- by meaning (services/nudge-agent/src/semantic.rs). Derived data: one row per
-- memory at most, deleted with its memory, absent when no provider embeds.
CREATE TABLE agent_memory_embeddings (
    memory_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    -- The embedding model that made the vector: only vectors of the query's
    -- model are compared with it.
    model TEXT NOT NULL,
    -- The vector of the memory's masked text, little-endian f32s, encrypted
    -- (context "agent.memory.embedding").
    vector BYTEA NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE INDEX agent_memory_embeddings_user_model ON agent_memory_embeddings (user_id, model);
