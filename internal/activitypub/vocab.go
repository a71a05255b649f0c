package activitypub

import (
	"time"
)

// Type is an ActivityStreams type name.
type Type string

// The types grouprise sends or reads; an activity of another type is refused with
// ErrUnsupported.
const (
	TypeGroup        Type = "Group"
	TypePerson       Type = "Person"
	TypeService      Type = "Service"
	TypeApplication  Type = "Application"
	TypeOrganization Type = "Organization"

	TypeArticle               Type = "Article"
	TypeNote                  Type = "Note"
	TypePage                  Type = "Page"
	TypeEvent                 Type = "Event"
	TypeImage                 Type = "Image"
	TypeDocument              Type = "Document"
	TypePlace                 Type = "Place"
	TypePostalAddress         Type = "PostalAddress"
	TypeHashtag               Type = "Hashtag"
	TypeMention               Type = "Mention"
	TypeTombstone             Type = "Tombstone"
	TypeOrderedCollection     Type = "OrderedCollection"
	TypeOrderedCollectionPage Type = "OrderedCollectionPage"

	TypeFollow   Type = "Follow"
	TypeAccept   Type = "Accept"
	TypeReject   Type = "Reject"
	TypeUndo     Type = "Undo"
	TypeCreate   Type = "Create"
	TypeUpdate   Type = "Update"
	TypeDelete   Type = "Delete"
	TypeAnnounce Type = "Announce"
)

// Public is the audience that makes an object public.
const Public = "https://www.w3.org/ns/activitystreams#Public"

// Media types: what we serve and send, and the JSON-LD form others may ask for.
const (
	MediaType   = "application/activity+json"
	LDMediaType = `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`
	// Accept is the Accept header of our fetches (as GoToSocial and Mastodon send it).
	Accept = LDMediaType + ", " + MediaType
)

// isActorType reports the types a remote actor may have.
func isActorType(t Type) bool {
	switch t {
	case TypeGroup, TypePerson, TypeService, TypeApplication, TypeOrganization:
		return true
	}
	return false
}

// isActivityType reports the activities grouprise understands.
func isActivityType(t Type) bool {
	switch t {
	case TypeFollow, TypeAccept, TypeReject, TypeUndo, TypeCreate, TypeUpdate, TypeDelete, TypeAnnounce:
		return true
	}
	return false
}

// isPostType reports the types that carry text a reply or mention may come in.
func isPostType(t Type) bool {
	switch t {
	case TypeNote, TypeArticle, TypePage:
		return true
	}
	return false
}

// Document is a top-level object that can be encoded with Encode or embedded in an activity.
type Document interface{ document() }

func (*Actor) document()                 {}
func (*Post) document()                  {}
func (*Event) document()                 {}
func (*Tombstone) document()             {}
func (*Activity) document()              {}
func (*OrderedCollection) document()     {}
func (*OrderedCollectionPage) document() {}

// Actor is a Group we serve, or a Person (or another actor type) fetched from elsewhere.
type Actor struct {
	ID                string     `json:"id"`
	Type              Type       `json:"type"`
	PreferredUsername string     `json:"preferredUsername"`
	Name              string     `json:"name,omitempty"`
	Summary           string     `json:"summary,omitempty"` // HTML
	URL               Href       `json:"url,omitempty"`
	Inbox             string     `json:"inbox"`
	Outbox            string     `json:"outbox,omitempty"`
	Followers         string     `json:"followers,omitempty"`
	Following         string     `json:"following,omitempty"`
	Endpoints         *Endpoints `json:"endpoints,omitempty"`
	PublicKey         PublicKey  `json:"publicKey"`
	Icon              *Image     `json:"icon,omitempty"`
	Image             *Image     `json:"image,omitempty"`
	// ManuallyApprovesFollowers is true for closed groups: members decide on a Follow.
	ManuallyApprovesFollowers bool      `json:"manuallyApprovesFollowers"`
	Discoverable              bool      `json:"discoverable,omitempty"`
	Published                 time.Time `json:"published,omitzero"`
}

// SharedInbox is the actor's shared inbox, or its own inbox when it names none.
func (a *Actor) SharedInbox() string {
	if a.Endpoints != nil && a.Endpoints.SharedInbox != "" {
		return a.Endpoints.SharedInbox
	}
	return a.Inbox
}

// Endpoints lists an actor's server-wide endpoints.
type Endpoints struct {
	SharedInbox string `json:"sharedInbox,omitempty"`
}

// PublicKey is an actor's key for HTTP Signatures, as security/v1 names it.
type PublicKey struct {
	ID           string `json:"id"`
	Owner        string `json:"owner"`
	PublicKeyPEM string `json:"publicKeyPem"`
}

