-- Evidence: items (files, URLs, message snapshots) and amendments, one hash chain per case.
-- Every entry is signed (HMAC-SHA256 over its canonical form, see src/evidence/canonical.rs)
-- and carries the previous entry's signature; entries of a case share one `seq`.

-- A case opened only to hold evidence (Capture Evidence → "new"): nothing was done to the user.
ALTER TABLE mod_cases DROP CONSTRAINT mod_cases_action_check;
ALTER TABLE mod_cases ADD CONSTRAINT mod_cases_action_check CHECK (action IN
    ('BAN','UNBAN','KICK','TIMEOUT','UNTIMEOUT','WARN','MUTE','UNMUTE','SOFTBAN','TEMPBAN','REPORT'));

CREATE TABLE evidence_items (
    id             BIGSERIAL PRIMARY KEY,
    guild_id       BIGINT NOT NULL,
    case_id        BIGINT NOT NULL REFERENCES mod_cases (id),
    case_number    INTEGER NOT NULL,
    seq            INTEGER NOT NULL CHECK (seq > 0),
    kind           TEXT NOT NULL CHECK (kind IN ('file','url','message')),
    -- How it arrived: attachment, upload, url, message_link, context_menu.
    source         TEXT NOT NULL,
    url            TEXT,
    filename       TEXT,
    note           TEXT,
    -- [{"key","sha256","size","content_type","role"}]: the stored objects, content first.
    objects        JSONB NOT NULL DEFAULT '[]',
    -- Kind-specific facts (message ids, channel), strings and integers only.
    metadata       JSONB NOT NULL DEFAULT '{}',
    added_by       BIGINT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    key_id         TEXT NOT NULL,
    prev_signature TEXT,
    signature      TEXT NOT NULL,
    UNIQUE (case_id, seq)
);
CREATE INDEX evidence_items_case ON evidence_items (guild_id, case_number);

CREATE TABLE evidence_amendments (
    id             BIGSERIAL PRIMARY KEY,
    guild_id       BIGINT NOT NULL,
    case_id        BIGINT NOT NULL REFERENCES mod_cases (id),
    case_number    INTEGER NOT NULL,
    seq            INTEGER NOT NULL CHECK (seq > 0),
    kind           TEXT NOT NULL CHECK (kind IN ('note','correction','redaction_request')),
    -- The item (its seq) the amendment is about; NULL for the case's evidence as a whole.
    target_seq     INTEGER,
    text           TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
    added_by       BIGINT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    key_id         TEXT NOT NULL,
    prev_signature TEXT,
    signature      TEXT NOT NULL,
    UNIQUE (case_id, seq)
);

CREATE TRIGGER evidence_items_append_only
    BEFORE UPDATE OR DELETE ON evidence_items
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER evidence_items_no_truncate
    BEFORE TRUNCATE ON evidence_items
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER evidence_amendments_append_only
    BEFORE UPDATE OR DELETE ON evidence_amendments
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER evidence_amendments_no_truncate
    BEFORE TRUNCATE ON evidence_amendments
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- One-time upload links handed to moderators. Not evidence: the item is recorded (and
-- signed) when the upload is completed and its bytes have been read back and hashed.
CREATE TABLE evidence_uploads (
    id           UUID PRIMARY KEY,
    guild_id     BIGINT NOT NULL,
    case_id      BIGINT NOT NULL REFERENCES mod_cases (id),
    case_number  INTEGER NOT NULL,
    object_key   TEXT NOT NULL UNIQUE,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL CHECK (size_bytes > 0),
    note         TEXT,
    requested_by BIGINT NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    item_id      BIGINT REFERENCES evidence_items (id)
);
