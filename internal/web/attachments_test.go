package web

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// Attached pictures, videos and sounds are shown in the page (F78), with their download link;
// other files, and SVG, stay download links. Those who may not see the content see neither.
func TestAttachmentsShownInline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newInternalSite(t, db)
		ctx := context.Background()
		thread, err := db.Thread(ctx, s.internal.ContentID, 0, true)
		if err != nil {
			t.Fatal(err)
		}
		comment := thread[0].ID
		media := map[string]string{"foto-a1.png": "Foto.PNG", "clip-b2.webm": "clip.webm", "ton-c3.opus": "ton.opus", "plan-d4.svg": "plan.svg"}
		err = db.Tx(ctx, func(q *store.Queries) error {
			for stored, name := range media {
				if err := os.WriteFile(filepath.Join(s.cfg.MediaRoot, stored), []byte("x"), 0o640); err != nil {
					return err
				}
				f := &store.File{File: stored, Filename: name}
				if _, err := q.AddFile(ctx, f); err != nil {
					return err
				}
				if _, err := q.AddContribution(ctx, &store.Contribution{ContentID: s.internal.ContentID, AuthorID: s.bob.ID,
					Kind: "file", FileID: f.ID, AttachedToID: comment, TimeCreated: time.Now()}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		page := s.loggedIn("alice", "alice-password").get("/garten/" + s.internal.Slug + "/")
		page.expect(t, http.StatusOK)
		for sel, want := range map[string]int{
			`.attachments figure.attachment img[src="/-/files/foto-a1.png"][alt="Foto.PNG"]`: 1,
			`.attachments figure.attachment video[src="/-/files/clip-b2.webm"][controls]`:    1,
			`.attachments figure.attachment audio[src="/-/files/ton-c3.opus"][controls]`:     1,
			`.attachments figcaption a[href="/-/files/foto-a1.png"]`:                         1,
			`.attachments li > a[href="/-/files/plan-d4.svg"]`:                               1,
			`.attachments li > a[href="/-/files/` + s.file + `"]`:                            1,
			`img[src="/-/files/plan-d4.svg"], img[src="/-/files/` + s.file + `"]`:            0,
		} {
			if n := page.doc.Find(sel).Length(); n != want {
				t.Errorf("%s: %d, want %d", sel, n, want)
			}
		}
		if r := s.loggedIn("carol", "carol-password").get("/garten/" + s.internal.Slug + "/"); r.StatusCode != http.StatusForbidden {
			t.Errorf("an outsider: %d", r.StatusCode)
		}
	})
}
