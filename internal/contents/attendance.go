package contents

import (
	"context"
	"fmt"

	"grouprise.org/grouprise/internal/access"
	"grouprise.org/grouprise/internal/store"
)

// SetAttendance says that person comes to the event published by a (attend) or no longer
// comes. Anyone who may see the event answers for themself; for a fellow member of the
// event's group only a member may, and only where othersAllowed
// (events.allow_attendance_management_for_group_members). Refusals are ErrNotAllowed; a
// content that is no event is store.ErrNotFound.
func (s *Service) SetAttendance(ctx context.Context, v *access.Viewer, a *store.Association, person int64, attend, othersAllowed bool) error {
	if !v.LoggedIn() || !CanView(v, a) {
		return ErrNotAllowed
	}
	err := s.db.Tx(ctx, func(q *store.Queries) error {
		if a.ContentID == 0 {
			return store.ErrNotFound
		}
		if c, err := q.ContentByID(ctx, a.ContentID); err != nil {
			return err
		} else if !c.StartsAt.Valid {
			return store.ErrNotFound
		}
		if !v.Is(person) {
			member, err := q.IsMember(ctx, a.GroupID, person)
			if err != nil {
				return err
			}
			if !othersAllowed || !v.IsMember(a.GroupID) || !member {
				return ErrNotAllowed
			}
		}
		if !attend {
			return q.Abstain(ctx, a.ContentID, person)
		}
		return q.Attend(ctx, a.ContentID, person, s.now())
	})
	if err != nil {
		return fmt.Errorf("contents: attendance of %d at %d: %w", person, a.ContentID, err)
	}
	return nil
}
