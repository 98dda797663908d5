// Package netx is the one dialer every probe uses. It enforces the scope
// (only addresses inside it are contacted), the never-touch list (excluded
// addresses receive no packet at all: the check happens before the socket
// exists), the public-address guard (--allow-public), at most one connection
// per host at a time, a global concurrency cap, a global connection rate and
// deadlines on every connection. No probe dials around it.
package netx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Errors of the policy, for errors.Is.
var (
	ErrExcluded   = errors.New("address is on the never-touch list")
	ErrOutOfScope = errors.New("address is outside the scan scope")
	ErrPublic     = errors.New("address is public; pass --allow-public to scan it")
	ErrNoAddress  = errors.New("host name did not resolve to an address")
)

// PolicyError says which address a policy refused and why.
type PolicyError struct {
	Addr netip.Addr
	Err  error
}

func (e *PolicyError) Error() string { return fmt.Sprintf("%s: %v", e.Addr, e.Err) }
func (e *PolicyError) Unwrap() error { return e.Err }

// Policy decides which addresses may be contacted.
type Policy struct {
	// Scope, when not empty, is the only set of networks contacted.
	Scope []netip.Prefix
	// Exclude is the never-touch list; it wins over everything.
	Exclude []netip.Prefix
	// AllowPublic permits addresses that are not private, loopback or
	// link-local.
	AllowPublic bool
}

// Check returns nil when addr may be contacted, else a *PolicyError.
func (p Policy) Check(addr netip.Addr) error {
	// Prefix.Contains is false for any zoned address: drop the zone so that
	// fe80::1%eth0 cannot slip past an excluded fe80::/10.
	addr = addr.Unmap().WithZone("")
	for _, x := range p.Exclude {
		if x.Contains(addr) {
			return &PolicyError{Addr: addr, Err: ErrExcluded}
		}
	}
	if len(p.Scope) > 0 {
		in := false
		for _, s := range p.Scope {
			if s.Contains(addr) {
				in = true
				break
			}
		}
		if !in {
			return &PolicyError{Addr: addr, Err: ErrOutOfScope}
		}
	}
	if !p.AllowPublic && !IsPrivate(addr) {
		return &PolicyError{Addr: addr, Err: ErrPublic}
	}
	return nil
}

// IsPrivate reports whether addr is loopback, RFC 1918, unique-local,
// link-local or CGNAT space: the networks a hospital scan normally covers.
func IsPrivate(addr netip.Addr) bool {
	addr = addr.Unmap()
	if addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast() {
		return true
	}
	return netip.MustParsePrefix("100.64.0.0/10").Contains(addr)
}

// ParsePrefixes reads a comma- or whitespace-separated list of addresses
// and CIDR networks (a single address is a /32 or /128).
func ParsePrefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' }) {
		if i := strings.IndexByte(f, '#'); i == 0 {
			continue
		}
		p, err := ParsePrefix(f)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// ParsePrefix reads one address or CIDR network.
func ParsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an address or CIDR network", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an address or CIDR network", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// LoadPrefixes reads a list given either as a file name (one entry per line,
// # comments) or inline (comma-separated). A value that names an existing
// file is read as a file.
func LoadPrefixes(fileOrList string) ([]netip.Prefix, error) {
	if fileOrList == "" {
		return nil, nil
	}
	if st, err := os.Stat(fileOrList); err == nil && st.Mode().IsRegular() {
		b, err := os.ReadFile(fileOrList)
		if err != nil {
			return nil, err
		}
		var lines []string
		for _, l := range strings.Split(string(b), "\n") {
			if i := strings.IndexByte(l, '#'); i >= 0 {
				l = l[:i]
			}
			lines = append(lines, l)
		}
		p, err := ParsePrefixes(strings.Join(lines, "\n"))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fileOrList, err)
		}
		return p, nil
	}
	return ParsePrefixes(fileOrList)
}

// Config shapes a Dialer. Zero fields take the defaults.
type Config struct {
	Policy Policy
	// Concurrency caps connections open at once across all hosts (default 16).
	Concurrency int
	// Rate caps new connections per second across all hosts (default 50;
	// negative = unlimited). Burst is the limiter's burst (default Concurrency).
	Rate  float64
	Burst int
	// DialTimeout bounds connect (default 3 s).
	DialTimeout time.Duration
	// MaxConnLifetime is a deadline set on every connection as a backstop
	// for probes that forget theirs (default 2 min).
	MaxConnLifetime time.Duration
	// Resolver resolves host names (default net.DefaultResolver).
	Resolver Resolver
	// Base dials after the checks (default a net.Dialer); tests inject one.
	Base ContextDialer
	// OnDial, when set, is told of every connection attempt that passed the
	// policy (tests count them).
	OnDial func(addr string)
}

// Resolver is the part of net.Resolver the dialer needs.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// ContextDialer opens connections.
type ContextDialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

// Dialer enforces Config on every connection. Safe for concurrent use.
type Dialer struct {
	cfg     Config
	global  chan struct{}
	limiter *rate.Limiter

	mu    sync.Mutex
	hosts map[netip.Addr]chan struct{}

	statsMu  sync.Mutex
	attempts int
}

