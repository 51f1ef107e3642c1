DROP TABLE agent_embedding_stamps;
