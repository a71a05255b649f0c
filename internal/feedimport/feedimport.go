// Package feedimport publishes the news of group websites as articles, as the Django
// grouprise did: for every group that asks for it (url_import_feed), the feed that its
// website announces (RSS or Atom autodiscovery) is read, and each entry not seen before
// becomes a public article of the group by the importer account (feed_importer_gestalt_id),
// announced like any other.
package feedimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	htmltomarkdown "github.com/JohannesKaufmann/html-to-markdown/v2"
	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/store"
)

// ErrNoImporter means feed_importer_gestalt_id names no account: nothing is imported.
var ErrNoImporter = errors.New("feed_importer_gestalt_id names no account; `grouprise setup` makes one")

// maxBody limits what is read of a website or a feed.
const maxBody = 5 << 20

// Importer imports the feeds of group websites: it reads the store and publishes through
// Contents.
type Importer struct {
	DB         *store.DB
	Contents   *contents.Service
	ImporterID int64
	Printer    *i18n.Printer
	Log        *slog.Logger
	// Client fetches websites and feeds; nil: one that refuses local and private addresses
	// (a group's website must not reach into the server's own network).
	Client *http.Client
	Now    func() time.Time

	once   sync.Once
	client *http.Client
}

// Result counts what a run did.
type Result struct {
	Groups, Imported, Failed int
}

// Run imports every group's feed; one group's broken website does not stop the others.
func (im *Importer) Run(ctx context.Context) (Result, error) {
	var res Result
	if im.ImporterID == 0 {
		return res, ErrNoImporter
	}
	author, err := im.DB.GestaltByID(ctx, im.ImporterID)
	if errors.Is(err, store.ErrNotFound) {
		return res, ErrNoImporter
	} else if err != nil {
		return res, err
	}
	groups, err := im.DB.GroupsWithFeeds(ctx)
	if err != nil {
		return res, err
	}
	for _, g := range groups {
		res.Groups++
		n, err := im.importGroup(ctx, author, g)
		res.Imported += n
		if err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			res.Failed++
			im.Log.Warn("feed import failed", "group", g.Slug, "website", g.URL, "err", err)
		} else if n > 0 {
			im.Log.Info("feed entries imported", "group", g.Slug, "entries", n)
		}
	}
	return res, nil
}

func (im *Importer) httpClient() *http.Client {
	if im.Client != nil {
		return im.Client
	}
	im.once.Do(func() { im.client = publicClient() })
	return im.client
}

// publicClient fetches from public addresses only. No proxy: the address checked must be the
// website's own, and one client is kept, with short-lived idle connections.
func publicClient() *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, Control: publicOnly}
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{DialContext: dialer.DialContext, Proxy: nil, TLSHandshakeTimeout: 10 * time.Second,
			MaxIdleConns: 4, IdleConnTimeout: 30 * time.Second},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("too many redirects")
			}
			return nil
		},
	}
}

// publicOnly refuses connections to loopback, private, link-local and other special
// addresses.
func publicOnly(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%s is not an address", host)
	}
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() ||
		slices.ContainsFunc(specialNets, func(p netip.Prefix) bool { return p.Contains(ip) }) {
		return fmt.Errorf("%s is not a public address", host)
	}
	return nil
}

// specialNets are further ranges that are not the public internet (RFC 6890 and successors).
var specialNets = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"), netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.18.0.0/15"), netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("240.0.0.0/4"), netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"), netip.MustParsePrefix("2001:db8::/32"), netip.MustParsePrefix("2002::/16"),
	netip.MustParsePrefix("100::/64"),
}

// fetch reads a URL (at most maxBody) and returns the body and its media type.
func (im *Importer) fetch(ctx context.Context, u string) ([]byte, string, *url.URL, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", nil, err
	}
	req.Header.Set("User-Agent", "grouprise")
	resp, err := im.httpClient().Do(req)
	if err != nil {
		return nil, "", nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", nil, fmt.Errorf("%s: %s", u, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, "", nil, fmt.Errorf("%s: %w", u, err)
	}
	mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return body, mediaType, resp.Request.URL, nil
}

var feedTypes = []string{"application/rss+xml", "application/atom+xml", "application/feed+json", "application/xml", "text/xml"}

