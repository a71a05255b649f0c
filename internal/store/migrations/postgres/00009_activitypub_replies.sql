-- Replies from the Fediverse (issue 21): a Note in reply to a public content becomes a comment
-- by a remote author.
--
-- activitypub_remote_authors are the people elsewhere who commented: each has a shadow
-- gestalt (no password, no address, not public) that the comment's author_id names, and here
-- the actor's id, handle (@user@host), display name, avatar and profile address as the
-- comments show them (so with a generation trigger). activitypub_replies ties a comment to
-- the Note it came from: one comment per Note (a redelivery adds nothing), and its Update and
-- Delete are taken from the Note's author only. No page shows the Note's id (no trigger;
-- store.untracked lists it).

-- +goose Up
CREATE TABLE activitypub_remote_authors (
    gestalt_id  BIGINT PRIMARY KEY REFERENCES gestalten (id) ON DELETE CASCADE,
    actor_id    TEXT NOT NULL UNIQUE,
    handle      TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    avatar_url  TEXT NOT NULL DEFAULT '',
    profile_url TEXT NOT NULL,
    fetched_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE activitypub_replies (
    contribution_id BIGINT PRIMARY KEY REFERENCES contributions (id) ON DELETE CASCADE,
    note_id         TEXT NOT NULL UNIQUE,
    actor_id        TEXT NOT NULL
);

CREATE CONSTRAINT TRIGGER activitypub_remote_authors_generation AFTER INSERT OR UPDATE OR DELETE ON activitypub_remote_authors DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();

-- +goose Down
DROP TRIGGER activitypub_remote_authors_generation ON activitypub_remote_authors;
DROP TABLE activitypub_replies;
DROP TABLE activitypub_remote_authors;
