-- api: the people who use Nudge.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    -- The person's verified phone, E.164.
    phone TEXT NOT NULL UNIQUE,
    timezone TEXT NOT NULL,
    language TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'user',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
