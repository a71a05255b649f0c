package federation

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"

	"grouprise.org/grouprise/internal/activitypub"
)

var (
	// ErrBlocked is an inbox POST by an actor or from a server that the operator blocked
	// (answer 403).
	ErrBlocked = errors.New("federation: blocked")
	// ErrRateLimited is an inbox POST from a server that sent more than activitypub.inbox_limit
	// this minute (answer 429).
	ErrRateLimited = errors.New("federation: too many inbox POSTs")
	// ErrBadBlock is a block that names neither an actor nor a server.
	ErrBadBlock = errors.New("federation: expected an actor's https URL, an account (@user@example.org) or a server's name (example.org, example.org:8443)")
	// ErrUnknownAccount is an account whose server knows no such account.
	ErrUnknownAccount = errors.New("federation: no such account")
)

// Blocks are site settings, one row each, so that every process sees a block at once
// (configuration files are read at start) and adding one never rewrites the others.
const blockPrefix = "activitypub.block:"

// A Block is an actor (its IRI) or a server (its host name, with a port for that port only;
// without one it covers every port and every subdomain) that the operator blocked.
type Block struct {
	Entry string
	Since time.Time
}

// ParseBlock checks and normalises what an operator names to block: an actor's http(s)
// URL, an account (@user@host or acct:user@host, which Block finds the actor of by
// WebFinger; given as @user@host), or a server's host name with an optional port (or its
// address, https://host/).
func ParseBlock(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "@") || strings.HasPrefix(s, "acct:") {
		user, host, err := activitypub.ParseAcct(s)
		if err != nil || !validUsername(user) {
			return "", ErrBadBlock
		}
		if host, err = parseHost(host); err != nil {
			return "", ErrBadBlock
		}
		return "@" + user + "@" + host, nil
	}
	if strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") {
		u, err := url.Parse(s)
		if err != nil || u.User != nil || u.Host == "" || u.Fragment != "" || u.RawQuery != "" || u.Opaque != "" {
			return "", ErrBadBlock
		}
		host, err := parseHost(u.Host)
		if err != nil {
			return "", ErrBadBlock
		}
		if u.Path == "" || u.Path == "/" {
			return host, nil // a server's address: the server
		}
		u.Host = strings.ToLower(u.Host)
		return u.String(), nil
	}
	return parseHost(s)
}

// ParseServer checks a server's host name with an optional port, and gives it lower-cased
// and without a final dot. IPv4 addresses count as names.
func ParseServer(s string) (string, error) { return parseHost(s) }

func parseHost(s string) (string, error) {
	host, port := s, ""
	if h, p, err := net.SplitHostPort(s); err == nil {
		host, port = h, p
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != p {
			return "", ErrBadBlock
		}
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if !validHostname(host) {
		return "", ErrBadBlock
	}
	if port != "" {
		return net.JoinHostPort(host, port), nil
	}
	return host, nil
}

// validHostname: dot-separated labels of letters, digits and inner hyphens (an IPv4 address
// is one of these too); no IPv6 literals, which no Fediverse server is named by.
func validHostname(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for label := range strings.SplitSeq(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
				return false
			}
		}
	}
	return true
}

// Block blocks an actor or a server: its inbox POSTs are refused and nothing goes to it;
// its follows of our groups end now (without a message: a blocked server hears nothing
// from us). It returns the normalised entry and how many follows ended.
func (s *Service) Block(ctx context.Context, what string) (string, int, error) {
	entry, err := s.blockEntry(ctx, what)
	if err != nil {
		return "", 0, err
	}
	if err := s.db.SetSiteSetting(ctx, blockPrefix+entry, s.now().UTC().Format(time.RFC3339)); err != nil {
		return "", 0, err
	}
	actors, err := s.db.FollowingActors(ctx)
	if err != nil {
		return entry, 0, err
	}
	removed := 0
	for _, a := range actors {
		if !blockCovers(entry, a) {
			continue
		}
		n, err := s.db.RemoveFollowerEverywhere(ctx, a)
		if err != nil {
			return entry, removed, err
		}
		removed += n
	}
	// The avatars fetched from there go too (avatars.go).
	return entry, removed, s.blockedAvatarsGone(ctx, entry)
}

// Unblock lifts a block; it reports whether there was one.
func (s *Service) Unblock(ctx context.Context, what string) (bool, error) {
	entry, err := s.blockEntry(ctx, what)
	if err != nil {
		return false, err
	}
	return s.db.DeleteSiteSetting(ctx, blockPrefix+entry)
}

