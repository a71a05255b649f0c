package activitypub

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
)

// contextJSON is the @context of every document we send: ActivityStreams, the security
// vocabulary (publicKey) and the terms from Mastodon, schema.org, Mobilizon and PeerTube
// that our documents use.
const contextJSON = `["https://www.w3.org/ns/activitystreams","https://w3id.org/security/v1",{` +
	`"manuallyApprovesFollowers":"as:manuallyApprovesFollowers","sensitive":"as:sensitive","Hashtag":"as:Hashtag",` +
	`"toot":"http://joinmastodon.org/ns#","discoverable":"toot:discoverable",` +
	`"schema":"http://schema.org#","PostalAddress":"schema:PostalAddress","address":"schema:address",` +
	`"streetAddress":"schema:streetAddress","postalCode":"schema:postalCode","addressLocality":"schema:addressLocality",` +
	`"addressRegion":"schema:addressRegion","addressCountry":"schema:addressCountry",` +
	`"mz":"https://joinmobilizon.org/ns#","timezone":"mz:timezone","joinMode":"mz:joinMode",` +
	`"externalParticipationUrl":"mz:externalParticipationUrl",` +
	`"pt":"https://joinpeertube.org/ns#","commentsEnabled":"pt:commentsEnabled"}]`

// Encode gives the JSON of a document with our @context, ready to serve or send.
func Encode(d Document) ([]byte, error) {
	b, err := marshal(d)
	if err != nil {
		return nil, fmt.Errorf("activitypub: encode %T: %w", d, err)
	}
	if len(b) < 2 || b[0] != '{' {
		return nil, fmt.Errorf("activitypub: encode %T: not an object", d)
	}
	out := make([]byte, 0, len(b)+len(contextJSON)+16)
	out = append(out, `{"@context":`...)
	out = append(out, contextJSON...)
	if len(b) > 2 {
		out = append(out, ',')
	}
	return append(out, b[1:]...), nil
}

// marshal is json.Marshal without escaping <, > and & (content is HTML).
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// shapeError is what the tolerant decoders below return for a shape they refuse;
// encoding/json adds the field it was decoding.
func shapeError(b []byte, t reflect.Type) error {
	return &json.UnmarshalTypeError{Value: describe(b), Type: t}
}

func describe(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '{':
		return "object"
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(b, &items) == nil {
			return "array of " + strconv.Itoa(len(items))
		}
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

func isNull(b []byte) bool { return string(bytes.TrimSpace(b)) == "null" }

// single unwraps a list of exactly one, as some servers send single values.
func single(b []byte) ([]byte, bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '[' {
		return b, true
	}
	var items []json.RawMessage
	if err := json.Unmarshal(b, &items); err != nil || len(items) != 1 {
		return nil, false
	}
	return bytes.TrimSpace(items[0]), true
}

// IRI names an object by its id. It is sent as a string; an incoming one may also be the
// object itself (its id is kept) or a list of exactly one.
type IRI string

func (i *IRI) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		*i = ""
		return nil
	}
	one, ok := single(b)
	if !ok {
		return shapeError(b, reflect.TypeFor[IRI]())
	}
	switch one[0] {
	case '"':
		var s string
		if err := json.Unmarshal(one, &s); err != nil {
			return err
		}
		*i = IRI(s)
		return nil
	case '{':
		var o struct {
			ID *string `json:"id"`
		}
		if err := json.Unmarshal(one, &o); err != nil || o.ID == nil || *o.ID == "" {
			return shapeError(b, reflect.TypeFor[IRI]())
		}
		*i = IRI(*o.ID)
		return nil
	}
	return shapeError(b, reflect.TypeFor[IRI]())
}

// Href is a link: sent as a string; an incoming one may be a Link object or a list of links,
// of which the first HTML one (or else the first) is taken.
type Href string

