package filescan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	ft "github.com/pacsguard/pacsguard/internal/filescan/filescantest"
)

func TestWalkSymlinks(t *testing.T) {
	base, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(base, "root")
	outside := filepath.Join(base, "outside")
	for _, d := range []string{filepath.Join(root, "sub"), outside} {
		os.MkdirAll(d, 0o755)
	}
	os.WriteFile(filepath.Join(root, "sub", "a.dcm"), []byte("a"), 0o644)
	os.WriteFile(filepath.Join(outside, "b.dcm"), []byte("b"), 0o644)
	links := map[string]string{
		filepath.Join(root, "out"):       outside,                             // out of the root
		filepath.Join(root, "loop"):      root,                                // back into the root
		filepath.Join(outside, "back"):   outside,                             // a cycle outside
		filepath.Join(root, "sub", "a2"): filepath.Join(root, "sub", "a.dcm"), // a file in the root
		filepath.Join(root, "dangling"):  filepath.Join(base, "nothing"),
	}
	for link, target := range links {
		if err := os.Symlink(target, link); err != nil {
			t.Skip("symbolic links unsupported:", err)
		}
	}
	walk := func(follow bool) ([]string, WalkStats, int) {
		var got []string
		errs := 0
		st, err := Walk(context.Background(), []string{root}, follow, func(e Entry, err error) {
			if err != nil {
				errs++
				return
			}
			rel, _ := filepath.Rel(base, e.Path)
			got = append(got, rel)
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		return got, st, errs
	}
	got, st, errs := walk(false)
	if diff := cmp.Diff([]string{"root/sub/a.dcm"}, got); diff != "" || st.SymlinksSkipped != 4 || errs != 0 {
		t.Errorf("without following: (-want +got):\n%s; %d links skipped (want 4), %d errors", diff, st.SymlinksSkipped, errs)
	}
	got, _, errs = walk(true)
	if diff := cmp.Diff([]string{"outside/b.dcm", "root/sub/a.dcm"}, got); diff != "" || errs != 1 {
		t.Errorf("following: (-want +got):\n%s; %d errors (want 1, the dangling link)", diff, errs)
	}
}

// A FIFO given as a root is reported, never opened (opening would block).
func TestWalkRefusesFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pipe.dcm")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	var errs int
	_, err := Walk(context.Background(), []string{p}, false, func(e Entry, err error) {
		if err == nil {
			t.Errorf("FIFO %s handed out as a file", e.Path)
		}
		errs++
	})
	if err != nil || errs != 1 {
		t.Errorf("err %v, %d entry errors; want one", err, errs)
	}
	if res := testScanner(t).ScanFile(p); res.Err == nil {
		t.Error("ScanFile opened a FIFO")
	}
}

func TestSweepStopsOnCancel(t *testing.T) {
	dir := t.TempDir()
	for i := range 50 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("%02d.dcm", i)), ft.CleanFile(), 0o644)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	_, err := Sweep(ctx, testScanner(t), []string{dir}, WalkOptions{Workers: 2}, func(Item) {
		n++
		if n == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if n >= 50 {
		t.Errorf("all %d files handled after the cancel", n)
	}
}
