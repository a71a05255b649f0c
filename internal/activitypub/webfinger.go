package activitypub

import (
	"fmt"
	"mime"
	"net/url"
	"strings"
)

// JRDMediaType is the content type of a WebFinger answer.
const JRDMediaType = "application/jrd+json"

// profilePageRel is the WebFinger relation of the page people read.
const profilePageRel = "http://webfinger.net/rel/profile-page"

// JRD is a WebFinger answer (RFC 7033).
type JRD struct {
	Subject string    `json:"subject"`
	Aliases []string  `json:"aliases,omitempty"`
	Links   []JRDLink `json:"links"`
}

// JRDLink is one link of a JRD.
type JRDLink struct {
	Rel      string `json:"rel"`
	Type     string `json:"type,omitempty"`
	Href     string `json:"href,omitempty"`
	Template string `json:"template,omitempty"`
}

// ActorJRD is our answer for acct:<user>@<domain>: the actor (self, as ActivityPub) and the
// page people read (design §10: for a group both are https://<domain>/<slug>/).
func ActorJRD(user, domain, actorURL, pageURL string) JRD {
	return JRD{
		Subject: "acct:" + user + "@" + domain,
		Aliases: []string{actorURL},
		Links: []JRDLink{
			{Rel: "self", Type: MediaType, Href: actorURL},
			{Rel: profilePageRel, Type: "text/html", Href: pageURL},
		},
	}
}

// ParseAcct splits a WebFinger resource (acct:user@host, also user@host or @user@host as
// people type it) into user and host; host may carry a port.
func ParseAcct(resource string) (user, host string, err error) {
	s := strings.TrimPrefix(strings.TrimPrefix(resource, "acct:"), "@")
	user, host, ok := strings.Cut(s, "@")
	if !ok || user == "" || host == "" || strings.ContainsAny(user, "/?#:@ \t") || strings.ContainsAny(host, "/?#@ \t") {
		return "", "", fmt.Errorf("%w: %q is not an account like acct:user@example.org", ErrInvalid, resource)
	}
	if u, err := url.Parse("https://" + host + "/"); err != nil || u.Host != host || u.Hostname() == "" {
		return "", "", fmt.Errorf("%w: %q is not an account like acct:user@example.org", ErrInvalid, resource)
	}
	return user, strings.ToLower(host), nil
}

// WebFingerURL is where the account's JRD is asked for. WebFinger is always https.
func WebFingerURL(user, host string) string {
	q := url.Values{"resource": {"acct:" + user + "@" + host}}
	return "https://" + host + "/.well-known/webfinger?" + q.Encode()
}

// ParseJRD decodes a WebFinger answer and checks it is about the account asked for.
func ParseJRD(b []byte, user, host string) (*JRD, error) {
	var j JRD
	if err := decode(b, &j); err != nil {
		return nil, err
	}
	want := "acct:" + user + "@" + host
	if !strings.EqualFold(j.Subject, want) {
		return nil, invalid("subject: %q, asked for %q", j.Subject, want)
	}
	return &j, nil
}

// ActorURL is the JRD's self link of an ActivityPub type.
func (j *JRD) ActorURL() (string, error) {
	for _, l := range j.Links {
		if l.Rel != "self" {
			continue
		}
		mt, params, err := mime.ParseMediaType(l.Type)
		if err != nil {
			continue
		}
		if mt == MediaType || (mt == "application/ld+json" && params["profile"] == "https://www.w3.org/ns/activitystreams") {
			if err := checkIRI("links.self.href", l.Href, true); err != nil {
				return "", err
			}
			return l.Href, nil
		}
	}
	return "", invalid("links: no self link of type %s", MediaType)
}
