-- Conversations from the Fediverse (issue 21): a post that mentions a group starts a
-- conversation with the group's members, when the group chose so.
--
-- activitypub_group_settings.conversations is that choice (off unless the group turns it on).
-- activitypub_conversation_notes ties each message of such a conversation to its Note: the
-- remote author's (actor_id names the author; one message per Note, so that a redelivery adds
-- nothing) and the group's answers to the author (actor_id empty; the id answers as the Note
-- to its addressee only). No page shows the Notes' ids (no triggers; store.untracked lists
-- the table); the setting's column is covered by the settings table's triggers.

-- +goose Up
ALTER TABLE activitypub_group_settings ADD COLUMN conversations BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE activitypub_conversation_notes (
    contribution_id INTEGER PRIMARY KEY REFERENCES contributions (id) ON DELETE CASCADE,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    note_id         TEXT NOT NULL UNIQUE,
    actor_id        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX activitypub_conversation_notes_conversation ON activitypub_conversation_notes (conversation_id);

-- +goose Down
DROP TABLE activitypub_conversation_notes;
ALTER TABLE activitypub_group_settings DROP COLUMN conversations;
