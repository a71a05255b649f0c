package groups

import (
	"context"
	"errors"
	"net/mail"
	"regexp"
	"strings"

	"grouprise.org/grouprise/internal/store"
)

// addressLike finds what looks like an e-mail address in any text: a list, a CSV export, the
// header of a mail.
var addressLike = regexp.MustCompile(`[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+`)

// Addresses returns the e-mail addresses found in text, each once (compared without case),
// and the ones found more than once.
func Addresses(text string) (addresses, duplicates []string) {
	seen := map[string]bool{}
	for _, a := range addressLike.FindAllString(text, -1) {
		a = strings.Trim(a, ".")
		if _, err := mail.ParseAddress(a); err != nil {
			continue
		}
		key := store.Fold(a)
		if seen[key] {
			duplicates = append(duplicates, a)
			continue
		}
		seen[key] = true
		addresses = append(addresses, a)
	}
	return addresses, duplicates
}

// ImportResult says what ImportMembers did with each address.
type ImportResult struct {
	Added          []string // now members (some of them with a new shadow account)
	AlreadyMembers []string
	Failed         map[string]error
}

// ImportOptions are the optional parts of ImportMembers.
type ImportOptions struct {
	// Progress, if set, is told after each address: done of total addresses, the address.
	Progress func(done, total int64, what string)
}

// ImportMembers adds the owners of the addresses as members, added by by; unknown addresses
// get shadow accounts. Each address is its own transaction: a run that stops halfway is run
// again, and who is a member already is skipped.
func (g *Groups) ImportMembers(ctx context.Context, group *store.Group, by *store.Gestalt, addresses []string, opts ImportOptions) ImportResult {
	res := ImportResult{Failed: map[string]error{}}
	for i, a := range addresses {
		_, err := g.AddByEmail(ctx, group, a, by)
		switch {
		case err == nil:
			res.Added = append(res.Added, a)
		case errors.Is(err, ErrAlreadyMember):
			res.AlreadyMembers = append(res.AlreadyMembers, a)
		default:
			res.Failed[a] = err
		}
		if opts.Progress != nil {
			opts.Progress(int64(i+1), int64(len(addresses)), a)
		}
	}
	return res
}
