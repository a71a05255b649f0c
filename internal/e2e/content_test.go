package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/groups"
)

func login(s *site, name string) step {
	return chromedp.Steps(
		chromedp.Navigate(s.url+"/stadt/login/"),
		chromedp.SendKeys(css(`#f-login`), name),
		chromedp.SendKeys(css(`#f-password`), name+"-password"),
		clickLoad(`form[action^="/stadt/login/"] button[type=submit]`),
	)
}

// download fetches a path with the browser's cookies and returns the status and the
// Content-Disposition.
func download(ctx context.Context, path string) (string, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(`+"`"+path+"`"+`, {redirect: "manual"}).then(r => r.status + " " + (r.headers.get("Content-Disposition") || ""))`,
		chromedp.EvalAwaitPromise))
}

// A member writes an article with a mention and a tag, comments on it, votes in a poll,
// uploads a file and downloads it; an outsider is refused the file.
func TestContentInBrowser(t *testing.T) {
	s := startSite(t)
	ctx := browser(t)
	bg := context.Background()
	acc := accounts.New(s.db, func(string) bool { return false }, nil)
	people := map[string]int64{}
	for _, name := range []string{"anna", "ben", "carla"} {
		g, err := acc.Create(bg, accounts.NewAccount{Username: name, Email: name + "@example.org", Password: name + "-password", Verified: true})
		if err != nil {
			t.Fatal(err)
		}
		people[name] = g.ID
	}
	anna, _ := s.db.GestaltByID(bg, people["anna"])
	gr := groups.New(s.db, func(string) bool { return false }, nil)
	garden, err := gr.Create(bg, groups.NewGroup{Name: "Garten", Creator: anna})
	if err != nil {
		t.Fatal(err)
	}
	if err := gr.AddMember(bg, garden.ID, people["ben"], anna.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := contents.New(s.db).Create(bg, anna, garden.ID, contents.Poll, contents.Draft{Title: "Wann ernten?", Public: true,
		Options: []contents.Option{{Title: "Samstag"}, {Title: "Sonntag"}}}); err != nil {
		t.Fatal(err)
	}

	err = chromedp.Do(ctx,
		login(s, "anna"),
		chromedp.Navigate(s.url+"/garten/articles/add/"),
		chromedp.SendKeys(css(`#f-title`), "Erntefest"),
		chromedp.SendKeys(css(`#f-text`), "Hallo @ben, wir feiern im #Herbst!"),
		clickLoad(`main form button[type=submit]:not([name])`),
		shot(t, "10-article"),
	)
	if err != nil {
		t.Fatal(err)
	}
	mention, err1 := chromedp.Run(ctx, chromedp.AttributeValue(css(`.text a[data-component="gestaltlink"]`), "href"))
	tag, err2 := chromedp.Run(ctx, chromedp.Text(css(`.text a.tag`)))
	if err1 != nil || err2 != nil || !strings.HasSuffix(mention.Value, "/ben/") || tag != "#Herbst" {
		t.Fatalf("mention %q, tag %q: %v %v", mention.Value, tag, err1, err2)
	}

	// With script the comment is added without leaving the page (F69).
	err = chromedp.Do(ctx,
		mark(),
		chromedp.SendKeys(css(`#comment-form textarea`), "Ich bringe **Kürbisse** mit."),
		chromedp.Click(css(`#comment-form button[type=submit]`)),
		chromedp.WaitVisible(css(`.comments .text strong`)),
		shot(t, "11-comment"),
	)
	if comment, _ := text(ctx, ".comments .text strong"); err != nil || comment != "Kürbisse" {
		t.Fatalf("comment %q: %v", comment, err)
	}
	if !stayed(ctx) {
		t.Error("the page was left to add the comment")
	}
	if v, _ := chromedp.Run(ctx, chromedp.Value(css(`#comment-form textarea`))); v != "" {
		t.Errorf("the comment field still holds %q", v)
	}

	err = chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/garten/wann-ernten/"),
		chromedp.Click(css(`.vote-form fieldset:nth-of-type(1) input[value=yes]`)),
		chromedp.Click(css(`.vote-form fieldset:nth-of-type(2) input[value=maybe]`)),
		clickLoad(`.vote-form button[type=submit]`),
		shot(t, "12-voted"),
	)
	if msg, _ := text(ctx, ".messages"); err != nil || !strings.Contains(msg, "gezählt") {
		t.Fatalf("voting: %q, %v", msg, err)
	}
	if winner, _ := text(ctx, ".poll .card"); !strings.Contains(winner, "Samstag") {
		t.Errorf("result %q", winner)
	}

	pdf := filepath.Join(t.TempDir(), "Ernteplan.pdf")
	if err := os.WriteFile(pdf, []byte("%PDF-1.4\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/garten/files/add/"),
		chromedp.SendKeys(css(`#f-title`), "Ernteplan"),
		chromedp.SetUploadFiles(css(`#f-file`), []string{pdf}),
		chromedp.Click(css(`#f-public`)), // internal: for members only
		clickLoad(`main form button[type=submit]:not([name])`),
		shot(t, "13-file"),
	)
	if err != nil {
		t.Fatal(err)
	}
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(css(`.download a`), "href"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := download(ctx, href.Value)
	if err != nil || !strings.HasPrefix(got, "200 attachment; filename=") || !strings.Contains(got, "Ernteplan.pdf") {
		t.Fatalf("member's download: %q, %v", got, err)
	}
	if err := chromedp.Do(ctx, logout(), login(s, "carla")); err != nil {
		t.Fatal(err)
	}
	if got, err := download(ctx, href.Value); err != nil || !strings.HasPrefix(got, "403") {
		t.Fatalf("outsider's download: %q, %v", got, err)
	}
}
