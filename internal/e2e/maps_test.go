package e2e

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/groups"
)

// TestMapWithAndWithoutJavaScript: a group's place shows as a link to the map service when
// scripts are off, and as a Leaflet map (Debian's libjs-leaflet) when they run.
func TestMapWithAndWithoutJavaScript(t *testing.T) {
	if _, err := os.Stat("/usr/share/javascript/leaflet/leaflet.js"); err != nil {
		t.Fatalf("libjs-leaflet is missing (make test installs it): %v", err)
	}
	s := startSite(t, "geo: {enabled: true}\n")
	ctx := context.Background()
	reserved := func(string) bool { return false }
	anna, err := accounts.New(s.db, reserved, nil).Create(ctx, accounts.NewAccount{Username: "anna", Email: "anna@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	gs := groups.New(s.db, reserved, nil)
	g, err := gs.Create(ctx, groups.NewGroup{Name: "Garten", Creator: anna})
	if err != nil {
		t.Fatal(err)
	}
	lat, lon := 51.0504, 13.7373
	if err := gs.SetLocation(ctx, g, &lat, &lon); err != nil {
		t.Fatal(err)
	}

	noJS := browser(t)
	if _, err := chromedp.Call(noJS, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(noJS, chromedp.Navigate(s.url+"/garten/"), chromedp.WaitVisible(css(`li.location a`)), shot(t, "maps-01-no-js"))
	if err != nil {
		t.Fatal(err)
	}
	link, err := chromedp.Run(noJS, chromedp.AttributeValue(css(`li.location a`), "href"))
	if err != nil || !strings.Contains(link.Value, "mlat=51.0504") {
		t.Errorf("the link to the map service: %q, %v", link.Value, err)
	}
	visible, err := chromedp.Run(noJS, chromedp.Evaluate[bool](`getComputedStyle(document.querySelector(".map")).display !== "none"`))
	if err != nil || visible {
		t.Errorf("without scripts the empty map element shows: %v %v", visible, err)
	}

	withJS := browser(t)
	err = chromedp.Do(withJS, chromedp.Navigate(s.url+"/garten/"), chromedp.WaitVisible(css(`.map.active.leaflet-container .leaflet-marker-icon`)),
		shot(t, "maps-02-leaflet"))
	if err != nil {
		t.Fatalf("the Leaflet map: %v", err)
	}
	err = chromedp.Do(withJS, chromedp.Navigate(s.url+"/stadt/groups/map/"), chromedp.WaitVisible(css(`.map.active .leaflet-marker-icon`)))
	if err != nil {
		t.Fatalf("the map of groups: %v", err)
	}
}

// geo.location_selector.zoom sets the zoom of maps that show no place yet.
func TestMapZoom(t *testing.T) {
	s := startSite(t, "geo: {enabled: true, location_selector: {zoom: 7}}\n")
	ctx := browser(t)
	err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/stadt/groups/map/"), chromedp.WaitVisible(css(`.map.active img.leaflet-tile`)))
	if err != nil {
		t.Fatalf("the map of groups: %v", err)
	}
	src, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(".map.active img.leaflet-tile").src`))
	if err != nil || !strings.Contains(src, ".org/7/") {
		t.Errorf("a tile at %q (%v), want zoom 7", src, err)
	}
}
