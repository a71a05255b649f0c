package web

import (
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// form holds submitted values and the messages for the fields that need another try.
type form struct {
	Values url.Values
	Errors map[string]string
	// Error is a message about the whole form.
	Error string
}

func newForm(r *http.Request) *form {
	f := &form{Values: url.Values{}, Errors: map[string]string{}}
	if r != nil && r.Method == http.MethodPost {
		r.ParseForm()
		f.Values = r.PostForm
	}
	return f
}

// Get returns a submitted value without surrounding white space.
func (f *form) Get(name string) string { return strings.TrimSpace(f.Values.Get(name)) }

// Raw returns a submitted value as it came (passwords).
func (f *form) Raw(name string) string { return f.Values.Get(name) }

// Checked tells whether a checkbox was ticked.
func (f *form) Checked(name string) bool {
	v := f.Values.Get(name)
	return v == "on" || v == "1" || v == "true"
}

// Fail records a message for a field.
func (f *form) Fail(field, msg string) {
	if _, ok := f.Errors[field]; !ok {
		f.Errors[field] = msg
	}
}

// Valid tells whether no message was recorded.
func (f *form) Valid() bool { return len(f.Errors) == 0 && f.Error == "" }

// Err returns the message of a field (templates).
func (f *form) Err(field string) string { return f.Errors[field] }

// clientIP is the visitor's address as withClientAddress found it ("local" for a request
// over the unix socket that no proxy named).
func clientIP(r *http.Request) string {
	if a, ok := r.Context().Value(clientKey{}).(string); ok {
		return a
	}
	return clientAddress(r.RemoteAddr, nil, nil)
}

// clientAddress is the visitor's address. Only a trusted peer (a unix socket, where only the
// site's nginx or Apache connects, or an address in trusted) may name another one: in
// X-Real-IP, or in X-Forwarded-For read from the right past the trusted proxies. What a
// visitor wrote into these headers themselves is left of that and never reached; values
// that are no addresses end the search.
func clientAddress(remoteAddr string, h http.Header, trusted []netip.Prefix) string {
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	found := "local"
	if remoteAddr != "" && remoteAddr != "@" { // not a unix socket
		peer, ok := parseAddress(remoteAddr)
		if !ok {
			return remoteAddr
		}
		if !isTrusted(peer) {
			return peer.String()
		}
		found = peer.String()
	}
	if a, ok := parseAddress(strings.TrimSpace(h.Get("X-Real-IP"))); ok {
		if !isTrusted(a) {
			return a.String()
		}
		found = a.String()
	}
	hops := strings.Split(strings.Join(h.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseAddress(strings.TrimSpace(hops[i]))
		if !ok {
			break
		}
		if !isTrusted(a) {
			return a.String()
		}
		found = a.String()
	}
	return found
}

// parseAddress reads an IP address, with or without a port (IPv4 in IPv6 as IPv4, no zone).
func parseAddress(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone(""), true
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
