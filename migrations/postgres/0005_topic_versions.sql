-- Writes to candidate topics take turns: a refresh, purge or forget first moves the
-- version on (which locks the row until it commits), and a refresh writes only if the
-- version is still the one it planned from. See Store::save_topics.
CREATE TABLE topic_versions (
    tenant      TEXT    PRIMARY KEY,
    version     BIGINT  NOT NULL
);
INSERT INTO topic_versions (tenant, version) VALUES ('default', 0);

