package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"grouprise.org/grouprise/internal/federation"
	"grouprise.org/grouprise/internal/store"
)

// followersData is the members' page of a group's followers in the Fediverse.
type followersData struct {
	Group     *store.Group
	Followers []federation.FollowerEntry
	Pending   int
}

func (d followersData) currentGroup() *store.Group { return d.Group }

// followersGroup is the group of the path if the viewer may manage its followers and the
// site federates.
func (s *Server) followersGroup(r *http.Request) (*store.Group, error) {
	g, err := s.groupOfID(r)
	if err != nil {
		return nil, err
	}
	if !federation.CanManageFollowers(viewer(r), g) {
		return nil, errForbidden
	}
	if !s.federation.Enabled() {
		return nil, errNotFound
	}
	return g, nil
}

// fediverseFollowers shows members who follows their group from the Fediverse, and the
// follows a closed group holds for them to decide.
func (s *Server) fediverseFollowers(w http.ResponseWriter, r *http.Request) error {
	g, err := s.followersGroup(r)
	if err != nil {
		return err
	}
	list, err := s.federation.FollowersOf(r.Context(), g)
	if err != nil {
		return err
	}
	d := followersData{Group: g, Followers: list}
	for _, f := range list {
		if f.Pending {
			d.Pending++
		}
	}
	s.render(w, r, http.StatusOK, "followers", s.t(r, "followers.title", "Group", g.Name), d)
	return nil
}

// decideFollower accepts a pending follow, or rejects it or removes a follower (the group
// sends its Accept or Reject).
func (s *Server) decideFollower(w http.ResponseWriter, r *http.Request) error {
	g, err := s.followersGroup(r)
	if err != nil {
		return err
	}
	f := newForm(r)
	actor := f.Get("actor")
	var msg string
	switch f.Get("action") {
	case "accept":
		err, msg = s.federation.AcceptFollower(r.Context(), g, actor), "followers.accepted"
	case "remove":
		err, msg = s.federation.RemoveFollower(r.Context(), g, actor), "followers.removed"
	default:
		return errNotFound
	}
	switch {
	case errors.Is(err, federation.ErrNoFollow):
		s.flash(r, msgInfo, s.t(r, "followers.gone"))
	case err != nil:
		return err
	default:
		s.wake()
		s.flash(r, msgSuccess, s.t(r, msg))
	}
	redirect(w, r, "/stadt/groups/"+itoa(g.ID)+"/followers/")
	return nil
}

// remoteFollowData is the remote-follow form shown again with what was wrong.
type remoteFollowData struct {
	Group *store.Group
	Form  *form
}

func (d remoteFollowData) currentGroup() *store.Group { return d.Group }

// remoteFollow sends a visitor to their own server's page for following the group
// (authorize_interaction, which Mastodon and others serve), if the group is visible in the
// Fediverse. It is a POST, so that the site's cross-origin protection keeps other sites from
// using it as a redirector.
func (s *Server) remoteFollow(w http.ResponseWriter, r *http.Request) error {
	g, err := s.db.GroupBySlug(r.Context(), r.PathValue("group"))
	if err != nil {
		return err
	}
	if ok, err := s.federation.Visible(r.Context(), g); err != nil {
		return err
	} else if !ok {
		return errNotFound
	}
	f := newForm(r)
	host, ok := instanceHost(f.Get("instance"))
	if !ok {
		f.Fail("instance", s.t(r, "remote_follow.invalid"))
		s.render(w, r, http.StatusUnprocessableEntity, "remote_follow", s.t(r, "remote_follow.title", "Group", g.Name),
			remoteFollowData{Group: g, Form: f})
		return nil
	}
	handle := strings.TrimPrefix(s.federation.Handle(g.Slug), "@")
	redirect(w, r, (&url.URL{Scheme: "https", Host: host, Path: "/authorize_interaction",
		RawQuery: url.Values{"uri": {handle}}.Encode()}).String())
	return nil
}

// instanceHost checks what a visitor names as their server: a host name (ASCII letters,
// digits and inner hyphens in dot-separated labels, at least two of them) with an optional
// port, nothing else; an https:// in front, a / after it and a handle's @name@ are forgiven.
func instanceHost(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 260 {
		return "", false
	}
	s = strings.TrimPrefix(s, "https://")
	s = strings.TrimSuffix(s, "/")
	// people paste their handle, @name@host: only the host is wanted (and no user:password@)
	if name, host, ok := strings.Cut(strings.TrimPrefix(s, "@"), "@"); ok {
		if name == "" || strings.ContainsFunc(name, func(c rune) bool {
			return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-')
		}) {
			return "", false
		}
		s = host
	}
	host, err := federation.ParseServer(s) // the rule for a server the operator blocks
	if err != nil || !strings.Contains(host, ".") {
		return "", false
	}
	return host, true
}
