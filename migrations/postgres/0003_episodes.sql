-- Podcast episodes synced from the feed, keyed by the feed's guid (never title or position).
-- Chapters and transcript are JSON arrays of {"start": seconds, "text": "…"}.
CREATE TABLE episodes (
    id          BIGSERIAL PRIMARY KEY,
    tenant      TEXT    NOT NULL DEFAULT 'default',
    guid        TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    link        TEXT,
    audio_url   TEXT,
    published   TEXT,
    duration    BIGINT,
    description TEXT    NOT NULL,
    chapters    TEXT    NOT NULL DEFAULT '[]',
    transcript  TEXT    NOT NULL DEFAULT '[]',
    synced_at   BIGINT  NOT NULL,
    UNIQUE (tenant, guid)
);

-- The feed's sync state: where it is now (after a 301 or itunes:new-feed-url), the
-- validators for a conditional GET, and how the last attempt went.
CREATE TABLE feeds (
    tenant        TEXT    NOT NULL PRIMARY KEY,
    configured    TEXT    NOT NULL,
    url           TEXT    NOT NULL,
    etag          TEXT,
    last_modified TEXT,
    attempted_at  BIGINT,
    succeeded_at  BIGINT,
    result        TEXT,
    error         TEXT,
    episodes      BIGINT  NOT NULL DEFAULT 0
);
