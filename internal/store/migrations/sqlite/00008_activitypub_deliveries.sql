-- Publishing to the Fediverse (issue 21): what groups publish reaches their followers.
--
-- activitypub_objects is what a group published of a content (one row per association):
-- the object's id (the content's address when first published; it stays when the slug
-- changes), its current JSON (served at the id and in the outbox), and deleted_at once a
-- Delete went out (the content was deleted, made internal, or its group left the Fediverse).
-- There is no reference to associations: the row outlives a removed one, so that its Delete
-- can still be sent.
-- activitypub_deliveries records each activity sent to each inbox once (state waiting,
-- delivered, skipped or failed), so that a delivery runs exactly once per inbox and activity.
-- activitypub_instances are servers whose deliveries fail: since when, and when the last
-- probe of a dead one went out.
--
-- No page shows them (no generation triggers; store.untracked lists them).

-- +goose Up
CREATE TABLE activitypub_objects (
    association_id INTEGER PRIMARY KEY,
    group_id       INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    object_id      TEXT NOT NULL UNIQUE,
    body           TEXT NOT NULL,
    published_at   TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    deleted_at     TIMESTAMP
);
CREATE INDEX activitypub_objects_outbox ON activitypub_objects (group_id, published_at);

CREATE TABLE activitypub_deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id TEXT NOT NULL,
    inbox       TEXT NOT NULL,
    group_id    INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    state       TEXT NOT NULL DEFAULT 'waiting',
    created_at  TIMESTAMP NOT NULL,
    done_at     TIMESTAMP,
    UNIQUE (activity_id, inbox)
);

CREATE TABLE activitypub_instances (
    host          TEXT PRIMARY KEY,
    failing_since TIMESTAMP NOT NULL,
    probed_at     TIMESTAMP
);

-- +goose Down
DROP TABLE activitypub_instances;
DROP TABLE activitypub_deliveries;
DROP TABLE activitypub_objects;