// discover finds the feed of a website: the website itself when it is a feed, else the
// first <link rel="alternate"> of a feed type in its HTML.
func (im *Importer) discover(ctx context.Context, website string) (*gofeed.Feed, error) {
	body, mediaType, final, err := im.fetch(ctx, website)
	if err != nil {
		return nil, err
	}
	if slices.Contains(feedTypes, mediaType) {
		return gofeed.NewParser().ParseString(string(body))
	}
	link := feedLink(string(body))
	if link == "" {
		return nil, fmt.Errorf("%s announces no RSS or Atom feed", website)
	}
	ref, err := url.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("%s: the feed link %q: %w", website, link, err)
	}
	feedURL := final.ResolveReference(ref).String()
	body, _, _, err = im.fetch(ctx, feedURL)
	if err != nil {
		return nil, err
	}
	feed, err := gofeed.NewParser().ParseString(string(body))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", feedURL, err)
	}
	return feed, nil
}

// feedLink returns the href of the first feed announced in an HTML page.
func feedLink(page string) string {
	z := html.NewTokenizer(strings.NewReader(page))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if string(name) == "body" {
				return ""
			}
			if string(name) != "link" || !hasAttr {
				continue
			}
			var rel, typ, href string
			for {
				k, v, more := z.TagAttr()
				switch string(k) {
				case "rel":
					rel = strings.ToLower(string(v))
				case "type":
					typ = strings.ToLower(strings.TrimSpace(string(v)))
				case "href":
					href = strings.TrimSpace(string(v))
				}
				if !more {
					break
				}
			}
			if slices.Contains(strings.Fields(rel), "alternate") && href != "" &&
				(typ == "application/rss+xml" || typ == "application/atom+xml") {
				return href
			}
		}
	}
}

// importGroup imports the new entries of one group's feed, oldest first, each with its
// memory of having been imported in one transaction.
func (im *Importer) importGroup(ctx context.Context, author *store.Gestalt, g *store.Group) (int, error) {
	feed, err := im.discover(ctx, g.URL)
	if err != nil {
		return 0, err
	}
	items := slices.Clone(feed.Items)
	slices.SortStableFunc(items, func(a, b *gofeed.Item) int { return published(a).Compare(published(b)) })
	imported := 0
	for _, item := range items {
		key := strings.TrimSpace(item.GUID)
		if key == "" {
			key = strings.TrimSpace(item.Link)
		}
		if key == "" {
			continue
		}
		if seen, err := im.DB.FeedEntryImported(ctx, key); err != nil {
			return imported, err
		} else if seen {
			continue
		}
		created, err := im.Contents.ImportArticle(ctx, author, g.ID, key, im.draft(item), im.now())
		var invalid *contents.FieldError
		switch {
		case err == nil:
			if created {
				imported++
			}
		case errors.Is(err, store.ErrConflict):
			// another runner imported it at the same moment
		case errors.As(err, &invalid):
			im.Log.Warn("feed entry skipped", "group", g.Slug, "entry", key, "err", err)
		default:
			return imported, fmt.Errorf("entry %s: %w", key, err)
		}
	}
	return imported, nil
}

func (im *Importer) now() time.Time {
	if im.Now != nil {
		return im.Now()
	}
	return time.Now()
}

func published(it *gofeed.Item) time.Time {
	switch {
	case it.PublishedParsed != nil:
		return *it.PublishedParsed
	case it.UpdatedParsed != nil:
		return *it.UpdatedParsed
	}
	return time.Time{}
}

// draft makes an article of a feed entry: its summary as Markdown, and a link to the
// whole text on the website unless the summary has it already.
func (im *Importer) draft(it *gofeed.Item) contents.Draft {
	title := strings.TrimSpace(it.Title)
	if title == "" {
		title = it.Link
	}
	if r := []rune(title); len(r) > 255 {
		title = string(r[:254]) + "…"
	}
	summary := it.Description
	if strings.TrimSpace(summary) == "" {
		summary = it.Content
	}
	text, err := htmltomarkdown.ConvertString(summary)
	if err != nil {
		text = summary
	}
	text = strings.TrimSpace(text)
	if it.Link != "" && !strings.Contains(text, it.Link) {
		if text != "" {
			text += "\n\n"
		}
		text += "[" + im.Printer.T("feeds.proceed") + "](" + it.Link + ")"
	}
	return contents.Draft{Title: title, Text: text, Public: true}
}
