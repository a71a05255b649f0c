package activitypub

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// ErrRefusedAddress is wrapped when the guard refuses to connect to an address.
var ErrRefusedAddress = errors.New("activitypub: refused address")

// specialNetworks are the addresses no request to another server may reach: besides what
// netip classifies (loopback, private, link-local, multicast, unspecified), the shared,
// documentation, benchmarking and reserved ranges, and the IPv6 prefixes that carry an IPv4
// address (NAT64, 6to4, Teredo), which could lead to a refused IPv4 address.
var specialNetworks = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("192.88.99.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("::/8"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("100::/64"),
	netip.MustParsePrefix("2001::/23"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("2002::/16"),
	netip.MustParsePrefix("fec0::/10"),
}

// Guard decides which addresses outgoing requests may connect to: public unicast ones, and
// those in the allowed networks (activitypub.allowed_private_networks).
type Guard struct {
	allowed []netip.Prefix
}

// NewGuard makes a guard that lets the allowed networks through besides public addresses.
func NewGuard(allowed []netip.Prefix) *Guard {
	return &Guard{allowed: allowed}
}

// Check refuses a special address unless an allowed network holds it. An IPv4-mapped IPv6
// address is checked as the IPv4 address it is.
func (g *Guard) Check(a netip.Addr) error {
	a = a.WithZone("").Unmap()
	for _, p := range g.allowed {
		if p.Contains(a) {
			return nil
		}
	}
	if !a.IsValid() || !a.IsGlobalUnicast() || a.IsPrivate() {
		return fmt.Errorf("%w: %s is not a public address", ErrRefusedAddress, a)
	}
	for _, p := range specialNetworks {
		if p.Contains(a) {
			return fmt.Errorf("%w: %s is in the special network %s", ErrRefusedAddress, a, p)
		}
	}
	return nil
}

// Control is a net.Dialer Control: it runs after name resolution, on the address about to
// be connected to, so a name that resolves (or is rebound) to a refused address is refused.
func (g *Guard) Control(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %q: %w", ErrRefusedAddress, address, err)
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %q is not an address", ErrRefusedAddress, host)
	}
	return g.Check(a)
}