// Image is a picture: an actor's icon or header, or an attachment (remote ones may say
// Document).
type Image struct {
	Type      Type   `json:"type"`
	MediaType string `json:"mediaType,omitempty"`
	URL       Href   `json:"url"`
	Name      string `json:"name,omitempty"` // the description (alt text)
	Width     int    `json:"width,omitempty"`
	Height    int    `json:"height,omitempty"`
}

// Tag is a Hashtag or a Mention in a post (remote posts may also carry Emoji and others).
type Tag struct {
	Type Type   `json:"type"`
	Href string `json:"href,omitempty"`
	Name string `json:"name"` // "#tag" or "@slug@domain"
}

// Post is an Article (our articles), a Note (remote replies) or a Page.
type Post struct {
	ID           string `json:"id"`
	Type         Type   `json:"type"`
	AttributedTo IRI    `json:"attributedTo,omitempty"`
	InReplyTo    IRI    `json:"inReplyTo,omitempty"`
	Name         string `json:"name,omitempty"`
	Summary      string `json:"summary,omitempty"` // a content warning on Notes
	Content      string `json:"content,omitempty"` // HTML
	// ContentMap holds the content per language; decoding fills Content from it when a sender
	// gives only this.
	ContentMap map[string]string `json:"contentMap,omitempty"`
	MediaType  string            `json:"mediaType,omitempty"`
	URL        Href              `json:"url,omitempty"`
	Published  time.Time         `json:"published,omitzero"`
	Updated    time.Time         `json:"updated,omitzero"`
	To         Audience          `json:"to,omitempty"`
	Cc         Audience          `json:"cc,omitempty"`
	Tag        Tags              `json:"tag,omitempty"`
	Attachment Images            `json:"attachment,omitempty"`
	Sensitive  bool              `json:"sensitive,omitempty"`
}

// Event is a Post with a time and place, in the form Mobilizon reads.
type Event struct {
	Post
	StartTime time.Time `json:"startTime"`
	EndTime   time.Time `json:"endTime,omitzero"`
	Location  *Place    `json:"location,omitempty"`
	// Timezone is an IANA name (Europe/Berlin) Mobilizon shows the times in.
	Timezone string `json:"timezone,omitempty"`
	// JoinMode "external" with ExternalParticipationURL sends Mobilizon users to our page.
	JoinMode                 string `json:"joinMode,omitempty"`
	ExternalParticipationURL string `json:"externalParticipationUrl,omitempty"`
	CommentsEnabled          bool   `json:"commentsEnabled"`
}

// Place is an event's location.
type Place struct {
	Type      Type           `json:"type"`
	Name      string         `json:"name,omitempty"`
	Address   *PostalAddress `json:"address,omitempty"`
	Latitude  *Coordinate    `json:"latitude,omitempty"`
	Longitude *Coordinate    `json:"longitude,omitempty"`
}

// PostalAddress is schema.org's address, as Mobilizon reads it.
type PostalAddress struct {
	Type            Type   `json:"type"`
	StreetAddress   string `json:"streetAddress,omitempty"`
	PostalCode      string `json:"postalCode,omitempty"`
	AddressLocality string `json:"addressLocality,omitempty"`
	AddressRegion   string `json:"addressRegion,omitempty"`
	AddressCountry  string `json:"addressCountry,omitempty"`
}

// Tombstone stands for a deleted object.
type Tombstone struct {
	ID         string    `json:"id"`
	Type       Type      `json:"type"`
	FormerType Type      `json:"formerType,omitempty"`
	Deleted    time.Time `json:"deleted,omitzero"`
}

// Activity is Follow, Accept, Reject, Undo, Create, Update, Delete or Announce.
type Activity struct {
	ID        string    `json:"id"`
	Type      Type      `json:"type"`
	Actor     IRI       `json:"actor"`
	Object    ObjectRef `json:"object"`
	To        Audience  `json:"to,omitempty"`
	Cc        Audience  `json:"cc,omitempty"`
	Published time.Time `json:"published,omitzero"`
}

// OrderedCollection is an actor's outbox or followers: the count and the first page.
type OrderedCollection struct {
	ID         string      `json:"id"`
	Type       Type        `json:"type"`
	TotalItems int         `json:"totalItems"`
	First      string      `json:"first,omitempty"`
	Items      []ObjectRef `json:"orderedItems,omitempty"`
}

// OrderedCollectionPage is one page of an OrderedCollection.
type OrderedCollectionPage struct {
	ID     string      `json:"id"`
	Type   Type        `json:"type"`
	PartOf string      `json:"partOf"`
	Next   string      `json:"next,omitempty"`
	Prev   string      `json:"prev,omitempty"`
	Items  []ObjectRef `json:"orderedItems"`
}
