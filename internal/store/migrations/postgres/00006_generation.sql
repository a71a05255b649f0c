-- The store's generation: a number that grows with every committed transaction that
-- changes what pages show. The web daemons keep what they computed from the database (lists,
-- counts, rendered parts of pages) under the generation they read before computing it, and
-- use it only while the generation is unchanged, so that every change shows at once, on every
-- daemon that shares the database. Triggers bump it, so every writer counts: the daemons,
-- the commands, imports and restores.
--
-- Tables without a trigger hold nothing a page shows from a cache: sessions, rate limits, the
-- job queue, OpenID Connect requests and tokens, sign-ups and addresses waiting for
-- confirmation, the record of delivered mails, reply tokens and the search index. A test
-- (TestGenerationTriggers) fails when a new table has no trigger and is not in that list.
--
-- Here the triggers run at commit (deferred), once per transaction, and the generation is
-- the sum of 16 rows of which each transaction raises one at random: a row is locked only
-- for the commit that raised it, and writers committing at the same time seldom meet on
-- one row (a single row held through every commit's flush made all writers of the site
-- queue behind each other: LMTP lost a fifth of its speed).

-- +goose Up
CREATE TABLE generation (
    id INTEGER PRIMARY KEY CHECK (id >= 0 AND id < 16),
    n  BIGINT NOT NULL
);
INSERT INTO generation (id, n) SELECT i, 0 FROM generate_series(0, 15) AS i;
UPDATE generation SET n = 1 WHERE id = 0;

-- +goose StatementBegin
CREATE FUNCTION bump_generation() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    shard integer := floor(random() * 16)::integer; -- once: in WHERE, random() runs per row
BEGIN
    IF current_setting('grouprise.generation_bumped', true) = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('grouprise.generation_bumped', 'on', true);
    UPDATE generation SET n = n + 1 WHERE id = shard;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER site_settings_generation AFTER INSERT OR UPDATE OR DELETE ON site_settings DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER gestalten_generation AFTER INSERT OR UPDATE OR DELETE ON gestalten DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER gestalt_settings_generation AFTER INSERT OR UPDATE OR DELETE ON gestalt_settings DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER email_addresses_generation AFTER INSERT OR UPDATE OR DELETE ON email_addresses DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER groups_generation AFTER INSERT OR UPDATE OR DELETE ON groups DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER entity_slugs_generation AFTER INSERT OR UPDATE OR DELETE ON entity_slugs DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER memberships_generation AFTER INSERT OR UPDATE OR DELETE ON memberships DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER subscriptions_generation AFTER INSERT OR UPDATE OR DELETE ON subscriptions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER images_generation AFTER INSERT OR UPDATE OR DELETE ON images DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER polls_generation AFTER INSERT OR UPDATE OR DELETE ON polls DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER contents_generation AFTER INSERT OR UPDATE OR DELETE ON contents DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER content_versions_generation AFTER INSERT OR UPDATE OR DELETE ON content_versions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER files_generation AFTER INSERT OR UPDATE OR DELETE ON files DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER gallery_images_generation AFTER INSERT OR UPDATE OR DELETE ON gallery_images DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER poll_options_generation AFTER INSERT OR UPDATE OR DELETE ON poll_options DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER poll_votes_generation AFTER INSERT OR UPDATE OR DELETE ON poll_votes DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER conversations_generation AFTER INSERT OR UPDATE OR DELETE ON conversations DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER associations_generation AFTER INSERT OR UPDATE OR DELETE ON associations DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER applications_generation AFTER INSERT OR UPDATE OR DELETE ON applications DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER contributions_generation AFTER INSERT OR UPDATE OR DELETE ON contributions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER tags_generation AFTER INSERT OR UPDATE OR DELETE ON tags DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER content_tags_generation AFTER INSERT OR UPDATE OR DELETE ON content_tags DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER group_tags_generation AFTER INSERT OR UPDATE OR DELETE ON group_tags DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER event_attendances_generation AFTER INSERT OR UPDATE OR DELETE ON event_attendances DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER inbox_notifications_generation AFTER INSERT OR UPDATE OR DELETE ON inbox_notifications DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER imported_feed_entries_generation AFTER INSERT OR UPDATE OR DELETE ON imported_feed_entries DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER matrix_rooms_generation AFTER INSERT OR UPDATE OR DELETE ON matrix_rooms DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER matrix_room_invitations_generation AFTER INSERT OR UPDATE OR DELETE ON matrix_room_invitations DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER oidc_clients_generation AFTER INSERT OR UPDATE OR DELETE ON oidc_clients DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER oidc_consents_generation AFTER INSERT OR UPDATE OR DELETE ON oidc_consents DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER old_media_names_generation AFTER INSERT OR UPDATE OR DELETE ON old_media_names DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();
CREATE CONSTRAINT TRIGGER unconfirmed_senders_generation AFTER INSERT OR UPDATE OR DELETE ON unconfirmed_senders DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_generation();

-- +goose Down
DROP TRIGGER site_settings_generation ON site_settings;
DROP TRIGGER gestalten_generation ON gestalten;
DROP TRIGGER gestalt_settings_generation ON gestalt_settings;
DROP TRIGGER email_addresses_generation ON email_addresses;
DROP TRIGGER groups_generation ON groups;
DROP TRIGGER entity_slugs_generation ON entity_slugs;
DROP TRIGGER memberships_generation ON memberships;
DROP TRIGGER subscriptions_generation ON subscriptions;
DROP TRIGGER images_generation ON images;
DROP TRIGGER polls_generation ON polls;
DROP TRIGGER contents_generation ON contents;
DROP TRIGGER content_versions_generation ON content_versions;
DROP TRIGGER files_generation ON files;
DROP TRIGGER gallery_images_generation ON gallery_images;
DROP TRIGGER poll_options_generation ON poll_options;
DROP TRIGGER poll_votes_generation ON poll_votes;
DROP TRIGGER conversations_generation ON conversations;
DROP TRIGGER associations_generation ON associations;
DROP TRIGGER applications_generation ON applications;
DROP TRIGGER contributions_generation ON contributions;
DROP TRIGGER tags_generation ON tags;
DROP TRIGGER content_tags_generation ON content_tags;
DROP TRIGGER group_tags_generation ON group_tags;
DROP TRIGGER event_attendances_generation ON event_attendances;
DROP TRIGGER inbox_notifications_generation ON inbox_notifications;
DROP TRIGGER imported_feed_entries_generation ON imported_feed_entries;
DROP TRIGGER matrix_rooms_generation ON matrix_rooms;
DROP TRIGGER matrix_room_invitations_generation ON matrix_room_invitations;
DROP TRIGGER oidc_clients_generation ON oidc_clients;
DROP TRIGGER oidc_consents_generation ON oidc_consents;
DROP TRIGGER old_media_names_generation ON old_media_names;
DROP TRIGGER unconfirmed_senders_generation ON unconfirmed_senders;
DROP FUNCTION bump_generation();
DROP TABLE generation;
