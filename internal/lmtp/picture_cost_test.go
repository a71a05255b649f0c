package lmtp

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/images/imagestest"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// A mail's picture attachment is kept as the file it came as and never decoded: a
// progressive JPEG that would take 294 MB to decode (which an upload is refused for) is
// delivered with its mail, stored byte for byte, without the daemon allocating for it.
func TestMailWithCostlyPicture(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		ctx := context.Background()
		c := s.dial()
		c.send("LHLO mta")
		c.reply()
		bomb := imagestest.ProgressiveJPEG(4000, 4000)
		msg := "Message-ID: <p1@example.org>\nSubject: Das Beet von oben\nMIME-Version: 1.0\n" +
			"Content-Type: multipart/mixed; boundary=m\n\n" +
			"--m\nContent-Type: text/plain; charset=utf-8\n\nSo sieht es aus.\n" +
			"--m\nContent-Type: image/jpeg\nContent-Disposition: attachment; filename=\"beet.jpg\"\nContent-Transfer-Encoding: base64\n\n" +
			base64.StdEncoding.EncodeToString(bomb) + "\n--m--\n"
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, data, texts := c.transaction("anna@example.org", []string{"garten@grouprise.test"}, strings.ReplaceAll(msg, "\n", "\r\n"))
		runtime.ReadMemStats(&after)
		if data[0] != 250 {
			t.Fatalf("the mail: %v %q", data, texts)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
			t.Errorf("delivering the mail allocated %d MB: was the picture decoded?", alloc>>20)
		}
		assoc, err := db.AssociationOf(ctx, 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		thread, _ := db.Thread(ctx, 0, assoc.ConversationID, true)
		if len(thread) != 2 || thread[0].Text != "So sieht es aus." || thread[1].Kind != "file" || thread[1].FileName != "beet.jpg" {
			t.Fatalf("thread %+v", thread)
		}
		if stored, err := os.ReadFile(filepath.Join(s.cfg.MediaRoot, thread[1].FileStored)); err != nil || !bytes.Equal(stored, bomb) {
			t.Errorf("stored attachment: %d bytes, %v; want the %d bytes sent", len(stored), err, len(bomb))
		}
	})
}
