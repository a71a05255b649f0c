package web

import (
	"fmt"
	"net/http"
	"strings"

	"grouprise.org/grouprise/internal/accounts"
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

// recommendForm offers a text to send to friends, prefilled with the group's addresses.
func (s *Server) recommendForm(w http.ResponseWriter, r *http.Request) error {
	g, err := s.groupOfSlug(r)
	if err != nil {
		return err
	}
	f := newForm(nil)
	if v := viewer(r); v.LoggedIn() {
		f.Values.Set("text", s.t(r, "recommend.default_text", "Group", g.Name, "URL", s.cfg.BaseURL()+"/"+g.Slug+"/",
			"Sender", v.Gestalt.Name()))
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
	addresses := strings.FieldsFunc(f.Get("recipients"), func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t'
	})
	switch {
	case len(addresses) == 0:
		f.Fail("recipients", s.t(r, "form.required"))
	case len(addresses) > recommendMaxAddresses:
		f.Fail("recipients", s.t(r, "recommend.too_many", "Count", recommendMaxAddresses))
	}
	for _, a := range addresses {
		if !accounts.ValidEmail(a) {
			f.Fail("recipients", s.t(r, "recommend.invalid", "Email", a))
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
	} else if !s.checkCaptcha(f.Get("captcha_token"), f.Get("captcha")) {
		f.Fail("captcha", s.t(r, "error.captcha"))
	}
	if f.Valid() {
		ok, err := s.groups.TakeRecommendations(r.Context(), key, len(addresses), budget)
		if err != nil {
			return err
		}
		if !ok {
			f.Fail("recipients", s.t(r, "recommend.rate_limited", "Count", budget))
		}
	}
	if f.Valid() {
		if err := s.groups.Recommend(r.Context(), g, sender, addresses, text); err != nil {
			return fmt.Errorf("recommend %s: %w", g.Slug, err)
		}
		s.wake()
		s.flash(r, msgSuccess, s.t(r, "recommend.sent", "Count", len(addresses)))
		redirect(w, r, "/"+g.Slug+"/")
		return nil
	}
	s.render(w, r, http.StatusUnprocessableEntity, "recommend", s.t(r, "recommend.title"),
		recommendData{Group: g, Form: f, Captcha: s.newCaptcha(), VisitorText: s.recommendVisitorText(r, g)})
	return nil
}
