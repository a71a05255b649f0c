package web

import (
	"bytes"
	"database/sql"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"grouprise.org/grouprise/internal/access"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/files"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/static"
	"grouprise.org/grouprise/templates"
)

// views are the parsed templates, one set per language: the layout, the partials, and each
// page's content under "page:<name>".
type views struct {
	sets map[string]*template.Template
}

// loadViews parses the layout, the partials and every page once per language, with the
// translation function bound to that language. Pages share one set, so that the layout and
// the partials exist once per language however many pages there are.
func loadViews(cfg *config.Config, catalog *i18n.Catalog, assets map[string]*static.Asset) (*views, error) {
	fsys := templates.FS(cfg.TemplateDirectories)
	pages, err := fs.Glob(fsys, "web/pages/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	v := &views{sets: map[string]*template.Template{}}
	for _, lang := range i18n.Languages {
		fm := funcs(catalog.Printer(lang), assets, cfg)
		set, err := template.New("").Funcs(fm).ParseFS(fsys, "web/layout.html", "web/partials/*.html")
		if err != nil {
			return nil, fmt.Errorf("web: templates: %w", err)
		}
		for _, file := range pages {
			t, err := template.New("").Funcs(fm).ParseFS(fsys, file)
			if err != nil {
				return nil, fmt.Errorf("web: templates: %w", err)
			}
			content := t.Lookup("content")
			if content == nil {
				return nil, fmt.Errorf("web: template %s defines no \"content\"", file)
			}
			name := "page:" + strings.TrimSuffix(path.Base(file), ".html")
			if _, err := set.AddParseTree(name, content.Tree); err != nil {
				return nil, fmt.Errorf("web: template %s: %w", file, err)
			}
		}
		v.sets[lang] = set
	}
	return v, nil
}

// funcs are the helpers every template has.
func funcs(p *i18n.Printer, assets map[string]*static.Asset, cfg *config.Config) template.FuncMap {
	return template.FuncMap{
		"t": p.T,
		"static": func(name string) (string, error) {
			a, ok := assets[name]
			if !ok {
				return "", fmt.Errorf("no static file %q", name)
			}
			return "/stadt/static/" + name + "?v=" + a.Hash, nil
		},
		"date":       func(t time.Time) string { return p.Date(t.In(cfg.Location())) },
		"datetime":   func(t time.Time) string { return p.DateTime(t.In(cfg.Location())) },
		"isodate":    func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"initials":   initials,
		"add":        func(a, b int) int { return a + b },
		"paragraphs": paragraphs,
		"period": func(start, end sql.Null[time.Time], allDay bool) string {
			var e time.Time
			if end.Valid {
				e = end.V.In(cfg.Location())
			}
			return p.Period(start.V.In(cfg.Location()), e, allDay)
		},
		"teaser":      teaser,
		"inline":      files.Inline,
		"siteScripts": func() []siteScript { return siteScripts(cfg.Scripts) },
		"siteStyles":  func() []config.Style { return cfg.Stylesheets },
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		"safeColor": func(c string) template.CSS {
			if colorPattern(c) {
				return template.CSS(c)
			}
			return template.CSS("#2a62ac")
		},
	}
}

// paragraphs shows plain text: blank lines separate paragraphs, single line breaks stay.
func paragraphs(text string) template.HTML {
	var b strings.Builder
	for _, p := range strings.Split(strings.ReplaceAll(strings.TrimSpace(text), "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(template.HTMLEscapeString(p), "\n", "<br>"))
		b.WriteString("</p>")
	}
	return template.HTML(b.String())
}

// teaser is the start of a text for lists: the first 50 words, without Markdown's marks.
func teaser(text string) string {
	words := strings.FieldsFunc(text, func(r rune) bool { return unicode.IsSpace(r) })
	out := make([]string, 0, 50)
	for _, w := range words {
		w = strings.Trim(w, "#*_>`[]")
		if w == "" || w == "-" {
			continue
		}
		out = append(out, w)
		if len(out) == 50 {
			return strings.Join(out, " ") + " …"
		}
	}
	return strings.Join(out, " ")
}

// colorPattern accepts #rrggbb only (values go into style attributes).
func colorPattern(c string) bool {
	if len(c) != 7 || c[0] != '#' {
		return false
	}
	for _, r := range c[1:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

// initials are the first letters of up to two words of a name, skipping German articles and
// prepositions where that leaves a word, as the original showed them on avatars.
func initials(name string) string {
	words := strings.Fields(name)
	var kept []string
	for _, w := range words {
		switch strings.ToLower(w) {
		case "der", "die", "das", "des", "dem", "den", "an", "am", "um", "im", "in":
			continue
		}
		kept = append(kept, w)
	}
	if len(kept) == 0 {
		kept = words
	}
	var out []rune
	for _, w := range kept {
		for _, r := range w {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				out = append(out, unicode.ToUpper(r))
				break
			}
		}
		if len(out) == 2 {
			break
		}
	}
	return string(out)
}

// page is what every template sees: the request's common parts and the page's own data.
type page struct {
	Title    string
	Lang     string
	Viewer   *access.Viewer
	Messages []message
	Path     string // the current path with query, for next= links
	Unread   int    // the viewer's unread activity
	Site     siteInfo
	Data     any
	// Meta describes the page for link previews; nil for most pages.
	Meta *pageMeta
	// Feeds are the feeds the page points to (the site's articles, a group's).
	Feeds []alternate
	// Content is the rendered page, for the layout.
	Content template.HTML
	// Bare pages (embedded in other sites) have no header, footer or counters.
	Bare bool
	// hints reads the hints the viewer dismissed, once a page asks (ShowHint).
	hints     func() map[string]bool
	dismissed map[string]bool
	// GroupMenu is the header's menu of the group whose page this is; nil elsewhere.
	GroupMenu *groupMenu
	// myGroupsOf reads the header's favourite groups, once (MyGroups).
	myGroupsOf func() []*store.GroupSummary
	myGroups   []*store.GroupSummary
}

// pageMeta describes a page for link previews (OpenGraph); page data provides it with a
// method pageMeta.
type pageMeta struct {
	Type        string // og:type
	Description string
	Image       string // absolute URL
	Published   time.Time
	URL         string // canonical, absolute
}

// siteInfo is what the layout shows of the site.
type siteInfo struct {
	Name       string
	ThemeColor string
	// Logo and Favicon are the configured branding, or "" for the built-in ones.
	Logo, Favicon string
	Claim         string
	Counters      struct{ Groups, People, Contributions int }
	// Chat is on (matrix_chat.enabled); ChatFeed: public listener rooms are configured.
	Chat, ChatFeed bool
	// OIDC: the site is an OpenID Connect provider (settings list the services allowed).
	OIDC bool
	// Geo is on (geo.enabled): maps with Leaflet (Debian's libjs-leaflet) from these tiles;
	// MapCenter is the JSON of the initial bounds [[lat, lon], [lat, lon]].
	Geo                               bool
	Tiles, TileAttribution, MapCenter string
	MapZoom                           int // the initial zoom where no bounds fit (0: fit the bounds)
	// Operator is the group that runs the site (operator_group_id), nil if there is none:
	// the footer shows its description and links to it.
	Operator *store.Group
}

// render writes a page with status code; a template error becomes a 500 page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	l := lang(r)
	set, ok := s.views.sets[l]
	if !ok || set.Lookup("page:"+name) == nil {
		s.fail(w, r, fmt.Errorf("web: no page template %q", name))
		return
	}
	p := &page{Title: title, Lang: l, Viewer: viewer(r), Path: r.URL.RequestURI(), Data: data, hints: s.dismissedHints(r)}
	p.GroupMenu = s.groupMenuOf(p)
	if p.Viewer.LoggedIn() {
		p.myGroupsOf = s.myGroupsOf(r)
	}
	if m, ok := data.(interface{ pageMeta() *pageMeta }); ok {
		p.Meta = m.pageMeta()
	}
	if b, ok := data.(interface{ bare() bool }); ok {
		p.Bare = b.bare()
	}
	p.Feeds = []alternate{{Type: "application/rss+xml", Title: s.t(r, "feed.site"), URL: "/stadt/feed/"}}
	if a, ok := data.(interface{ alternates() []alternate }); ok {
		p.Feeds = append(p.Feeds, a.alternates()...)
	}
	if r.Context().Value(viewerKey) != nil { // the session was read
		p.Messages = s.messages(r)
	}
	if p.Viewer.LoggedIn() {
		if n, err := cached(s, r, "person:"+strconv.FormatInt(p.Viewer.ID(), 10)+":unread", func() (int, int, error) {
			n, err := s.db.UnreadCount(r.Context(), p.Viewer.ID())
			return n, 64, err
		}); err == nil {
			p.Unread = n
		}
	}
	p.Site = s.siteInfo(r)
	buf, _ := s.buffers.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	defer s.buffers.Put(buf)
	buf.Reset()
	var err error
	if key, ok := contentMemoKey(r, status, name, p, data, s.now()); ok {
		p.Content, err = cached(s, r, key, func() (template.HTML, int, error) {
			if err := set.ExecuteTemplate(buf, "page:"+name, p); err != nil {
				return "", 0, err
			}
			return template.HTML(buf.String()), buf.Len() + len(key), nil
		})
	} else if err = set.ExecuteTemplate(buf, "page:"+name, p); err == nil {
		p.Content = template.HTML(buf.String())
	}
	if err == nil {
		buf.Reset()
		err = set.ExecuteTemplate(buf, "layout", p)
	}
	if err != nil {
		s.log.Error("rendering a page failed", "page", name, "err", err)
		if status < 500 {
			s.errorPage(w, r, http.StatusInternalServerError, "error.internal")
		} else {
			http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		}
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if o, ok := data.(interface{ oneTime() bool }); ok && o.oneTime() {
		// A page with a captcha's single-use token is this visitor's alone: neither the
		// page cache nor a browser may hand it to anybody else or show it again.
		w.Header().Set("Cache-Control", "private, no-store")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// t translates for the request's language.
func (s *Server) t(r *http.Request, id string, args ...any) string {
	return s.catalog.Printer(lang(r)).T(id, args...)
}

// partial renders one of the partial templates (in the request's language) to HTML, for
// parts of pages that are kept in the memo.
func (s *Server) partial(r *http.Request, name string, data any) (template.HTML, error) {
	set, ok := s.views.sets[lang(r)]
	if !ok {
		return "", fmt.Errorf("web: no templates for language %q", lang(r))
	}
	var b strings.Builder
	if err := set.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("web: partial %s: %w", name, err)
	}
	return template.HTML(b.String()), nil
}

// contentMemoKey names the content part of a page (everything but the layout around it) in
// the memo, for pages whose data say that their content depends on nothing but the viewer,
// the address, the language, the minute and the store (memoContent). The key names all
// of these: the person (or, for visitors, the hints they dismissed in their session), the
// address with its query, the language and the minute. Only answers to GET that show the
// page as it is (status 200), never a page with a single-use captcha.
func contentMemoKey(r *http.Request, status int, name string, p *page, data any, now time.Time) (string, bool) {
	m, ok := data.(interface{ memoContent() bool })
	if !ok || !m.memoContent() || r.Method != http.MethodGet || status != http.StatusOK {
		return "", false
	}
	if o, ok := data.(interface{ oneTime() bool }); ok && o.oneTime() {
		return "", false
	}
	var scope string
	if p.Viewer.LoggedIn() {
		scope = "person:" + strconv.FormatInt(p.Viewer.ID(), 10)
	} else {
		scope = "visitor:"
		if p.hints != nil {
			var dismissed []string
			for h, ok := range p.hints() {
				if ok {
					dismissed = append(dismissed, h)
				}
			}
			slices.Sort(dismissed)
			scope += strings.Join(dismissed, ",")
		}
	}
	// Only the parameters these pages read make a page of its own; an address with others
	// is rendered without the memo, so that made-up queries cannot push the memo's parts out.
	query := r.URL.Query()
	for k, vs := range query {
		if !memoParams[k] || len(vs) != 1 {
			return "", false
		}
	}
	return "content:" + name + ":" + scope + ":" + p.Lang + ":" + strconv.FormatInt(now.Unix()/60, 10) + ":" +
		r.URL.Path + "?" + query.Encode(), true
}

// memoParams are the query parameters of the pages whose content is kept in the memo.
var memoParams = map[string]bool{"page": true, "year": true, "month": true, "content": true, "reply": true}
