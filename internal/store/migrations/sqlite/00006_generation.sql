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

-- +goose Up
CREATE TABLE generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO generation (id, n) VALUES (1, 1);

-- +goose StatementBegin
CREATE TRIGGER site_settings_generation_insert AFTER INSERT ON site_settings BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER site_settings_generation_update AFTER UPDATE ON site_settings BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER site_settings_generation_delete AFTER DELETE ON site_settings BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gestalten_generation_insert AFTER INSERT ON gestalten BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gestalten_generation_update AFTER UPDATE ON gestalten BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gestalten_generation_delete AFTER DELETE ON gestalten BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gestalt_settings_generation_insert AFTER INSERT ON gestalt_settings BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gestalt_settings_generation_update AFTER UPDATE ON gestalt_settings BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gestalt_settings_generation_delete AFTER DELETE ON gestalt_settings BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER email_addresses_generation_insert AFTER INSERT ON email_addresses BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER email_addresses_generation_update AFTER UPDATE ON email_addresses BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER email_addresses_generation_delete AFTER DELETE ON email_addresses BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER groups_generation_insert AFTER INSERT ON groups BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER groups_generation_update AFTER UPDATE ON groups BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER groups_generation_delete AFTER DELETE ON groups BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER entity_slugs_generation_insert AFTER INSERT ON entity_slugs BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER entity_slugs_generation_update AFTER UPDATE ON entity_slugs BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER entity_slugs_generation_delete AFTER DELETE ON entity_slugs BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER memberships_generation_insert AFTER INSERT ON memberships BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER memberships_generation_update AFTER UPDATE ON memberships BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER memberships_generation_delete AFTER DELETE ON memberships BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER subscriptions_generation_insert AFTER INSERT ON subscriptions BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER subscriptions_generation_update AFTER UPDATE ON subscriptions BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER subscriptions_generation_delete AFTER DELETE ON subscriptions BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER images_generation_insert AFTER INSERT ON images BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER images_generation_update AFTER UPDATE ON images BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER images_generation_delete AFTER DELETE ON images BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER polls_generation_insert AFTER INSERT ON polls BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER polls_generation_update AFTER UPDATE ON polls BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER polls_generation_delete AFTER DELETE ON polls BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER contents_generation_insert AFTER INSERT ON contents BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER contents_generation_update AFTER UPDATE ON contents BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER contents_generation_delete AFTER DELETE ON contents BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER content_versions_generation_insert AFTER INSERT ON content_versions BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER content_versions_generation_update AFTER UPDATE ON content_versions BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER content_versions_generation_delete AFTER DELETE ON content_versions BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER files_generation_insert AFTER INSERT ON files BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER files_generation_update AFTER UPDATE ON files BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER files_generation_delete AFTER DELETE ON files BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gallery_images_generation_insert AFTER INSERT ON gallery_images BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gallery_images_generation_update AFTER UPDATE ON gallery_images BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gallery_images_generation_delete AFTER DELETE ON gallery_images BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER poll_options_generation_insert AFTER INSERT ON poll_options BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER poll_options_generation_update AFTER UPDATE ON poll_options BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER poll_options_generation_delete AFTER DELETE ON poll_options BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER poll_votes_generation_insert AFTER INSERT ON poll_votes BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER poll_votes_generation_update AFTER UPDATE ON poll_votes BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER poll_votes_generation_delete AFTER DELETE ON poll_votes BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER conversations_generation_insert AFTER INSERT ON conversations BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER conversations_generation_update AFTER UPDATE ON conversations BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER conversations_generation_delete AFTER DELETE ON conversations BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER associations_generation_insert AFTER INSERT ON associations BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER associations_generation_update AFTER UPDATE ON associations BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER associations_generation_delete AFTER DELETE ON associations BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER applications_generation_insert AFTER INSERT ON applications BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER applications_generation_update AFTER UPDATE ON applications BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER applications_generation_delete AFTER DELETE ON applications BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER contributions_generation_insert AFTER INSERT ON contributions BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER contributions_generation_update AFTER UPDATE ON contributions BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER contributions_generation_delete AFTER DELETE ON contributions BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tags_generation_insert AFTER INSERT ON tags BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tags_generation_update AFTER UPDATE ON tags BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER tags_generation_delete AFTER DELETE ON tags BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER content_tags_generation_insert AFTER INSERT ON content_tags BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER content_tags_generation_update AFTER UPDATE ON content_tags BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER content_tags_generation_delete AFTER DELETE ON content_tags BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER group_tags_generation_insert AFTER INSERT ON group_tags BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER group_tags_generation_update AFTER UPDATE ON group_tags BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER group_tags_generation_delete AFTER DELETE ON group_tags BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER event_attendances_generation_insert AFTER INSERT ON event_attendances BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER event_attendances_generation_update AFTER UPDATE ON event_attendances BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER event_attendances_generation_delete AFTER DELETE ON event_attendances BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER inbox_notifications_generation_insert AFTER INSERT ON inbox_notifications BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER inbox_notifications_generation_update AFTER UPDATE ON inbox_notifications BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER inbox_notifications_generation_delete AFTER DELETE ON inbox_notifications BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER imported_feed_entries_generation_insert AFTER INSERT ON imported_feed_entries BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER imported_feed_entries_generation_update AFTER UPDATE ON imported_feed_entries BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER imported_feed_entries_generation_delete AFTER DELETE ON imported_feed_entries BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER matrix_rooms_generation_insert AFTER INSERT ON matrix_rooms BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER matrix_rooms_generation_update AFTER UPDATE ON matrix_rooms BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER matrix_rooms_generation_delete AFTER DELETE ON matrix_rooms BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER matrix_room_invitations_generation_insert AFTER INSERT ON matrix_room_invitations BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER matrix_room_invitations_generation_update AFTER UPDATE ON matrix_room_invitations BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER matrix_room_invitations_generation_delete AFTER DELETE ON matrix_room_invitations BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER oidc_clients_generation_insert AFTER INSERT ON oidc_clients BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER oidc_clients_generation_update AFTER UPDATE ON oidc_clients BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER oidc_clients_generation_delete AFTER DELETE ON oidc_clients BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER oidc_consents_generation_insert AFTER INSERT ON oidc_consents BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER oidc_consents_generation_update AFTER UPDATE ON oidc_consents BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER oidc_consents_generation_delete AFTER DELETE ON oidc_consents BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER old_media_names_generation_insert AFTER INSERT ON old_media_names BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER old_media_names_generation_update AFTER UPDATE ON old_media_names BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER old_media_names_generation_delete AFTER DELETE ON old_media_names BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER unconfirmed_senders_generation_insert AFTER INSERT ON unconfirmed_senders BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER unconfirmed_senders_generation_update AFTER UPDATE ON unconfirmed_senders BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER unconfirmed_senders_generation_delete AFTER DELETE ON unconfirmed_senders BEGIN UPDATE generation SET n = n + 1; END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER site_settings_generation_insert;
DROP TRIGGER site_settings_generation_update;
DROP TRIGGER site_settings_generation_delete;
DROP TRIGGER gestalten_generation_insert;
DROP TRIGGER gestalten_generation_update;
DROP TRIGGER gestalten_generation_delete;
DROP TRIGGER gestalt_settings_generation_insert;
DROP TRIGGER gestalt_settings_generation_update;
DROP TRIGGER gestalt_settings_generation_delete;
DROP TRIGGER email_addresses_generation_insert;
DROP TRIGGER email_addresses_generation_update;
DROP TRIGGER email_addresses_generation_delete;
DROP TRIGGER groups_generation_insert;
DROP TRIGGER groups_generation_update;
DROP TRIGGER groups_generation_delete;
DROP TRIGGER entity_slugs_generation_insert;
DROP TRIGGER entity_slugs_generation_update;
DROP TRIGGER entity_slugs_generation_delete;
DROP TRIGGER memberships_generation_insert;
DROP TRIGGER memberships_generation_update;
DROP TRIGGER memberships_generation_delete;
DROP TRIGGER subscriptions_generation_insert;
DROP TRIGGER subscriptions_generation_update;
DROP TRIGGER subscriptions_generation_delete;
DROP TRIGGER images_generation_insert;
DROP TRIGGER images_generation_update;
DROP TRIGGER images_generation_delete;
DROP TRIGGER polls_generation_insert;
DROP TRIGGER polls_generation_update;
DROP TRIGGER polls_generation_delete;
DROP TRIGGER contents_generation_insert;
DROP TRIGGER contents_generation_update;
DROP TRIGGER contents_generation_delete;
DROP TRIGGER content_versions_generation_insert;
DROP TRIGGER content_versions_generation_update;
DROP TRIGGER content_versions_generation_delete;
DROP TRIGGER files_generation_insert;
DROP TRIGGER files_generation_update;
DROP TRIGGER files_generation_delete;
DROP TRIGGER gallery_images_generation_insert;
DROP TRIGGER gallery_images_generation_update;
DROP TRIGGER gallery_images_generation_delete;
DROP TRIGGER poll_options_generation_insert;
DROP TRIGGER poll_options_generation_update;
DROP TRIGGER poll_options_generation_delete;
DROP TRIGGER poll_votes_generation_insert;
DROP TRIGGER poll_votes_generation_update;
DROP TRIGGER poll_votes_generation_delete;
DROP TRIGGER conversations_generation_insert;
DROP TRIGGER conversations_generation_update;
DROP TRIGGER conversations_generation_delete;
DROP TRIGGER associations_generation_insert;
DROP TRIGGER associations_generation_update;
DROP TRIGGER associations_generation_delete;
DROP TRIGGER applications_generation_insert;
DROP TRIGGER applications_generation_update;
DROP TRIGGER applications_generation_delete;
DROP TRIGGER contributions_generation_insert;
DROP TRIGGER contributions_generation_update;
DROP TRIGGER contributions_generation_delete;
DROP TRIGGER tags_generation_insert;
DROP TRIGGER tags_generation_update;
DROP TRIGGER tags_generation_delete;
DROP TRIGGER content_tags_generation_insert;
DROP TRIGGER content_tags_generation_update;
DROP TRIGGER content_tags_generation_delete;
DROP TRIGGER group_tags_generation_insert;
DROP TRIGGER group_tags_generation_update;
DROP TRIGGER group_tags_generation_delete;
DROP TRIGGER event_attendances_generation_insert;
DROP TRIGGER event_attendances_generation_update;
DROP TRIGGER event_attendances_generation_delete;
DROP TRIGGER inbox_notifications_generation_insert;
DROP TRIGGER inbox_notifications_generation_update;
DROP TRIGGER inbox_notifications_generation_delete;
DROP TRIGGER imported_feed_entries_generation_insert;
DROP TRIGGER imported_feed_entries_generation_update;
DROP TRIGGER imported_feed_entries_generation_delete;
DROP TRIGGER matrix_rooms_generation_insert;
DROP TRIGGER matrix_rooms_generation_update;
DROP TRIGGER matrix_rooms_generation_delete;
DROP TRIGGER matrix_room_invitations_generation_insert;
DROP TRIGGER matrix_room_invitations_generation_update;
DROP TRIGGER matrix_room_invitations_generation_delete;
DROP TRIGGER oidc_clients_generation_insert;
DROP TRIGGER oidc_clients_generation_update;
DROP TRIGGER oidc_clients_generation_delete;
DROP TRIGGER oidc_consents_generation_insert;
DROP TRIGGER oidc_consents_generation_update;
DROP TRIGGER oidc_consents_generation_delete;
DROP TRIGGER old_media_names_generation_insert;
DROP TRIGGER old_media_names_generation_update;
DROP TRIGGER old_media_names_generation_delete;
DROP TRIGGER unconfirmed_senders_generation_insert;
DROP TRIGGER unconfirmed_senders_generation_update;
DROP TRIGGER unconfirmed_senders_generation_delete;
DROP TABLE generation;
