ALTER TABLE api_sessions DROP COLUMN mfa;
DROP TABLE api_backup_codes;
ALTER TABLE api_accounts DROP COLUMN totp_last_step;
ALTER TABLE api_accounts DROP COLUMN totp_enabled_at;
ALTER TABLE api_accounts DROP COLUMN totp_secret;
