package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/store"
)

// outboxPage is how many activities a page of an outbox lists.
const outboxPage = 20

// Outbox is a group's outbox: page 0 is the collection with its count and first page; pages
// 1, 2, … list the Creates of what the group has published, the newest first.
func (s *Service) Outbox(ctx context.Context, slug string, page int) (activitypub.Document, error) {
	g, err := s.visibleGroup(ctx, slug)
	if err != nil {
		return nil, err
	}
	id := s.outboxURL(g.Slug)
	n, err := s.db.FediverseObjectCount(ctx, g.ID)
	if err != nil {
		return nil, err
	}
	if page <= 0 {
		return &activitypub.OrderedCollection{ID: id, Type: activitypub.TypeOrderedCollection, TotalItems: n,
			First: id + "?page=1"}, nil
	}
	if last := max(1, (n+outboxPage-1)/outboxPage); page > last {
		return nil, ErrNotFound
	}
	objs, err := s.db.FediverseObjects(ctx, g.ID, (page-1)*outboxPage, outboxPage)
	if err != nil {
		return nil, err
	}
	p := &activitypub.OrderedCollectionPage{ID: id + "?page=" + strconv.Itoa(page), Type: activitypub.TypeOrderedCollectionPage, PartOf: id}
	if page > 1 {
		p.Prev = id + "?page=" + strconv.Itoa(page-1)
	}
	if page*outboxPage < n {
		p.Next = id + "?page=" + strconv.Itoa(page+1)
	}
	for _, o := range objs {
		doc, err := decodeObject(o.Body)
		if err != nil {
			return nil, fmt.Errorf("federation: object %s: %w", o.ObjectID, err)
		}
		p.Items = append(p.Items, activitypub.Embed(s.activity(activitypub.TypeCreate, g, o.ObjectID+"#create", doc, o.PublishedAt)))
	}
	return p, nil
}

// ContentObject is a content of a group as the Fediverse has it (asked for at its page), if
// the group is visible there and the content public and published; else ErrNotFound.
func (s *Service) ContentObject(ctx context.Context, groupSlug string, a *store.Association) (activitypub.Document, error) {
	g, err := s.visibleGroup(ctx, groupSlug)
	if err != nil {
		return nil, err
	}
	if a.GroupID != g.ID || a.Deleted.Valid || !a.Public {
		return nil, ErrNotFound
	}
	o, err := s.db.FediverseObject(ctx, a.ID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (o.DeletedAt.Valid || o.GroupID != g.ID)) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return decodeObject(o.Body)
}

// decodeObject reads an object as publish stored it.
func decodeObject(body []byte) (activitypub.Document, error) {
	var head struct {
		Type activitypub.Type `json:"type"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return nil, err
	}
	if head.Type == activitypub.TypeEvent {
		var e activitypub.Event
		return &e, json.Unmarshal(body, &e)
	}
	var p activitypub.Post
	return &p, json.Unmarshal(body, &p)
}
