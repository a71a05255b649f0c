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
// "name:<folded name>". It looks the name up as Authenticate does.
func (a *Accounts) LoginKey(ctx context.Context, login string) (string, error) {
	login = strings.TrimSpace(login)
	var g *store.Gestalt
	var err error
	if strings.Contains(login, "@") {
		g, err = a.db.GestaltByEmail(ctx, login)
	} else {
		g, err = a.db.GestaltByUsername(ctx, login)
	}
	if errors.Is(err, store.ErrNotFound) {
		return "name:" + store.Fold(login), nil
	}
	if err != nil {
		return "", fmt.Errorf("accounts: login key: %w", err)
	}
	return "id:" + strconv.FormatInt(g.ID, 10), nil
}
