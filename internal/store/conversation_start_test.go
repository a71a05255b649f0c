package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// A conversation starts with the same rows on both dialects (PostgreSQL writes them in one
// statement): with a group and with a person, the ids handed back are the rows written.
func TestStartConversation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var rows []string
		err := db.Tx(ctx, func(q *store.Queries) error {
			anna, bert := newGestalt(t, q, "anna"), newGestalt(t, q, "bert")
			garden := newGroup(t, q, "garten")
			for i, a := range []*store.Association{{GroupID: garden.ID}, {GestaltID: bert.ID}} {
				text := &store.Contribution{AuthorID: anna.ID, Text: fmt.Sprintf("Text %d", i), TimeCreated: day, Public: true}
				id, err := q.StartConversation(ctx, fmt.Sprintf("Betreff %d", i), a, text)
				if err != nil {
					return err
				}
				if a.ConversationID != id || text.ConversationID != id || a.ID == 0 || text.ID == 0 {
					t.Errorf("%d: conversation %d, association %+v, text %+v", i, id, a, text)
				}
				rows = append(rows, fmt.Sprintf("%d %d %d %d %d %d %d", i, id, a.ID, text.ID, a.GroupID, a.GestaltID, anna.ID))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got := storetest.Rows(t, db, `SELECT c.subject, a.id, COALESCE(a.group_id, 0), COALESCE(a.gestalt_id, 0), a.public, a.pinned,
			COALESCE(a.slug, '-'), m.id, m.author_id, m.kind, m.text, m.time_created, m.public, COALESCE(m.in_reply_to_id, 0)
			FROM conversations c JOIN associations a ON a.conversation_id = c.id JOIN contributions m ON m.conversation_id = c.id
			ORDER BY c.id`)
		var want []string
		for _, r := range rows {
			var i, id, assoc, text, group, person, author int64
			fmt.Sscan(r, &i, &id, &assoc, &text, &group, &person, &author)
			want = append(want, fmt.Sprintf("Betreff %d|%d|%d|%d|0|0|-|%d|%d|text|Text %d|2026-11-23 00:00:00|1|0", i, assoc, group, person, text, author, i))
		}
		if !slices.Equal(got, want) {
			t.Errorf("rows:\n%q\nwant\n%q", got, want)
		}
	})
}
