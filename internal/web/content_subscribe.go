package web

import (
	"fmt"
	"net/http"

	"grouprise.org/grouprise/internal/store"
)

// offersSubscription tells whether a content page shows the box to subscribe to the
// content's group (F47): to visitors and to everybody who does not follow the group yet.
// Personal contents have no group to follow.
func (s *Server) offersSubscription(r *http.Request, a *store.Association) (bool, error) {
	if a.GroupID == 0 {
		return false, nil
	}
	v := viewer(r)
	if !v.LoggedIn() {
		return true, nil
	}
	subscribed, err := s.db.IsSubscribed(r.Context(), a.GroupID, v.ID())
	if err != nil {
		return false, fmt.Errorf("subscription of %d to %d: %w", v.ID(), a.GroupID, err)
	}
	return !subscribed, nil
}
