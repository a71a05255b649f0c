package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// loginFrom posts the login form as the site's proxy would pass it on for a visitor at addr.
func (b *browser) loginFrom(addr, login, password string) *response {
	b.s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://grouprise.test/stadt/login/",
		strings.NewReader(url.Values{"login": {login}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://grouprise.test")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("X-Real-IP", addr)
	return b.do(req)
}

// A visitor who connects directly cannot choose their address for the per-address limit by
// sending X-Real-IP or X-Forwarded-For: only the configured proxies may name it.
func TestClientAddressOnlyFromTrustedProxies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "web: {anonymous_cache: 0, trusted_proxies: []}\n")
		s.person("carol", "carol-password")
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.srv.Serve(ctx, l); close(done) }()
		t.Cleanup(func() { cancel(); <-done })
		b := s.browser()
		b.client.Transport = &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "tcp", l.Addr().String())
		}}
		for i := range loginPerAddress {
			b.loginFrom(fmt.Sprintf("198.51.100.%d", i), fmt.Sprintf("nobody%d", i), "guess").
				expect(t, http.StatusUnprocessableEntity, "stimmen nicht")
		}
		b.loginFrom("192.0.2.1", "carol", "carol-password").expect(t, http.StatusUnprocessableEntity, "Zu viele Versuche")
	})
}

func TestClientAddress(t *testing.T) {
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	withLAN := append([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, loopback...)
	cases := []struct {
		name    string
		remote  string
		real    string
		fwd     []string
		trusted []netip.Prefix
		want    string
	}{
		{"direct visitor's headers ignored", "203.0.113.5:4711", "198.51.100.1", []string{"198.51.100.2"}, loopback, "203.0.113.5"},
		{"direct IPv6 visitor", "[2001:db8::1]:443", "198.51.100.1", nil, loopback, "2001:db8::1"},
		{"unix socket names the visitor", "@", "198.51.100.1", nil, loopback, "198.51.100.1"},
		{"unix socket, unnamed peer", "", "198.51.100.1", nil, nil, "198.51.100.1"},
		{"unix socket without headers", "@", "", nil, loopback, "local"},
		{"loopback proxy", "127.0.0.1:5000", "198.51.100.1", nil, loopback, "198.51.100.1"},
		{"IPv4 in IPv6 loopback proxy", "[::ffff:127.0.0.1]:5000", "198.51.100.1", nil, loopback, "198.51.100.1"},
		{"IPv6 loopback proxy", "[::1]:5000", "2001:db8::7", nil, loopback, "2001:db8::7"},
		{"no proxies trusted", "127.0.0.1:5000", "198.51.100.1", []string{"198.51.100.1"}, nil, "127.0.0.1"},
		{"proxy outside the trusted networks", "10.0.0.2:80", "198.51.100.1", []string{"198.51.100.1"}, loopback, "10.0.0.2"},
		{"configured proxy", "10.0.0.2:80", "198.51.100.1", nil, withLAN, "198.51.100.1"},
		{"X-Real-IP with a port", "@", "198.51.100.1:5555", nil, loopback, "198.51.100.1"},
		{"X-Real-IP with a zone", "@", "fe80::1%eth0", nil, loopback, "fe80::1"},
		{"forwarded for, rightmost", "@", "", []string{"198.51.100.9, 203.0.113.7"}, loopback, "203.0.113.7"},
		{"forwarded for, past trusted proxies", "10.0.0.3:80", "", []string{"198.51.100.9, 203.0.113.7, 10.0.0.2, 127.0.0.1"}, withLAN, "203.0.113.7"},
		{"forwarded for, several headers", "@", "", []string{"198.51.100.9", "203.0.113.7"}, loopback, "203.0.113.7"},
		{"invalid X-Real-IP ignored", "@", "evil", nil, loopback, "local"},
		{"invalid X-Real-IP, forwarded for used", "@", "1.2.3.4.5", []string{"203.0.113.7"}, loopback, "203.0.113.7"},
		{"trusted X-Real-IP, forwarded for further", "@", "127.0.0.1", []string{"203.0.113.7, 127.0.0.1"}, loopback, "203.0.113.7"},
		{"garbage in forwarded for ends the search", "10.0.0.3:80", "", []string{"198.51.100.9, junk, 10.0.0.2"}, withLAN, "10.0.0.2"},
		{"empty entry ends the search", "@", "", []string{"198.51.100.9,,127.0.0.1"}, loopback, "127.0.0.1"},
		{"only trusted hops", "127.0.0.1:80", "", []string{"127.0.0.2"}, loopback, "127.0.0.2"},
		{"peer without a port", "198.51.100.4", "198.51.100.1", nil, loopback, "198.51.100.4"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.real != "" {
				h.Set("X-Real-IP", tc.real)
			}
			for _, v := range tc.fwd {
				h.Add("X-Forwarded-For", v)
			}
			if got := clientAddress(tc.remote, h, tc.trusted); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
