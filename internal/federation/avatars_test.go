package federation

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// TestRemoveMedia: a removal job removes unused avatars (avatars/<name>) and pictures (<name>)
// below media_root, and leaves alone what is in use, what lies elsewhere and names that
// would leave their folder.
func TestRemoveMedia(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newService(t, db, true)
		root := s.media
		write := func(name string) {
			t.Helper()
			p := filepath.Join(root, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for _, name := range []string{"avatars/gone.jpg", "avatars/used.jpg", "gone.jpg", "logos/logo.jpg", "../outside.jpg"} {
			write(name)
		}
		g := &store.Gestalt{Username: "anna", Password: "!", DateJoined: time.Now()}
		if err := db.Tx(ctx, func(q *store.Queries) error {
			if _, err := q.CreateGestalt(ctx, g); err != nil {
				return err
			}
			return q.SetAvatar(ctx, g.ID, "avatars/used.jpg")
		}); err != nil {
			t.Fatal(err)
		}
		payload, _ := json.Marshal(mediaRemoval{Files: []string{"avatars/gone.jpg", "avatars/used.jpg", "gone.jpg",
			"logos/logo.jpg", "../outside.jpg", "avatars/../gone.jpg", "/etc/passwd", ""}})
		if err := s.RemoveMedia(ctx, &store.Job{ID: 1, Payload: payload}); err != nil {
			t.Fatal(err)
		}
		for name, kept := range map[string]bool{"avatars/gone.jpg": false, "gone.jpg": false, "avatars/used.jpg": true,
			"logos/logo.jpg": true, "../outside.jpg": true} {
			if _, err := os.Stat(filepath.Join(root, name)); (err == nil) != kept {
				t.Errorf("%s: kept %v, want %v", name, err == nil, kept)
			}
		}
	})
}
