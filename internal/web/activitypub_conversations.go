package web

import "net/http"

// conversationNote answers the Note that carried a member's message in a conversation with
// somebody in the Fediverse: to that person, signed, only; 404 to everybody else.
func (s *Server) conversationNote(w http.ResponseWriter, r *http.Request) error {
	n, err := s.federation.ConversationNote(r.Context(), r, r.PathValue("group"), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeActivity(w, n)
}
