package dicom

import (
	"regexp"
	"testing"
)

func TestNewUID(t *testing.T) {
	valid := regexp.MustCompile(`^2\.25\.(0|[1-9][0-9]*)$`)
	seen := map[string]bool{}
	for range 1000 {
		u := NewUID()
		if len(u) > 64 || !valid.MatchString(u) {
			t.Fatalf("NewUID() = %q, not a valid UID", u)
		}
		if seen[u] {
			t.Fatalf("NewUID() repeated %q", u)
		}
		seen[u] = true
	}
	if len(UIDRoot)+len(".1") > 64 {
		t.Errorf("UIDRoot too long for short suffixes")
	}
}
