package netx

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func mustPrefixes(t *testing.T, s string) []netip.Prefix {
	t.Helper()
	p, err := ParsePrefixes(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPolicyCheck(t *testing.T) {
	tests := []struct {
		name   string
		policy Policy
		addr   string
		want   error
	}{
		{"private allowed", Policy{}, "10.1.2.3", nil},
		{"loopback allowed", Policy{}, "127.0.0.1", nil},
		{"public refused", Policy{}, "8.8.8.8", ErrPublic},
		{"public allowed by flag", Policy{AllowPublic: true}, "8.8.8.8", nil},
		{"excluded address", Policy{Exclude: mustPrefixes(t, "10.1.2.3")}, "10.1.2.3", ErrExcluded},
		{"excluded subnet", Policy{Exclude: mustPrefixes(t, "10.1.0.0/16")}, "10.1.200.3", ErrExcluded},
		{"exclude wins over scope", Policy{Scope: mustPrefixes(t, "10.0.0.0/8"), Exclude: mustPrefixes(t, "10.9.9.9")}, "10.9.9.9", ErrExcluded},
		{"exclude wins over allow-public", Policy{AllowPublic: true, Exclude: mustPrefixes(t, "8.8.8.0/24")}, "8.8.8.8", ErrExcluded},
		{"outside scope", Policy{Scope: mustPrefixes(t, "192.168.1.0/24")}, "192.168.2.1", ErrOutOfScope},
		{"inside scope", Policy{Scope: mustPrefixes(t, "192.168.1.0/24")}, "192.168.1.77", nil},
		{"mapped v4 excluded", Policy{Exclude: mustPrefixes(t, "10.0.0.1")}, "::ffff:10.0.0.1", ErrExcluded},
		{"v6 ula", Policy{}, "fd00::1", nil},
		{"zoned link-local excluded", Policy{Exclude: mustPrefixes(t, "fe80::/10")}, "fe80::1%eth0", ErrExcluded},
		{"zoned link-local outside scope", Policy{Scope: mustPrefixes(t, "10.0.0.0/8")}, "fe80::1%eth0", ErrOutOfScope},
		{"cgnat", Policy{}, "100.64.1.1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.policy.Check(netip.MustParseAddr(tt.addr))
			if tt.want == nil {
				if got != nil {
					t.Fatalf("Check = %v, want nil", got)
				}
				return
			}
			if !errors.Is(got, tt.want) {
				t.Fatalf("Check = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLoadPrefixes(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "never-touch.txt")
	os.WriteFile(f, []byte("# CT scanners\n10.0.0.5\n10.0.1.0/24 # MR suite\n\n"), 0o600)
	got, err := LoadPrefixes(f)
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.5/32"), netip.MustParsePrefix("10.0.1.0/24")}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
		t.Error(diff)
	}
	inline, err := LoadPrefixes("10.0.0.5, 10.0.1.7/24")
	if err != nil || len(inline) != 2 || inline[1] != netip.MustParsePrefix("10.0.1.0/24") {
		t.Errorf("inline = %v, %v", inline, err)
	}
	if _, err := LoadPrefixes("10.0.0.300"); err == nil {
		t.Error("bad address accepted")
	}
}

// listen starts a counting listener on addr (e.g. 127.0.0.2:0).
func listen(t *testing.T, addr string) (net.Listener, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	var n atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln, &n
}

func TestExcludedAddressReceivesNoConnection(t *testing.T) {
	ln, accepted := listen(t, "127.0.0.2:0")
	okLn, okAccepted := listen(t, "127.0.0.1:0")
	d := New(Config{Policy: Policy{Exclude: mustPrefixes(t, "127.0.0.2")}})
	ctx := context.Background()
	if _, err := d.DialContext(ctx, "tcp", ln.Addr().String()); !errors.Is(err, ErrExcluded) {
		t.Fatalf("dial excluded = %v, want ErrExcluded", err)
	}
	c, err := d.DialContext(ctx, "tcp", okLn.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	deadline := time.Now().Add(2 * time.Second)
	for okAccepted.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := accepted.Load(); got != 0 {
		t.Errorf("excluded listener accepted %d connections, want 0", got)
	}
	if d.Attempts() != 1 {
		t.Errorf("attempts = %d, want 1", d.Attempts())
	}
}

type fakeResolver map[string][]netip.Addr

func (r fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return a, nil
	}
	return nil, errors.New("no such host")
}

func TestHostNameResolvingToExcludedAddress(t *testing.T) {
	d := New(Config{
		Policy:   Policy{Exclude: mustPrefixes(t, "10.0.0.5")},
		Resolver: fakeResolver{"ct1.example": {netip.MustParseAddr("10.0.0.5")}, "ct2.example": {netip.MustParseAddr("10.0.0.6"), netip.MustParseAddr("10.0.0.5")}, "pacs.example": {netip.MustParseAddr("8.8.4.4"), netip.MustParseAddr("10.0.0.9")}},
		Base: dialFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
			return nil, errors.New("must not dial " + addr)
		}),
	})
	if _, err := d.DialContext(context.Background(), "tcp", "ct1.example:104"); !errors.Is(err, ErrExcluded) {
		t.Fatalf("err = %v, want ErrExcluded", err)
	}
	if _, err := d.Resolve(context.Background(), "ct2.example"); !errors.Is(err, ErrExcluded) {
		t.Errorf("a name with one excluded address = %v, want ErrExcluded", err)
	}
	got, err := d.Resolve(context.Background(), "pacs.example")
	if err != nil || len(got) != 1 || got[0] != netip.MustParseAddr("10.0.0.9") {
		t.Fatalf("Resolve = %v, %v; want only the private address", got, err)
	}
}

type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

func (f dialFunc) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return f(ctx, network, addr)
}

func TestOneConnectionPerHost(t *testing.T) {
	var open, maxOpen atomic.Int32
	base := dialFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
		n := open.Add(1)
		for {
			m := maxOpen.Load()
			if n <= m || maxOpen.CompareAndSwap(m, n) {
				break
			}
		}
		a, b := net.Pipe()
		go func() { b.Read(make([]byte, 1)); b.Close() }()
		return &countConn{Conn: a, open: &open}, nil
	})
	d := New(Config{Base: base, Rate: -1, Concurrency: 8})
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := d.DialContext(context.Background(), "tcp", "10.0.0.1:104")
			if err != nil {
				t.Error(err)
				return
			}
			time.Sleep(2 * time.Millisecond)
			c.Close()
		}()
	}
	wg.Wait()
	if got := maxOpen.Load(); got != 1 {
		t.Errorf("max simultaneous connections to one host = %d, want 1", got)
	}
}

