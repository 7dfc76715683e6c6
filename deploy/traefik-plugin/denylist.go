// Package denylist is a Traefik middleware plugin (Yaegi, standard library only) that answers 403 Forbidden to
// clients whose address is in ipDenyList. It takes the denyip plugin's configuration (`ipDenyList`: IPv4/IPv6
// addresses and CIDRs), so a deny list written for one works with the other.
//
// The client address is the TCP peer unless the operator says which X-Forwarded-For entries to believe, the way
// Traefik's own ipStrategy does: through trustedIPs (the peer and the hops walked from the right must be trusted
// proxies) or a depth (the N-th address from the right). A header from anyone else is never believed, so a scanner
// cannot step around the list by sending its own X-Forwarded-For.
package denylist

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
)

// Config is the middleware's dynamic configuration.
type Config struct {
	// IPDenyList holds addresses and CIDRs (IPv4 and IPv6) that get 403.
	IPDenyList []string `json:"ipDenyList,omitempty"`
	// TrustedIPs are proxies (addresses or CIDRs) whose X-Forwarded-For is believed, walked from the right.
	TrustedIPs []string `json:"trustedIPs,omitempty"`
	// Depth, when above 0, takes the client as the Depth-th X-Forwarded-For entry from the right (Traefik's
	// ipStrategy.depth). With TrustedIPs set too, the header counts only when the peer is trusted.
	Depth int `json:"depth,omitempty"`
}

// CreateConfig returns the default configuration: an empty list, which lets every request through.
func CreateConfig() *Config {
	return &Config{IPDenyList: []string{}}
}

// DenyList is the middleware.
type DenyList struct {
	next    http.Handler
	name    string
	denied  []netip.Prefix
	trusted []netip.Prefix
	depth   int
}

// New builds the middleware. An entry that does not parse is reported on stderr (Traefik's log) and ignored rather
// than failing the middleware: a failed middleware makes every router using it answer 404 to everybody.
func New(_ context.Context, next http.Handler, config *Config, name string) (http.Handler, error) {
	if config == nil {
		config = CreateConfig()
	}
	if config.Depth < 0 {
		return nil, fmt.Errorf("%s: depth must be 0 or more, got %d", name, config.Depth)
	}
	return &DenyList{
		next:    next,
		name:    name,
		denied:  parsePrefixes(name, "ipDenyList", config.IPDenyList),
		trusted: parsePrefixes(name, "trustedIPs", config.TrustedIPs),
		depth:   config.Depth,
	}, nil
}

func (d *DenyList) ServeHTTP(rw http.ResponseWriter, req *http.Request) {
	peer, peerOk := parseAddress(hostOf(req.RemoteAddr))
	client, clientOk := d.ClientAddress(req)
	if (peerOk && contains(d.denied, peer)) || (clientOk && contains(d.denied, client)) {
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		rw.WriteHeader(http.StatusForbidden)
		_, _ = rw.Write([]byte("Forbidden\n"))
		return
	}
	d.next.ServeHTTP(rw, req)
}

// ClientAddress is the address the list is checked against (besides the peer itself).
func (d *DenyList) ClientAddress(req *http.Request) (netip.Addr, bool) {
	peer, ok := parseAddress(hostOf(req.RemoteAddr))
	if !ok {
		return netip.Addr{}, false
	}
	if d.depth == 0 && len(d.trusted) == 0 {
		return peer, true
	}
	if len(d.trusted) > 0 && !contains(d.trusted, peer) {
		return peer, true
	}
	hops := forwardedFor(req)
	if d.depth > 0 {
		if d.depth > len(hops) {
			return peer, true
		}
		address, valid := parseAddress(hops[len(hops)-d.depth])
		if !valid {
			return peer, true
		}
		return address, true
	}
	// Trusted peer: walk from the right past trusted proxies; the first other address is the client.
	for i := len(hops) - 1; i >= 0; i-- {
		address, valid := parseAddress(hops[i])
		if !valid {
			break
		}
		if !contains(d.trusted, address) {
			return address, true
		}
	}
	return peer, true
}

// forwardedFor joins every X-Forwarded-For header line into one list of trimmed entries.
func forwardedFor(req *http.Request) []string {
	var hops []string
	for _, line := range req.Header.Values("X-Forwarded-For") {
		for _, entry := range strings.Split(line, ",") {
			if trimmed := strings.TrimSpace(entry); trimmed != "" {
				hops = append(hops, trimmed)
			}
		}
	}
	return hops
}

func hostOf(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return host
}

// parseAddress accepts an address with or without a port or brackets, and maps IPv4-in-IPv6 to IPv4.
func parseAddress(text string) (netip.Addr, bool) {
	text = strings.TrimSpace(text)
	if host, _, err := net.SplitHostPort(text); err == nil {
		text = host
	}
	text = strings.TrimSuffix(strings.TrimPrefix(text, "["), "]")
	if zone := strings.IndexByte(text, '%'); zone >= 0 {
		text = text[:zone]
	}
	address, err := netip.ParseAddr(text)
	if err != nil {
		return netip.Addr{}, false
	}
	return address.Unmap(), true
}

func parsePrefixes(name, key string, entries []string) []netip.Prefix {
	prefixes := make([]netip.Prefix, 0, len(entries))
	for _, entry := range entries {
		prefix, ok := parsePrefix(entry)
		if !ok {
			_, _ = fmt.Fprintf(os.Stderr, "%s: ignoring %s entry %q: not an IP address or CIDR\n", name, key, entry)
			continue
		}
		prefixes = append(prefixes, prefix)
	}
	return prefixes
}

func parsePrefix(entry string) (netip.Prefix, bool) {
	entry = strings.TrimSpace(entry)
	if strings.Contains(entry, "/") {
		prefix, err := netip.ParsePrefix(entry)
		if err != nil {
			return netip.Prefix{}, false
		}
		if prefix.Addr().Is4In6() && prefix.Bits() >= 96 {
			prefix = netip.PrefixFrom(prefix.Addr().Unmap(), prefix.Bits()-96)
		}
		return prefix.Masked(), true
	}
	address, ok := parseAddress(entry)
	if !ok {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(address, address.BitLen()), true
}

func contains(prefixes []netip.Prefix, address netip.Addr) bool {
	for _, prefix := range prefixes {
		if prefix.Contains(address) {
			return true
		}
	}
	return false
}
