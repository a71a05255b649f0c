package store

import (
	"context"
	"fmt"
	"strings"
	"unicode"
)

// The search index holds public contents (by association) and groups; its id encodes which.
func contentSearchID(associationID int64) int64 { return associationID * 2 }
func groupSearchID(groupID int64) int64         { return groupID*2 + 1 }

// SearchHit is a found item: a content's association or a group.
type SearchHit struct {
	AssociationID int64 // or
	GroupID       int64
}

func (q *Queries) searchIDColumn() string {
	if q.d == Postgres {
		return "id"
	}
	return "rowid"
}

func (q *Queries) setSearchEntry(ctx context.Context, id int64, title, body string) error {
	col := q.searchIDColumn()
	if _, err := q.exec(ctx, `DELETE FROM search_index WHERE `+col+` = ?`, id); err != nil {
		return fmt.Errorf("store: search index: %w", err)
	}
	if title == "" && body == "" {
		return nil
	}
	if _, err := q.exec(ctx, `INSERT INTO search_index (`+col+`, title, body) VALUES (?, ?, ?)`, id, title, body); err != nil {
		return fmt.Errorf("store: search index: %w", err)
	}
	return nil
}

// IndexContent brings a content's entries of the search index up to date: the not deleted
// publications an anonymous visitor may see (visibleTo without a viewer: the public ones) are
// found by their slug, title, text, place, tags and public comments; others not at all. The
// index is one for everybody, so it holds only what everybody may see. Call it in the
// transaction that changed the content.
func (q *Queries) IndexContent(ctx context.Context, contentID int64) error {
	anyone, _ := visibleTo(0, nil)
	rows, err := q.query(ctx, `SELECT a.id, COALESCE(a.slug, ''), a.deleted IS NULL AND `+anyone+`
		FROM associations a WHERE a.content_id = ?`, contentID)
	if err != nil {
		return fmt.Errorf("store: search index: %w", err)
	}
	type entry struct {
		id      int64
		slug    string
		visible bool
	}
	var entries []entry
	for rows.Next() {
		var e entry
		if err := rows.Scan(&e.id, &e.slug, &e.visible); err != nil {
			rows.Close()
			return fmt.Errorf("store: search index: %w", err)
		}
		entries = append(entries, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: search index: %w", err)
	}
	var title string
	var body []string
	for _, e := range entries {
		if !e.visible {
			if err := q.setSearchEntry(ctx, contentSearchID(e.id), "", ""); err != nil {
				return err
			}
			continue
		}
		if body == nil {
			if title, body, err = q.contentDocument(ctx, contentID); err != nil {
				return err
			}
		}
		if err := q.setSearchEntry(ctx, contentSearchID(e.id), title, strings.Join(append([]string{e.slug}, body...), "\n")); err != nil {
			return err
		}
	}
	return nil
}

// contentDocument is what a content is found by.
func (q *Queries) contentDocument(ctx context.Context, contentID int64) (string, []string, error) {
	var title, place, text string
	err := q.queryRow(ctx, `SELECT c.title, c.place, COALESCE((SELECT v.text FROM content_versions v WHERE v.content_id = c.id
		ORDER BY v.time_created DESC, v.id DESC LIMIT 1), '') FROM contents c WHERE c.id = ?`, contentID).Scan(&title, &place, &text)
	if err != nil {
		return "", nil, fmt.Errorf("store: search index: %w", classify(err))
	}
	body := []string{text, place}
	more, err := q.strings(ctx, `SELECT t.name FROM content_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.content_id = ?
		UNION ALL SELECT x.text FROM contributions x WHERE x.content_id = ? AND x.public AND x.deleted IS NULL AND x.kind = 'text'`,
		contentID, contentID)
	if err != nil {
		return "", nil, err
	}
	return title, append(body, more...), nil
}

func (q *Queries) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: search index: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("store: search index: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// IndexGroup brings a group's entry of the search index up to date: groups are found by
// slug, name, address, description and tags.
func (q *Queries) IndexGroup(ctx context.Context, groupID int64) error {
	var slug, name, address, description string
	err := q.queryRow(ctx, `SELECT slug, name, address, description FROM groups WHERE id = ?`, groupID).
		Scan(&slug, &name, &address, &description)
	if err != nil {
		return fmt.Errorf("store: search index: %w", classify(err))
	}
	tags, err := q.strings(ctx, `SELECT t.name FROM group_tags gt JOIN tags t ON t.id = gt.tag_id WHERE gt.group_id = ?`, groupID)
	if err != nil {
		return err
	}
	return q.setSearchEntry(ctx, groupSearchID(groupID), name, strings.Join(append([]string{slug, address, description}, tags...), "\n"))
}

// UnindexGroup removes a group from the search index.
func (q *Queries) UnindexGroup(ctx context.Context, groupID int64) error {
	return q.setSearchEntry(ctx, groupSearchID(groupID), "", "")
}

// RebuildSearchIndex indexes every content and group anew (after an import).
func (q *Queries) RebuildSearchIndex(ctx context.Context) error {
	if _, err := q.exec(ctx, `DELETE FROM search_index`); err != nil {
		return fmt.Errorf("store: search index: %w", err)
	}
	for _, table := range []string{"groups", "contents"} {
		ids, err := q.ids(ctx, `SELECT id FROM `+table+` ORDER BY id`)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if table == "groups" {
				err = q.IndexGroup(ctx, id)
			} else {
				err = q.IndexContent(ctx, id)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func (q *Queries) ids(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// SearchTerms splits what someone typed into words: letters and digits only, so that no
// search syntax comes through (quotes, minus, colons), at most 10 words of 100 letters.
func SearchTerms(input string) []string {
	words := strings.FieldsFunc(input, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	out := make([]string, 0, len(words))
	for _, w := range words {
		if r := []rune(w); len(r) > 100 {
			w = string(r[:100])
		}
		out = append(out, strings.ToLower(w))
		if len(out) == 10 {
			break
		}
	}
	return out
}

// Search finds the public contents and groups whose words begin with all the terms, best
// matches first.
func (q *Queries) Search(ctx context.Context, terms []string, limit, offset int) ([]SearchHit, error) {
	if len(terms) == 0 {
		return nil, nil
	}
	var query string
	var args []any
	if q.d == Postgres {
		parts := make([]string, len(terms))
		for i, t := range terms {
			parts[i] = "(to_tsquery('german', ?) || to_tsquery('simple', ?))"
			args = append(args, t+":*", t+":*")
		}
		query = `SELECT s.id FROM search_index s, (SELECT ` + strings.Join(parts, " && ") + ` AS query) x
			WHERE s.document @@ x.query ORDER BY ts_rank(s.document, x.query) DESC, s.id DESC LIMIT ? OFFSET ?`
	} else {
		parts := make([]string, len(terms))
		for i, t := range terms {
			parts[i] = `"` + t + `"*`
		}
		args = append(args, strings.Join(parts, " "))
		query = `SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY bm25(search_index, 4.0, 1.0), rowid DESC
			LIMIT ? OFFSET ?`
	}
	ids, err := q.ids(ctx, query, append(args, limit, offset)...)
	if err != nil {
		return nil, fmt.Errorf("store: search: %w", err)
	}
	hits := make([]SearchHit, len(ids))
	for i, id := range ids {
		if id%2 == 1 {
			hits[i].GroupID = id / 2
		} else {
			hits[i].AssociationID = id / 2
		}
	}
	return hits, nil
}