// blockEntry is ParseBlock, with an account resolved to its actor.
func (s *Service) blockEntry(ctx context.Context, what string) (string, error) {
	entry, err := ParseBlock(what)
	if err != nil || !strings.HasPrefix(entry, "@") {
		return entry, err
	}
	return s.resolveAccount(ctx, entry)
}

// resolveAccount finds an account's actor by WebFinger, through the guard of outgoing
// requests; its errors are one line for the operator.
func (s *Service) resolveAccount(ctx context.Context, handle string) (string, error) {
	_, host, _ := strings.Cut(handle[1:], "@")
	j, err := s.client.WebFinger(ctx, handle)
	var se *activitypub.StatusError
	switch {
	case errors.As(err, &se) && (se.Code == http.StatusNotFound || se.Code == http.StatusGone):
		return "", fmt.Errorf("%w %s: %s answers %d", ErrUnknownAccount, handle, host, se.Code)
	case errors.Is(err, activitypub.ErrRefusedAddress):
		return "", fmt.Errorf("federation: %s: the address of %s is refused (a private network; see activitypub.allowed_private_networks)", handle, host)
	case err != nil:
		return "", fmt.Errorf("federation: %s: %s cannot be asked: %w", handle, host, err)
	}
	actor, err := j.ActorURL()
	if err != nil {
		return "", fmt.Errorf("federation: %s: %s names no actor: %w", handle, host, err)
	}
	entry, err := ParseBlock(actor)
	if err != nil || !strings.Contains(entry, "://") {
		return "", fmt.Errorf("federation: %s: %s names %q as its actor", handle, host, actor)
	}
	// A server answers for its own accounts only: otherwise evil.example could have us block
	// (or, with unblock, unblock) an account elsewhere in place of its own.
	if sameServer(instanceOf(entry), host) {
		return entry, nil
	}
	return "", fmt.Errorf("%w: %s: %s names %s, an actor on another server; if that is the account "+
		"(some servers, e.g. Mastodon with WEB_DOMAIN, name accounts by another host than their actors'), block its address: "+
		"grouprise activitypub block %s", ErrForeignActor, handle, host, entry, entry)
}

// ErrForeignActor is an account whose server names an actor on another server by WebFinger.
var ErrForeignActor = errors.New("federation: WebFinger names a foreign actor")

// sameServer compares two host[:port] names, a port that is the https default included.
func sameServer(a, b string) bool {
	a, b = strings.TrimSuffix(a, ":443"), strings.TrimSuffix(b, ":443")
	return a != "" && a == b
}

// Blocks lists the blocks, by entry.
func (s *Service) Blocks(ctx context.Context) ([]Block, error) {
	rows, err := s.db.SiteSettingsWithPrefix(ctx, blockPrefix)
	if err != nil {
		return nil, err
	}
	out := make([]Block, 0, len(rows))
	for _, r := range rows {
		since, _ := time.Parse(time.RFC3339, r.Value)
		out = append(out, Block{Entry: strings.TrimPrefix(r.Key, blockPrefix), Since: since})
	}
	return out, nil
}

// Blocked tells whether an IRI (an actor, a key, an inbox) is blocked: the actor itself, or
// its server.
func (s *Service) Blocked(ctx context.Context, iri string) (bool, error) {
	keys := blockKeys(iri)
	if len(keys) == 0 {
		return false, nil
	}
	found, err := s.db.SiteSettingsPresent(ctx, keys)
	if err != nil {
		return false, fmt.Errorf("federation: blocks of %s: %w", iri, err)
	}
	return len(found) > 0, nil
}