type countConn struct {
	net.Conn
	open *atomic.Int32
	once sync.Once
}

func (c *countConn) Close() error {
	c.once.Do(func() { c.open.Add(-1) })
	return c.Conn.Close()
}

func TestGlobalConcurrency(t *testing.T) {
	var open, maxOpen atomic.Int32
	base := dialFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
		n := open.Add(1)
		for {
			m := maxOpen.Load()
			if n <= m || maxOpen.CompareAndSwap(m, n) {
				break
			}
		}
		a, _ := net.Pipe()
		return &countConn{Conn: a, open: &open}, nil
	})
	d := New(Config{Base: base, Rate: -1, Concurrency: 3})
	var wg sync.WaitGroup
	for i := 1; i <= 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := d.DialContext(context.Background(), "tcp", netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}).String()+":104")
			if err != nil {
				t.Error(err)
				return
			}
			time.Sleep(3 * time.Millisecond)
			c.Close()
		}()
	}
	wg.Wait()
	if got := maxOpen.Load(); got > 3 {
		t.Errorf("max simultaneous connections = %d, want at most 3", got)
	}
}

func TestRateLimit(t *testing.T) {
	base := dialFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
		a, _ := net.Pipe()
		return a, nil
	})
	d := New(Config{Base: base, Rate: 100, Burst: 1})
	start := time.Now()
	for i := 1; i <= 6; i++ {
		c, err := d.DialContext(context.Background(), "tcp", netip.AddrFrom4([4]byte{10, 0, 1, byte(i)}).String()+":104")
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	// 6 connections at 100/s with burst 1 need at least ~50 ms.
	if el := time.Since(start); el < 40*time.Millisecond {
		t.Errorf("6 dials took %v, want the rate limit to spread them over ≥50 ms", el)
	}
}

func TestCancelledWhileWaitingForHost(t *testing.T) {
	base := dialFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
		a, _ := net.Pipe()
		return a, nil
	})
	d := New(Config{Base: base, Rate: -1})
	c, err := d.DialContext(context.Background(), "tcp", "10.0.0.1:104")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := d.DialContext(ctx, "tcp", "10.0.0.1:11112"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second dial to a busy host = %v, want deadline exceeded", err)
	}
}

// From dials from another local address, under the same per-host slot.
func TestFromSourceAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	remotes := make(chan string, 2)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			remotes <- c.RemoteAddr().(*net.TCPAddr).IP.String()
			c.Close()
		}
	}()
	d := New(Config{Rate: -1})
	ctx := context.Background()
	c1, err := d.DialContext(ctx, "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	// The host's one slot is taken: a dial from the other source waits.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := d.From(netip.MustParseAddr("127.0.0.2")).DialContext(short, "tcp", ln.Addr().String()); err == nil {
		t.Fatal("a second connection to the host was opened while the first was open")
	}
	c1.Close()
	c2, err := d.From(netip.MustParseAddr("127.0.0.2")).DialContext(ctx, "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c2.Close()
	if a, b := <-remotes, <-remotes; a != "127.0.0.1" || b != "127.0.0.2" {
		t.Errorf("remote addresses %s, %s; want 127.0.0.1, 127.0.0.2", a, b)
	}
	// An injected base dialer cannot be given a source.
	d2 := New(Config{Base: fakeBase{}})
	if _, err := d2.From(netip.MustParseAddr("127.0.0.2")).DialContext(ctx, "tcp", ln.Addr().String()); !errors.Is(err, ErrSourceUnsupported) {
		t.Errorf("injected base: %v, want ErrSourceUnsupported", err)
	}
}

type fakeBase struct{}

func (fakeBase) DialContext(context.Context, string, string) (net.Conn, error) {
	return nil, errors.New("fake")
}
