-- The question log: one row per question handled, redacted before it gets here.
-- Times are Unix milliseconds (UTC). `record_id` is made by the writer so a replayed
-- spool never inserts a row twice.
CREATE TABLE questions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id   TEXT    NOT NULL UNIQUE,
    tenant      TEXT    NOT NULL DEFAULT 'default',
    asked_at    BIGINT  NOT NULL,
    channel     TEXT    NOT NULL,           -- discord | http | web | cli
    guild_id    TEXT,
    channel_id  TEXT,
    asker       TEXT,                       -- HMAC of the platform user id, never the id
    text        TEXT    NOT NULL,           -- redacted question
    redactions  INTEGER NOT NULL DEFAULT 0,
    outcome     TEXT    NOT NULL,           -- answered | suggested | no_answer
    entry_id    TEXT,
    confidence  REAL,
    theme       TEXT
);
CREATE INDEX questions_asked_at ON questions (tenant, asked_at);
CREATE INDEX questions_asker ON questions (asker);
CREATE INDEX questions_outcome ON questions (tenant, outcome, asked_at);

-- Feedback on a logged question: helpful, not helpful, or which suggestion was chosen.
CREATE TABLE feedback (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id   TEXT    NOT NULL UNIQUE,
    question_id TEXT    NOT NULL REFERENCES questions (record_id) ON DELETE CASCADE,
    at          BIGINT  NOT NULL,
    kind        TEXT    NOT NULL,           -- helpful | not_helpful | chosen | none_of_these
    entry_id    TEXT
);
CREATE INDEX feedback_question ON feedback (question_id);