// blockKeys are the entries that would block iri: the IRI (without a fragment: a key ID
// names its actor), host:port, the host and each domain above it.
func blockKeys(iri string) []string {
	u, err := url.Parse(iri)
	if err != nil || u.Host == "" {
		return nil
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	u.Fragment, u.RawFragment = "", ""
	u.Host = strings.ToLower(u.Host)
	keys := []string{blockPrefix + u.String()}
	// GoToSocial's key IDs are <actor>/main-key: the actor is the IRI without that
	if actor, ok := strings.CutSuffix(u.String(), "/main-key"); ok {
		keys = append(keys, blockPrefix+actor)
	}
	if p := u.Port(); p != "" {
		keys = append(keys, blockPrefix+net.JoinHostPort(host, p))
	}
	for d := host; d != ""; {
		keys = append(keys, blockPrefix+d)
		_, rest, ok := strings.Cut(d, ".")
		if !ok {
			break
		}
		d = rest
	}
	return keys
}

// blockCovers tells whether a block entry covers an actor IRI.
func blockCovers(entry, actor string) bool {
	for _, k := range blockKeys(actor) {
		if k == blockPrefix+entry {
			return true
		}
	}
	return false
}

// instanceOf names the server an IRI is on, host:port, for the rate limit.
func instanceOf(iri string) string {
	u, err := url.Parse(iri)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

// inboxWindow is the rate limit's window.
const inboxWindow = time.Minute

func inboxLimitKey(instance string) string { return "activitypub.inbox:" + instance }

// domainOf is what an IRI's server belongs to for the limits: its registrable domain (the
// public suffix and one label: every subdomain of evil.example is evil.example), an IPv4
// address, or the /64 of an IPv6 address. Servers can be had by the thousand under a domain
// of one's own; domains cost money.
func domainOf(iri string) string {
	u, err := url.Parse(iri)
	if err != nil || u.Hostname() == "" {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Is4() || ip.Is4In6() {
			return ip.Unmap().String()
		}
		p, _ := ip.Prefix(64)
		return p.String()
	}
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}

// domainInboxFactor is how many servers' worth of inbox POSTs one domain may send in all.
const domainInboxFactor = 10

func domainLimitKey(domain string) string { return "activitypub.inbox-domain:" + domain }

// keyFetchLimit bounds the fetches of unknown keys per domain and minute, counted whether
// they succeed or not: each costs up to a few signed requests to that domain, and a POST
// needs no valid signature to ask for one.
const keyFetchLimit = 60

func keyFetchLimitKey(domain string) string { return "activitypub.key-fetch:" + domain }

// overLimit tells whether the server (or its domain, all its servers together) has used up
// its inbox POSTs of this minute. Only verified POSTs count (countInbox), so that forged ones
// cannot use up another server's.
func (s *Service) overLimit(ctx context.Context, iri string) (bool, error) {
	inst := instanceOf(iri)
	if inst == "" {
		return false, nil
	}
	n, err := s.db.Attempts(ctx, inboxLimitKey(inst), s.now(), inboxWindow)
	if err != nil || n >= s.inboxLimit {
		return n >= s.inboxLimit, err
	}
	n, err = s.db.Attempts(ctx, domainLimitKey(domainOf(iri)), s.now(), inboxWindow)
	return n >= domainInboxFactor*s.inboxLimit, err
}

// countInbox counts a verified inbox POST of the actor's server and domain.
func (s *Service) countInbox(ctx context.Context, actor string) error {
	if inst := instanceOf(actor); inst != "" {
		if _, err := s.db.CountAttempt(ctx, inboxLimitKey(inst), s.now(), inboxWindow); err != nil {
			return err
		}
		_, err := s.db.CountAttempt(ctx, domainLimitKey(domainOf(actor)), s.now(), inboxWindow)
		return err
	}
	return nil
}

// budgetKeyFetch counts a fetch of an unknown key on its domain, and refuses it beyond
// keyFetchLimit a minute.
func (s *Service) budgetKeyFetch(ctx context.Context, keyID string) error {
	d := domainOf(keyID)
	if d == "" {
		return fmt.Errorf("%w: key %s", activitypub.ErrInvalid, keyID)
	}
	n, err := s.db.CountAttempt(ctx, keyFetchLimitKey(d), s.now(), inboxWindow)
	if err != nil {
		return err
	}
	if n > keyFetchLimit {
		return fmt.Errorf("%w: key fetches on %s", ErrRateLimited, d)
	}
	return nil
}

// admit refuses a signature's key or actor when it or its server is blocked, or when its
// server has used up its inbox POSTs of this minute: before any key is fetched, and before
// anything of it is stored.
func (s *Service) admit(ctx context.Context, iri string) error {
	if err := s.refuseBlocked(ctx, iri); err != nil {
		return err
	}
	over, err := s.overLimit(ctx, iri)
	if err != nil {
		return err
	}
	if over {
		return fmt.Errorf("%w: %s", ErrRateLimited, instanceOf(iri))
	}
	return nil
}

// refuseBlocked is ErrBlocked for a blocked IRI.
func (s *Service) refuseBlocked(ctx context.Context, iri string) error {
	blocked, err := s.Blocked(ctx, iri)
	if err != nil {
		return err
	}
	if blocked {
		return fmt.Errorf("%w: %s", ErrBlocked, iri)
	}
	return nil
}
