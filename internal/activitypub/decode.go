package activitypub

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
)

// Limits on what we read from other servers.
const (
	// MaxDocumentSize bounds an inbox POST body and a fetched document.
	MaxDocumentSize = 1 << 20
	// MaxDepth bounds the nesting of JSON objects and arrays (real activities nest about 6).
	MaxDepth = 32
	// maxIRILength bounds an id or link.
	maxIRILength = 2048
)

var (
	// ErrInvalid is wrapped by every refusal of a malformed document.
	ErrInvalid = errors.New("activitypub: invalid document")
	// ErrUnsupported is wrapped when a well-formed activity or object has a type we do not
	// handle (Like, Question, ...): callers may accept and drop it.
	ErrUnsupported = errors.New("activitypub: unsupported type")
	// ErrTooLarge is returned when a body exceeds MaxDocumentSize.
	ErrTooLarge = errors.New("activitypub: document too large")
)

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// ReadBody reads a request or response body of at most MaxDocumentSize bytes.
func ReadBody(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxDocumentSize+1))
	if err != nil {
		return nil, fmt.Errorf("activitypub: read body: %w", err)
	}
	if len(b) > MaxDocumentSize {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxDocumentSize)
	}
	return b, nil
}

// checkDepth refuses JSON nested deeper than MaxDepth before it is decoded; whether it is
// valid JSON at all is left to the decoder.
func checkDepth(b []byte) error {
	depth, inString, escaped := 0, false, false
	for _, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > MaxDepth {
				return invalid("nested deeper than %d", MaxDepth)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}

func decode(b []byte, v any) error {
	if len(b) > MaxDocumentSize {
		return fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxDocumentSize)
	}
	if err := checkDepth(b); err != nil {
		return err
	}
	if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '{' {
		return invalid("expected a JSON object, got %s", describe(t))
	}
	err := json.Unmarshal(b, v)
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax) || errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("not JSON: %v", err)
	case err != nil:
		return invalid("%v", err)
	}
	return nil
}

// checkIRI refuses an id or link that is not an absolute http(s) URL.
func checkIRI(field, s string, required bool) error {
	if s == "" {
		if required {
			return invalid("%s: missing", field)
		}
		return nil
	}
	if len(s) > maxIRILength {
		return invalid("%s: longer than %d characters", field, maxIRILength)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" || u.User != nil {
		return invalid("%s: expected an http or https URL, got %q", field, s)
	}
	return nil
}

// ParseActivity decodes an incoming activity (an inbox POST) and checks what each type needs:
// Follow, Delete and Announce name their object, Create and Update embed it, Undo, Accept and
// Reject name or embed an activity.
func ParseActivity(b []byte) (*Activity, error) {
	var a Activity
	if err := decode(b, &a); err != nil {
		return nil, err
	}
	if err := a.validate(); err != nil {
		return nil, err
	}
	return &a, nil
}

func (a *Activity) validate() error {
	if a.Type == "" {
		return invalid("type: missing")
	}
	if !isActivityType(a.Type) {
		return fmt.Errorf("%w: activity %q", ErrUnsupported, a.Type)
	}
	if err := checkIRI("id", a.ID, true); err != nil {
		return err
	}
	if err := checkIRI("actor", string(a.Actor), true); err != nil {
		return err
	}
	if err := checkIRI("object", a.Object.id, true); err != nil {
		return err
	}
	switch a.Type {
	case TypeCreate, TypeUpdate:
		if !a.Object.Embedded() {
			return invalid("object: a %s must embed its object, got only %q", a.Type, a.Object.id)
		}
	case TypeUndo, TypeAccept, TypeReject:
		if a.Object.Embedded() && !isActivityType(a.Object.typ) {
			return fmt.Errorf("%w: %s of %q", ErrUnsupported, a.Type, a.Object.typ)
		}
	}
	return nil
}

