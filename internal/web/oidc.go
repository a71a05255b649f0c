package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/oidcprovider"
	"grouprise.org/grouprise/internal/store"
)

// sessionLoginAt is when the person of a session logged in, in milliseconds since 1970
// (auth_time of ID tokens, fresh logins asked for by clients).
const sessionLoginAt = "login_at"

type oidcConsentData struct {
	Request *oidcprovider.Request
	// Claims are the message ids of what the client will learn.
	Claims []string
}

// oidcLogin is where the OIDC provider sends a browser with an authorization request: the
// person logs in (again, if the client wants a fresh login) and agrees once per client, unless
// the operator marked the client trusted; then the browser goes on to the provider, which
// hands the client its code.
func (s *Server) oidcLogin(w http.ResponseWriter, r *http.Request) error {
	if s.oidc == nil {
		return errNotFound
	}
	ctx := r.Context()
	v := viewer(r)
	req, err := s.oidc.Request(ctx, r.PathValue("id"), v.ID())
	if errors.Is(err, oidcprovider.ErrUnknownRequest) {
		s.errorPage(w, r, http.StatusNotFound, "oidc.expired")
		return nil
	} else if err != nil {
		return fmt.Errorf("oidc: request: %w", err)
	}
	var loginAt time.Time
	if at := s.sessions.GetInt64(ctx, sessionLoginAt); at != 0 {
		loginAt = time.UnixMilli(at)
	}
	if !v.LoggedIn() || req.NeedsLogin(loginAt, s.now()) {
		if req.NoPrompt() {
			s.oidc.Refuse(w, r, req, "login_required")
			return nil
		}
		to := "/stadt/login/?next=" + url.QueryEscape(r.URL.Path)
		if v.LoggedIn() {
			to += "&again=1"
		}
		http.Redirect(w, r, to, http.StatusFound)
		return nil
	}
	switch {
	case r.Method == http.MethodPost && newForm(r).Get("decision") != "allow":
		s.oidc.Refuse(w, r, req, "access_denied")
		return nil
	case r.Method == http.MethodGet && !req.Remembered:
		if req.NoPrompt() {
			s.oidc.Refuse(w, r, req, "consent_required")
			return nil
		}
		var claims []string
		for _, scope := range []string{"profile", "email"} {
			if slices.Contains(req.Scopes, scope) {
				claims = append(claims, "oidc.claims."+scope)
			}
		}
		// The answer to the form ends at the client: its address must be a form target.
		if src := formTarget(req.RedirectURI); src != "" {
			w.Header().Set("Content-Security-Policy", strings.Replace(s.csp(false), "form-action 'self' https:",
				"form-action 'self' https: "+src, 1))
		}
		s.render(w, r, http.StatusOK, "oidc_consent", s.t(r, "oidc.consent_title", "Client", req.Client.Name),
			oidcConsentData{Request: req, Claims: claims})
		return nil
	}
	callback, err := s.oidc.Approve(ctx, req, v.ID(), loginAt, r.Method == http.MethodPost)
	if errors.Is(err, oidcprovider.ErrUnknownRequest) {
		s.errorPage(w, r, http.StatusNotFound, "oidc.expired")
		return nil
	} else if err != nil {
		return fmt.Errorf("oidc: approve: %w", err)
	}
	redirect(w, r, callback)
	return nil
}

// formTarget is the CSP source of a client's redirect URI when form-action 'self' https:
// does not cover it: a loopback address of a native app, a site without TLS, a custom scheme.
func formTarget(redirectURI string) string {
	u, err := url.Parse(redirectURI)
	if err != nil || u.Scheme == "https" {
		return ""
	}
	if u.Host == "" {
		return u.Scheme + ":"
	}
	return u.Scheme + "://" + u.Host
}

type oidcServicesData struct {
	Grants []*store.OIDCConsentGrant
}

// oidcServices lists the services a person allowed to know them, and withdraws a consent.
func (s *Server) oidcServices(w http.ResponseWriter, r *http.Request) error {
	if s.oidc == nil {
		return errNotFound
	}
	if !viewer(r).LoggedIn() {
		return errForbidden
	}
	ctx := r.Context()
	v := viewer(r)
	if r.Method == http.MethodPost {
		if err := s.accounts.WithdrawConsent(ctx, v.ID(), newForm(r).Get("client")); err != nil {
			return err
		}
		s.flash(r, msgSuccess, s.t(r, "oidc.withdrawn"))
		redirect(w, r, "/stadt/settings/services/")
		return nil
	}
	grants, err := s.db.OIDCConsents(ctx, v.ID())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "oidc_services", s.t(r, "oidc.services_title"), oidcServicesData{Grants: grants})
	return nil
}

// rememberLogin notes the time of a login for the ID tokens of the OIDC provider.
func (s *Server) rememberLogin(r *http.Request, at time.Time) {
	s.sessions.Put(r.Context(), sessionLoginAt, at.UnixMilli())
}
