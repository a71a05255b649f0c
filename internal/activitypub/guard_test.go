package activitypub

import (
	"errors"
	"net/netip"
	"testing"
)

// The guard refuses every special address unless its network is allowed; mapped IPv6 forms
// are judged as the IPv4 address they carry. (Only addresses are judged here: no traffic.)
func TestGuardCheck(t *testing.T) {
	none := NewGuard(nil)
	loopback := NewGuard([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")})
	cases := []struct {
		addr             string
		refused, allowed bool // by none, by loopback
	}{
		{"93.184.215.14", false, false},
		{"2606:4700::6810:85e5", false, false},
		{"127.0.0.1", true, false},
		{"127.1.2.3", true, false},
		{"::1", true, false},
		{"::ffff:127.0.0.1", true, false},
		{"::ffff:10.1.2.3", true, true},
		{"10.1.2.3", true, true},
		{"172.16.0.1", true, true},
		{"192.168.1.1", true, true},
		{"169.254.169.254", true, true},
		{"::ffff:169.254.169.254", true, true},
		{"fe80::1", true, true},
		{"fe80::1%eth0", true, true},
		{"fd00::1", true, true},
		{"0.0.0.0", true, true},
		{"::", true, true},
		{"224.0.0.1", true, true},
		{"ff02::1", true, true},
		{"255.255.255.255", true, true},
		{"100.64.0.1", true, true},
		{"192.0.2.1", true, true},
		{"198.18.0.1", true, true},
		{"240.0.0.1", true, true},
		{"64:ff9b::7f00:1", true, true},
		{"2002:7f00:1::1", true, true},
		{"2001::1", true, true},
		{"2001:db8::1", true, true},
		{"::127.0.0.1", true, true},
	}
	for _, tc := range cases {
		t.Run(tc.addr, func(t *testing.T) {
			a := netip.MustParseAddr(tc.addr)
			if err := none.Check(a); (err != nil) != tc.refused || (err != nil && !errors.Is(err, ErrRefusedAddress)) {
				t.Errorf("no networks allowed: %v, want refused %v", err, tc.refused)
			}
			if err := loopback.Check(a); (err != nil) != tc.allowed {
				t.Errorf("loopback allowed: %v, want refused %v", err, tc.allowed)
			}
		})
	}
}

// Control sees the resolved address with its port, as net.Dialer hands it over.
func TestGuardControl(t *testing.T) {
	g := NewGuard(nil)
	for addr, refused := range map[string]bool{
		"10.0.0.1:443":          true,
		"[::1]:80":              true,
		"[::ffff:127.0.0.1]:80": true,
		"169.254.169.254:80":    true,
		"93.184.215.14:443":     false,
		"[2606:4700::6810]:443": false,
		"not-an-address:443":    true,
		"93.184.215.14-no-port": true,
		"[fe80::1%25eth0]:80":   true,
		"[fe80::1%eth0]:80":     true,
		"example.org:443":       true,
	} {
		if err := g.Control("tcp", addr, nil); (err != nil) != refused {
			t.Errorf("%s: %v, want refused %v", addr, err, refused)
		}
	}
}
