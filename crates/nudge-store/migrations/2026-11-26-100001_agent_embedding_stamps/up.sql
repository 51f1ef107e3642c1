-- agent: a stamp per person that changes whenever the person's memory vectors
-- change (a vector stored, replaced or deleted), so an agent replica holding
-- the decrypted vectors in memory knows with one read whether they are still
-- current (services/nudge-agent/src/semantic.rs). The stamp is a random
-- number, not a counter: a stamp deleted with the person and made again
-- never repeats an old one.
CREATE TABLE agent_embedding_stamps (
    user_id TEXT PRIMARY KEY,
    stamp BIGINT NOT NULL
);
