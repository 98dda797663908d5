package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// checkGolden compares got with testdata/DIR/NAME, or rewrites that file when
// update is set (each command's tests have their own -update-* flag).
func checkGolden(t *testing.T, update bool, dir, name, got, howToUpdate string) {
	t.Helper()
	path := filepath.Join("testdata", dir, name)
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run %s)", err, howToUpdate)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got); run %s and review the diff:\n%s", path, howToUpdate, diff)
	}
}
