-- Scheduled actions. Our rows are the truth; `job_id` names the apalis job (a ULID in
-- apalis.jobs) that will act on the row, so a replacement or a manual end can delete it.

ALTER TABLE tempbans
    ADD COLUMN job_id TEXT,
    -- Why the last attempt to lift the ban failed (Discord refused); NULL once it worked.
    ADD COLUMN expiry_failure TEXT;

ALTER TABLE mutes
    ADD COLUMN job_id TEXT,
    ADD COLUMN expiry_failure TEXT;
CREATE INDEX mutes_due ON mutes (expires_at) WHERE active AND expires_at IS NOT NULL;

-- Timeouts longer than Discord's 28-day cap: applied 27 days at a time and renewed before
-- each lapses, until `ends_at`.
CREATE TABLE timeout_renewals (
    case_id        BIGINT PRIMARY KEY REFERENCES mod_cases (id),
    guild_id       BIGINT NOT NULL,
    user_id        BIGINT NOT NULL,
    ends_at        TIMESTAMPTZ NOT NULL,
    -- The `communication_disabled_until` last set in Discord.
    applied_until  TIMESTAMPTZ NOT NULL,
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    job_id         TEXT,
    renewals       INTEGER NOT NULL DEFAULT 0,
    last_failure   TEXT,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    ended_at       TIMESTAMPTZ,
    end_reason     TEXT
);
CREATE UNIQUE INDEX timeout_renewals_one_active ON timeout_renewals (guild_id, user_id) WHERE active;

-- Strike decay: when an expired strike's event was written (the strike itself stays).
ALTER TABLE strikes ADD COLUMN expiry_recorded_at TIMESTAMPTZ;
CREATE INDEX strikes_expiring ON strikes (expires_at)
    WHERE voided_at IS NULL AND expiry_recorded_at IS NULL;
