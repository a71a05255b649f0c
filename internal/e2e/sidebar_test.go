package e2e

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
)

// On small screens the start page shows its upcoming events before the stream and the rest
// of its sidebar after it (F68); on wide screens the sidebar stays beside the stream. A
// profile's address gets its copy button only where the script runs.
func TestEventsFirstOnSmallScreens(t *testing.T) {
	s := startSite(t)
	bg := context.Background()
	acc := accounts.New(s.db, func(string) bool { return false }, nil)
	anna, err := acc.Create(bg,
		accounts.NewAccount{Username: "anna", Email: "anna@example.org", Password: "anna-password", Verified: true})
	if err != nil {
		t.Fatal(err)
	}
	garden, err := groups.New(s.db, func(string) bool { return false }, nil).Create(bg, groups.NewGroup{Name: "Garten", Creator: anna})
	if err != nil {
		t.Fatal(err)
	}
	svc := contents.New(s.db)
	if _, err := svc.Create(bg, anna, garden.ID, contents.Event, contents.Draft{Title: "Fest", Place: "Hof", Public: true,
		Start: time.Now().Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Create(bg, anna, garden.ID, contents.Article, contents.Draft{Title: "Ernte", Text: "Kürbis.", Public: true}); err != nil {
		t.Fatal(err)
	}
	// top and left of the stream, the events box and the groups box
	const boxes = `(() => {
	  const r = el => { const b = document.querySelector(el).getBoundingClientRect(); return [Math.round(b.top), Math.round(b.left)]; };
	  const events = [...document.querySelectorAll("aside.sidebar > section")].find(x => x.querySelector(".month"));
	  const groups = [...document.querySelectorAll("aside.sidebar > section")].find(x => !x.querySelector(".month"));
	  const box = x => { const b = x.getBoundingClientRect(); return [Math.round(b.top), Math.round(b.left)]; };
	  return [r("#stream-title"), box(events), box(groups)];
	})()`
	ctx := browser(t)
	for _, c := range []struct {
		width       int64
		eventsFirst bool
	}{{400, true}, {1280, false}} {
		var got [][]int
		err := chromedp.Do(ctx, chromedp.EmulateViewport(c.width, 900), chromedp.Navigate(s.url+"/"), chromedp.WaitVisible(css("#stream-title")),
			shot(t, "events-first-"+strconv.FormatInt(c.width, 10)),
			chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				var err error
				got, err = chromedp.Evaluate[[][]int](boxes)(ctx, tg)
				return err
			}))
		if err != nil {
			t.Fatal(err)
		}
		stream, events, others := got[0], got[1], got[2]
		if c.eventsFirst {
			if !(events[0] < stream[0] && stream[0] < others[0]) {
				t.Errorf("%d px: events at %v, stream at %v, groups at %v; want events, stream, groups from the top", c.width, events, stream, others)
			}
		} else if !(events[1] > stream[1] && events[0] < others[0]) {
			t.Errorf("%d px: events at %v, stream at %v, groups at %v; want the sidebar beside the stream", c.width, events, stream, others)
		}
	}

	profile := func(ctx context.Context) bool {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(s.url+"/anna/"), chromedp.WaitVisible(css(".site-url input"))); err != nil {
			t.Fatal(err)
		}
		shown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.querySelector(".site-url button[data-copy]").hidden`))
		if err != nil {
			t.Fatal(err)
		}
		return shown
	}
	if err := acc.UpdateProfile(bg, anna, store.Profile{Username: "anna", FirstName: "Anna", Public: true}); err != nil {
		t.Fatal(err)
	}
	if !profile(ctx) {
		t.Error("with the script, the profile's copy button stays hidden")
	}
	noJS := browser(t)
	if _, err := chromedp.Call(noJS, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	if profile(noJS) {
		t.Error("without the script, the profile shows a copy button that cannot work")
	}
}
