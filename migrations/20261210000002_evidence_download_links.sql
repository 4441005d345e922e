-- Links to open a stored evidence object (issue 10): one row per link handed to a moderator.
-- The local backend's links are redeemed here once (used_at); S3/B2 links are presigned GETs
-- that expire on their own and are recorded for the record.
CREATE TABLE evidence_download_links (
    id          UUID PRIMARY KEY,
    guild_id    BIGINT NOT NULL,
    item_id     BIGINT NOT NULL REFERENCES evidence_items (id),
    object_key  TEXT NOT NULL,
    created_by  BIGINT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);
CREATE INDEX evidence_download_links_item ON evidence_download_links (item_id);
