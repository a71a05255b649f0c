package markdown

import (
	"context"
	"html/template"
	"strings"
	"testing"
)

// directory is a resolver over a fixed set of groups, people and contents.
type directory struct {
	entities []Entity
	contents map[ContentKey]ContentTarget
	calls    int
}

func (d *directory) Entities(_ context.Context, slugs []string) ([]Entity, error) {
	d.calls++
	var out []Entity
	for _, e := range d.entities {
		for _, s := range slugs {
			if strings.EqualFold(e.Slug, s) {
				out = append(out, e)
			}
		}
	}
	return out, nil
}

func (d *directory) Contents(_ context.Context, keys []ContentKey) (map[ContentKey]ContentTarget, error) {
	out := map[ContentKey]ContentTarget{}
	for _, k := range keys {
		if t, ok := d.contents[k]; ok {
			out[k] = t
		}
	}
	return out, nil
}

func newTestRenderer() (*Renderer, *directory) {
	d := &directory{
		entities: []Entity{
			{ID: 3, Slug: "gartenfreunde", Name: "Gartenfreunde", IsGroup: true},
			{ID: 7, Slug: "anna", Name: "Anna Beispiel"},
			{ID: 8, Slug: "Anna", Name: "Anna Gruppe", IsGroup: true},
		},
		contents: map[ContentKey]ContentTarget{
			{"gartenfreunde", "giessplan"}: {Path: "/gartenfreunde/giessplan/", Title: "Gießplan"},
		},
	}
	return New("https://example.org/", d), d
}

