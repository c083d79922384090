-- Candidate topics: groups of questions the bot could not answer (or answered unhelpfully),
-- with a status staff set. A topic's id and status outlive every regrouping.
CREATE TABLE topics (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant      TEXT    NOT NULL DEFAULT 'default',
    created_at  BIGINT  NOT NULL,
    label       TEXT    NOT NULL,           -- its most representative (redacted) question
    status      TEXT    NOT NULL DEFAULT 'new', -- new | planned | covered | dismissed
    status_at   BIGINT,
    episode     TEXT,                       -- the episode that covers it
    entries     TEXT,                       -- FAQ entry ids that cover it, space-separated
    note        TEXT
);
CREATE INDEX topics_tenant ON topics (tenant, status);

-- Which topic a logged question belongs to. Deleted with the question (purge, forget).
CREATE TABLE topic_questions (
    question_id TEXT    PRIMARY KEY,        -- questions.record_id
    topic_id    BIGINT  NOT NULL
);
CREATE INDEX topic_questions_topic ON topic_questions (topic_id);

-- What staff decided about a proposed phrasing (the FAQ learning from citizens).
CREATE TABLE phrasing_decisions (
    id          TEXT    PRIMARY KEY,        -- hash of entry id and folded phrasing
    tenant      TEXT    NOT NULL DEFAULT 'default',
    entry_id    TEXT    NOT NULL,
    phrasing    TEXT    NOT NULL,
    decision    TEXT    NOT NULL,           -- accepted | rejected
    at          BIGINT  NOT NULL,
    actor       TEXT    NOT NULL
);
