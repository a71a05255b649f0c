package accounts

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"grouprise.org/grouprise/internal/store"
)

// LoginKey names the account a login attempt is for, for counting failed attempts per
// account: every spelling that reaches one account (its username, any of its addresses, in
// any case) gives the same key, "id:<id>"; a name that reaches no account gives
// "name:<folded name>".
func (a *Accounts) LoginKey(ctx context.Context, login string) (string, error) {
	g, err := a.byLogin(ctx, login)
	if errors.Is(err, store.ErrNotFound) {
		return "name:" + store.Fold(login), nil
	}
	if err != nil {
		return "", fmt.Errorf("accounts: login key: %w", err)
	}
	return "id:" + strconv.FormatInt(g.ID, 10), nil
}

// byLogin finds the account a login name reaches: by address when it has an @, else by
// username. Authenticate and LoginKey must agree on it, or a spelling that one of them
// resolves would get attempts of its own.
func (a *Accounts) byLogin(ctx context.Context, login string) (*store.Gestalt, error) {
	if strings.Contains(login, "@") {
		return a.db.GestaltByEmail(ctx, login)
	}
	return a.db.GestaltByUsername(ctx, login)
}
