DROP TABLE agent_memory_embeddings;
