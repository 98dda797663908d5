package scan

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// DefaultDICOMPorts is the default DICOM port list (dicom-security.md §4.1);
// a new slice each call, so no caller can change another's.
func DefaultDICOMPorts() []int { return []int{104, 11112, 4242, 2761, 2762, 5678, 11122} }

// DefaultWebPorts is the default web port list.
func DefaultWebPorts() []int { return []int{80, 443, 8042, 8080, 3000} }

// MaxTargets caps how many addresses one scan expands to, so a typo such as
// 10.0.0.0/8 fails fast instead of queueing 16 million hosts.
const MaxTargets = 65536

// ErrTooManyTargets is returned when the targets expand beyond MaxTargets.
var ErrTooManyTargets = errors.New("targets expand to too many addresses")

// Target is one host to scan: an address or a host name still to resolve
// (through netx, which checks every address it yields), with the ports
// given for it (nil = the scan's port lists).
type Target struct {
	// Host is the address (canonical form) or the host name.
	Host string
	// Addr is set when Host is an address.
	Addr netip.Addr
	// Ports given with host:port; nil means the default lists.
	Ports []int
}

// IsName reports whether the target is a host name to resolve.
func (t Target) IsName() bool { return !t.Addr.IsValid() }

// ParseTargets expands the command-line targets: addresses, CIDR networks,
// ranges (10.0.0.1-10.0.0.20 or 10.0.0.1-20), host names, host:port,
// [v6]:port and @file (one target per line, # comments). Duplicates merge
// (their explicit ports are united). readFile opens @files (os.Open when nil).
func ParseTargets(args []string, readFile func(string) (io.ReadCloser, error)) ([]Target, error) {
	if readFile == nil {
		readFile = func(p string) (io.ReadCloser, error) { return os.Open(p) }
	}
	var raw []string
	for _, a := range args {
		if strings.HasPrefix(a, "@") {
			lines, err := readTargetFile(a[1:], readFile)
			if err != nil {
				return nil, err
			}
			raw = append(raw, lines...)
			continue
		}
		raw = append(raw, a)
	}
	var out []Target
	index := map[string]int{}
	total := 0
	add := func(t Target) error {
		if i, ok := index[t.Host]; ok {
			if t.Ports == nil || out[i].Ports == nil {
				out[i].Ports = nil // defaults cover everything
				return nil
			}
			out[i].Ports = mergePorts(out[i].Ports, t.Ports)
			return nil
		}
		total++
		if total > MaxTargets {
			return fmt.Errorf("%w (more than %d); scan smaller networks", ErrTooManyTargets, MaxTargets)
		}
		index[t.Host] = len(out)
		out = append(out, t)
		return nil
	}
	for _, s := range raw {
		ts, err := parseOne(s)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			if err := add(t); err != nil {
				return nil, err
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no targets given")
	}
	return out, nil
}

func readTargetFile(path string, readFile func(string) (io.ReadCloser, error)) ([]string, error) {
	f, err := readFile(path)
	if err != nil {
		return nil, fmt.Errorf("target file: %w", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(io.LimitReader(f, 16<<20))
	for sc.Scan() {
		l := sc.Text()
		if i := strings.IndexByte(l, '#'); i >= 0 {
			l = l[:i]
		}
		out = append(out, strings.Fields(l)...)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("target file %s: %w", path, err)
	}
	return out, nil
}

func parseOne(s string) ([]Target, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	bad := func(why string) error {
		return fmt.Errorf("target %q: %s (want an address, CIDR, range a.b.c.d-e, host name or host:port)", s, why)
	}
	// CIDR.
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, bad("not a CIDR network")
		}
		p = p.Masked()
		bits := p.Addr().BitLen() - p.Bits()
		if bits > 16 {
			return nil, fmt.Errorf("%w: %s has 2^%d addresses; scan at most a /16 (IPv4) or /112 (IPv6) at a time", ErrTooManyTargets, s, bits)
		}
		var out []Target
		for a := p.Addr(); p.Contains(a); a = a.Next() {
			out = append(out, Target{Host: a.String(), Addr: a})
		}
		return out, nil
	}
	// Plain address (v4 or bare v6).
	if a, err := netip.ParseAddr(s); err == nil {
		a = a.Unmap()
		return []Target{{Host: a.String(), Addr: a}}, nil
	}
	// host:port or [v6]:port.
	if h, p, err := net.SplitHostPort(s); err == nil {
		port, err := strconv.Atoi(p)
		if err != nil || port < 1 || port > 65535 {
			return nil, bad("port must be 1-65535")
		}
		ts, err := parseOne(h)
		if err != nil {
			return nil, err
		}
		if len(ts) != 1 {
			return nil, bad("host:port takes one host")
		}
		ts[0].Ports = []int{port}
		return ts, nil
	}
	// Range.
	if i := strings.IndexByte(s, '-'); i > 0 {
		if first, err := netip.ParseAddr(s[:i]); err == nil {
			return expandRange(first.Unmap(), s[i+1:], bad)
		}
	}
	if !validHostName(s) {
		return nil, bad("not a valid host name")
	}
	return []Target{{Host: strings.ToLower(strings.TrimSuffix(s, "."))}}, nil
}

func expandRange(first netip.Addr, end string, bad func(string) error) ([]Target, error) {
	var last netip.Addr
	if a, err := netip.ParseAddr(end); err == nil {
		last = a.Unmap()
	} else if n, err := strconv.Atoi(end); err == nil && first.Is4() && n >= 0 && n <= 255 {
		b := first.As4()
		b[3] = byte(n)
		last = netip.AddrFrom4(b)
	} else {
		return nil, bad("range end is not an address or last octet")
	}
	if first.BitLen() != last.BitLen() || last.Less(first) {
		return nil, bad("range end is before its start")
	}
	var out []Target
	for a := first; ; a = a.Next() {
		out = append(out, Target{Host: a.String(), Addr: a})
		if len(out) > MaxTargets {
			return nil, fmt.Errorf("%w (more than %d); scan smaller ranges", ErrTooManyTargets, MaxTargets)
		}
		if a == last {
			break
		}
	}
	return out, nil
}

func validHostName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return false // all-numeric top label: a mistyped address, not a name
	}
	for _, label := range labels {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

func mergePorts(a, b []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, p := range append(append([]int(nil), a...), b...) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// ParsePorts reads a comma-separated port list with ranges (104,4242,11112-11114).
func ParsePorts(s string) ([]int, error) {
	var out []int
	seen := map[int]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		lo, hi := f, f
		if i := strings.IndexByte(f, '-'); i > 0 {
			lo, hi = f[:i], f[i+1:]
		}
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || a < 1 || b > 65535 || a > b {
			return nil, fmt.Errorf("port %q: want 1-65535 or a range like 11112-11114", f)
		}
		for p := a; p <= b; p++ {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out, nil
}
