DROP TABLE agent_memory_terms;
DROP INDEX agent_memories_terms_key;
ALTER TABLE agent_memories DROP COLUMN terms_key;
