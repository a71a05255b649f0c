package activitypub

import (
	"errors"
	"strings"
	"testing"
)

// Our answer for a group (design §10): subject acct:slug@domain and a self link of type
// application/activity+json to the group's URL.
func TestActorJRD(t *testing.T) {
	b, err := marshal(ActorJRD("stadtgarten", "grouprise.example", "https://grouprise.example/stadtgarten/", "https://grouprise.example/stadtgarten/"))
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"subject":"acct:stadtgarten@grouprise.example","aliases":["https://grouprise.example/stadtgarten/"],"links":[` +
		`{"rel":"self","type":"application/activity+json","href":"https://grouprise.example/stadtgarten/"},` +
		`{"rel":"http://webfinger.net/rel/profile-page","type":"text/html","href":"https://grouprise.example/stadtgarten/"}]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	j, err := ParseJRD(b, "stadtgarten", "grouprise.example")
	if err != nil {
		t.Fatal(err)
	}
	if u, err := j.ActorURL(); err != nil || u != "https://grouprise.example/stadtgarten/" {
		t.Errorf("%q, %v", u, err)
	}
}

func TestParseAcct(t *testing.T) {
	for in, want := range map[string]string{
		"acct:stadtgarten@grouprise.example": "stadtgarten grouprise.example",
		"stadtgarten@Grouprise.Example":      "stadtgarten grouprise.example",
		"@alice@gts.test:18080":              "alice gts.test:18080",
		"acct:alice@127.0.0.1:18443":         "alice 127.0.0.1:18443",
		"acct:stadtgarten":                   "",
		"acct:@grouprise.example":            "",
		"acct:a@b@c":                         "",
		"acct:a/b@grouprise.example":         "",
		"acct:a@grouprise.example/x":         "",
		"acct:a@grouprise.example:x":         "",
		"https://grouprise.example/a/":       "",
		"acct:a@":                            "",
	} {
		user, host, err := ParseAcct(in)
		got := ""
		if err == nil {
			got = user + " " + host
		} else if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v is not ErrInvalid", in, err)
		}
		if got != want {
			t.Errorf("%s: got %q (%v), want %q", in, got, err, want)
		}
	}
	if got := WebFingerURL("alice", "gts.test:18080"); got != "https://gts.test:18080/.well-known/webfinger?resource=acct%3Aalice%40gts.test%3A18080" {
		t.Errorf("WebFingerURL %s", got)
	}
}

// A JRD about another account, or without an ActivityPub self link, is refused; the
// ld+json form of the self link is read as GoToSocial's is.
func TestParseJRDRefuses(t *testing.T) {
	if _, err := ParseJRD([]byte(`{"subject":"acct:eve@m.example","links":[]}`), "bob", "m.example"); !errors.Is(err, ErrInvalid) {
		t.Errorf("other subject: %v", err)
	}
	j, err := ParseJRD([]byte(`{"subject":"acct:bob@m.example","links":[{"rel":"self","type":"text/html","href":"https://m.example/@bob"}]}`), "bob", "m.example")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.ActorURL(); err == nil || !strings.Contains(err.Error(), "no self link") {
		t.Errorf("no ActivityPub link: %v", err)
	}
	j, _ = ParseJRD([]byte(`{"subject":"acct:bob@m.example","links":[{"rel":"self","type":"application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"","href":"https://m.example/users/bob"}]}`), "bob", "m.example")
	if u, err := j.ActorURL(); err != nil || u != "https://m.example/users/bob" {
		t.Errorf("ld+json self link: %q, %v", u, err)
	}
	j, _ = ParseJRD([]byte(`{"subject":"acct:bob@m.example","links":[{"rel":"self","type":"application/activity+json","href":"file:///etc/passwd"}]}`), "bob", "m.example")
	if _, err := j.ActorURL(); !errors.Is(err, ErrInvalid) {
		t.Errorf("file link: %v", err)
	}
}
