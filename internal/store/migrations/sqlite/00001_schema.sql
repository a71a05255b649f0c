-- The whole domain of grouprise, modelled on the Django grouprise 5.5 (whose ids an import
-- keeps). Frozen once released: change the schema in a new migration.
-- Times are UTC. Case-insensitive uniqueness uses *_key columns that the application fills
-- with the folded value (SQLite's lower() folds ASCII only); content slugs are ASCII.

-- +goose Up
CREATE TABLE site_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- People ("Gestalten"): the account and the profile in one row.
CREATE TABLE gestalten (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL,
    first_name    TEXT NOT NULL DEFAULT '',
    last_name     TEXT NOT NULL DEFAULT '',
    password      TEXT NOT NULL DEFAULT '',
    is_superuser  BOOLEAN NOT NULL DEFAULT FALSE,
    is_staff      BOOLEAN NOT NULL DEFAULT FALSE,
    is_active     BOOLEAN NOT NULL DEFAULT TRUE,
    date_joined   TIMESTAMP NOT NULL,
    last_login    TIMESTAMP,
    about         TEXT NOT NULL DEFAULT '',
    avatar        TEXT NOT NULL DEFAULT '',
    avatar_color  TEXT NOT NULL DEFAULT '',
    background    TEXT NOT NULL DEFAULT '',
    public        BOOLEAN NOT NULL DEFAULT FALSE,
    score         INTEGER NOT NULL DEFAULT 0,
    language      TEXT NOT NULL DEFAULT '',
    matrix_id     TEXT NOT NULL DEFAULT '',
    receives_builtin_inbox_notifications BOOLEAN NOT NULL DEFAULT TRUE,
    receives_email_notifications         BOOLEAN NOT NULL DEFAULT TRUE,
    receives_matrix_notifications        BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE gestalt_settings (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    gestalt_id INTEGER NOT NULL REFERENCES gestalten (id) ON DELETE CASCADE,
    category   TEXT NOT NULL DEFAULT '',
    name       TEXT NOT NULL,
    value      TEXT NOT NULL,
    UNIQUE (gestalt_id, category, name)
);

CREATE TABLE email_addresses (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    gestalt_id INTEGER NOT NULL REFERENCES gestalten (id) ON DELETE CASCADE,
    email      TEXT NOT NULL,
    email_key  TEXT NOT NULL UNIQUE,
    verified   BOOLEAN NOT NULL DEFAULT FALSE,
    is_primary BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX email_addresses_gestalt ON email_addresses (gestalt_id);
CREATE UNIQUE INDEX email_addresses_one_primary ON email_addresses (gestalt_id) WHERE is_primary;

CREATE TABLE email_confirmations (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    email_address_id INTEGER NOT NULL REFERENCES email_addresses (id) ON DELETE CASCADE,
    key              TEXT NOT NULL UNIQUE,
    created_at       TIMESTAMP NOT NULL,
    sent_at          TIMESTAMP
);

CREATE TABLE groups (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    slug               TEXT NOT NULL,
    name               TEXT NOT NULL,
    date_created       DATE NOT NULL,
    time_modified      TIMESTAMP NOT NULL,
    gestalt_created_id INTEGER REFERENCES gestalten (id) ON DELETE SET NULL,
    score              INTEGER NOT NULL DEFAULT 0,
    address            TEXT NOT NULL DEFAULT '',
    avatar             TEXT NOT NULL DEFAULT '',
    avatar_color       TEXT NOT NULL DEFAULT '',
    date_founded       DATE NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    logo               TEXT NOT NULL DEFAULT '',
    url                TEXT NOT NULL DEFAULT '',
    url_import_feed    BOOLEAN NOT NULL DEFAULT FALSE,
    closed             BOOLEAN NOT NULL DEFAULT FALSE,
    latitude           REAL,
    longitude          REAL
);
CREATE INDEX groups_gestalt_created ON groups (gestalt_created_id);

-- Groups and people share one namespace of slugs (/<slug>/), compared case-insensitively.
CREATE TABLE entity_slugs (
    slug_key   TEXT PRIMARY KEY,
    group_id   INTEGER UNIQUE REFERENCES groups (id) ON DELETE CASCADE,
    gestalt_id INTEGER UNIQUE REFERENCES gestalten (id) ON DELETE CASCADE,
    CHECK ((group_id IS NULL) <> (gestalt_id IS NULL))
);

CREATE TABLE memberships (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id      INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    member_id     INTEGER NOT NULL REFERENCES gestalten (id) ON DELETE CASCADE,
    created_by_id INTEGER REFERENCES gestalten (id) ON DELETE SET NULL,
    date_joined   DATE NOT NULL,
    UNIQUE (group_id, member_id)
);
CREATE INDEX memberships_member ON memberships (member_id);
CREATE INDEX memberships_created_by ON memberships (created_by_id);

CREATE TABLE subscriptions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id      INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    subscriber_id INTEGER NOT NULL REFERENCES gestalten (id) ON DELETE CASCADE,
    UNIQUE (group_id, subscriber_id)
);
CREATE INDEX subscriptions_subscriber ON subscriptions (subscriber_id);

CREATE TABLE images (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    creator_id INTEGER NOT NULL REFERENCES gestalten (id),
    file       TEXT NOT NULL,
    created_at TIMESTAMP
);
CREATE INDEX images_creator ON images (creator_id);

CREATE TABLE polls (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    condorcet BOOLEAN NOT NULL DEFAULT FALSE
);

-- Articles, events, galleries, files and polls. The kind is derived: poll if poll_id, gallery
-- if it has gallery images, file if its latest version has a file, event if starts_at.
-- time_created repeats the first version's time, so that streams sort by an index.
CREATE TABLE contents (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    title     TEXT NOT NULL,
    image_id  INTEGER REFERENCES images (id) ON DELETE SET NULL,
    place     TEXT NOT NULL DEFAULT '',
    starts_at TIMESTAMP,
    ends_at   TIMESTAMP,
    all_day   BOOLEAN NOT NULL DEFAULT FALSE,
    -- the time of the first version: the order of streams
    time_created TIMESTAMP NOT NULL,
    poll_id   INTEGER UNIQUE REFERENCES polls (id) ON DELETE CASCADE
);
CREATE INDEX contents_starts_at ON contents (starts_at) WHERE starts_at IS NOT NULL;
CREATE INDEX contents_image ON contents (image_id);
CREATE INDEX contents_time_created ON contents (time_created);

CREATE TABLE content_versions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    content_id   INTEGER NOT NULL REFERENCES contents (id) ON DELETE CASCADE,
    author_id    INTEGER NOT NULL REFERENCES gestalten (id),
    text         TEXT NOT NULL DEFAULT '',
    time_created TIMESTAMP NOT NULL
);
CREATE INDEX content_versions_content ON content_versions (content_id, time_created);
CREATE INDEX content_versions_author ON content_versions (author_id);

CREATE TABLE files (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    file       TEXT NOT NULL,
    filename   TEXT,
    version_id INTEGER REFERENCES content_versions (id) ON DELETE CASCADE
);
CREATE INDEX files_version ON files (version_id);

CREATE TABLE gallery_images (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    content_id INTEGER NOT NULL REFERENCES contents (id) ON DELETE CASCADE,
    image_id   INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    UNIQUE (content_id, image_id)
);
CREATE INDEX gallery_images_image ON gallery_images (image_id);

CREATE TABLE poll_options (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    poll_id   INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    title     TEXT,
    starts_at TIMESTAMP,
    ends_at   TIMESTAMP,
    CHECK ((title IS NULL) <> (starts_at IS NULL))
);
CREATE INDEX poll_options_poll ON poll_options (poll_id);

-- endorse: TRUE yes, FALSE no, NULL maybe (simple polls); rank: higher is preferred (ranked).
CREATE TABLE poll_votes (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    option_id    INTEGER NOT NULL REFERENCES poll_options (id) ON DELETE CASCADE,
    voter_id     INTEGER REFERENCES gestalten (id),
    anonymous    TEXT,
    endorse      BOOLEAN,
    rank         INTEGER,
    time_updated TIMESTAMP NOT NULL,
    CHECK ((voter_id IS NULL) <> (anonymous IS NULL)),
    UNIQUE (option_id, voter_id),
    UNIQUE (option_id, anonymous)
);
CREATE INDEX poll_votes_voter ON poll_votes (voter_id);

CREATE TABLE conversations (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    subject TEXT NOT NULL
);

-- An association publishes a content or a conversation under a group or a person.
CREATE TABLE associations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    content_id      INTEGER REFERENCES contents (id) ON DELETE CASCADE,
    conversation_id INTEGER REFERENCES conversations (id) ON DELETE CASCADE,
    group_id        INTEGER REFERENCES groups (id) ON DELETE CASCADE,
    gestalt_id      INTEGER REFERENCES gestalten (id) ON DELETE CASCADE,
    public          BOOLEAN NOT NULL DEFAULT FALSE,
    pinned          BOOLEAN NOT NULL DEFAULT FALSE,
    slug            TEXT,
    deleted         TIMESTAMP,
    CHECK ((content_id IS NULL) <> (conversation_id IS NULL)),
    CHECK ((group_id IS NULL) <> (gestalt_id IS NULL))
);
CREATE INDEX associations_content ON associations (content_id);
CREATE INDEX associations_conversation ON associations (conversation_id);
CREATE UNIQUE INDEX associations_group_slug ON associations (group_id, lower(slug));
CREATE UNIQUE INDEX associations_gestalt_slug ON associations (gestalt_id, lower(slug));

