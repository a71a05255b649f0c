package web

import (
	"net/http"
	"net/url"

	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
)

// subscribeForm: logged-in people subscribe with one click, anonymous visitors by e-mail.
func (s *Server) subscribeForm(w http.ResponseWriter, r *http.Request) error {
	g, err := s.groupOfSlug(r)
	if err != nil {
		return err
	}
	v := viewer(r)
	if !v.LoggedIn() {
		s.confirmAction(w, r, http.StatusOK, g, "subscribe_request", nil)
		return nil
	}
	subscribed, err := s.db.IsSubscribed(r.Context(), g.ID, v.ID())
	if err != nil {
		return err
	}
	if subscribed {
		s.flash(r, msgInfo, s.t(r, "subscribe.already"))
		redirect(w, r, "/"+g.Slug+"/")
		return nil
	}
	s.confirmAction(w, r, http.StatusOK, g, "subscribe", nil)
	return nil
}

func (s *Server) subscribe(w http.ResponseWriter, r *http.Request) error {
	g, err := s.groupOfSlug(r)
	if err != nil {
		return err
	}
	v := viewer(r)
	if !v.LoggedIn() {
		return s.byMail(w, r, g, "subscribe_request", s.groups.RequestSubscribe)
	}
	if err := s.groups.Subscribe(r.Context(), g.ID, v.ID()); err != nil {
		return err
	}
	s.flash(r, msgSuccess, s.t(r, "subscribe.done", "Group", g.Name))
	redirect(w, r, safeNext(r.PostFormValue("next"), "/"+g.Slug+"/"))
	return nil
}

// unsubscribeForm asks before a logged-in follower stops following; anonymous visitors get a
// link by mail.
func (s *Server) unsubscribeForm(w http.ResponseWriter, r *http.Request) error {
	g, err := s.groupOfID(r)
	if err != nil {
		return err
	}
	v := viewer(r)
	if !v.LoggedIn() {
		s.confirmAction(w, r, http.StatusOK, g, "unsubscribe_request", nil)
		return nil
	}
	subscribed, err := s.db.IsSubscribed(r.Context(), g.ID, v.ID())
	if err != nil {
		return err
	}
	if !groups.CanUnsubscribe(v, subscribed) {
		s.flash(r, msgInfo, s.t(r, "unsubscribe.not_subscribed"))
		redirect(w, r, "/"+g.Slug+"/")
		return nil
	}
	s.confirmAction(w, r, http.StatusOK, g, "unsubscribe", nil)
	return nil
}

func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) error {
	g, err := s.groupOfID(r)
	if err != nil {
		return err
	}
	v := viewer(r)
	if !v.LoggedIn() {
		return s.byMail(w, r, g, "unsubscribe_request", s.groups.RequestUnsubscribe)
	}
	if err := s.groups.Unsubscribe(r.Context(), g.ID, v.ID()); err != nil {
		return err
	}
	s.flash(r, msgSuccess, s.t(r, "unsubscribe.done", "Group", g.Name))
	redirect(w, r, safeNext(r.PostFormValue("next"), "/"+g.Slug+"/"))
	return nil
}

type membershipSettingsData struct {
	Group      *store.Group
	Subscribed bool
	Member     bool
	CanJoin    bool
	CanApply   bool
	// Back is this page, where its buttons return to.
	Back string
}

// membershipSettings is a group's page "notifications and membership" at the original's
// address (/stadt/settings/group/subscriptions-memberships?group=<slug>): whether the
// viewer follows the group and belongs to it, with the buttons that change either. How
// notifications arrive is the person's choice for all groups alike (notification settings).
func (s *Server) membershipSettings(w http.ResponseWriter, r *http.Request) error {
	v := viewer(r)
	if !v.LoggedIn() {
		return errForbidden
	}
	g, err := s.groupOfSlug(r)
	if err != nil {
		return err
	}
	d := membershipSettingsData{Group: g, Member: v.IsMember(g.ID), CanJoin: groups.CanJoin(v, g), CanApply: groups.CanApply(v, g),
		Back: "/stadt/settings/group/subscriptions-memberships/?group=" + url.QueryEscape(g.Slug)}
	if d.Subscribed, err = s.db.IsSubscribed(r.Context(), g.ID, v.ID()); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "group_memberships", s.t(r, "membership_settings.title"), d)
	return nil
}
