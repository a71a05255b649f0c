-- Full-text search over public contents and groups (FTS5). The rowid names the item: an
-- association's id times 2, or a group's id times 2 plus 1. Umlauts and accents fold to
-- their base letters, so that "Gärten" finds "Garten"; prefixes of 2 to 4 letters are
-- indexed for search-as-you-type.

-- +goose Up
CREATE VIRTUAL TABLE search_index USING fts5(
    title, body,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4'
);

-- +goose Down
DROP TABLE search_index;
