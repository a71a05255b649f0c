package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/federation"
	"grouprise.org/grouprise/internal/metrics"
	"grouprise.org/grouprise/internal/store"
)

// answerGone answers 410, for what the Fediverse had from us and has no more.
func answerGone(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusGone)
	w.Write([]byte(http.StatusText(http.StatusGone) + "\n"))
	return nil
}

// writeActivity answers an ActivityPub document.
func writeActivity(w http.ResponseWriter, d activitypub.Document) error {
	b, err := activitypub.Encode(d)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", activitypub.MediaType)
	w.Write(b)
	return nil
}

// webFinger answers acct:<slug>@<domain> for the groups visible in the Fediverse.
func (s *Server) webFinger(w http.ResponseWriter, r *http.Request) error {
	j, err := s.federation.WebFinger(r.Context(), r.URL.Query().Get("resource"))
	if errors.Is(err, federation.ErrGone) {
		return answerGone(w) // a group's old name
	}
	if err != nil {
		return err
	}
	b, err := json.Marshal(j)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", activitypub.JRDMediaType)
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Write(b)
	return nil
}

// groupActor answers /<slug>/ asked for as ActivityPub with the group's actor; it answers
// nothing (false) when the group is not visible in the Fediverse, so that the page is shown.
func (s *Server) groupActor(w http.ResponseWriter, r *http.Request, g *store.Group) (bool, error) {
	a, err := s.federation.GroupActor(r.Context(), g.Slug)
	if errors.Is(err, federation.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	return true, writeActivity(w, a)
}

// instanceActor is the site's actor that signs our fetches.
func (s *Server) instanceActor(w http.ResponseWriter, r *http.Request) error {
	a, err := s.federation.InstanceActor(r.Context())
	if err != nil {
		return err
	}
	return writeActivity(w, a)
}

// groupOutbox answers a group's outbox: the collection, or with ?page=N one of its pages.
func (s *Server) groupOutbox(w http.ResponseWriter, r *http.Request) error {
	page := 0
	if p := r.URL.Query().Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return errNotFound
		}
		page = n
	}
	c, err := s.federation.Outbox(r.Context(), r.PathValue("group"), page)
	if err != nil {
		return err
	}
	return writeActivity(w, c)
}

// contentObject answers a content's page asked for as ActivityPub with the object its group
// published (404 when it is not public, or its group not in the Fediverse).
func (s *Server) contentObject(w http.ResponseWriter, r *http.Request, a *store.Association) error {
	o, err := s.federation.ContentObject(r.Context(), r.PathValue("entity"), a)
	if err != nil {
		return err
	}
	return writeActivity(w, o)
}

// groupAnnounce answers the id of a group's Announce of a reply: the Announce for
// ActivityPub, the comment's page for browsers, 410 after its Undo.
func (s *Server) groupAnnounce(w http.ResponseWriter, r *http.Request) error {
	a, err := s.federation.Announce(r.Context(), r.PathValue("group"), r.PathValue("id"))
	w.Header().Add("Vary", "Accept")
	if errors.Is(err, federation.ErrGone) {
		return answerGone(w)
	}
	if err != nil {
		return err
	}
	if !activitypub.AcceptsActivity(r.Header.Get("Accept")) {
		http.Redirect(w, r, a.Page, http.StatusSeeOther)
		return nil
	}
	return writeActivity(w, a.Announce)
}

func (s *Server) groupFollowers(w http.ResponseWriter, r *http.Request) error {
	c, err := s.federation.Followers(r.Context(), r.PathValue("group"))
	if err != nil {
		return err
	}
	return writeActivity(w, c)
}

func (s *Server) groupInbox(w http.ResponseWriter, r *http.Request) error {
	return s.inbox(w, r, r.PathValue("group"))
}

func (s *Server) sharedInbox(w http.ResponseWriter, r *http.Request) error {
	return s.inbox(w, r, "")
}

// inbox takes an activity POSTed by another server: 202 when taken (or taken and dropped),
// 401 for a missing or bad signature, 403 for a blocked actor or server, 413 for a body too
// large, 429 for a server over its limit, 400 for one we cannot read.
func (s *Server) inbox(w http.ResponseWriter, r *http.Request, slug string) error {
	typ, queued, err := s.federation.Inbox(r.Context(), r, slug)
	status, outcome := http.StatusAccepted, metrics.InboxTaken
	switch {
	case err == nil:
	case errors.Is(err, federation.ErrNotFound):
		s.metrics.Inbox(string(typ), metrics.InboxNotFound)
		return err
	case errors.Is(err, federation.ErrBlocked):
		status, outcome = http.StatusForbidden, metrics.InboxBlocked
	case errors.Is(err, federation.ErrRateLimited):
		status, outcome = http.StatusTooManyRequests, metrics.InboxLimited
		w.Header().Set("Retry-After", "60")
	case errors.Is(err, federation.ErrIgnored), errors.Is(err, activitypub.ErrUnsupported):
		outcome = metrics.InboxDropped
		s.log.Debug("inbox: activity dropped", "err", err)
	case errors.Is(err, activitypub.ErrUnsigned), errors.Is(err, activitypub.ErrBadSignature):
		status, outcome = http.StatusUnauthorized, metrics.InboxRefused
	case errors.Is(err, activitypub.ErrTooLarge):
		status, outcome = http.StatusRequestEntityTooLarge, metrics.InboxRefused
	case errors.Is(err, activitypub.ErrInvalid):
		status, outcome = http.StatusBadRequest, metrics.InboxRefused
	default:
		s.metrics.Inbox(string(typ), metrics.InboxError)
		return err
	}
	s.metrics.Inbox(string(typ), outcome)
	if status != http.StatusAccepted {
		s.log.Info("inbox: refused", "path", r.URL.Path, "status", status, "err", err)
	}
	if queued {
		s.wake()
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	w.Write([]byte(http.StatusText(status) + "\n"))
	return nil
}