// New returns a Dialer.
func New(cfg Config) *Dialer {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 16
	}
	if cfg.Rate == 0 {
		cfg.Rate = 50
	}
	if cfg.Burst <= 0 {
		cfg.Burst = cfg.Concurrency
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 3 * time.Second
	}
	if cfg.MaxConnLifetime <= 0 {
		cfg.MaxConnLifetime = 2 * time.Minute
	}
	if cfg.Resolver == nil {
		cfg.Resolver = net.DefaultResolver
	}
	if cfg.Base == nil {
		cfg.Base = &net.Dialer{}
	}
	lim := rate.NewLimiter(rate.Inf, 0)
	if cfg.Rate > 0 {
		lim = rate.NewLimiter(rate.Limit(cfg.Rate), cfg.Burst)
	}
	return &Dialer{cfg: cfg, global: make(chan struct{}, cfg.Concurrency), limiter: lim, hosts: map[netip.Addr]chan struct{}{}}
}

// Policy is the dialer's policy.
func (d *Dialer) Policy() Policy { return d.cfg.Policy }

// Attempts is the number of connections attempted so far.
func (d *Dialer) Attempts() int {
	d.statsMu.Lock()
	defer d.statsMu.Unlock()
	return d.attempts
}

// Resolve turns a host name or address into addresses that pass the policy.
// Every resolved address is checked: a name with any never-touch address is
// refused whole; out-of-scope or public ones are dropped, and reported in the
// error only when none is left.
func (d *Dialer) Resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		a = a.Unmap()
		if err := d.cfg.Policy.Check(a); err != nil {
			return nil, err
		}
		return []netip.Addr{a}, nil
	}
	addrs, err := d.cfg.Resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", host, err)
	}
	var ok []netip.Addr
	var firstErr error
	for _, a := range addrs {
		a = a.Unmap()
		if err := d.cfg.Policy.Check(a); err != nil {
			// A name with one never-touch address is the same device on
			// another interface: leave all of it alone.
			if errors.Is(err, ErrExcluded) {
				return nil, fmt.Errorf("%s: %w", host, err)
			}
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		ok = append(ok, a)
	}
	if len(ok) == 0 {
		if firstErr != nil {
			return nil, fmt.Errorf("%s: %w", host, firstErr)
		}
		return nil, fmt.Errorf("%s: %w", host, ErrNoAddress)
	}
	return ok, nil
}

// DialContext connects to addr ("ip:port"; a host name is resolved and its
// first permitted address used) once the policy, the per-host slot, the
// global slot and the rate limiter allow. The returned connection frees its
// slots on Close.
func (d *Dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return d.dial(ctx, network, addr, netip.Addr{})
}

// From returns a dialer that connects from the local address src (another
// address of this machine) under the same policy, per-host slot, global
// slot and rate limit as d: a scan asks whether a node ties AE titles to
// host addresses by calling again from src.
func (d *Dialer) From(src netip.Addr) ContextDialer { return sourceDialer{d, src} }

type sourceDialer struct {
	d   *Dialer
	src netip.Addr
}

func (s sourceDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return s.d.dial(ctx, network, addr, s.src)
}

// ErrSourceUnsupported: a local source address needs the default base dialer.
var ErrSourceUnsupported = errors.New("a source address needs the default dialer")

func (d *Dialer) dial(ctx context.Context, network, addr string, src netip.Addr) (net.Conn, error) {
	base := d.cfg.Base
	if src.IsValid() {
		nd, ok := base.(*net.Dialer)
		if !ok {
			return nil, ErrSourceUnsupported
		}
		c := *nd
		c.LocalAddr = &net.TCPAddr{IP: src.AsSlice()}
		base = &c
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	addrs, err := d.Resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	ip := addrs[0]
	release, err := d.acquire(ctx, ip)
	if err != nil {
		return nil, err
	}
	if err := d.limiter.Wait(ctx); err != nil {
		release()
		return nil, err
	}
	target := net.JoinHostPort(ip.String(), port)
	d.statsMu.Lock()
	d.attempts++
	d.statsMu.Unlock()
	if d.cfg.OnDial != nil {
		d.cfg.OnDial(target)
	}
	dctx, cancel := context.WithTimeout(ctx, d.cfg.DialTimeout)
	defer cancel()
	conn, err := base.DialContext(dctx, network, target)
	if err != nil {
		release()
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(d.cfg.MaxConnLifetime))
	return &conn1{Conn: conn, release: release}, nil
}

// acquire takes the host's single slot, then a global slot.
func (d *Dialer) acquire(ctx context.Context, ip netip.Addr) (func(), error) {
	d.mu.Lock()
	slot, ok := d.hosts[ip]
	if !ok {
		slot = make(chan struct{}, 1)
		d.hosts[ip] = slot
	}
	d.mu.Unlock()
	select {
	case slot <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case d.global <- struct{}{}:
	case <-ctx.Done():
		<-slot
		return nil, ctx.Err()
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-d.global
			<-slot
		})
	}, nil
}

// conn1 frees the dialer's slots when closed.
type conn1 struct {
	net.Conn
	release func()
}

func (c *conn1) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}

// CloseWrite half-closes when the underlying connection can.
func (c *conn1) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
