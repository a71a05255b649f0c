-- Keys that stopped signing, and slugs that a group gave up (issue 21, security review).
--
-- activitypub_retired_keys are the private keys that deliveries queued before a rotation of
-- their actor's key, or before their group was deleted or took a new slug, still sign with:
-- a delivery's job names its key by id, so that the key is kept in one place, and goes at
-- expires_at (after the deliveries' days of retries), parked jobs or not.
-- slug_reservations are slugs that a group changed away from: remote servers may still write
-- to or follow @old@domain and its actor, so until expires_at no other group or person may
-- take it; the group that gave it up may (group_id has no reference: the reservation
-- outlives a deleted group).
--
-- No page shows them (no generation triggers; store.untracked lists them).

-- +goose Up
CREATE TABLE activitypub_retired_keys (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    pem        TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE TABLE slug_reservations (
    slug_key   TEXT PRIMARY KEY,
    group_id   INTEGER NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE slug_reservations;
DROP TABLE activitypub_retired_keys;
