package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// The export page's copy buttons carry the address they copy: the script copies the
// data-copy attribute, so one without a value put an empty string on the clipboard.
func TestCalendarExportCopies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		anna := s.person("anna", "anna-password")
		s.group("Garten", anna)
		for _, c := range []struct {
			path string
			want []string
		}{
			{"/garten/events/export", []string{"http://grouprise.test/garten/events/public.ics", "/garten/events/private.ics?token=anna%3A"}},
			{"/stadt/events/export", []string{"http://grouprise.test/stadt/events/public.ics", "/stadt/events/private.ics?token=anna%3A"}},
		} {
			page := s.loggedIn("anna", "anna-password").get(c.path)
			page.expect(t, http.StatusOK)
			fields := page.doc.Find("input[readonly]")
			copies := page.doc.Find("[data-copy]")
			if fields.Length() != len(c.want) || copies.Length() != len(c.want) {
				t.Fatalf("%s: %d address fields and %d copy buttons, want %d each", c.path, fields.Length(), copies.Length(), len(c.want))
			}
			for i := range c.want {
				value := fields.Eq(i).AttrOr("value", "")
				if name := goquery.NodeName(copies.Eq(i)); name != "button" {
					t.Errorf("%s: data-copy on a %s, want a button", c.path, name)
				}
				if copy := copies.Eq(i).AttrOr("data-copy", ""); copy == "" || copy != value {
					t.Errorf("%s: copy button %d copies %q, its field shows %q", c.path, i, copy, value)
				}
				if !strings.Contains(value, c.want[i]) {
					t.Errorf("%s: field %d shows %q, want it to contain %q", c.path, i, value, c.want[i])
				}
			}
		}
	})
}
