package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/groups"
)

// The groups menu's search shows matching groups while one types; without script the same
// form leads to the directory's search (F114).
func TestGroupSearchInTheMenu(t *testing.T) {
	s := startSite(t)
	ctx := context.Background()
	reserved := func(string) bool { return false }
	anna, err := accounts.New(s.db, reserved, nil).Create(ctx, accounts.NewAccount{Username: "anna", Email: "anna@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Gemüsegarten", "Gartenfreunde", "Chor"} {
		if _, err := groups.New(s.db, reserved, nil).Create(ctx, groups.NewGroup{Name: name, Creator: anna}); err != nil {
			t.Fatal(err)
		}
	}
	b := browser(t)
	err = chromedp.Do(b, chromedp.Navigate(s.url+"/"), chromedp.Click(css(`details.groups-menu summary`)),
		chromedp.SendKeys(css(`#group-search`), "garten"),
		chromedp.WaitVisible(css(`[data-group-results] a[href="/gartenfreunde/"]`)), shot(t, "group-search"))
	if err != nil {
		t.Fatalf("live search: %v", err)
	}
	n, err := chromedp.Run(b, chromedp.Evaluate[int](`document.querySelectorAll("[data-group-results] a").length`))
	if err != nil || n != 2 {
		t.Errorf("%d groups found (%v), want the two gardens", n, err)
	}
	// Enter submits the form: the directory, filtered.
	err = chromedp.Do(b, loadAfter(chromedp.Submit(css(`form.group-search`))))
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := chromedp.Run(b, chromedp.Location())
	if loc != s.url+"/stadt/groups/?name=garten" {
		t.Errorf("the form led to %q", loc)
	}
}
