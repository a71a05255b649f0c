package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// A hint goes with one click: with scripts without leaving the page, without scripts by the
// form and back to the same page; either way it stays away on the next visit (F15).
func TestHintDismissed(t *testing.T) {
	s := startSite(t)
	hint := `.hint form.hint-dismiss`
	present := func(ctx context.Context, want bool) {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".hint form.hint-dismiss").length`))
		if err != nil || (n > 0) != want {
			t.Errorf("hints on the page: %d (%v), want present: %v", n, err, want)
		}
	}

	withJS := browser(t)
	err := chromedp.Do(withJS, chromedp.Navigate(s.url+"/stadt/groups/"), chromedp.WaitVisible(css(hint)),
		mark(), chromedp.Click(css(hint+` button`)), chromedp.WaitNotPresent(css(hint)), shot(t, "hint-01-script"))
	if err != nil {
		t.Fatalf("dismissing with scripts: %v", err)
	}
	if !stayed(withJS) {
		t.Error("the page was left")
	}
	if err := chromedp.Do(withJS, chromedp.Navigate(s.url+"/stadt/groups/"), chromedp.WaitVisible(css("main"))); err != nil {
		t.Fatal(err)
	}
	present(withJS, false)

	noJS := browser(t)
	if _, err := chromedp.Call(noJS, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(noJS, chromedp.Navigate(s.url+"/stadt/groups/?name="), chromedp.WaitVisible(css(hint)),
		clickLoad(hint+` button`), shot(t, "hint-02-no-script"))
	if err != nil {
		t.Fatalf("dismissing without scripts: %v", err)
	}
	loc, err := chromedp.Run(noJS, chromedp.Location())
	if err != nil || loc != s.url+"/stadt/groups/?name=" {
		t.Errorf("back at %q (%v), want the page the hint was on", loc, err)
	}
	present(noJS, false)
}
