package gtstest

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// ErrNotFound is a search that found nothing.
var ErrNotFound = errors.New("gtstest: not found")

// Account is an account as the client API shows it.
type Account struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	Acct        string `json:"acct"` // "name" for local accounts, "name@domain" for remote ones
	DisplayName string `json:"display_name"`
	URL         string `json:"url"`
	Note        string `json:"note"`
	Locked      bool   `json:"locked"`
	Avatar      string `json:"avatar"`
}

// Status is a post as the client API shows it.
type Status struct {
	ID          string       `json:"id"`
	URI         string       `json:"uri"` // the ActivityPub ID
	URL         string       `json:"url"` // the web page
	Content     string       `json:"content"`
	SpoilerText string       `json:"spoiler_text"`
	Visibility  string       `json:"visibility"`
	InReplyToID string       `json:"in_reply_to_id"`
	CreatedAt   string       `json:"created_at"`
	EditedAt    string       `json:"edited_at"`
	Account     Account      `json:"account"`
	Reblog      *Status      `json:"reblog"` // an Announce shows as a boost of the original
	Media       []Attachment `json:"media_attachments"`
	Tags        []struct {
		Name string `json:"name"`
	} `json:"tags"`
}

// Attachment is a media attachment of a status.
type Attachment struct {
	Type        string `json:"type"`
	URL         string `json:"url"`
	RemoteURL   string `json:"remote_url"`
	Description string `json:"description"`
}

// Relationship is the user's relation to another account.
type Relationship struct {
	ID         string `json:"id"`
	Following  bool   `json:"following"`
	Requested  bool   `json:"requested"` // a follow sent but not yet accepted
	FollowedBy bool   `json:"followed_by"`
	Blocking   bool   `json:"blocking"`
}

// VerifyCredentials returns the user's own account.
func (u *User) VerifyCredentials() (Account, error) {
	var a Account
	err := u.call("GET", "/api/v1/accounts/verify_credentials", nil, &a)
	return a, err
}

// ResolveAccount finds an account by its handle ("@slug@127.0.0.1:8443" or without the
// leading @), fetching it through WebFinger (always https) when the server does not know it.
func (u *User) ResolveAccount(handle string) (Account, error) {
	handle = strings.TrimPrefix(handle, "@")
	var res struct {
		Accounts []Account `json:"accounts"`
	}
	if err := u.call("GET", "/api/v2/search", url.Values{"q": {"@" + handle}, "resolve": {"true"},
		"type": {"accounts"}}, &res); err != nil {
		return Account{}, err
	}
	for _, a := range res.Accounts {
		if strings.EqualFold(a.Acct, handle) {
			return a, nil
		}
	}
	return Account{}, fmt.Errorf("%w: account %s (%d others)", ErrNotFound, handle, len(res.Accounts))
}

// Follow follows an account by its ID; until the other side accepts, the relationship is
// Requested.
func (u *User) Follow(accountID string) (Relationship, error) {
	var r Relationship
	err := u.call("POST", "/api/v1/accounts/"+url.PathEscape(accountID)+"/follow", nil, &r)
	return r, err
}

// Unfollow ends a follow (or withdraws the request): an Undo goes to the other side.
func (u *User) Unfollow(accountID string) (Relationship, error) {
	var r Relationship
	err := u.call("POST", "/api/v1/accounts/"+url.PathEscape(accountID)+"/unfollow", nil, &r)
	return r, err
}

// Relationship returns the user's relation to an account.
func (u *User) Relationship(accountID string) (Relationship, error) {
	var rs []Relationship
	if err := u.call("GET", "/api/v1/accounts/relationships", url.Values{"id[]": {accountID}}, &rs); err != nil {
		return Relationship{}, err
	}
	if len(rs) != 1 {
		return Relationship{}, fmt.Errorf("gtstest: %d relationships for %s", len(rs), accountID)
	}
	return rs[0], nil
}

// HomeTimeline returns the newest statuses of the user's home timeline, newest first.
func (u *User) HomeTimeline() ([]Status, error) {
	var ss []Status
	err := u.call("GET", "/api/v1/timelines/home", url.Values{"limit": {"40"}}, &ss)
	return ss, err
}

// Status returns a status by its ID; a deleted one gives an HTTPError with 404.
func (u *User) Status(id string) (Status, error) {
	var st Status
	err := u.call("GET", "/api/v1/statuses/"+url.PathEscape(id), nil, &st)
	return st, err
}

// ResolveStatus finds a status by its URL or ActivityPub ID, fetching it when the server does
// not know it.
func (u *User) ResolveStatus(uri string) (Status, error) {
	var res struct {
		Statuses []Status `json:"statuses"`
	}
	if err := u.call("GET", "/api/v2/search", url.Values{"q": {uri}, "resolve": {"true"},
		"type": {"statuses"}}, &res); err != nil {
		return Status{}, err
	}
	if len(res.Statuses) == 0 {
		return Status{}, fmt.Errorf("%w: status %s", ErrNotFound, uri)
	}
	return res.Statuses[0], nil
}

// Post publishes a status ("public", "unlisted", "private" or "direct").
func (u *User) Post(text, visibility string) (Status, error) {
	var st Status
	err := u.call("POST", "/api/v1/statuses", url.Values{"status": {text}, "visibility": {visibility}}, &st)
	return st, err
}

// Reply publishes a public reply to a status, given by its ID or by its URL or ActivityPub ID
// (resolved first). Like the usual clients it mentions the status' author, unless the text
// already does: that is what delivers the reply to the author's inbox.
func (u *User) Reply(to, text string) (Status, error) {
	var (
		orig Status
		err  error
	)
	if strings.HasPrefix(to, "http://") || strings.HasPrefix(to, "https://") {
		orig, err = u.ResolveStatus(to)
	} else {
		orig, err = u.Status(to)
	}
	if err != nil {
		return Status{}, fmt.Errorf("gtstest: reply to %s: %w", to, err)
	}
	if mention := "@" + orig.Account.Acct; orig.Account.ID != u.ID && !strings.Contains(text, mention) {
		text = mention + " " + text
	}
	var st Status
	err = u.call("POST", "/api/v1/statuses", url.Values{"status": {text}, "visibility": {"public"},
		"in_reply_to_id": {orig.ID}}, &st)
	return st, err
}

// Await calls cond until it returns nil, and fails the test with its last error when that
// takes longer than timeout (federation is asynchronous on both sides).
func Await(t testing.TB, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gtstest: still after %v: %v", timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
