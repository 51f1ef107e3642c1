DROP TABLE agent_pending_actions;
DROP TABLE agent_memories;
