-- Why Gavel stopped posting to a guild's mod-log channel (it was deleted, or is not in that
-- guild) and since when; shown by /mod config view, cleared when log_channel is set again.
ALTER TABLE guild_settings
    ADD COLUMN log_channel_problem    TEXT,
    ADD COLUMN log_channel_problem_at TIMESTAMPTZ;