func render(t *testing.T, r *Renderer, o Options, src string) string {
	t.Helper()
	out, err := r.HTML(context.Background(), o, src)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestSyntax(t *testing.T) {
	r, _ := newTestRenderer()
	o := Options{UnknownEntity: "(unbekannt)", MissingContent: "(nicht gefunden)"}
	cases := []struct{ in, want string }{
		{"*kursiv* und **fett**", "<p><em>kursiv</em> und <strong>fett</strong></p>"},
		{"eine\nZeile", "<p>eine<br>\nZeile</p>"},
		{"Text:\n- eins\n- zwei", "<p>Text:</p>\n<ul>\n<li>eins</li>\n<li>zwei</li>\n</ul>"},
		{"siehe https://example.com/a?b=1", `<a href="https://example.com/a?b=1">https://example.com/a?b=1</a>`},
		{"an joe@example.org", `<a href="mailto:joe@example.org"`},
		{"Hallo @gartenfreunde!", `<a href="https://example.org/gartenfreunde/" title="Gartenfreunde" data-component="grouplink" data-grouplink-ref="3">@gartenfreunde</a>!`},
		// exact group first, then exact person, then ignoring case
		{"@anna", `data-component="gestaltlink" data-gestaltlink-ref="7">@anna</a>`},
		{"@Anna", `data-component="grouplink" data-grouplink-ref="8">@Anna</a>`},
		{"@GARTENFREUNDE.", `data-grouplink-ref="3">@GARTENFREUNDE</a>.`},
		{"@niemand hier", `<span class="mention-unknown">@niemand (unbekannt)</span> hier`},
		{"@gartenfreunde/giessplan", `<a href="https://example.org/gartenfreunde/giessplan/" title="Gießplan">@gartenfreunde/giessplan</a>`},
		{"@gartenfreunde/fehlt", `data-grouplink-ref="3">@gartenfreunde</a>/fehlt (nicht gefunden)`},
		{"[die Gruppe](@gartenfreunde)", `<a href="https://example.org/gartenfreunde/" data-component="grouplink" data-grouplink-ref="3">die Gruppe</a>`},
		{"[niemand](@niemand)", "<p>niemand</p>"},
		{"mail joe@gartenfreunde.org", `href="mailto:joe@gartenfreunde.org"`},
		{"#Sommerfest!", `<a class="tag" href="https://example.org/stadt/tags/sommerfest/" data-tag-slug="sommerfest"><span class="tag-hash">#</span><span class="tag-name">Sommerfest</span></a>!`},
		{"#Straßenfest", `data-tag-slug="strassenfest"`},
		{"#foo-12 und #foo_abc_ und #bar-", `<span class="tag-name">foo-12</span></a> und`},
		{"#foo_abc_ x", `<span class="tag-name">foo_abc_</span></a> x`},
		{"#bar- x", `<span class="tag-name">bar</span></a>- x`},
		{"#Ort:Leipzig", `data-tag-group-key="ort"><span class="tag-group"><span class="tag-hash">#</span>Ort:</span><span class="tag-name">Leipzig</span></a>`},
		{"abc#foo und https://example.org/#anker", "abc#foo und "},
		{"[Fest](#Sommerfest)", `<a href="https://example.org/stadt/tags/sommerfest/">Fest</a>`},
		{"# Überschrift", `<h1 id="ueberschrift">Überschrift</h1>`},
		{"Schön :) und ;-) <3", "Schön 🙂 und 😉 ❤️"},
		{"Zeit 10:30 und http://x.org", "Zeit 10:30 und"},
		{"```\n#kein-tag @niemand\n```", "<pre><code>#kein-tag @niemand\n</code></pre>"},
		{"H<sub>2</sub>O", "H<sub>2</sub>O"},
		{"[Text mit *Betonung*](https://example.com)", `<a href="https://example.com">Text mit <em>Betonung</em></a>`},
	}
	for _, c := range cases {
		got := render(t, r, o, c.in)
		if !strings.Contains(got, c.want) {
			t.Errorf("%q\n got: %s\nwant: %s", c.in, got, c.want)
		}
	}
}

func TestSanitising(t *testing.T) {
	r, _ := newTestRenderer()
	cases := []struct{ in, forbidden string }{
		{"<script>alert(1)</script>", "<script"},
		{"<script>alert(1)</script>", "alert"},
		{"<iframe src=https://evil.example></iframe>", "<iframe"},
		{"[klick](javascript:alert(1))", "javascript:"},
		{"<a href=\"javascript:alert(1)\">x</a>", "javascript:"},
		{"<img src=x onerror=alert(1)>", "onerror"},
		{"<p style=\"position:fixed\">x</p>", "style"},
		{"<a class=\"button\" href=\"/x\">x</a>", "button"},
		{"<div><b>unclosed", "<div"},
		{"![x](data:image/png;base64,AAAA)", "data:"},
	}
	for _, c := range cases {
		if got := render(t, r, Options{}, c.in); strings.Contains(got, c.forbidden) {
			t.Errorf("%q renders %q, containing %q", c.in, got, c.forbidden)
		}
	}
}

func TestHeadingsAndTOC(t *testing.T) {
	r, _ := newTestRenderer()
	got := render(t, r, Options{HeadingBase: 2}, "[INHALT]\n\n# Anfang\n\n## Teil\n\n# Ende\n\n# Ende")
	for _, want := range []string{
		`<ul class="toc"><li><a href="#anfang">Anfang</a><ul><li><a href="#teil">Teil</a></li></ul></li><li><a href="#ende">Ende</a></li><li><a href="#ende-1">Ende</a></li></ul>`,
		`<h2 id="anfang">Anfang</h2>`, `<h3 id="teil">Teil</h3>`, `<h2 id="ende-1">Ende</h2>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("got %s\nwant %s", got, want)
		}
	}
	if got := render(t, r, Options{HeadingBase: 4}, "### tief"); !strings.Contains(got, "<h6") {
		t.Errorf("levels stop at 6: %s", got)
	}
}

func TestPresets(t *testing.T) {
	r, _ := newTestRenderer()
	src := "# Titel\n\n**fett** mit [Link](https://example.com) und ![Bild](/x.png)"
	if got := render(t, r, Options{Preset: LinkOnly}, src); strings.Contains(got, "<h1") || strings.Contains(got, "<strong") ||
		strings.Contains(got, "<img") || !strings.Contains(got, `<a href="https://example.com"`) {
		t.Errorf("link only: %s", got)
	}
	if got := render(t, r, Options{Preset: Inline}, src); strings.Contains(got, "<a") || !strings.Contains(got, "<strong>fett</strong>") {
		t.Errorf("inline: %s", got)
	}
}

func TestOneLookupForManyTexts(t *testing.T) {
	r, d := newTestRenderer()
	out, err := r.Render(context.Background(), Options{}, "@anna", "@gartenfreunde", "kein Verweis")
	if err != nil {
		t.Fatal(err)
	}
	if d.calls != 1 || !strings.Contains(string(out[0]), "gestaltlink") || !strings.Contains(string(out[1]), "grouplink") {
		t.Errorf("calls %d, out %q", d.calls, out)
	}
	if _, err := r.Render(context.Background(), Options{}, "nichts", "zu tun"); err != nil || d.calls != 1 {
		t.Errorf("texts without mentions need no lookup: %d calls, %v", d.calls, err)
	}
}

func TestTags(t *testing.T) {
	got := Tags("Wir gießen im #Sommer und #sommer wieder, #Garten:Beete.\n\n```\n#code\n```", "noch #Sommer und #Gießkanne")
	want := []string{"Sommer", "Garten:Beete", "Gießkanne"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Tags = %q, want %q", got, want)
	}
	if got := TitleTags("#1 Sommerfest im #Garten, nicht a#b"); strings.Join(got, ",") != "1,Garten" {
		t.Errorf("TitleTags = %q", got)
	}
}

func TestPlain(t *testing.T) {
	r, _ := newTestRenderer()
	h := template.HTML(render(t, r, Options{}, "# Titel\n\nein *Text* &amp; mehr\nzweite Zeile"))
	if got := Plain(h, 0); got != "Titel ein Text & mehr zweite Zeile" {
		t.Errorf("Plain = %q", got)
	}
	if got := Plain(h, 2); got != "Titel ein …" {
		t.Errorf("Plain(2) = %q", got)
	}
}
