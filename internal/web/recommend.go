package web

import (
	"net/http"
	"strings"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/store"
)

type recommendData struct {
	Group   *store.Group
	Form    *form
	Captcha captcha
}

// recommendForm offers a text to send to friends, prefilled with the group's addresses.
func (s *Server) recommendForm(w http.ResponseWriter, r *http.Request) {
	g, ok := s.groupFromSlug(w, r)
	if !ok {
		return
	}
	f := newForm(nil)
	sender := ""
	if v := viewer(r); v.LoggedIn() {
		sender = v.Gestalt.Name()
	}
	f.Values.Set("text", s.t(r, "recommend.default_text", "Group", g.Name, "URL", s.cfg.BaseURL()+"/"+g.Slug+"/",
		"Sender", sender))
	s.render(w, r, http.StatusOK, "recommend", s.t(r, "recommend.title"), recommendData{Group: g, Form: f, Captcha: s.newCaptcha()})
}

// recommend mails the text to each address (anonymous visitors solve the sum first).
func (s *Server) recommend(w http.ResponseWriter, r *http.Request) {
	g, ok := s.groupFromSlug(w, r)
	if !ok {
		return
	}
	v := viewer(r)
	f := newForm(r)
	addresses := strings.FieldsFunc(f.Get("recipients"), func(r rune) bool {
		return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t'
	})
	switch {
	case len(addresses) == 0:
		f.Fail("recipients", s.t(r, "form.required"))
	case len(addresses) > 20:
		f.Fail("recipients", s.t(r, "recommend.too_many", "Count", 20))
	}
	for _, a := range addresses {
		if !accounts.ValidEmail(a) {
			f.Fail("recipients", s.t(r, "recommend.invalid", "Email", a))
		}
	}
	if strings.TrimSpace(f.Get("text")) == "" {
		f.Fail("text", s.t(r, "form.required"))
	}
	if !v.LoggedIn() && !s.checkCaptcha(f.Get("captcha_token"), f.Get("captcha")) {
		f.Fail("captcha", s.t(r, "error.captcha"))
	}
	if f.Valid() {
		sender := s.t(r, "recommend.anonymous")
		if v.LoggedIn() {
			sender = v.Gestalt.Name()
		}
		if err := s.groups.Recommend(r.Context(), g, sender, addresses, f.Get("text")); err != nil {
			s.fail(w, r, err)
			return
		}
		s.wake()
		s.flash(r, msgSuccess, s.t(r, "recommend.sent", "Count", len(addresses)))
		redirect(w, r, "/"+g.Slug+"/")
		return
	}
	s.render(w, r, http.StatusUnprocessableEntity, "recommend", s.t(r, "recommend.title"),
		recommendData{Group: g, Form: f, Captcha: s.newCaptcha()})
}
