-- api: consent records (GDPR, issue 6 point 7), an append-only trail: a
-- change of mind is a new row, never an update. Erased with the person.
CREATE TABLE api_consents (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    -- terms, privacy, ai_processing, sms
    kind TEXT NOT NULL,
    granted BOOLEAN NOT NULL,
    -- The version of the text the person agreed to (or withdrew from).
    version TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX api_consents_user ON api_consents (user_id, id);
