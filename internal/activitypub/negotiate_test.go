package activitypub

import "testing"

func TestAcceptsActivity(t *testing.T) {
	for accept, want := range map[string]bool{
		"application/activity+json": true,
		Accept:                      true,
		`application/ld+json; profile="https://www.w3.org/ns/activitystreams"`: true,
		"application/ld+json":                                             true,
		"text/html, application/activity+json;q=0.9":                      true,
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8": false,
		"*/*":                              false,
		"application/json":                 false,
		"":                                 false,
		"application/activity+json;q=0":    false,
		"application/activity+json;q=zero": false,
		"application/activity+json; x":     false,
	} {
		if got := AcceptsActivity(accept); got != want {
			t.Errorf("%q: %v, want %v", accept, got, want)
		}
	}
}
