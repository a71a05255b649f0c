package web

import (
	"net/http"

	"grouprise.org/grouprise/internal/groups"
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
	redirect(w, r, "/"+g.Slug+"/")
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
	redirect(w, r, "/"+g.Slug+"/")
	return nil
}
