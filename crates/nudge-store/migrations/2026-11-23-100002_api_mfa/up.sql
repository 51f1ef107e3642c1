-- api: TOTP (RFC 6238) and one-time backup codes (issue 6).
-- The TOTP secret, encrypted (AES-256-GCM, context "api_accounts.totp_secret:<id>").
ALTER TABLE api_accounts ADD COLUMN totp_secret BYTEA;
-- Set once the person proved their app works; NULL while being set up.
ALTER TABLE api_accounts ADD COLUMN totp_enabled_at TIMESTAMP;
-- The last time step accepted: a code works once.
ALTER TABLE api_accounts ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;

CREATE TABLE api_backup_codes (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    -- HMAC-SHA256 of the code under the api's secret.
    code_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX api_backup_codes_user ON api_backup_codes (user_id);

-- Whether a session began with a second factor (administrators need one).
ALTER TABLE api_sessions ADD COLUMN mfa BOOLEAN NOT NULL DEFAULT FALSE;
