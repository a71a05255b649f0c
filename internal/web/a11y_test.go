package web

import (
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"grouprise.org/grouprise/internal/avatars"
	"grouprise.org/grouprise/static"
)

// Accessibility basics on every page a visitor and a member see: the language is declared,
// one h1 names the page, every form field has a label, every image an alt text.
func TestAccessibilityBasics(t *testing.T) {
	m := newMatrixSite(t)
	pages := map[int][]string{
		anonymous: {"/", "/stadt/login/", "/stadt/signup/", "/stadt/password/reset/", "/stadt/groups/", "/garten/",
			"/garten/actions/join", "/garten/actions/subscribe", "/stadt/groups/{garten}/conversations/add/", "/stadt/help/",
			"/stadt/imprint/", "/stadt/privacy/", "/stadt/gestalten/", "/no/such/page/"},
		member: {"/", "/garten/", "/stadt/settings/", "/stadt/settings/notifications/", "/stadt/settings/images/",
			"/stadt/email/", "/stadt/settings/password/", "/stadt/settings/gestalt/delete/", "/stadt/groups/add/",
			"/stadt/settings/group/?group=garten", "/stadt/groups/{garten}/members/", "/stadt/conversations/{conversation}/",
			"/stadt/groups/{haus}/members/", "/garten/actions/recommend"},
		admin: {"/stadt/admin/"},
	}
	for role, paths := range pages {
		b := m.as(role)
		for _, p := range paths {
			for k, v := range m.ids {
				p = strings.ReplaceAll(p, "{"+k+"}", v)
			}
			r := b.get(p)
			if r.StatusCode != http.StatusOK && r.StatusCode != http.StatusNotFound {
				t.Errorf("%s as %s: status %d", p, roleNames[role], r.StatusCode)
				continue
			}
			checkPage(t, p, r.doc)
		}
	}
}

func checkPage(t *testing.T, path string, doc *goquery.Document) {
	t.Helper()
	if lang, _ := doc.Find("html").Attr("lang"); lang != "de" && lang != "en" {
		t.Errorf("%s: html lang %q", path, lang)
	}
	if n := doc.Find("h1").Length(); n != 1 {
		t.Errorf("%s: %d h1 headings, want 1", path, n)
	}
	doc.Find("input, select, textarea").Each(func(_ int, f *goquery.Selection) {
		typ, _ := f.Attr("type")
		if typ == "hidden" || typ == "submit" || typ == "button" {
			return
		}
		if _, ok := f.Attr("aria-label"); ok {
			return
		}
		if f.ParentsFiltered("label").Length() > 0 {
			return
		}
		id, ok := f.Attr("id")
		if !ok || doc.Find(`label[for="`+id+`"]`).Length() == 0 {
			name, _ := f.Attr("name")
			t.Errorf("%s: the field %q has no label", path, name)
		}
	})
	doc.Find("img").Each(func(_ int, img *goquery.Selection) {
		if _, ok := img.Attr("alt"); !ok {
			src, _ := img.Attr("src")
			t.Errorf("%s: the image %s has no alt text", path, src)
		}
	})
}

// The theme's colours read well on white: text, links and buttons reach WCAG AA (4.5:1).
func TestThemeContrast(t *testing.T) {
	assets, err := static.Assets()
	if err != nil {
		t.Fatal(err)
	}
	css := string(assets["css/grouprise.css"].Data)
	for _, v := range []string{"--theme", "--theme-dark", "--text", "--muted", "--faint", "--error", "--ok"} {
		m := regexp.MustCompile(regexp.QuoteMeta(v) + `:\s*(#[0-9a-fA-F]{6})`).FindStringSubmatch(css)
		if m == nil {
			t.Errorf("no colour for %s in the stylesheet", v)
			continue
		}
		if c := avatars.ContrastWithWhite(m[1]); c < 4.5 {
			t.Errorf("%s %s on white: contrast %.2f, want at least 4.5", v, m[1], c)
		}
	}
	if c := avatars.ContrastWithWhite("#2a62ac"); c < 4.5 {
		t.Errorf("the default branding.theme_color: contrast %.2f", c)
	}

	// Rules that paint text in a colour of their own, with the colour as the eye gets it:
	// var() resolved and an opacity of the rule (or of the cell it sits in) mixed with the
	// white below. For a background, the text on it is white.
	for _, c := range []struct {
		rule, property string
		within         []string // rules of enclosing elements whose opacity applies too
	}{
		{".month td.other", "color", nil},
		{".month td.other.busy > a", "background", []string{".month td.other"}},
	} {
		colour, ok := cssColour(css, c.rule, c.property)
		if !ok {
			t.Errorf("%s: no %s in the stylesheet", c.rule, c.property)
			continue
		}
		opacity := cssOpacity(css, c.rule)
		for _, r := range c.within {
			opacity *= cssOpacity(css, r)
		}
		seen := overWhite(colour, opacity)
		if contrast := avatars.ContrastWithWhite(seen); contrast < 4.5 {
			t.Errorf("%s: %s %s (opacity %.2f, seen as %s) with white: contrast %.2f, want at least 4.5",
				c.rule, c.property, colour, opacity, seen, contrast)
		}
	}
}

// cssRule returns the declarations of the rule with exactly this selector.
func cssRule(css, selector string) (string, bool) {
	m := regexp.MustCompile(`(?m)(?:^|[},]\s*)` + regexp.QuoteMeta(selector) + `\s*(?:,[^{]*)?\{([^}]*)\}`).FindStringSubmatch(css)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// cssColour returns the #rrggbb of a property of a rule, through one var().
func cssColour(css, selector, property string) (string, bool) {
	decls, ok := cssRule(css, selector)
	if !ok {
		return "", false
	}
	m := regexp.MustCompile(`(?:^|;)\s*` + regexp.QuoteMeta(property) + `:\s*([^;]+)`).FindStringSubmatch(decls)
	if m == nil {
		return "", false
	}
	value := strings.TrimSpace(m[1])
	if v := regexp.MustCompile(`^var\((--[a-z-]+)\)$`).FindStringSubmatch(value); v != nil {
		d := regexp.MustCompile(regexp.QuoteMeta(v[1]) + `:\s*(#[0-9a-fA-F]{6})`).FindStringSubmatch(css)
		if d == nil {
			return "", false
		}
		value = d[1]
	}
	return value, regexp.MustCompile(`^#[0-9a-fA-F]{6}$`).MatchString(value)
}

// cssOpacity returns the opacity a rule sets, 1 without one.
func cssOpacity(css, selector string) float64 {
	decls, _ := cssRule(css, selector)
	m := regexp.MustCompile(`(?:^|;)\s*opacity:\s*([0-9.]+)`).FindStringSubmatch(decls)
	if m == nil {
		return 1
	}
	o, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0
	}
	return o
}

// overWhite mixes a #rrggbb with the white below it as opacity lets it through.
func overWhite(colour string, opacity float64) string {
	var rgb [3]uint8
	fmt.Sscanf(colour, "#%02x%02x%02x", &rgb[0], &rgb[1], &rgb[2])
	for i, v := range rgb {
		rgb[i] = uint8(math.Round(opacity*float64(v) + (1-opacity)*255))
	}
	return fmt.Sprintf("#%02x%02x%02x", rgb[0], rgb[1], rgb[2])
}
