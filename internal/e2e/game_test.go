package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// The error page's game shows only with script, starts when asked, plays with the keyboard
// and says its score to screen readers; without script the page is just the message.
func TestErrorPageGame(t *testing.T) {
	s := startSite(t)
	ctx := browser(t)
	err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/nowhere/at/all/"), chromedp.WaitVisible(css(`[data-game] canvas`)),
		chromedp.Click(css(`[data-game-start]`)), chromedp.SendKeys(css(`[data-game] canvas`), "s"),
		shot(t, "game-01-running"))
	if err != nil {
		t.Fatalf("the game: %v", err)
	}
	// It runs until the snake hits a wall; then the status says the score.
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("[data-game-status]").textContent.indexOf("Vorbei") === 0`))
	if err != nil {
		t.Fatalf("the game did not end at the wall: %v", err)
	}
	status, _ := text(ctx, "[data-game-status]")
	if !strings.Contains(status, "Punkte") {
		t.Errorf("status %q", status)
	}

	noJS := browser(t)
	if _, err := chromedp.Call(noJS, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(noJS, chromedp.Navigate(s.url+"/nowhere/at/all/"), chromedp.WaitVisible(css(`.error-page h1`))); err != nil {
		t.Fatal(err)
	}
	hidden, err := chromedp.Run(noJS, chromedp.Evaluate[bool](`document.querySelector("[data-game]").hidden`))
	if err != nil || !hidden {
		t.Errorf("without script the game shows (hidden: %v, %v)", hidden, err)
	}
}
