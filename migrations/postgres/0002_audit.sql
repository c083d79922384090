-- What staff changed through the bot: one row per FAQ edit or reload.
-- `actor` is the pseudonym of the staff member (the same HMAC as askers), never a raw id.
CREATE TABLE audit (
    id          BIGSERIAL PRIMARY KEY,
    tenant      TEXT    NOT NULL DEFAULT 'default',
    at          BIGINT  NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,           -- faq.create | faq.edit | faq.reload
    target      TEXT,                       -- entry id, when there is one
    detail      TEXT                        -- file written, or what went wrong
);
CREATE INDEX audit_at ON audit (tenant, at);
