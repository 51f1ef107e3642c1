-- agent: the steps of a model's reply still to be texted, one at a time
-- (services/nudge-agent/src/steps.rs). One row per person at most.
CREATE TABLE agent_pending_steps (
    user_id TEXT PRIMARY KEY,
    -- Every step of the reply, the first included: a JSON array of strings,
    -- encrypted (context "agent.steps.body").
    steps BYTEA NOT NULL,
    total INTEGER NOT NULL,
    -- Steps texted so far; total + 1 once the person was told it was the last.
    sent INTEGER NOT NULL,
    -- en | fr: the language the steps are texted in.
    language TEXT NOT NULL,
    -- The inbound message that texted the latest step: its retry texts the same step again.
    inbound_id TEXT NOT NULL,
    -- When the person's message that texted the latest step was received.
    updated_at TIMESTAMP NOT NULL
);
