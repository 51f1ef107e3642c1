DROP TABLE api_audit_events;
DROP TABLE api_codes;
DROP TABLE api_refresh_tokens;
DROP TABLE api_sessions;
DROP TABLE api_accounts;
