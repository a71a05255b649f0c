// Package activitypub is grouprise's side of federation: a small typed vocabulary, JSON
// decoding of what other servers send, HTTP Signatures, WebFinger and a guarded HTTP client.
//
// It is a library without state: keys, caches, followers and deliveries belong to its callers.
package activitypub