func (h *Href) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		*h = ""
		return nil
	}
	b = bytes.TrimSpace(b)
	switch b[0] {
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*h = Href(s)
		return nil
	case '{':
		var l struct {
			Href string `json:"href"`
		}
		if err := json.Unmarshal(b, &l); err != nil || l.Href == "" {
			return shapeError(b, reflect.TypeFor[Href]())
		}
		*h = Href(l.Href)
		return nil
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(b, &items); err != nil {
			return shapeError(b, reflect.TypeFor[Href]())
		}
		first := Href("")
		for _, item := range items {
			var one Href
			if err := one.UnmarshalJSON(item); err != nil || one == "" {
				continue
			}
			var l struct {
				MediaType string `json:"mediaType"`
			}
			if json.Unmarshal(item, &l) == nil && l.MediaType == "text/html" {
				*h = one
				return nil
			}
			if first == "" {
				first = one
			}
		}
		*h = first
		return nil
	}
	return shapeError(b, reflect.TypeFor[Href]())
}

// Audience lists the addressees (to, cc): sent as a list; an incoming one may be one string.
type Audience []string

func (a *Audience) UnmarshalJSON(b []byte) error {
	iris, err := oneOrMany[IRI](b)
	if err != nil {
		return shapeError(b, reflect.TypeFor[Audience]())
	}
	*a = (*a)[:0]
	for _, i := range iris {
		*a = append(*a, string(i))
	}
	return nil
}

// Contains reports whether iri is among the addressees.
func (a Audience) Contains(iri string) bool {
	for _, x := range a {
		if x == iri {
			return true
		}
	}
	return false
}

// Tags is a post's tag list; an incoming one may be a single tag.
type Tags []Tag

func (t *Tags) UnmarshalJSON(b []byte) error {
	tags, err := oneOrMany[Tag](b)
	if err != nil {
		return shapeError(b, reflect.TypeFor[Tags]())
	}
	*t = tags
	return nil
}

// Images is an attachment list; an incoming one may be a single attachment.
type Images []Image

func (i *Images) UnmarshalJSON(b []byte) error {
	imgs, err := oneOrMany[Image](b)
	if err != nil {
		return shapeError(b, reflect.TypeFor[Images]())
	}
	*i = imgs
	return nil
}

func oneOrMany[T any](b []byte) ([]T, error) {
	b = bytes.TrimSpace(b)
	if isNull(b) {
		return nil, nil
	}
	if len(b) > 0 && b[0] == '[' {
		var list []T
		err := json.Unmarshal(b, &list)
		return list, err
	}
	var one T
	if err := json.Unmarshal(b, &one); err != nil {
		return nil, err
	}
	return []T{one}, nil
}

// UnmarshalJSON takes an image object, or the first of a list, or a bare URL.
func (i *Image) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if isNull(b) {
		return nil
	}
	switch b[0] {
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(b, &items); err != nil {
			return shapeError(b, reflect.TypeFor[Image]())
		}
		if len(items) == 0 {
			return nil
		}
		return i.UnmarshalJSON(items[0])
	case '"':
		var u Href
		if err := u.UnmarshalJSON(b); err != nil {
			return err
		}
		*i = Image{Type: TypeImage, URL: u}
		return nil
	case '{':
		type plain Image
		var p plain
		if err := json.Unmarshal(b, &p); err != nil {
			return err
		}
		*i = Image(p)
		return nil
	}
	return shapeError(b, reflect.TypeFor[Image]())
}

// UnmarshalJSON takes a key object or a list holding exactly one.
func (k *PublicKey) UnmarshalJSON(b []byte) error {
	one, ok := single(b)
	if !ok || len(one) == 0 || one[0] != '{' {
		return shapeError(b, reflect.TypeFor[PublicKey]())
	}
	type plain PublicKey
	var p plain
	if err := json.Unmarshal(one, &p); err != nil {
		return err
	}
	*k = PublicKey(p)
	return nil
}

// MarshalJSON sends an empty page with an empty list, not null.
func (p *OrderedCollectionPage) MarshalJSON() ([]byte, error) {
	type plain OrderedCollectionPage
	q := plain(*p)
	if q.Items == nil {
		q.Items = []ObjectRef{}
	}
	return marshal(q)
}

