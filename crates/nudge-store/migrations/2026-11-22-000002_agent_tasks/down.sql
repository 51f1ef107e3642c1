DROP TABLE agent_listings;
DROP TABLE agent_tasks;
