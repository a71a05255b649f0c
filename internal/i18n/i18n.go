// Package i18n holds grouprise's translation catalogs (German first, English too) and formats
// texts, numbers and dates for one language.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"
	"time"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
)

//go:embed catalog/*.yaml
var catalogFiles embed.FS

// Languages are the languages the catalogs cover, the default first.
var Languages = []string{"de", "en"}

// Catalog is the set of translations.
type Catalog struct {
	bundle   *goi18n.Bundle
	printers map[string]*Printer
	ids      map[string][]string // message ids per language
}

// Load parses the embedded catalogs.
func Load() (*Catalog, error) {
	b := goi18n.NewBundle(language.German)
	b.RegisterUnmarshalFunc("yaml", yaml.Unmarshal)
	c := &Catalog{bundle: b, printers: map[string]*Printer{}, ids: map[string][]string{}}
	for _, lang := range Languages {
		p := path.Join("catalog", lang+".yaml")
		mf, err := b.LoadMessageFileFS(catalogFiles, p)
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", p, err)
		}
		for _, m := range mf.Messages {
			c.ids[lang] = append(c.ids[lang], m.ID)
		}
		c.printers[lang] = &Printer{Lang: lang, loc: goi18n.NewLocalizer(b, lang)}
	}
	return c, nil
}

// IDs lists the message ids of a language's catalog (for tests that compare catalogs).
func (c *Catalog) IDs(lang string) []string { return c.ids[lang] }

// Files is the embedded catalog directory.
func Files() fs.FS { return catalogFiles }

// Printer returns the printer for a language code such as "de-de", "en" or "en-GB";
// an unknown language gets German.
func (c *Catalog) Printer(code string) *Printer {
	base, _, _ := strings.Cut(strings.ToLower(strings.ReplaceAll(code, "_", "-")), "-")
	if p, ok := c.printers[base]; ok {
		return p
	}
	return c.printers[Languages[0]]
}

// Match picks the best of our languages for an Accept-Language header, or "" if none fits.
func (c *Catalog) Match(acceptLanguage string) string {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil {
		return ""
	}
	for _, t := range tags {
		base, _ := t.Base()
		if _, ok := c.printers[base.String()]; ok {
			return base.String()
		}
	}
	return ""
}

// Printer translates into one language.
type Printer struct {
	Lang string
	loc  *goi18n.Localizer
	// plain keeps the messages without arguments once translated: a page asks for about a
	// hundred of them, and the catalog never changes while the program runs.
	plain sync.Map // id → string
}

// T translates a message. args are name/value pairs for the message's template; a value
// named "Count" also selects the plural form. A missing message returns its id, so that
// a mistake shows instead of vanishing.
func (p *Printer) T(id string, args ...any) string {
	if len(args) == 0 {
		if s, ok := p.plain.Load(id); ok {
			return s.(string)
		}
	}
	lc := &goi18n.LocalizeConfig{MessageID: id}
	if len(args) > 0 {
		data := make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			name := fmt.Sprint(args[i])
			data[name] = args[i+1]
			if name == "Count" {
				lc.PluralCount = args[i+1]
			}
		}
		lc.TemplateData = data
	}
	s, err := p.loc.Localize(lc)
	if err != nil {
		return id
	}
	if len(args) == 0 {
		p.plain.Store(id, s)
	}
	return s
}

// Date formats a day, e.g. "23. November 2026" or "23 November 2026".
func (p *Printer) Date(t time.Time) string {
	return p.T("date.day", "Day", t.Day(), "Month", p.T(fmt.Sprintf("date.month.%d", t.Month())), "Year", t.Year())
}

// Clock formats a time of day, e.g. "14:00".
func (p *Printer) Clock(t time.Time) string {
	return t.Format("15:04")
}

// DateTime formats a day and a time, e.g. "23. November 2026 um 14:00 Uhr".
func (p *Printer) DateTime(t time.Time) string {
	return p.T("date.datetime", "Date", p.Date(t), "Time", p.Clock(t))
}

// Period formats the time of an event: one day or several, all day or with times; end may
// be zero. The times must be in the zone they are to be shown in.
func (p *Printer) Period(start, end time.Time, allDay bool) string {
	switch {
	case allDay && (end.IsZero() || sameDay(start, end)):
		return p.T("date.allday", "Day", p.Date(start))
	case allDay:
		return p.T("date.allday_range", "From", p.Date(start), "Until", p.Date(end))
	case end.IsZero():
		return p.DateTime(start)
	case sameDay(start, end):
		return p.T("date.range", "From", p.DateTime(start), "Until", p.T("date.clock", "Time", p.Clock(end)))
	}
	return p.T("date.range", "From", p.DateTime(start), "Until", p.DateTime(end))
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}