// Activity decodes an embedded activity (the Follow in an Undo or Accept).
func (o ObjectRef) Activity() (*Activity, error) {
	if err := o.need(isActivityType, "an activity"); err != nil {
		return nil, err
	}
	var a Activity
	if err := decode(o.raw, &a); err != nil {
		return nil, err
	}
	if err := a.validate(); err != nil {
		return nil, fmt.Errorf("object: %w", err)
	}
	return &a, nil
}

// Post decodes an embedded Note, Article or Page (a reply or a mention).
func (o ObjectRef) Post() (*Post, error) {
	if err := o.need(isPostType, "a Note, Article or Page"); err != nil {
		return nil, err
	}
	var p Post
	if err := decode(o.raw, &p); err != nil {
		return nil, err
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// Event decodes an embedded Event.
func (o ObjectRef) Event() (*Event, error) {
	if err := o.need(func(t Type) bool { return t == TypeEvent }, "an Event"); err != nil {
		return nil, err
	}
	var e Event
	if err := decode(o.raw, &e); err != nil {
		return nil, err
	}
	if err := e.Post.validate(); err != nil {
		return nil, err
	}
	if e.StartTime.IsZero() {
		return nil, invalid("object.startTime: missing")
	}
	return &e, nil
}

// Actor decodes an embedded actor (an Update of a profile).
func (o ObjectRef) Actor() (*Actor, error) {
	if err := o.need(isActorType, "an actor"); err != nil {
		return nil, err
	}
	return ParseActor(o.raw)
}

// Tombstone decodes an embedded Tombstone (a Delete may also give only the IRI).
func (o ObjectRef) Tombstone() (*Tombstone, error) {
	if err := o.need(func(t Type) bool { return t == TypeTombstone }, "a Tombstone"); err != nil {
		return nil, err
	}
	var t Tombstone
	if err := decode(o.raw, &t); err != nil {
		return nil, err
	}
	return &t, checkIRI("object.id", t.ID, true)
}

func (o ObjectRef) need(ok func(Type) bool, what string) error {
	if o.raw == nil {
		return invalid("object: expected %s embedded, got only the IRI %q", what, o.id)
	}
	if !ok(o.typ) {
		return fmt.Errorf("%w: object %q, expected %s", ErrUnsupported, o.typ, what)
	}
	return nil
}

func (p *Post) validate() error {
	if err := checkIRI("object.id", p.ID, true); err != nil {
		return err
	}
	if err := checkIRI("object.attributedTo", string(p.AttributedTo), true); err != nil {
		return err
	}
	if err := checkIRI("object.inReplyTo", string(p.InReplyTo), false); err != nil {
		return err
	}
	if err := checkIRI("object.url", string(p.URL), false); err != nil {
		return err
	}
	if p.Content == "" && len(p.ContentMap) > 0 {
		p.Content = sortedFirst(p.ContentMap)
	}
	return nil
}

// ParseActor decodes an actor fetched from another server and checks that it can be
// followed back and verified: an inbox, and a public key that the actor owns.
func ParseActor(b []byte) (*Actor, error) {
	var a Actor
	if err := decode(b, &a); err != nil {
		return nil, err
	}
	if !isActorType(a.Type) {
		return nil, fmt.Errorf("%w: actor %q", ErrUnsupported, a.Type)
	}
	for _, f := range []struct{ name, value string }{{"id", a.ID}, {"inbox", a.Inbox}, {"publicKey.id", a.PublicKey.ID}} {
		if err := checkIRI(f.name, f.value, true); err != nil {
			return nil, err
		}
	}
	if a.Endpoints != nil {
		if err := checkIRI("endpoints.sharedInbox", a.Endpoints.SharedInbox, false); err != nil {
			return nil, err
		}
	}
	if a.PublicKey.Owner != a.ID {
		return nil, invalid("publicKey.owner: %q is not the actor %q", a.PublicKey.Owner, a.ID)
	}
	if a.PublicKey.PublicKeyPEM == "" {
		return nil, invalid("publicKey.publicKeyPem: missing")
	}
	if a.PreferredUsername == "" {
		return nil, invalid("preferredUsername: missing")
	}
	return &a, nil
}
