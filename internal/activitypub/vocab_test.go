package activitypub

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// decodeMap reads encoded JSON back generically, to assert on the wire form.
func decodeMap(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	return m
}

func at(m map[string]any, path ...string) any {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[p]
	}
	return v
}

// A group actor carries what GoToSocial and Mastodon need to follow it (design §10): the
// contexts, inbox, outbox, followers, the shared inbox and a public key it owns.
func TestEncodeGroupActor(t *testing.T) {
	const id = "https://grouprise.example/stadtgarten/"
	g := &Actor{
		ID: id, Type: TypeGroup, PreferredUsername: "stadtgarten", Name: "Stadtgarten <&>",
		Summary: "<p>Gärtnern im Viertel</p>", URL: id,
		Inbox: id + "inbox", Outbox: id + "outbox", Followers: id + "followers", Following: id + "following",
		Endpoints:    &Endpoints{SharedInbox: "https://grouprise.example/inbox"},
		PublicKey:    PublicKey{ID: id + "#main-key", Owner: id, PublicKeyPEM: "-----BEGIN PUBLIC KEY-----\n..."},
		Icon:         &Image{Type: TypeImage, MediaType: "image/png", URL: "https://grouprise.example/logo.png"},
		Discoverable: true,
	}
	b, err := Encode(g)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), `{"@context":["https://www.w3.org/ns/activitystreams","https://w3id.org/security/v1",{`) {
		t.Errorf("context first: %.120s", b)
	}
	if !strings.Contains(string(b), `"name":"Stadtgarten <&>"`) || !strings.Contains(string(b), `"summary":"<p>Gärtnern im Viertel</p>"`) {
		t.Errorf("HTML escaped: %s", b)
	}
	m := decodeMap(t, b)
	want := map[string]any{
		"id": id, "type": "Group", "preferredUsername": "stadtgarten", "inbox": id + "inbox", "outbox": id + "outbox",
		"followers": id + "followers", "url": id, "manuallyApprovesFollowers": false,
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	if at(m, "endpoints", "sharedInbox") != "https://grouprise.example/inbox" || at(m, "publicKey", "owner") != id ||
		at(m, "publicKey", "id") != id+"#main-key" || at(m, "icon", "type") != "Image" {
		t.Errorf("nested: %s", b)
	}
	if _, ok := m["published"]; ok {
		t.Errorf("zero time sent: %s", b)
	}
	// What we send, we read back.
	back, err := ParseActor(b)
	if err != nil || back.SharedInbox() != "https://grouprise.example/inbox" || back.Icon.URL != "https://grouprise.example/logo.png" {
		t.Errorf("read back: %+v, %v", back, err)
	}
}

// An event has times, a Place with a postal address and coordinates that Mobilizon keeps
// (always with a decimal point), and its context defines the terms.
func TestEncodeEventForMobilizon(t *testing.T) {
	start := time.Date(2027, 5, 1, 14, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	e := &Event{
		Post: Post{
			ID: "https://grouprise.example/stadtgarten/fest/", Type: TypeEvent, AttributedTo: "https://grouprise.example/stadtgarten/",
			Name: "Pflanzfest", Content: "<p>Wir pflanzen.</p>", MediaType: "text/html", URL: "https://grouprise.example/stadtgarten/fest/",
			To: Audience{Public}, Cc: Audience{"https://grouprise.example/stadtgarten/followers"},
			Tag: Tags{{Type: TypeHashtag, Href: "https://grouprise.example/stadt/tags/garten/", Name: "#garten"}},
		},
		StartTime: start, EndTime: start.Add(3 * time.Hour), Timezone: "Europe/Berlin",
		Location: &Place{Type: TypePlace, Name: "Stadtgarten", Latitude: Coord(52), Longitude: Coord(13.4050),
			Address: &PostalAddress{Type: TypePostalAddress, StreetAddress: "Gartenweg 1", PostalCode: "10115", AddressLocality: "Berlin", AddressCountry: "DE"}},
		JoinMode: "external", ExternalParticipationURL: "https://grouprise.example/stadtgarten/fest/", CommentsEnabled: true,
	}
	b, err := Encode(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"latitude":52.0`, `"longitude":13.405`, `"startTime":"2027-05-01T14:00:00+02:00"`,
		`"endTime":"2027-05-01T17:00:00+02:00"`, `"to":["https://www.w3.org/ns/activitystreams#Public"]`,
		`"PostalAddress":"schema:PostalAddress"`, `"timezone":"mz:timezone"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("no %s in %s", want, b)
		}
	}
	m := decodeMap(t, b)
	if at(m, "location", "address", "addressLocality") != "Berlin" || at(m, "location", "type") != "Place" ||
		at(m, "location", "address", "type") != "PostalAddress" || m["name"] != "Pflanzfest" || m["type"] != "Event" {
		t.Errorf("event: %s", b)
	}
	// Create wraps it, Announce names it (FEP-1b12), Delete sends a Tombstone.
	create := &Activity{ID: e.ID + "#create", Type: TypeCreate, Actor: e.AttributedTo, Object: Embed(e), To: e.To, Cc: e.Cc}
	announce := &Activity{ID: e.ID + "#announce", Type: TypeAnnounce, Actor: e.AttributedTo, Object: Embed(create), To: e.To}
	del := &Activity{ID: e.ID + "#delete", Type: TypeDelete, Actor: e.AttributedTo,
		Object: Embed(&Tombstone{ID: e.ID, Type: TypeTombstone, FormerType: TypeEvent}), To: e.To}
	for _, a := range []*Activity{create, announce, del} {
		b, err := Encode(a)
		if err != nil {
			t.Fatal(err)
		}
		back, err := ParseActivity(b)
		if err != nil || back.Object.ID() == "" {
			t.Fatalf("%s read back: %v", a.Type, err)
		}
		switch a.Type {
		case TypeCreate:
			ev, err := back.Object.Event()
			if err != nil || !ev.StartTime.Equal(start) || *ev.Location.Latitude != 52 {
				t.Errorf("event read back: %+v, %v", ev, err)
			}
		case TypeAnnounce:
			inner, err := back.Object.Activity()
			if err != nil || inner.Type != TypeCreate || inner.Object.ID() != e.ID {
				t.Errorf("announced: %+v, %v", inner, err)
			}
		case TypeDelete:
			ts, err := back.Object.Tombstone()
			if err != nil || ts.FormerType != TypeEvent {
				t.Errorf("tombstone: %+v, %v", ts, err)
			}
		}
	}
}

