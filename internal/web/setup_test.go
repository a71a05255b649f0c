package web

import (
	"context"
	"net/http"
	"testing"

	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/setup"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// TestSetupArticles: the operator group's articles written by `grouprise setup` show where
// the original showed them; the internal wiki only to members.
func TestSetupArticles(t *testing.T) {
	s := newSite(t, storetest.Open(t, store.SQLite), "")
	catalog, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := setup.Run(context.Background(), s.db, s.cfg.SlugReserved, setup.Options{
		OperatorGroup: "Plattform-Betrieb", Admin: "ada", AdminEmail: "ada@example.org", AdminPassword: "ada-password-1",
		Domain: "grouprise.test", Articles: true, Catalog: catalog, Language: "de"}); err != nil {
		t.Fatal(err)
	}
	anon := s.browser()
	anon.get("/stadt/imprint/").expect(t, http.StatusOK, "Plattform-Betrieb", "Hier gehören die Angaben hin")
	anon.get("/plattform-betrieb/about/").expect(t, http.StatusOK, "Über uns")
	anon.get("/plattform-betrieb/wiki/").expect(t, http.StatusFound)
	s.loggedIn("ada", "ada-password-1").get("/plattform-betrieb/wiki/").expect(t, http.StatusOK, "Wiki der Betreiber*innen")
}
