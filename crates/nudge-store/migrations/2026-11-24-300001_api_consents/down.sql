DROP TABLE api_consents;