func TestEncodeCollections(t *testing.T) {
	c := &OrderedCollection{ID: "https://g.example/s/followers", Type: TypeOrderedCollection, TotalItems: 1000, First: "https://g.example/s/followers?page=1"}
	b, err := Encode(c)
	if err != nil {
		t.Fatal(err)
	}
	if m := decodeMap(t, b); m["totalItems"] != 1000.0 || m["first"] != "https://g.example/s/followers?page=1" || m["orderedItems"] != nil {
		t.Errorf("collection: %s", b)
	}
	p := &OrderedCollectionPage{ID: "https://g.example/s/outbox?page=1", Type: TypeOrderedCollectionPage, PartOf: "https://g.example/s/outbox",
		Items: []ObjectRef{Ref("https://g.example/s/a/#create")}}
	b, err = Encode(p)
	if err != nil || !strings.Contains(string(b), `"orderedItems":["https://g.example/s/a/#create"]`) {
		t.Errorf("page: %s, %v", b, err)
	}
	b, err = Encode(&OrderedCollectionPage{ID: "https://g.example/s/outbox?page=9", Type: TypeOrderedCollectionPage, PartOf: "https://g.example/s/outbox"})
	if err != nil || !strings.Contains(string(b), `"orderedItems":[]`) {
		t.Errorf("empty page: %s, %v", b, err)
	}
	if _, err := Encode(&Activity{ID: "https://g.example/a", Type: TypeFollow}); err == nil {
		t.Error("activity without object encoded")
	}
}

