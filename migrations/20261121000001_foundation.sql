-- Gavel foundation schema. Discord snowflakes are BIGINT (see src/domain/ids.rs).

CREATE TABLE guild_settings (
    guild_id            BIGINT PRIMARY KEY,
    mod_role_ids        BIGINT[] NOT NULL DEFAULT '{}',
    log_channel_id      BIGINT,
    mute_role_text      BIGINT,
    mute_role_voice     BIGINT,
    mute_role_both      BIGINT,
    dm_on_action        BOOLEAN NOT NULL DEFAULT TRUE,
    strike_expiry_days  INTEGER NOT NULL DEFAULT 90 CHECK (strike_expiry_days > 0),
    -- [{"points": 3, "action": "TIMEOUT", "duration_secs": 3600}, ...]; NULL = the defaults.
    escalation          JSONB,
    -- [{"key", "label", "message", "strikes", "disabled"}]: replaces or adds to the defaults.
    violation_overrides JSONB NOT NULL DEFAULT '[]',
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One row per guild; incrementing it inside the case-insert transaction serialises writers on
-- the row lock, so case numbers stay unique and gap-free across processes.
CREATE TABLE guild_case_counters (
    guild_id    BIGINT PRIMARY KEY,
    last_number INTEGER NOT NULL
);

CREATE TABLE mod_cases (
    id                BIGSERIAL PRIMARY KEY,
    guild_id          BIGINT NOT NULL,
    case_number       INTEGER NOT NULL,
    action            TEXT NOT NULL CHECK (action IN
                        ('BAN','UNBAN','KICK','TIMEOUT','UNTIMEOUT','WARN','MUTE','UNMUTE','SOFTBAN','TEMPBAN')),
    status            TEXT NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN','CLOSED','VOID')),
    -- PENDING: written before the Discord call; APPLIED / FAILED once its outcome is known.
    state             TEXT NOT NULL CHECK (state IN ('PENDING','APPLIED','FAILED')),
    moderator_id      BIGINT NOT NULL,
    target_id         BIGINT NOT NULL,
    reason            TEXT,
    violation_type    TEXT NOT NULL DEFAULT 'unspecified',
    violation_details TEXT,
    strike_points     INTEGER NOT NULL DEFAULT 0 CHECK (strike_points >= 0),
    duration_secs     BIGINT CHECK (duration_secs > 0),
    expires_at        TIMESTAMPTZ,
    -- Where the case came from: a command, a panel, an escalation, Discord's own UI, a job.
    source            TEXT NOT NULL DEFAULT 'command',
    failure           TEXT,
    user_notified     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    settled_at        TIMESTAMPTZ,
    closed_at         TIMESTAMPTZ,
    closed_by         BIGINT,
    voided_by         BIGINT,
    void_reason       TEXT,
    UNIQUE (guild_id, case_number)
);
CREATE INDEX mod_cases_target ON mod_cases (guild_id, target_id, created_at DESC);
CREATE INDEX mod_cases_pending ON mod_cases (created_at) WHERE state = 'PENDING';

CREATE TABLE mutes (
    id         BIGSERIAL PRIMARY KEY,
    guild_id   BIGINT NOT NULL,
    user_id    BIGINT NOT NULL,
    mute_type  TEXT NOT NULL CHECK (mute_type IN ('TEXT','VOICE','BOTH')),
    role_id    BIGINT NOT NULL,
    case_id    BIGINT NOT NULL REFERENCES mod_cases (id),
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    expires_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    ended_at   TIMESTAMPTZ,
    ended_by   BIGINT,
    end_reason TEXT
);
-- One active mute per guild, user and type; ended mutes stay as history.
CREATE UNIQUE INDEX mutes_one_active ON mutes (guild_id, user_id, mute_type) WHERE active;

CREATE TABLE tempbans (
    id         BIGSERIAL PRIMARY KEY,
    guild_id   BIGINT NOT NULL,
    user_id    BIGINT NOT NULL,
    case_id    BIGINT NOT NULL REFERENCES mod_cases (id),
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    ended_at   TIMESTAMPTZ,
    ended_by   BIGINT,
    end_reason TEXT
);
CREATE UNIQUE INDEX tempbans_one_active ON tempbans (guild_id, user_id) WHERE active;
CREATE INDEX tempbans_due ON tempbans (expires_at) WHERE active;

CREATE TABLE notes (
    id         BIGSERIAL PRIMARY KEY,
    guild_id   BIGINT NOT NULL,
    user_id    BIGINT NOT NULL,
    author_id  BIGINT NOT NULL,
    content    TEXT NOT NULL CHECK (length(content) BETWEEN 1 AND 2000),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Deleting hides a note; the row and who deleted it are kept.
    deleted_at TIMESTAMPTZ,
    deleted_by BIGINT
);
CREATE INDEX notes_user ON notes (guild_id, user_id) WHERE deleted_at IS NULL;

CREATE TABLE user_flags (
    guild_id   BIGINT NOT NULL,
    user_id    BIGINT NOT NULL,
    flag       TEXT NOT NULL CHECK (flag IN ('SUSPICIOUS','TRUSTED','ALT_ACCOUNT','UNDER_REVIEW')),
    set_by     BIGINT NOT NULL,
    reason     TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (guild_id, user_id, flag)
);

CREATE TABLE strikes (
    id             BIGSERIAL PRIMARY KEY,
    guild_id       BIGINT NOT NULL,
    user_id        BIGINT NOT NULL,
    case_id        BIGINT NOT NULL REFERENCES mod_cases (id),
    points         INTEGER NOT NULL CHECK (points > 0),
    violation_type TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Points stop counting after this; the row is never deleted.
    expires_at     TIMESTAMPTZ NOT NULL,
    voided_at      TIMESTAMPTZ,
    voided_by      BIGINT,
    void_reason    TEXT,
    CHECK ((voided_at IS NULL) = (voided_by IS NULL))
);
CREATE INDEX strikes_user ON strikes (guild_id, user_id, expires_at);

CREATE TABLE case_templates (
    id             BIGSERIAL PRIMARY KEY,
    guild_id       BIGINT NOT NULL,
    name           TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    action         TEXT NOT NULL,
    reason         TEXT,
    violation_type TEXT,
    duration_secs  BIGINT CHECK (duration_secs > 0),
    created_by     BIGINT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (guild_id, name)
);

-- The moderation event log: who did what, to whom, and why. Append-only.
CREATE TABLE mod_events (
    id             BIGSERIAL PRIMARY KEY,
    guild_id       BIGINT NOT NULL,
    kind           TEXT NOT NULL,
    actor_id       BIGINT NOT NULL,
    target_id      BIGINT,
    case_id        BIGINT REFERENCES mod_cases (id),
    violation_type TEXT NOT NULL,
    details        TEXT,
    data           JSONB NOT NULL DEFAULT '{}',
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX mod_events_guild ON mod_events (guild_id, created_at DESC);
CREATE INDEX mod_events_case ON mod_events (case_id) WHERE case_id IS NOT NULL;

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$;

CREATE TRIGGER mod_events_append_only
    BEFORE UPDATE OR DELETE ON mod_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER mod_events_no_truncate
    BEFORE TRUNCATE ON mod_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