CREATE TABLE applications (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id       INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    attached_to_id INTEGER REFERENCES contributions (id) ON DELETE SET NULL
);
CREATE INDEX applications_group ON applications (group_id);

-- Comments on contents and messages in conversations; the payload is text, an attached file
-- (attached_to names the text it came with) or a membership application.
CREATE TABLE contributions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    content_id      INTEGER REFERENCES contents (id) ON DELETE CASCADE,
    conversation_id INTEGER REFERENCES conversations (id) ON DELETE CASCADE,
    author_id       INTEGER NOT NULL REFERENCES gestalten (id),
    kind            TEXT NOT NULL CHECK (kind IN ('text', 'file', 'application')),
    text            TEXT NOT NULL DEFAULT '',
    file_id         INTEGER REFERENCES files (id) ON DELETE CASCADE,
    application_id  INTEGER REFERENCES applications (id) ON DELETE CASCADE,
    in_reply_to_id  INTEGER REFERENCES contributions (id) ON DELETE SET NULL,
    attached_to_id  INTEGER REFERENCES contributions (id) ON DELETE SET NULL,
    time_created    TIMESTAMP NOT NULL,
    deleted         TIMESTAMP,
    public          BOOLEAN NOT NULL DEFAULT TRUE,
    CHECK ((content_id IS NULL) <> (conversation_id IS NULL)),
    CHECK (kind <> 'file' OR file_id IS NOT NULL),
    CHECK (kind <> 'application' OR application_id IS NOT NULL)
);
CREATE INDEX contributions_content ON contributions (content_id, time_created);
CREATE INDEX contributions_conversation ON contributions (conversation_id, time_created);
CREATE INDEX contributions_author ON contributions (author_id);
CREATE INDEX contributions_in_reply_to ON contributions (in_reply_to_id);
CREATE INDEX contributions_attached_to ON contributions (attached_to_id);
CREATE INDEX contributions_file ON contributions (file_id);
CREATE INDEX contributions_application ON contributions (application_id);

