-- Replies from the Fediverse (issue 21): a Note in reply to a public content becomes a comment
-- by a remote author.
--
-- activitypub_remote_authors are the people elsewhere who commented: each has a shadow
-- gestalt (no password, no address, not public) that the comment's author_id names, and here
-- the actor's id, handle (@user@host), display name, avatar and profile address as the
-- comments show them (so with generation triggers). activitypub_replies ties a comment to the
-- Note it came from: one comment per Note (a redelivery adds nothing), and its Update and
-- Delete are taken from the Note's author only. No page shows the Note's id (no triggers;
-- store.untracked lists it).

-- +goose Up
CREATE TABLE activitypub_remote_authors (
    gestalt_id  INTEGER PRIMARY KEY REFERENCES gestalten (id) ON DELETE CASCADE,
    actor_id    TEXT NOT NULL UNIQUE,
    handle      TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    avatar_url  TEXT NOT NULL DEFAULT '',
    profile_url TEXT NOT NULL,
    fetched_at  TIMESTAMP NOT NULL
);

CREATE TABLE activitypub_replies (
    contribution_id INTEGER PRIMARY KEY REFERENCES contributions (id) ON DELETE CASCADE,
    note_id         TEXT NOT NULL UNIQUE,
    actor_id        TEXT NOT NULL
);

-- +goose StatementBegin
CREATE TRIGGER activitypub_remote_authors_generation_insert AFTER INSERT ON activitypub_remote_authors BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER activitypub_remote_authors_generation_update AFTER UPDATE ON activitypub_remote_authors BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER activitypub_remote_authors_generation_delete AFTER DELETE ON activitypub_remote_authors BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER activitypub_remote_authors_generation_insert;
DROP TRIGGER activitypub_remote_authors_generation_update;
DROP TRIGGER activitypub_remote_authors_generation_delete;
DROP TABLE activitypub_replies;
DROP TABLE activitypub_remote_authors;