// Coordinate is a latitude or longitude. It is always sent with a decimal point, because
// Mobilizon takes only floats as coordinates (52 would be dropped, 52.0 is kept).
type Coordinate float64

func (c Coordinate) MarshalJSON() ([]byte, error) {
	s := strconv.FormatFloat(float64(c), 'f', -1, 64)
	if _, err := strconv.ParseFloat(s, 64); err != nil || s == "NaN" || s == "+Inf" || s == "-Inf" {
		return nil, fmt.Errorf("coordinate %v is not a number", float64(c))
	}
	if !bytes.ContainsAny([]byte(s), ".e") {
		s += ".0"
	}
	return []byte(s), nil
}

// Coord makes a coordinate for Place.
func Coord(f float64) *Coordinate { c := Coordinate(f); return &c }

// ObjectRef is an activity's object: an IRI or an embedded document. Build one with Ref or
// Embed; an incoming one keeps the embedded JSON for the typed accessors (Post, Event, ...).
type ObjectRef struct {
	id    string
	typ   Type
	value Document
	raw   json.RawMessage
}

// Ref names an object by its IRI.
func Ref(iri string) ObjectRef { return ObjectRef{id: iri} }

// Embed puts a whole document into an activity. id is taken from the document.
func Embed(d Document) ObjectRef {
	r := ObjectRef{value: d}
	switch v := d.(type) {
	case *Actor:
		r.id, r.typ = v.ID, v.Type
	case *Post:
		r.id, r.typ = v.ID, v.Type
	case *Event:
		r.id, r.typ = v.ID, v.Type
	case *Tombstone:
		r.id, r.typ = v.ID, v.Type
	case *Activity:
		r.id, r.typ = v.ID, v.Type
	case *OrderedCollection:
		r.id, r.typ = v.ID, v.Type
	case *OrderedCollectionPage:
		r.id, r.typ = v.ID, v.Type
	}
	return r
}

// ID is the object's IRI.
func (o ObjectRef) ID() string { return o.id }

// Type is the embedded object's type, or "" when only the IRI was given.
func (o ObjectRef) Type() Type { return o.typ }

// Embedded reports whether the whole object came along, not only its IRI.
func (o ObjectRef) Embedded() bool { return o.value != nil || o.raw != nil }

func (o ObjectRef) MarshalJSON() ([]byte, error) {
	switch {
	case o.value != nil:
		return marshal(o.value)
	case o.raw != nil:
		return o.raw, nil
	case o.id != "":
		return marshal(o.id)
	}
	return nil, errors.New("empty object reference")
}

func (o *ObjectRef) UnmarshalJSON(b []byte) error {
	*o = ObjectRef{}
	if isNull(b) {
		return nil
	}
	one, ok := single(b)
	if !ok {
		return shapeError(b, reflect.TypeFor[ObjectRef]())
	}
	switch one[0] {
	case '"':
		return json.Unmarshal(one, &o.id)
	case '{':
		var head struct {
			ID   *string         `json:"id"`
			Type json.RawMessage `json:"type"`
		}
		if err := json.Unmarshal(one, &head); err != nil {
			return err
		}
		if head.ID == nil || *head.ID == "" {
			return &json.UnmarshalTypeError{Value: "object without id", Type: reflect.TypeFor[ObjectRef]()}
		}
		var t string
		if err := json.Unmarshal(head.Type, &t); err != nil || t == "" {
			return &json.UnmarshalTypeError{Value: "object without a single type", Type: reflect.TypeFor[ObjectRef]()}
		}
		o.id, o.typ, o.raw = *head.ID, Type(t), append(json.RawMessage(nil), one...)
		return nil
	}
	return shapeError(b, reflect.TypeFor[ObjectRef]())
}

// sortedFirst is the value of the smallest key, so that a choice from a map is stable.
func sortedFirst(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return ""
	}
	return m[keys[0]]
}
