-- Identity is proven by mail: a signup waits here until the mailed link is followed (only
-- then is the password chosen and the account made, or a shadow account claimed), and a
-- message sent anonymously in the name of an address shows as from a guest until that
-- address's owner confirms it.

-- +goose Up
CREATE TABLE pending_signups (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    email      TEXT NOT NULL,
    email_key  TEXT NOT NULL,
    language   TEXT NOT NULL DEFAULT '',
    key        TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX pending_signups_email ON pending_signups (email_key);
CREATE INDEX pending_signups_created ON pending_signups (created_at);

CREATE TABLE unconfirmed_senders (
    contribution_id INTEGER PRIMARY KEY REFERENCES contributions (id) ON DELETE CASCADE,
    key             TEXT NOT NULL UNIQUE,
    created_at      TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE unconfirmed_senders;
DROP TABLE pending_signups;