CREATE TABLE tags (
    id   INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    slug TEXT NOT NULL UNIQUE
);

CREATE TABLE content_tags (
    content_id INTEGER NOT NULL REFERENCES contents (id) ON DELETE CASCADE,
    tag_id     INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (content_id, tag_id)
);
CREATE INDEX content_tags_tag ON content_tags (tag_id);

CREATE TABLE group_tags (
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    tag_id   INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, tag_id)
);
CREATE INDEX group_tags_tag ON group_tags (tag_id);

CREATE TABLE event_attendances (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    content_id  INTEGER NOT NULL REFERENCES contents (id) ON DELETE CASCADE,
    attendee_id INTEGER NOT NULL REFERENCES gestalten (id) ON DELETE CASCADE,
    timestamp   TIMESTAMP NOT NULL,
    UNIQUE (content_id, attendee_id)
);
CREATE INDEX event_attendances_attendee ON event_attendances (attendee_id);

-- Secrets in links and addresses (reply-by-mail, calendar feeds, join/leave confirmations).
-- The target is at most one of the *_id columns; none means the owner's own gestalt.
CREATE TABLE permission_tokens (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    gestalt_id      INTEGER NOT NULL REFERENCES gestalten (id) ON DELETE CASCADE,
    secret_key      TEXT NOT NULL UNIQUE,
    feature_key     TEXT NOT NULL,
    time_created    TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP,
    group_id        INTEGER REFERENCES groups (id) ON DELETE CASCADE,
    content_id      INTEGER REFERENCES contents (id) ON DELETE CASCADE,
    contribution_id INTEGER REFERENCES contributions (id) ON DELETE CASCADE,
    conversation_id INTEGER REFERENCES conversations (id) ON DELETE CASCADE
);
CREATE INDEX permission_tokens_gestalt ON permission_tokens (gestalt_id, feature_key);
CREATE INDEX permission_tokens_expires ON permission_tokens (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX permission_tokens_group ON permission_tokens (group_id);
CREATE INDEX permission_tokens_content ON permission_tokens (content_id);
CREATE INDEX permission_tokens_contribution ON permission_tokens (contribution_id);
CREATE INDEX permission_tokens_conversation ON permission_tokens (conversation_id);

CREATE TABLE inbox_notifications (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    receiver_id     INTEGER NOT NULL REFERENCES gestalten (id) ON DELETE CASCADE,
    content_id      INTEGER REFERENCES contents (id) ON DELETE CASCADE,
    contribution_id INTEGER REFERENCES contributions (id) ON DELETE CASCADE,
    created_on      TIMESTAMP NOT NULL,
    is_read         BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX inbox_notifications_receiver ON inbox_notifications (receiver_id, created_on);
CREATE INDEX inbox_notifications_content ON inbox_notifications (content_id);
CREATE INDEX inbox_notifications_contribution ON inbox_notifications (contribution_id);

-- Mail that came in over LMTP, so that a redelivered message creates nothing twice.
CREATE TABLE incoming_mails (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id      TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    received_at     TIMESTAMP NOT NULL,
    contribution_id INTEGER REFERENCES contributions (id) ON DELETE SET NULL,
    UNIQUE (message_id, recipient)
);
CREATE INDEX incoming_mails_contribution ON incoming_mails (contribution_id);

CREATE TABLE imported_feed_entries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    key         TEXT NOT NULL UNIQUE,
    imported_at TIMESTAMP
);

CREATE TABLE matrix_rooms (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id   INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    room_id    TEXT NOT NULL,
    is_private BOOLEAN NOT NULL,
    is_visible BOOLEAN NOT NULL DEFAULT TRUE,
    statistics TEXT NOT NULL DEFAULT '{}',
    UNIQUE (group_id, is_private)
);

CREATE TABLE matrix_room_invitations (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id      INTEGER NOT NULL REFERENCES matrix_rooms (id) ON DELETE CASCADE,
    gestalt_id   INTEGER NOT NULL REFERENCES gestalten (id) ON DELETE CASCADE,
    time_invited TIMESTAMP NOT NULL,
    UNIQUE (room_id, gestalt_id)
);
CREATE INDEX matrix_room_invitations_gestalt ON matrix_room_invitations (gestalt_id);

CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BLOB NOT NULL,
    expiry TIMESTAMP NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expiry);

