package web

import (
	"errors"
	"html/template"
	"net/http"

	"grouprise.org/grouprise/internal/conversations"
	"grouprise.org/grouprise/internal/markdown"
	"grouprise.org/grouprise/internal/store"
)

// operatorGroup is the group of the site's operators (operator_group_id), or nil.
func (s *Server) operatorGroup(r *http.Request) (*store.Group, error) {
	g, err := s.db.GroupByID(r.Context(), s.cfg.OperatorGroupID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return g, err
}

type helpData struct {
	Operator *store.Group
	Message  messageData
}

// help explains the site and offers a message to its operators.
func (s *Server) help(w http.ResponseWriter, r *http.Request) {
	op, err := s.operatorGroup(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := helpData{Operator: op}
	if op != nil {
		d.Message = s.groupMessageData(r, op, false, newForm(nil))
		d.Message.Intro = s.t(r, "help.contact_intro")
	}
	s.render(w, r, http.StatusOK, "help", s.t(r, "help.title"), d)
}

type imprintData struct {
	*store.Group
	// Text is the operator group's public article "imprint" (grouprise setup writes it).
	Text template.HTML
}

// imprint names who runs the site: the operator group, and its article "imprint".
func (s *Server) imprint(w http.ResponseWriter, r *http.Request) {
	op, err := s.operatorGroup(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if op == nil {
		s.render(w, r, http.StatusOK, "imprint", s.t(r, "nav.imprint"), nil)
		return
	}
	d := imprintData{Group: op}
	a, err := s.db.AssociationBySlug(r.Context(), op.Slug, "imprint")
	if err == nil && a.Public && a.ContentID != 0 {
		versions, err := s.db.Versions(r.Context(), a.ContentID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(versions) > 0 {
			d.Text = s.renderTexts(r, markdown.Content, 2, versions[len(versions)-1].Text)[0]
		}
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "imprint", s.t(r, "nav.imprint"), d)
}

func (s *Server) privacy(w http.ResponseWriter, r *http.Request) {
	op, err := s.operatorGroup(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "privacy", s.t(r, "nav.privacy"), op)
}

// abuse reports a page to the operators: a message to the operator group with the address.
func (s *Server) abuse(w http.ResponseWriter, r *http.Request) {
	op, err := s.operatorGroup(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if op == nil {
		s.notFound(w, r)
		return
	}
	path := safeNext(r.URL.Query().Get("path"), "/")
	data := func(f *form) messageData {
		d := s.groupMessageData(r, op, false, f)
		d.Action = "/stadt/abuse/?path=" + urlQueryEscape(path)
		d.Intro = s.t(r, "abuse.intro")
		return d
	}
	if r.Method == http.MethodGet {
		f := newForm(nil)
		f.Values.Set("subject", s.t(r, "abuse.subject"))
		f.Values.Set("text", s.t(r, "abuse.text", "URL", s.cfg.BaseURL()+path))
		s.render(w, r, http.StatusOK, "message", s.t(r, "nav.abuse"), data(f))
		return
	}
	f := newForm(r)
	started, ok := s.startConversation(w, r, f, conversations.Message{GroupID: op.ID})
	if !ok {
		s.render(w, r, http.StatusUnprocessableEntity, "message", s.t(r, "nav.abuse"), data(f))
		return
	}
	s.afterMessage(w, r, started, path)
}
