package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// An inline script of the configuration runs: the policy's hash matches what the page holds.
func TestSiteScriptRuns(t *testing.T) {
	s := startSite(t, "scripts: [{content: \"document.documentElement.dataset.site = 'läuft';\"}]\n")
	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/"), chromedp.WaitVisible(css("main"))); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.dataset.site || ""`))
	if err != nil || got != "läuft" {
		t.Errorf("the configured script did not run: %q, %v", got, err)
	}
}