-- Counters of attempts (failed logins per account and per address) within a time window.
CREATE TABLE rate_limits (
    key          TEXT PRIMARY KEY,
    window_start TIMESTAMP NOT NULL,
    attempts     INTEGER NOT NULL
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);

-- The job queue: a job is inserted in the transaction of the data it announces. A unique_key
-- makes periodic work run once per time slot, however many runners schedule it.
CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    payload     TEXT NOT NULL DEFAULT '{}',
    state       TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'running', 'parked')),
    run_at      TIMESTAMP NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    lease_until TIMESTAMP,
    locked_by   TEXT NOT NULL DEFAULT '',
    last_error  TEXT NOT NULL DEFAULT '',
    unique_key  TEXT UNIQUE,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX jobs_due ON jobs (state, run_at);

-- +goose Down
DROP TABLE jobs;
DROP TABLE rate_limits;
DROP TABLE sessions;
DROP TABLE matrix_room_invitations;
DROP TABLE matrix_rooms;
DROP TABLE imported_feed_entries;
DROP TABLE incoming_mails;
DROP TABLE inbox_notifications;
DROP TABLE permission_tokens;
DROP TABLE event_attendances;
DROP TABLE group_tags;
DROP TABLE content_tags;
DROP TABLE tags;
DROP TABLE contributions;
DROP TABLE applications;
DROP TABLE associations;
DROP TABLE conversations;
DROP TABLE poll_votes;
DROP TABLE poll_options;
DROP TABLE gallery_images;
DROP TABLE files;
DROP TABLE content_versions;
DROP TABLE contents;
DROP TABLE polls;
DROP TABLE images;
DROP TABLE subscriptions;
DROP TABLE memberships;
DROP TABLE entity_slugs;
DROP TABLE groups;
DROP TABLE email_confirmations;
DROP TABLE email_addresses;
DROP TABLE gestalt_settings;
DROP TABLE gestalten;
DROP TABLE site_settings;
