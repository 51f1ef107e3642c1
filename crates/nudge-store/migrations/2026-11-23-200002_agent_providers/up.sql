-- agent: a person's model preferences and plan, and model usage per month.
CREATE TABLE agent_preferences (
    user_id TEXT PRIMARY KEY,
    -- user | premium: which monthly model budget applies.
    plan TEXT NOT NULL DEFAULT 'user',
    -- The person chose the local engine only: no text of theirs goes to a provider.
    local_only BOOLEAN NOT NULL DEFAULT FALSE,
    -- The month (YYYY-MM) the person was told their model budget ran out.
    budget_told_month TEXT,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE agent_usage (
    user_id TEXT NOT NULL,
    -- YYYY-MM, UTC.
    month TEXT NOT NULL,
    provider TEXT NOT NULL,
    requests INTEGER NOT NULL DEFAULT 0,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    cost_micros INTEGER NOT NULL DEFAULT 0,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, month, provider)
);
