package accounts

import (
	"context"
	"errors"
	"fmt"

	"grouprise.org/grouprise/internal/store"
)

// ErrNotYourself refuses an administrator's change that would lock themself out.
var ErrNotYourself = errors.New("an administrator cannot deactivate their own account")

// Correction is what a site administrator sets right about an account: the profile as the
// person edits it, and whether the account may log in at all.
type Correction struct {
	store.Profile
	Active bool
}

// Correct stores an administrator's correction of an account (by is the administrator's
// id), profile and active flag in one transaction. A deactivated account cannot log in, and
// its open sessions end with their next request.
func (a *Accounts) Correct(ctx context.Context, by int64, g *store.Gestalt, c Correction) error {
	if by == g.ID && !c.Active {
		return ErrNotYourself
	}
	if err := a.checkProfile(&c.Profile); err != nil {
		return err
	}
	err := a.db.Tx(ctx, func(q *store.Queries) error {
		if err := storeProfile(ctx, q, g, c.Profile); err != nil {
			return err
		}
		return q.SetActive(ctx, g.ID, c.Active)
	})
	switch {
	case errors.Is(err, store.ErrConflict):
		return ErrUsernameTaken
	case errors.Is(err, ErrUsernameTaken):
		return err
	case err != nil:
		return fmt.Errorf("accounts: correct %d: %w", g.ID, err)
	}
	return nil
}
