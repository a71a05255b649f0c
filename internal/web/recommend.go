package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
)

// The recommend form is no relay for strangers' texts: a visitor who is not logged in sends
// only the site's own text (the group's name and address), and every sender has a budget of
// recommendation mails an hour — a person by account, a visitor by client address (an IPv6
// /64 as one, like the login limit).
const (
	recommendMaxAddresses     = 20
	recommendPerHourByPerson  = 40
	recommendPerHourByVisitor = 10
)

type recommendData struct {
	Group   *store.Group
	Form    *form
	Captcha captcha
	// VisitorText is what goes out for a visitor who is not logged in.
	VisitorText string
}

func (s *Server) recommendVisitorText(r *http.Request, g *store.Group) string {
	return s.t(r, "recommend.visitor_text", "Group", g.Name, "URL", s.cfg.BaseURL()+"/"+g.Slug+"/")
}

// recommendText is the text a person is offered to send: the group's page, how to subscribe
// and, for an open group, how to join, signed with the sender's name.
func (s *Server) recommendText(r *http.Request, g *store.Group, sender string) string {
	base := s.cfg.BaseURL() + "/" + g.Slug
	key := "recommend.default_text"
	if !g.Closed {
		key = "recommend.default_text_open"
	}
	return s.t(r, key, "Group", g.Name, "URL", base+"/", "SubscribeURL", base+"/actions/subscribe",
		"JoinURL", base+"/actions/join", "Sender", sender)
}

// recommendForm offers a text to send to friends, prefilled with the group's addresses.
func (s *Server) recommendForm(w http.ResponseWriter, r *http.Request) error {
	g, err := s.groupOfSlug(r)
	if err != nil {
		return err
	}
	f := newForm(nil)
	if v := viewer(r); v.LoggedIn() {
		f.Values.Set("text", s.recommendText(r, g, v.Gestalt.Name()))
	}
	s.render(w, r, http.StatusOK, "recommend", s.t(r, "recommend.title"), recommendData{Group: g, Form: f,
		Captcha: s.newCaptcha(), VisitorText: s.recommendVisitorText(r, g)})
	return nil
}

// recommend mails the text to each address (anonymous visitors solve the sum first and send
// the site's text), within the sender's hourly budget.
func (s *Server) recommend(w http.ResponseWriter, r *http.Request) error {
	g, err := s.groupOfSlug(r)
	if err != nil {
		return err
	}
	v := viewer(r)
	f := newForm(r)
	named := strings.FieldsFunc(f.Get("recipients"), func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t'
	})
	// Visitors solve the sum before anything is looked up, and name addresses only: people
	// here by @username are for those logged in, so that nobody learns without an account
	// who may be reached.
	visitor := !v.LoggedIn()
	if visitor && !s.checkCaptcha(f.Get("captcha_token"), f.Get("captcha")) {
		f.Fail("captcha", s.t(r, "error.captcha"))
	}
	var to []groups.Recommendee
	switch {
	case len(named) == 0:
		f.Fail("recipients", s.t(r, "form.required"))
	case len(named) > recommendMaxAddresses:
		f.Fail("recipients", s.t(r, "recommend.too_many", "Count", recommendMaxAddresses))
	case visitor && slices.ContainsFunc(named, func(n string) bool { return strings.HasPrefix(n, "@") }):
		f.Fail("recipients", s.t(r, "recommend.visitor_names"))
	case !f.Valid():
	default:
		var unknown *groups.UnknownRecipientError
		to, err = s.groups.Recommendees(r.Context(), named)
		if errors.As(err, &unknown) {
			f.Fail("recipients", s.t(r, "recommend.invalid", "Email", unknown.Recipient))
		} else if err != nil {
			return err
		}
	}
	sender, text := s.t(r, "recommend.anonymous"), s.recommendVisitorText(r, g)
	key, budget := "ip:"+addressKey(clientIP(r)), recommendPerHourByVisitor
	if v.LoggedIn() {
		sender, text = v.Gestalt.Name(), f.Get("text")
		key, budget = "person:"+itoa(v.Gestalt.ID), recommendPerHourByPerson
		if strings.TrimSpace(text) == "" {
			f.Fail("text", s.t(r, "form.required"))
		}
	}
	if f.Valid() {
		ok, err := s.groups.TakeRecommendations(r.Context(), key, len(to), budget)
		if err != nil {
			return err
		}
		if !ok {
			f.Fail("recipients", s.t(r, "recommend.rate_limited", "Count", budget))
		}
	}
	if f.Valid() {
		if err := s.groups.Recommend(r.Context(), g, sender, to, text); err != nil {
			return fmt.Errorf("recommend %s: %w", g.Slug, err)
		}
		s.wake()
		s.flash(r, msgSuccess, s.t(r, "recommend.sent", "Count", len(to)))
		redirect(w, r, "/"+g.Slug+"/")
		return nil
	}
	s.render(w, r, http.StatusUnprocessableEntity, "recommend", s.t(r, "recommend.title"),
		recommendData{Group: g, Form: f, Captcha: s.newCaptcha(), VisitorText: s.recommendVisitorText(r, g)})
	return nil
}
