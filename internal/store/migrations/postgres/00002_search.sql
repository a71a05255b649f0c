-- Full-text search over public contents and groups with German stemming. id names the item:
-- an association's id times 2, or a group's id times 2 plus 1. Titles weigh more than
-- bodies; "simple" vectors beside the German ones keep words the stemmer would change
-- findable by their prefixes.

-- +goose Up
CREATE TABLE search_index (
    id       BIGINT PRIMARY KEY,
    title    TEXT NOT NULL,
    body     TEXT NOT NULL,
    document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('german', title), 'A') || setweight(to_tsvector('german', body), 'B') ||
        setweight(to_tsvector('simple', title), 'C') || setweight(to_tsvector('simple', body), 'D')
    ) STORED
);
CREATE INDEX search_index_document ON search_index USING GIN (document);

-- +goose Down
DROP TABLE search_index;
