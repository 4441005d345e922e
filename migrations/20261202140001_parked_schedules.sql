-- Tempbans, mutes and timeout renewals of a server Gavel is no longer in are parked: no job,
-- never rescheduled by reconciliation, until Gavel is in the server again (GUILD_CREATE).
-- Parked when Gavel is removed (GUILD_DELETE without `unavailable`) or when Discord answers a
-- scheduled call with Unknown Guild or Missing Access.

ALTER TABLE tempbans
    ADD COLUMN parked_at TIMESTAMPTZ,
    ADD COLUMN parked_reason TEXT;
CREATE INDEX tempbans_parked ON tempbans (guild_id) WHERE parked_at IS NOT NULL;

ALTER TABLE mutes
    ADD COLUMN parked_at TIMESTAMPTZ,
    ADD COLUMN parked_reason TEXT;
CREATE INDEX mutes_parked ON mutes (guild_id) WHERE parked_at IS NOT NULL;

ALTER TABLE timeout_renewals
    ADD COLUMN parked_at TIMESTAMPTZ,
    ADD COLUMN parked_reason TEXT;
CREATE INDEX timeout_renewals_parked ON timeout_renewals (guild_id) WHERE parked_at IS NOT NULL;
