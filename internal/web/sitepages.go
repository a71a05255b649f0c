package web

import (
	"errors"
	"fmt"
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
	// Pinned are the operator group's pinned contents the viewer may see: the articles
	// "about" and "tools" that grouprise setup writes (F111).
	Pinned  []*store.StreamItem
	Message messageData
}

// help explains the site and offers a message to its operators.
func (s *Server) help(w http.ResponseWriter, r *http.Request) error {
	op, err := s.operatorGroup(r)
	if err != nil {
		return err
	}
	d := helpData{Operator: op}
	if op != nil {
		v, pinned := viewer(r), true
		if d.Pinned, err = s.db.Stream(r.Context(), store.StreamQuery{ViewerID: v.ID(), MemberOf: v.GroupIDs(), GroupID: op.ID,
			Pinned: &pinned, Limit: 6}); err != nil {
			return fmt.Errorf("help: the operator group's pinned contents: %w", err)
		}
		d.Message = s.groupMessageData(r, op, false, newForm(nil))
		d.Message.Intro = s.t(r, "help.contact_intro")
	}
	s.render(w, r, http.StatusOK, "help", s.t(r, "help.title"), d)
	return nil
}

type imprintData struct {
	*store.Group
	// Text is the operator group's public article "imprint" (grouprise setup writes it).
	Text template.HTML
}

// imprint names who runs the site: the operator group, and its article "imprint".
func (s *Server) imprint(w http.ResponseWriter, r *http.Request) error {
	op, err := s.operatorGroup(r)
	if err != nil {
		return err
	}
	if op == nil {
		s.render(w, r, http.StatusOK, "imprint", s.t(r, "nav.imprint"), nil)
		return nil
	}
	d := imprintData{Group: op}
	a, err := s.db.AssociationBySlug(r.Context(), op.Slug, "imprint")
	if err == nil && a.Public && a.ContentID != 0 {
		versions, err := s.db.Versions(r.Context(), a.ContentID)
		if err != nil {
			return err
		}
		if len(versions) > 0 {
			d.Text = s.renderTexts(r, markdown.Content, 2, versions[len(versions)-1].Text)[0]
		}
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	s.render(w, r, http.StatusOK, "imprint", s.t(r, "nav.imprint"), d)
	return nil
}

func (s *Server) privacy(w http.ResponseWriter, r *http.Request) error {
	op, err := s.operatorGroup(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "privacy", s.t(r, "nav.privacy"), op)
	return nil
}

// abuse reports a page to the operators: a message to the operator group with the address.
func (s *Server) abuse(w http.ResponseWriter, r *http.Request) error {
	op, err := s.operatorGroup(r)
	if err != nil {
		return err
	}
	if op == nil {
		return errNotFound
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
		return nil
	}
	f := newForm(r)
	started, ok, err := s.sendMessage(r, f, conversations.Message{GroupID: op.ID})
	if err != nil {
		return fmt.Errorf("abuse report: %w", err)
	}
	if !ok {
		s.render(w, r, http.StatusUnprocessableEntity, "message", s.t(r, "nav.abuse"), data(f))
		return nil
	}
	s.afterMessage(w, r, started, path)
	return nil
}
