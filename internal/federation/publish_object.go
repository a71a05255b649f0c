package federation

import (
	"context"
	"html"
	"mime"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/markdown"
	"grouprise.org/grouprise/internal/mentions"
	"grouprise.org/grouprise/internal/store"
)

// object is a public content as the Fediverse gets it: an Article (articles, galleries with
// their pictures, files and polls with a link to the page), or an Event. updated is zero
// for a first publication.
func (s *Service) object(ctx context.Context, q *store.Queries, a *store.Association, g *store.Group, id string, updated time.Time) (activitypub.Document, error) {
	it, err := q.StreamItemByAssociation(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	page := s.ActorURL(g.Slug) + url.PathEscape(a.Slug) + "/"
	body, err := markdown.New(s.base, mentions.Resolver{Q: q}).HTML(ctx, markdown.Options{Preset: markdown.Content, HeadingBase: 2}, it.Text)
	if err != nil {
		return nil, err
	}
	content := string(body)
	// to the second, as the updates are; an update is never before the publication (servers
	// refuse that)
	published := it.Created.UTC().Truncate(time.Second)
	if !updated.IsZero() && updated.Before(published) {
		updated = published
	}
	switch it.Kind {
	case "file", "poll":
		// Other servers show neither; the page has the file and the vote.
		content += `<p><a href="` + html.EscapeString(page) + `">` + html.EscapeString(it.Title) + `</a></p>`
	}
	post := activitypub.Post{
		ID: id, Type: activitypub.TypeArticle, AttributedTo: activitypub.IRI(s.ActorURL(g.Slug)),
		Name: it.Title, Content: content, MediaType: "text/html", URL: activitypub.Href(page),
		Published: published, Updated: updated.UTC(),
		To: activitypub.Audience{activitypub.Public}, Cc: activitypub.Audience{s.followersURL(g.Slug)},
	}
	if post.Tag, err = s.tags(ctx, q, it); err != nil {
		return nil, err
	}
	if post.Attachment, err = s.pictures(ctx, q, it); err != nil {
		return nil, err
	}
	if it.Kind != "event" {
		return &post, nil
	}
	start, end := it.StartsAt.V, it.EndsAt.V
	if !it.EndsAt.Valid {
		end = time.Time{}
	}
	zone := s.zone
	if it.AllDay {
		// all-day events begin at midnight where the site is
		y, m, d := start.In(zone).Date()
		start = time.Date(y, m, d, 0, 0, 0, 0, zone)
		if !end.IsZero() {
			y, m, d = end.In(zone).Date()
			end = time.Date(y, m, d, 23, 59, 59, 0, zone)
		}
	}
	// Servers that show no events (Mastodon, GoToSocial) show the time and place in the text.
	when := start.In(zone).Format("2006-01-02 15:04")
	if it.AllDay {
		when = start.In(zone).Format("2006-01-02")
	}
	if !end.IsZero() {
		if it.AllDay {
			when += " – " + end.In(zone).Format("2006-01-02")
		} else {
			when += " – " + end.In(zone).Format("2006-01-02 15:04")
		}
	}
	post.Type = activitypub.TypeEvent
	post.Content = `<p>` + html.EscapeString(when+" ("+zone.String()+"), "+it.Place) + `</p>` + post.Content
	return &activitypub.Event{
		Post: post, StartTime: start.UTC(), EndTime: end.UTC(), Location: place(it.Place, g),
		Timezone: zone.String(), JoinMode: "external", ExternalParticipationURL: page,
	}, nil
}

// place is an event's location; it has the group's coordinates when it is at the group's
// address (the place is free text: elsewhere we know none).
func place(name string, g *store.Group) *activitypub.Place {
	p := &activitypub.Place{Type: activitypub.TypePlace, Name: name,
		Address: &activitypub.PostalAddress{Type: activitypub.TypePostalAddress, StreetAddress: name}}
	if g.Latitude.Valid && g.Longitude.Valid && g.Address != "" &&
		strings.Contains(strings.ToLower(name), strings.ToLower(strings.TrimSpace(g.Address))) {
		p.Latitude, p.Longitude = activitypub.Coord(g.Latitude.V), activitypub.Coord(g.Longitude.V)
	}
	return p
}

// tags are the content's hashtags and the groups it mentions that are in the Fediverse.
func (s *Service) tags(ctx context.Context, q *store.Queries, it *store.StreamItem) (activitypub.Tags, error) {
	var out activitypub.Tags
	tags, err := q.ContentTags(ctx, it.ContentID)
	if err != nil {
		return nil, err
	}
	for _, t := range tags {
		out = append(out, activitypub.Tag{Type: activitypub.TypeHashtag, Href: s.base + markdown.TagPath(t.Name), Name: "#" + t.Name})
	}
	var slugs []string
	for _, m := range mentionPattern.FindAllStringSubmatch(it.Text, 50) {
		slugs = append(slugs, m[1])
	}
	entities, err := q.EntitiesBySlug(ctx, slugs)
	if err != nil {
		return nil, err
	}
	for _, e := range entities {
		if !e.IsGroup {
			continue // people are no actors
		}
		g, err := q.GroupByID(ctx, e.ID)
		if err != nil {
			return nil, err
		}
		if ok, err := visibleIn(ctx, q, g); err != nil || !ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		out = append(out, activitypub.Tag{Type: activitypub.TypeMention, Href: s.ActorURL(g.Slug), Name: "@" + g.Slug + "@" + s.domain})
	}
	return out, nil
}

// mentionPattern finds @slug where the @ follows no letter (as the Markdown syntax has it).
var mentionPattern = regexp.MustCompile(`(?:^|[^\p{L}\p{N}_@/])@([\p{L}\p{N}_][\p{L}\p{N}_.-]*[\p{L}\p{N}_]|[\p{L}\p{N}_])`)

// pictures are the content's preview picture and a gallery's pictures, as Image attachments.
func (s *Service) pictures(ctx context.Context, q *store.Queries, it *store.StreamItem) (activitypub.Images, error) {
	var files []string
	if it.Kind == "gallery" {
		imgs, err := q.GalleryImages(ctx, it.ContentID)
		if err != nil {
			return nil, err
		}
		for _, i := range imgs {
			files = append(files, i.File)
		}
	} else if it.Image != "" {
		files = append(files, it.Image)
	}
	var out activitypub.Images
	for _, f := range files {
		out = append(out, activitypub.Image{Type: activitypub.TypeImage, MediaType: mime.TypeByExtension(strings.ToLower(path.Ext(f))),
			URL: activitypub.Href(s.base + "/-/images/" + f)})
	}
	return out, nil
}
