-- Pictures of replies from the Fediverse (issue 21): a Note's image attachments are fetched
-- by a job and kept as the comment's attached files, as a mail's attachments are. pictures is
-- what the Note last asked for (a JSON list of address and description, '' for none): a job
-- that fetched for an older state of the Note adds nothing, and an Update that asks for the
-- same pictures fetches nothing again. Remote authors' avatars need no column: the stand-in
-- gestalt keeps its avatar file as a person does (gestalten.avatar).

-- +goose Up
ALTER TABLE activitypub_replies ADD COLUMN pictures TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE activitypub_replies DROP COLUMN pictures;
