package vulndb

import (
	"errors"
	"testing"
)

func TestCompareVersions(t *testing.T) {
	// Each row says a < b; the test also checks b > a and a == a.
	less := []struct{ a, b string }{
		{"3.6.6", "3.6.7"},
		{"3.6.7", "3.6.8"},
		{"3.6.8", "3.6.10"}, // multi-digit parts compare as numbers
		{"3.6.9", "3.6.10"},
		{"3.6.10", "3.7.0"},
		{"1.5.7", "1.5.8"},
		{"1.5.7", "1.10.1"},
		{"1.10.1", "1.12.0"},
		{"1.12.10", "1.12.11"},
		{"2.4.4", "2.4.5"},
		{"3.0.0rc1", "3.0.0"},      // pre-release before release
		{"3.0.0-rc1", "3.0.0-rc2"}, // pre-releases by number
		{"3.0.0a1", "3.0.0b1"},     // alpha < beta
		{"3.0.0b2", "3.0.0rc1"},    // beta < rc
		{"2.1.0.dev0", "2.1.0a1"},  // dev < alpha (PEP 440)
		{"3.0.0-beta", "3.0.0"},
		{"3.6.9", "3.6.9+DEV"}, // DCMTK development snapshot after 3.6.9
		{"3.6.9+DEV", "3.7.0"},
		{"1.4.2.0", "1.4.2.0-9d9eff4"},
		{"2023.3.9342", "2024.1"},
		{"2025.2.8154", "2025.3"},
		{"2024.02", "2025.1"},
		{"7.2.8.810", "7.2.8.811"},
		{"1.0-p1", "1.0-p2"},
		{"1.0-p9", "1.0-p10"}, // numbers in suffixes compare as numbers
		{"v1.2.3", "1.2.4"},
	}
	for _, tt := range less {
		t.Run(tt.a+"<"+tt.b, func(t *testing.T) {
			if got, ok := CompareVersions(tt.a, tt.b); !ok || got != -1 {
				t.Errorf("CompareVersions(%q, %q) = %d, %v; want -1", tt.a, tt.b, got, ok)
			}
			if got, ok := CompareVersions(tt.b, tt.a); !ok || got != 1 {
				t.Errorf("CompareVersions(%q, %q) = %d, %v; want 1", tt.b, tt.a, got, ok)
			}
		})
	}
	equal := []struct{ a, b string }{
		{"1.0", "1.0.0"},
		{"2024.02", "2024.2"},
		{"v3.6.7", "3.6.7"},
		{"3.0.0RC1", "3.0.0rc1"},
	}
	for _, tt := range equal {
		t.Run(tt.a+"=="+tt.b, func(t *testing.T) {
			if got, ok := CompareVersions(tt.a, tt.b); !ok || got != 0 {
				t.Errorf("CompareVersions(%q, %q) = %d, %v; want 0", tt.a, tt.b, got, ok)
			}
		})
	}
}

func TestParseVersionRejects(t *testing.T) {
	for _, s := range []string{"", "x", "mainline", "1.", "1.2-", "1.2 beta", "1.2.3.4.5.6.7.8.9", "12345678901234567890", "1.2;rm", string(make([]byte, 65))} {
		t.Run(s, func(t *testing.T) {
			if _, err := ParseVersion(s); !errors.Is(err, ErrBadVersion) {
				t.Errorf("ParseVersion(%q) error = %v, want ErrBadVersion", s, err)
			}
		})
	}
}

func TestVersionString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"3.6.7", "3.6.7"},
		{"v1.0", "1"},
		{"3.6.0", "3.6"},
		{"3.0.0rc1", "3-rc1"},
		{"3.6.9+DEV", "3.6.9+dev"},
		{"1.4.2.0-9d9eff4", "1.4.2+9d9eff4"},
		{"2024.02", "2024.2"},
	}
	for _, tt := range tests {
		v, err := ParseVersion(tt.in)
		if err != nil {
			t.Fatalf("ParseVersion(%q): %v", tt.in, err)
		}
		if got := v.String(); got != tt.want {
			t.Errorf("ParseVersion(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeVersion(t *testing.T) {
	tests := []struct{ product, in, want string }{
		{"microdicom", "2023.3 build 9342", "2023.3.9342"},
		{"microdicom", "2025.2 (Build 8154)", "2025.2.8154"},
		{"microdicom", "2024.1", "2024.1"},
		{"orthanc", " 1.12.10 ", "1.12.10"},
		{"radiant", "Version 2024.02", "2024.02"},
	}
	for _, tt := range tests {
		if got := NormalizeVersion(tt.product, tt.in); got != tt.want {
			t.Errorf("NormalizeVersion(%q, %q) = %q, want %q", tt.product, tt.in, got, tt.want)
		}
	}
}

// FuzzParseVersion checks that any version that parses survives a round trip
// through its canonical string and that comparison is a consistent order.
func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"3.6.7", "3.6.10", "1.12.10", "3.0.0rc1", "2.1.0.dev0", "3.6.9+DEV", "1.4.2.0-9d9eff4", "2023.3.9342", "1.0-p10", "v2"} {
		f.Add(s, "3.6.8")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		va, err := ParseVersion(a)
		if err != nil {
			return
		}
		again, err := ParseVersion(va.String())
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", va.String(), a, err)
		}
		if c := va.Compare(again); c != 0 {
			t.Fatalf("%q and its canonical form %q compare %d", a, va.String(), c)
		}
		if again.String() != va.String() {
			t.Fatalf("canonical form is not stable: %q then %q", va.String(), again.String())
		}
		vb, err := ParseVersion(b)
		if err != nil {
			return
		}
		if x, y := va.Compare(vb), vb.Compare(va); x != -y {
			t.Fatalf("Compare(%q, %q) = %d but Compare(%q, %q) = %d", a, b, x, b, a, y)
		}
		if (va.Compare(vb) == 0) != (va.String() == vb.String()) {
			t.Fatalf("%q and %q: equal order %v but canonical forms %q, %q", a, b, va.Compare(vb) == 0, va.String(), vb.String())
		}
	})
}
