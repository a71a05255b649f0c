-- Pictures of people and groups live in their own directories below media_root
-- (avatars/, logos/, backgrounds/) and are stored with that directory, as uploads always
-- were. Imports before this version stored the Django grouprise's bare names; they get the
-- directory here (the web daemon still finds such a file where the import left it).
-- old_media_names keeps the names under which the Django grouprise served a file at
-- /stadt/media/<old_name> when it is stored here under another name (renamed before
-- grouprise 5.0, or by the import), so that old links keep working.

-- +goose Up
UPDATE gestalten SET avatar = 'avatars/' || avatar WHERE avatar <> '' AND avatar NOT LIKE '%/%';
UPDATE gestalten SET background = 'backgrounds/' || background WHERE background <> '' AND background NOT LIKE '%/%';
UPDATE groups SET avatar = 'avatars/' || avatar WHERE avatar <> '' AND avatar NOT LIKE '%/%';
UPDATE groups SET logo = 'logos/' || logo WHERE logo <> '' AND logo NOT LIKE '%/%';

CREATE TABLE old_media_names (
    old_name TEXT PRIMARY KEY,
    name     TEXT NOT NULL
);

-- +goose Down
DROP TABLE old_media_names;
