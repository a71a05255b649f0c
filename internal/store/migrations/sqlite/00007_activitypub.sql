-- Federation (issue 21, design §10): groups are ActivityPub actors that people elsewhere in
-- the Fediverse follow.
--
-- activitypub_keys holds each actor's RSA key (PKCS #8 PEM), made when the actor is first
-- needed: one per group, and one without a group for the instance actor that signs fetches.
-- activitypub_group_settings holds a group's choice to be visible in the Fediverse; without a
-- row, groups that are not closed are. activitypub_followers are the remote actors that
-- follow a group (accepted: the group answered the Follow with an Accept; closed groups leave
-- it pending). activitypub_remote_actors caches the actors whose signatures were checked:
-- their key (a key that changes is refused) and their inboxes.
--
-- Pages show the settings and the count of followers (with generation triggers); the keys
-- and the cache of remote actors no page shows (no triggers; store.untracked lists them).
-- A repeated Follow rewrites only its id and inboxes, which no page shows: that raises no
-- generation, so that a remote server cannot empty the web daemons' memo at will.

-- +goose Up
CREATE TABLE activitypub_keys (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id        INTEGER REFERENCES groups (id) ON DELETE CASCADE,
    private_key_pem TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX activitypub_keys_owner ON activitypub_keys (COALESCE(group_id, 0));

CREATE TABLE activitypub_group_settings (
    group_id INTEGER PRIMARY KEY REFERENCES groups (id) ON DELETE CASCADE,
    visible  BOOLEAN NOT NULL
);

CREATE TABLE activitypub_followers (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id     INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    actor_id     TEXT NOT NULL,
    follow_id    TEXT NOT NULL,
    inbox        TEXT NOT NULL,
    shared_inbox TEXT NOT NULL DEFAULT '',
    accepted     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   TIMESTAMP NOT NULL,
    UNIQUE (group_id, actor_id)
);

CREATE TABLE activitypub_remote_actors (
    id             TEXT PRIMARY KEY,
    key_id         TEXT NOT NULL UNIQUE,
    public_key_pem TEXT NOT NULL,
    inbox          TEXT NOT NULL,
    shared_inbox   TEXT NOT NULL DEFAULT '',
    fetched_at     TIMESTAMP NOT NULL
);

-- +goose StatementBegin
CREATE TRIGGER activitypub_group_settings_generation_insert AFTER INSERT ON activitypub_group_settings BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER activitypub_group_settings_generation_update AFTER UPDATE ON activitypub_group_settings BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER activitypub_group_settings_generation_delete AFTER DELETE ON activitypub_group_settings BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER activitypub_followers_generation_insert AFTER INSERT ON activitypub_followers BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER activitypub_followers_generation_update AFTER UPDATE ON activitypub_followers
    WHEN OLD.group_id IS NOT NEW.group_id OR OLD.actor_id IS NOT NEW.actor_id OR OLD.accepted IS NOT NEW.accepted OR OLD.created_at IS NOT NEW.created_at BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER activitypub_followers_generation_delete AFTER DELETE ON activitypub_followers BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER activitypub_group_settings_generation_insert;
DROP TRIGGER activitypub_group_settings_generation_update;
DROP TRIGGER activitypub_group_settings_generation_delete;
DROP TRIGGER activitypub_followers_generation_insert;
DROP TRIGGER activitypub_followers_generation_update;
DROP TRIGGER activitypub_followers_generation_delete;
DROP TABLE activitypub_remote_actors;
DROP TABLE activitypub_followers;
DROP TABLE activitypub_group_settings;
DROP TABLE activitypub_keys;
