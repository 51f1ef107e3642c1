DROP TABLE agent_usage;
DROP TABLE agent_preferences;
