package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
)

type groupActionData struct {
	Group   *store.Group
	Form    *form
	Captcha captcha
	// Action is the page's catalog prefix: join, resign, subscribe, unsubscribe, …
	Action string
	Token  string
}

// confirmAction renders the page that asks before a membership or subscription changes.
func (s *Server) confirmAction(w http.ResponseWriter, r *http.Request, status int, g *store.Group, action string, f *form) {
	if f == nil {
		f = newForm(nil)
	}
	s.render(w, r, status, "group_action", s.t(r, action+".title"),
		groupActionData{Group: g, Form: f, Action: action, Captcha: s.newCaptcha()})
}

// joinForm asks before joining an open group; anonymous visitors give their address.
func (s *Server) joinForm(w http.ResponseWriter, r *http.Request) error {
	g, err := s.groupOfSlug(r)
	if err != nil {
		return err
	}
	v := viewer(r)
	switch {
	case v.IsMember(g.ID):
		s.flash(r, msgInfo, s.t(r, "join.already"))
		redirect(w, r, "/"+g.Slug+"/")
	case groups.CanJoin(v, g):
		s.confirmAction(w, r, http.StatusOK, g, "join", nil)
	case groups.CanRequestJoin(v, g):
		s.confirmAction(w, r, http.StatusOK, g, "join_request", nil)
	default:
		return errForbidden
	}
	return nil
}

func (s *Server) join(w http.ResponseWriter, r *http.Request) error {
	g, err := s.groupOfSlug(r)
	if err != nil {
		return err
	}
	v := viewer(r)
	switch {
	case groups.CanJoin(v, g):
		if err := s.groups.AddMember(r.Context(), g.ID, v.ID(), v.ID()); err != nil && !errors.Is(err, groups.ErrAlreadyMember) {
			return err
		}
		s.flash(r, msgSuccess, s.t(r, "join.done", "Group", g.Name))
		redirect(w, r, safeNext(r.PostFormValue("next"), "/"+g.Slug+"/"))
	case groups.CanRequestJoin(v, g):
		return s.byMail(w, r, g, "join_request", s.groups.RequestJoin)
	default:
		return errForbidden
	}
	return nil
}

// byMail handles a request made with an e-mail address (and the sum against robots): the
// domain mails a link, the visitor learns that a mail is on its way.
func (s *Server) byMail(w http.ResponseWriter, r *http.Request, g *store.Group, action string,
	request func(ctx context.Context, g *store.Group, email, baseURL string) error) error {
	f := newForm(r)
	if !accounts.ValidEmail(f.Get("email")) {
		f.Fail("email", s.t(r, "error.email_invalid"))
	}
	if !s.checkCaptcha(f.Get("captcha_token"), f.Get("captcha")) {
		f.Fail("captcha", s.t(r, "error.captcha"))
	}
	if f.Valid() {
		err := request(r.Context(), g, f.Get("email"), s.cfg.BaseURL())
		if msg, ok := s.userError(r, err); ok {
			f.Fail("email", msg)
		} else if err != nil {
			return fmt.Errorf("%s: %w", action, err)
		} else {
			s.wake()
			s.flash(r, msgInfo, s.t(r, "mail.sent", "Email", f.Get("email")))
			redirect(w, r, "/"+g.Slug+"/")
			return nil
		}
	}
	s.confirmAction(w, r, http.StatusUnprocessableEntity, g, action, f)
	return nil
}

// resignForm asks before leaving; anonymous visitors give their address.
func (s *Server) resignForm(w http.ResponseWriter, r *http.Request) error {
	g, err := s.groupOfID(r)
	if err != nil {
		return err
	}
	v := viewer(r)
	switch {
	case groups.CanLeave(v, g):
		s.confirmAction(w, r, http.StatusOK, g, "resign", nil)
	case !v.LoggedIn():
		s.confirmAction(w, r, http.StatusOK, g, "resign_request", nil)
	default:
		return errForbidden
	}
	return nil
}

func (s *Server) resign(w http.ResponseWriter, r *http.Request) error {
	g, err := s.groupOfID(r)
	if err != nil {
		return err
	}
	v := viewer(r)
	switch {
	case groups.CanLeave(v, g):
		if err := s.groups.RemoveMember(r.Context(), g.ID, v.ID()); err != nil && !errors.Is(err, groups.ErrNotMember) {
			return err
		}
		s.flash(r, msgSuccess, s.t(r, "resign.done", "Group", g.Name))
		redirect(w, r, "/"+g.Slug+"/")
	case !v.LoggedIn():
		return s.byMail(w, r, g, "resign_request", s.groups.RequestResign)
	default:
		return errForbidden
	}
	return nil
}

// tokenForm shows the page of a mailed link; the change itself takes a POST.
func (s *Server) tokenForm(action string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		s.render(w, r, http.StatusOK, "token_confirm", s.t(r, action+".title"),
			groupActionData{Action: action, Token: r.PathValue("secret")})
		return nil
	}
}

// tokenConfirm carries out the request of a mailed link.
func (s *Server) tokenConfirm(action, feature string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		g, _, err := s.groups.Confirm(r.Context(), feature, r.PathValue("secret"))
		if msg, ok := s.userError(r, err); ok {
			s.flash(r, msgError, msg)
			redirect(w, r, "/")
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", action, err)
		}
		s.wake()
		s.flash(r, msgSuccess, s.t(r, action+".done", "Group", g.Name))
		redirect(w, r, "/"+g.Slug+"/")
		return nil
	}
}

type membersData struct {
	Group   *store.Group
	Members []*store.Gestalt
	CanAdd  bool
	Form    *form
}

// members lists a group's members, for its members.
func (s *Server) members(w http.ResponseWriter, r *http.Request) error {
	g, err := s.groupOfID(r)
	if err != nil {
		return err
	}
	if !groups.CanSeeMembers(viewer(r), g) {
		return errForbidden
	}
	return s.renderMembers(w, r, http.StatusOK, g, newForm(nil))
}

func (s *Server) renderMembers(w http.ResponseWriter, r *http.Request, status int, g *store.Group, f *form) error {
	list, err := s.db.MembersByScore(r.Context(), g.ID)
	if err != nil {
		return err
	}
	s.render(w, r, status, "members", s.t(r, "members.title", "Group", g.Name),
		membersData{Group: g, Members: list, CanAdd: groups.CanAddMembers(viewer(r), g), Form: f})
	return nil
}

// addMember adds a person to a closed group by e-mail address (a shadow account for an
// unknown one); all members hear of it.
func (s *Server) addMember(w http.ResponseWriter, r *http.Request) error {
	g, err := s.groupOfID(r)
	if err != nil {
		return err
	}
	v := viewer(r)
	if !groups.CanAddMembers(v, g) {
		return errForbidden
	}
	f := newForm(r)
	person, err := s.groups.AddByEmail(r.Context(), g, f.Get("email"), v.Gestalt)
	if errors.Is(err, groups.ErrAlreadyMember) {
		s.flash(r, msgInfo, s.t(r, "members.already", "Email", f.Get("email")))
		redirect(w, r, "/stadt/groups/"+itoa(g.ID)+"/members/")
		return nil
	}
	if msg, ok := s.userError(r, err); ok {
		f.Fail("email", msg)
		return s.renderMembers(w, r, http.StatusUnprocessableEntity, g, f)
	}
	if err != nil {
		return err
	}
	s.wake()
	s.flash(r, msgSuccess, s.t(r, "members.added", "Name", person.Name()))
	redirect(w, r, "/stadt/groups/"+itoa(g.ID)+"/members/")
	return nil
}
