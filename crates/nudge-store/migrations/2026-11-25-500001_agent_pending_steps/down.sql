DROP TABLE agent_pending_steps;
