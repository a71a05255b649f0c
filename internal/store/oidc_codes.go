package store

import (
	"context"
	"fmt"
)

// OIDCCodeRequest returns the request a code was issued for, used or not, without redeeming
// it (ErrNotFound for an unknown code): the provider checks who presents a code before the
// code counts as used.
func (q *Queries) OIDCCodeRequest(ctx context.Context, codeHash string) (*OIDCAuthRequest, error) {
	r, err := scanOIDCRequest(q.queryRow(ctx, `SELECT `+oidcRequestColumns+` FROM oidc_auth_requests
		WHERE code_hash = ?`, codeHash))
	if err != nil {
		return nil, fmt.Errorf("store: OIDC code request: %w", err)
	}
	return r, nil
}
