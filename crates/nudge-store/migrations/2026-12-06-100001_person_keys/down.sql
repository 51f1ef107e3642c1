DROP TABLE api_person_keys;
DROP TABLE workers_person_keys;
DROP TABLE sms_person_keys;
DROP TABLE agent_person_keys;