// Real shapes from GoToSocial, Mastodon and Mobilizon decode: objects or IRIs, single values
// or lists.
func TestParseActivityRealShapes(t *testing.T) {
	cases := []struct {
		name, body string
		check      func(t *testing.T, a *Activity)
	}{
		{"GoToSocial Follow", `{"@context":"https://www.w3.org/ns/activitystreams","actor":"http://gts.test:18080/users/alice",
			"id":"http://gts.test:18080/users/alice/follow/01J","object":"https://g.example/stadtgarten/","type":"Follow"}`,
			func(t *testing.T, a *Activity) {
				if a.Actor != "http://gts.test:18080/users/alice" || a.Object.ID() != "https://g.example/stadtgarten/" || a.Object.Embedded() {
					t.Errorf("%+v", a)
				}
			}},
		{"Mastodon Undo of an embedded Follow", `{"@context":"https://www.w3.org/ns/activitystreams",
			"id":"https://m.example/users/bob#follows/9/undo","type":"Undo","actor":"https://m.example/users/bob",
			"object":{"id":"https://m.example/abc","type":"Follow","actor":"https://m.example/users/bob","object":"https://g.example/stadtgarten/"}}`,
			func(t *testing.T, a *Activity) {
				f, err := a.Object.Activity()
				if err != nil || f.Type != TypeFollow || f.Object.ID() != "https://g.example/stadtgarten/" {
					t.Errorf("%+v, %v", f, err)
				}
			}},
		{"actor as an object, object as a list of one", `{"id":"https://m.example/a/1","type":"Follow",
			"actor":{"id":"https://m.example/users/bob","type":"Person"},"object":["https://g.example/stadtgarten/"]}`,
			func(t *testing.T, a *Activity) {
				if a.Actor != "https://m.example/users/bob" || a.Object.ID() != "https://g.example/stadtgarten/" {
					t.Errorf("%+v", a)
				}
			}},
		{"Mastodon reply with mentions, hashtag, attachment and contentMap", `{"@context":["https://www.w3.org/ns/activitystreams",{"ostatus":"http://ostatus.org#"}],
			"id":"https://m.example/users/bob/statuses/1/activity","type":"Create","actor":"https://m.example/users/bob",
			"published":"2026-12-06T08:00:00Z","to":["https://www.w3.org/ns/activitystreams#Public"],"cc":["https://m.example/users/bob/followers","https://g.example/stadtgarten/"],
			"object":{"id":"https://m.example/users/bob/statuses/1","type":"Note","summary":null,"inReplyTo":"https://g.example/stadtgarten/fest/",
			"published":"2026-12-06T08:00:00Z","url":"https://m.example/@bob/1","attributedTo":"https://m.example/users/bob",
			"to":["https://www.w3.org/ns/activitystreams#Public"],"cc":["https://m.example/users/bob/followers"],"sensitive":false,
			"content":"<p>Ich komme!</p>","contentMap":{"de":"<p>Ich komme!</p>"},
			"attachment":[{"type":"Document","mediaType":"image/jpeg","url":"https://m.example/media/1.jpg","name":"Beet","blurhash":"x","width":800,"height":600}],
			"tag":[{"type":"Mention","href":"https://g.example/stadtgarten/","name":"@stadtgarten@g.example"},{"type":"Hashtag","href":"https://m.example/tags/garten","name":"#garten"},
			{"id":"https://m.example/emojis/1","type":"Emoji","name":":x:","icon":{"type":"Image","url":"https://m.example/x.png"}}],
			"replies":{"id":"https://m.example/users/bob/statuses/1/replies","type":"Collection"}}}`,
			func(t *testing.T, a *Activity) {
				n, err := a.Object.Post()
				if err != nil {
					t.Fatal(err)
				}
				if n.InReplyTo != "https://g.example/stadtgarten/fest/" || n.Content != "<p>Ich komme!</p>" || n.URL != "https://m.example/@bob/1" ||
					len(n.Tag) != 3 || n.Tag[0].Type != TypeMention || len(n.Attachment) != 1 || n.Attachment[0].Width != 800 ||
					!a.Cc.Contains("https://g.example/stadtgarten/") {
					t.Errorf("%+v", n)
				}
			}},
		{"single tag, single attachment, audience as a string, url as Links, content only in contentMap", `{"id":"https://p.example/a/2","type":"Create",
			"actor":"https://p.example/u/c","to":"https://www.w3.org/ns/activitystreams#Public",
			"object":{"id":"https://p.example/n/2","type":"Note","attributedTo":["https://p.example/u/c"],"inReplyTo":null,
			"url":[{"type":"Link","mediaType":"application/x-mpegURL","href":"https://p.example/n/2.m3u8"},{"type":"Link","mediaType":"text/html","href":"https://p.example/n/2"}],
			"contentMap":{"en":"<p>hello</p>","de":"<p>hallo</p>"},"tag":{"type":"Hashtag","name":"#x"},"attachment":{"type":"Image","url":"https://p.example/i.png"}}}`,
			func(t *testing.T, a *Activity) {
				n, err := a.Object.Post()
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(a.To, Audience{Public}) || n.URL != "https://p.example/n/2" || n.Content != "<p>hallo</p>" ||
					len(n.Tag) != 1 || len(n.Attachment) != 1 || n.AttributedTo != "https://p.example/u/c" || n.InReplyTo != "" {
					t.Errorf("%+v / %+v", a, n)
				}
			}},
		{"Mobilizon event", `{"id":"https://mz.example/events/1/activity","type":"Create","actor":"https://mz.example/@grp",
			"object":{"id":"https://mz.example/events/1","type":"Event","attributedTo":"https://mz.example/@grp","name":"Fest",
			"startTime":"2027-05-01T14:00:00+02:00","endTime":"2027-05-01T17:00:00+02:00","timezone":"Europe/Berlin","joinMode":"free",
			"location":{"type":"Place","name":"Garten","latitude":52.52,"longitude":13.405,"address":{"type":"PostalAddress","addressLocality":"Berlin","postalCode":"10115"}},
			"ical:status":"CONFIRMED","commentsEnabled":true,"anonymousParticipationEnabled":false}}`,
			func(t *testing.T, a *Activity) {
				e, err := a.Object.Event()
				if err != nil || e.Location.Address.AddressLocality != "Berlin" || *e.Location.Longitude != 13.405 || e.Timezone != "Europe/Berlin" {
					t.Errorf("%+v, %v", e, err)
				}
			}},
		{"Delete by IRI", `{"id":"https://m.example/users/bob/statuses/1#delete","type":"Delete","actor":"https://m.example/users/bob",
			"object":"https://m.example/users/bob/statuses/1"}`,
			func(t *testing.T, a *Activity) {
				if a.Object.ID() != "https://m.example/users/bob/statuses/1" {
					t.Errorf("%+v", a)
				}
				if _, err := a.Object.Tombstone(); !errors.Is(err, ErrInvalid) {
					t.Errorf("tombstone of a bare IRI: %v", err)
				}
			}},
		{"Update of a profile", `{"id":"https://m.example/users/bob#updates/1","type":"Update","actor":"https://m.example/users/bob",
			"object":{"id":"https://m.example/users/bob","type":"Person","preferredUsername":"bob","inbox":"https://m.example/users/bob/inbox",
			"icon":[{"type":"Image","url":"https://m.example/a.png"}],"image":[],"url":"https://m.example/@bob",
			"publicKey":[{"id":"https://m.example/users/bob#main-key","owner":"https://m.example/users/bob","publicKeyPem":"PEM"}]}}`,
			func(t *testing.T, a *Activity) {
				p, err := a.Object.Actor()
				if err != nil || p.Icon.URL != "https://m.example/a.png" || p.PublicKey.ID != "https://m.example/users/bob#main-key" || p.SharedInbox() != p.Inbox {
					t.Errorf("%+v, %v", p, err)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ParseActivity([]byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, a)
		})
	}
}

// Anything else is refused with an error that says what is wrong.
func TestParseActivityRefuses(t *testing.T) {
	follow := func(actor, object string) string {
		return `{"id":"https://m.example/f/1","type":"Follow","actor":` + actor + `,"object":` + object + `}`
	}
	cases := []struct {
		name, body string
		want       error
		message    string
	}{
		{"not JSON", `{"id":`, ErrInvalid, "not JSON"},
		{"trailing data", follow(`"https://m.example/u"`, `"https://g.example/s/"`) + `{}`, ErrInvalid, "not JSON"},
		{"a list", `[` + follow(`"https://m.example/u"`, `"https://g.example/s/"`) + `]`, ErrInvalid, "expected a JSON object, got array of 1"},
		{"too deep", `{"id":"https://m.example/f/1","type":"Follow","x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, ErrInvalid, "nested deeper than 32"},
		{"too large", `{"id":"` + strings.Repeat("a", MaxDocumentSize) + `"}`, ErrTooLarge, "too large"},
		{"unsupported type", `{"id":"https://m.example/l/1","type":"Like","actor":"https://m.example/u","object":"https://g.example/a/"}`, ErrUnsupported, `activity "Like"`},
		{"type as a list", `{"id":"https://m.example/f/1","type":["Follow"],"actor":"https://m.example/u","object":"https://g.example/s/"}`, ErrInvalid, "Activity.type"},
		{"no type", `{"id":"https://m.example/f/1","actor":"https://m.example/u","object":"https://g.example/s/"}`, ErrInvalid, "type: missing"},
		{"no id", `{"type":"Follow","actor":"https://m.example/u","object":"https://g.example/s/"}`, ErrInvalid, "id: missing"},
		{"no actor", follow(`null`, `"https://g.example/s/"`), ErrInvalid, "actor: missing"},
		{"actor a number", follow(`5`, `"https://g.example/s/"`), ErrInvalid, "cannot unmarshal number into Go struct field Activity.actor"},
		{"two actors", follow(`["https://m.example/u","https://m.example/v"]`, `"https://g.example/s/"`), ErrInvalid, "array of 2 into Go struct field Activity.actor"},
		{"actor object without id", follow(`{"type":"Person"}`, `"https://g.example/s/"`), ErrInvalid, "Activity.actor"},
		{"actor not http", follow(`"javascript:alert(1)"`, `"https://g.example/s/"`), ErrInvalid, `actor: expected an http or https URL, got "javascript:alert(1)"`},
		{"actor without host", follow(`"https://:443/u"`, `"https://g.example/s/"`), ErrInvalid, "actor: expected an http"},
		{"not JSON at all", `{"id": nope}`, ErrInvalid, "not JSON: invalid character"},
		{"cut off", `{"id":"https://m.example/f/1","type":"Fol`, ErrInvalid, "not JSON"},
		{"actor with user info", follow(`"https://a:b@m.example/u"`, `"https://g.example/s/"`), ErrInvalid, "actor: expected an http"},
		{"two objects", follow(`"https://m.example/u"`, `["https://g.example/s/","https://g.example/t/"]`), ErrInvalid, "array of 2 into Go struct field Activity.object"},
		{"object without id", follow(`"https://m.example/u"`, `{"type":"Group"}`), ErrInvalid, "object without id"},
		{"no object", `{"id":"https://m.example/f/1","type":"Follow","actor":"https://m.example/u"}`, ErrInvalid, "object: missing"},
		{"Create of an IRI", `{"id":"https://m.example/c/1","type":"Create","actor":"https://m.example/u","object":"https://m.example/n/1"}`, ErrInvalid, "a Create must embed its object"},
		{"Undo of a Like", `{"id":"https://m.example/u/1","type":"Undo","actor":"https://m.example/u","object":{"id":"https://m.example/l/1","type":"Like"}}`, ErrUnsupported, `Undo of "Like"`},
		{"to a number", `{"id":"https://m.example/f/1","type":"Follow","actor":"https://m.example/u","object":"https://g.example/s/","to":3}`, ErrInvalid, "Activity.to"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseActivity([]byte(tc.body))
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.message) {
				t.Errorf("got %v, want %v with %q", err, tc.want, tc.message)
			}
		})
	}
}

// An embedded object of the wrong kind, or a Note without author, is refused when read.
func TestObjectAccessorsRefuse(t *testing.T) {
	create := func(object string) *Activity {
		a, err := ParseActivity([]byte(`{"id":"https://m.example/c/1","type":"Create","actor":"https://m.example/u","object":` + object + `}`))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	if _, err := create(`{"id":"https://m.example/q/1","type":"Question"}`).Object.Post(); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Question as a post: %v", err)
	}
	if _, err := create(`{"id":"https://m.example/n/1","type":"Note","content":"x"}`).Object.Post(); err == nil || !strings.Contains(err.Error(), "object.attributedTo: missing") {
		t.Errorf("Note without author: %v", err)
	}
	if _, err := create(`{"id":"https://m.example/n/1","type":"Note","attributedTo":"https://m.example/u"}`).Object.Event(); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Note as an event: %v", err)
	}
	if _, err := create(`{"id":"https://m.example/e/1","type":"Event","attributedTo":"https://m.example/u"}`).Object.Event(); err == nil || !strings.Contains(err.Error(), "startTime: missing") {
		t.Errorf("Event without start: %v", err)
	}
}

