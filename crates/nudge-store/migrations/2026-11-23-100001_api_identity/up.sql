-- api: identity (issue 6). Accounts, sessions (refresh-token families),
-- refresh tokens, one-time SMS codes and the security audit log.

-- An account: the id is the person's user id everywhere. The `users` row
-- (verified phone, zone, language) is created when the phone is verified.
CREATE TABLE api_accounts (
    id TEXT PRIMARY KEY,
    -- Lowercased; unique.
    email TEXT NOT NULL UNIQUE,
    -- argon2id PHC string (parameters and salt inside).
    password_hash TEXT NOT NULL,
    -- user, premium or admin.
    role TEXT NOT NULL DEFAULT 'user',
    -- E.164, set once verified by an SMS code.
    phone TEXT,
    phone_verified_at TIMESTAMP,
    timezone TEXT NOT NULL,
    language TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- A session is one refresh-token family: one login on one device.
CREATE TABLE api_sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    user_agent TEXT,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    -- logout, reuse (an old refresh token came back), password, revoked, reset.
    revoked_reason TEXT
);
CREATE INDEX api_sessions_user ON api_sessions (user_id, created_at);

-- Every refresh token ever issued, by SHA-256; a used one presented again
-- revokes its whole session.
CREATE TABLE api_refresh_tokens (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX api_refresh_tokens_session ON api_refresh_tokens (session_id);

-- One-time codes sent by SMS: phone verification and password reset.
CREATE TABLE api_codes (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    -- phone or reset.
    purpose TEXT NOT NULL,
    -- The phone being verified (purpose phone).
    phone TEXT,
    -- HMAC-SHA256 of the code under the api's secret.
    code_hash TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX api_codes_user ON api_codes (user_id, purpose, created_at);

-- Security events. No email, phone, password, token or code ever goes here.
CREATE TABLE api_audit_events (
    id TEXT PRIMARY KEY,
    -- The person concerned, when known.
    user_id TEXT,
    -- Who acted (the person, an administrator), when not the person.
    actor_id TEXT,
    kind TEXT NOT NULL,
    detail TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX api_audit_events_user ON api_audit_events (user_id, created_at);
