-- /mod massban: every case a mass ban opens carries its batch's id, and the previewed batch
-- waits here (server-side, never in a button's custom id) until its moderator confirms or
-- cancels it, for at most its expiry.
ALTER TABLE mod_cases ADD COLUMN batch_id UUID;
CREATE INDEX mod_cases_batch ON mod_cases (batch_id) WHERE batch_id IS NOT NULL;

CREATE TABLE mass_ban_batches (
    id                     UUID PRIMARY KEY,
    guild_id               BIGINT NOT NULL,
    moderator_id           BIGINT NOT NULL,
    -- The moderator's highest role position when the preview cleared the users; Confirm is
    -- refused if they rank lower by then (the hierarchy checks would no longer hold).
    moderator_top_position INTEGER NOT NULL,
    reason                 TEXT,
    violation_type         TEXT NOT NULL DEFAULT 'unspecified',
    delete_message_seconds INTEGER NOT NULL CHECK (delete_message_seconds BETWEEN 0 AND 604800),
    -- Who Confirm bans, in the order given, and who the preview skipped and why.
    user_ids               BIGINT[] NOT NULL CHECK (cardinality(user_ids) BETWEEN 1 AND 1000),
    skipped                JSONB NOT NULL DEFAULT '[]',
    state                  TEXT NOT NULL DEFAULT 'PREVIEWED'
                             CHECK (state IN ('PREVIEWED','CONFIRMED','CANCELLED')),
    created_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at             TIMESTAMPTZ NOT NULL,
    decided_at             TIMESTAMPTZ
);
CREATE INDEX mass_ban_batches_guild ON mass_ban_batches (guild_id, created_at DESC);