// A fetched actor must be usable: an inbox, and a key it owns.
func TestParseActorRefuses(t *testing.T) {
	actor := func(mod func(m map[string]any)) []byte {
		m := map[string]any{"id": "https://m.example/users/bob", "type": "Person", "preferredUsername": "bob", "inbox": "https://m.example/users/bob/inbox",
			"publicKey": map[string]any{"id": "https://m.example/users/bob#main-key", "owner": "https://m.example/users/bob", "publicKeyPem": "PEM"}}
		mod(m)
		b, _ := json.Marshal(m)
		return b
	}
	cases := []struct {
		name    string
		mod     func(m map[string]any)
		message string
	}{
		{"ok", func(map[string]any) {}, ""},
		{"not an actor", func(m map[string]any) { m["type"] = "Note" }, `unsupported type: actor "Note"`},
		{"no inbox", func(m map[string]any) { delete(m, "inbox") }, "inbox: missing"},
		{"key of someone else", func(m map[string]any) { m["publicKey"].(map[string]any)["owner"] = "https://m.example/users/eve" }, "publicKey.owner"},
		{"no key", func(m map[string]any) { delete(m, "publicKey") }, "publicKey.id: missing"},
		{"two keys", func(m map[string]any) { m["publicKey"] = []any{m["publicKey"], m["publicKey"]} }, "Actor.publicKey"},
		{"shared inbox not a URL", func(m map[string]any) { m["endpoints"] = map[string]any{"sharedInbox": "inbox"} }, "endpoints.sharedInbox"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseActor(actor(tc.mod))
			if (tc.message == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.message)) {
				t.Errorf("got %v, want %q", err, tc.message)
			}
		})
	}
}
