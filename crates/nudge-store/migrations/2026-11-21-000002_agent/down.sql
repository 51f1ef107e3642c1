DROP TABLE agent_messages;
DROP TABLE agent_people;
