package web

import (
	"net/http"
)

type chatHelpData struct {
	// Domain is the homeserver's name; ID the viewer's Matrix ID there ("" for visitors).
	Domain, ID string
	// Client is where the site's web client is (/stadt/chat/).
	Client string
	// OIDC: people log in to the chat with their account here.
	OIDC bool
}

// chatHelp explains the chat: the homeserver, the viewer's Matrix ID, the clients (F125).
func (s *Server) chatHelp(w http.ResponseWriter, r *http.Request) error {
	if !s.cfg.MatrixChat.Enabled {
		return errNotFound
	}
	d := chatHelpData{Domain: s.cfg.MatrixChat.Domain, Client: "/stadt/chat/", OIDC: s.oidc != nil}
	if v := viewer(r); v.LoggedIn() {
		own, err := s.db.MatrixIDOf(r.Context(), v.ID())
		if err != nil {
			return err
		}
		d.ID = own
		if d.ID == "" {
			d.ID = "@" + v.Gestalt.Username + ":" + d.Domain
		}
	}
	s.render(w, r, http.StatusOK, "chat_help", s.t(r, "chat.help_title"), d)
	return nil
}

// chatClient answers /stadt/chat/ when the web server does not serve a Matrix web client
// there (Debian has no Element package; README.Debian says how to serve its release files):
// to the client matrix_chat.web_client_url names (the browser keeps the #/room/… part
// across the redirect), or a page that says what is missing and how to chat meanwhile.
func (s *Server) chatClient(w http.ResponseWriter, r *http.Request) error {
	if !s.cfg.MatrixChat.Enabled {
		return errNotFound
	}
	if u := s.cfg.MatrixChat.WebClientURL; u != "" {
		http.Redirect(w, r, u, http.StatusFound)
		return nil
	}
	s.render(w, r, http.StatusOK, "chat_client", s.t(r, "chat.client_title"),
		chatHelpData{Domain: s.cfg.MatrixChat.Domain, OIDC: s.oidc != nil})
	return nil
}
