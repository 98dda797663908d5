package scan

import (
	"io"
	"net/netip"
	"strings"
	"testing"
)

// FuzzParseTargets: whatever the input, expansion stays bounded, and every
// target it yields parses back to itself.
func FuzzParseTargets(f *testing.F) {
	for _, s := range []string{"10.0.0.1", "10.0.0.0/30", "10.0.0.1-5", "pacs.example:4242", "[fd00::1]:104", "10.0.0.1-10.0.1.3", "@x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		args := strings.Fields(s)
		ts, err := ParseTargets(args, func(string) (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(s)), nil })
		if err != nil {
			return
		}
		if len(ts) > MaxTargets {
			t.Fatalf("%d targets", len(ts))
		}
		for _, tg := range ts {
			if tg.Addr.IsValid() && tg.Host != tg.Addr.String() {
				t.Fatalf("host %q for address %s", tg.Host, tg.Addr)
			}
			again, err := ParseTargets([]string{tg.Host}, nil)
			if err != nil || len(again) != 1 || again[0].Host != tg.Host {
				t.Fatalf("target %q does not parse back: %v %v", tg.Host, again, err)
			}
			if a, err := netip.ParseAddr(tg.Host); err == nil && a != tg.Addr {
				t.Fatalf("address %q parsed as a name", tg.Host)
			}
			for _, p := range tg.Ports {
				if p < 1 || p > 65535 {
					t.Fatalf("port %d", p)
				}
			}
		}
	})
}
