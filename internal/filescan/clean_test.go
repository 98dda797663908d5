package filescan

import (
	"errors"
	ft "github.com/pacsguard/pacsguard/internal/filescan/filescantest"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func mustHash(t *testing.T, p string) string {
	t.Helper()
	h, err := hashFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestSanitizeLeavesOriginalsAndCleansCopies(t *testing.T) {
	s := testScanner(t)
	src := t.TempDir()
	out := t.TempDir()
	cases := []struct {
		name         string
		data         []byte
		wantResidual []string
		wantSkipped  bool
	}{
		{"pedicom.dcm", ft.PEDICOM(false), nil, false},
		{"elf.dcm", ft.WithPreamble(ft.ELFHeader()), nil, false},
		{"payload.dcm", ft.WithPrivate("OB", append(ft.ZIPBytes(), make([]byte, 100<<10)...)), nil, false},
		{"trail-elf.dcm", append(ft.CleanFile(), ft.ELFHeader()...), nil, false},
		{"nested.dcm (re-encoded)", ft.WithNestedPrivate(ft.ELFHeader()), nil, false},
		{"deflated.dcm (re-encoded)", ft.Deflated(func() (p [128]byte) { copy(p[:], ft.ELFHeader()); return }()), nil, false},
		{"trunc.dcm", func() []byte { b := ft.WithPreamble(ft.ELFHeader()); return b[:len(b)-100] }(), []string{"files.truncated"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(src, c.name)
			if err := os.WriteFile(p, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			before := mustHash(t, p)
			res := s.ScanFile(p)
			rec, err := s.Sanitize(res, out)
			if err != nil {
				t.Fatal(err)
			}
			if after := mustHash(t, p); after != before {
				t.Fatalf("original changed: %s → %s", before, after)
			}
			if rec.SourceSHA256 != before {
				t.Errorf("record source hash %s, want %s", rec.SourceSHA256, before)
			}
			if rec.Copy != MirrorPath(out, p) || len(rec.Changes) == 0 {
				t.Fatalf("record = %+v, want a copy under %s with changes", rec, out)
			}
			if diff := cmp.Diff(c.wantResidual, rec.Residual); diff != "" {
				t.Errorf("residual checks of the copy (-want +got):\n%s\nchanges: %v", diff, rec.Changes)
			}
			b, err := os.ReadFile(rec.Copy)
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range b[:128] {
				if c != 0 {
					t.Fatalf("copy's preamble byte %d is %#x", i, c)
				}
			}
		})
	}
}

func TestSanitizeRefusesNestedPayloads(t *testing.T) {
	s := testScanner(t)
	p := filepath.Join(t.TempDir(), "deflated.dcm")
	os.WriteFile(p, ft.CleanFile(), 0o644)
	res := s.ScanFile(p)
	res.Plan = &CleanPlan{TruncateAt: -1, Blocked: "a payload sits inside a sequence item"}
	rec, err := s.Sanitize(res, t.TempDir())
	if err != nil || rec.Copy != "" || rec.Skipped == "" {
		t.Errorf("record %+v, err %v; want skipped, no copy", rec, err)
	}
}

func TestQuarantineAndRestore(t *testing.T) {
	root := t.TempDir()
	qdir := filepath.Join(t.TempDir(), "q")
	p := filepath.Join(root, "a", "pedicom.dcm")
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, ft.PEDICOM(false), 0o640); err != nil {
		t.Fatal(err)
	}
	mtime := time.Date(2020, 5, 6, 7, 8, 9, 0, time.UTC)
	os.Chtimes(p, mtime, mtime)
	sum := mustHash(t, p)
	q, err := OpenQuarantine(qdir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	e, err := q.Move(p, []string{"files.pe-dicom"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("original still there after quarantine: %v", err)
	}
	if got := mustHash(t, filepath.Join(qdir, e.Stored)); got != sum {
		t.Fatalf("stored hash %s, want %s", got, sum)
	}
	// A file put back at the original path blocks the restore.
	os.WriteFile(p, []byte("new"), 0o644)
	res, err := Restore(filepath.Join(qdir, ManifestName), now)
	if err != nil || len(res) != 1 || !errors.Is(res[0].Err, ErrRestoreTargetExists) {
		t.Fatalf("restore over an existing file: %+v, %v", res, err)
	}
	os.Remove(p)
	res, err = Restore(filepath.Join(qdir, ManifestName), now)
	if err != nil || len(res) != 1 || res[0].Err != nil {
		t.Fatalf("restore: %+v, %v", res, err)
	}
	if got := mustHash(t, p); got != sum {
		t.Errorf("restored hash %s, want %s", got, sum)
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o640 || !st.ModTime().Equal(mtime) {
		t.Errorf("restored mode %v mtime %v, want 0640 %v", st.Mode().Perm(), st.ModTime(), mtime)
	}
	// Restored entries are not restored twice.
	res, err = Restore(filepath.Join(qdir, ManifestName), now)
	if err != nil || len(res) != 0 {
		t.Errorf("second restore: %+v, %v", res, err)
	}
}

// Across file systems a move is a copy, a hash check and a removal.
func TestQuarantineAcrossFileSystems(t *testing.T) {
	shm, err := os.MkdirTemp("/dev/shm", "pacsguard-q-")
	if err != nil {
		t.Skip("no /dev/shm:", err)
	}
	t.Cleanup(func() { os.RemoveAll(shm) })
	src := filepath.Join(t.TempDir(), "elf.dcm")
	os.WriteFile(src, ft.WithPreamble(ft.ELFHeader()), 0o644)
	a, _ := os.Stat(src)
	b, _ := os.Stat(shm)
	if sameDevice(a, b) {
		t.Skip("/dev/shm is on the same file system here")
	}
	sum := mustHash(t, src)
	q, err := OpenQuarantine(shm)
	if err != nil {
		t.Fatal(err)
	}
	e, err := q.Move(src, []string{"files.preamble-elf"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(src); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("original still there: %v", err)
	}
	if got := mustHash(t, filepath.Join(shm, e.Stored)); got != sum {
		t.Errorf("stored hash %s, want %s", got, sum)
	}
	if res, err := Restore(filepath.Join(shm, ManifestName), time.Now()); err != nil || len(res) != 1 || res[0].Err != nil {
		t.Fatalf("restore: %+v %v", res, err)
	}
	if got := mustHash(t, src); got != sum {
		t.Errorf("restored hash %s, want %s", got, sum)
	}
}

func sameDevice(a, b os.FileInfo) bool {
	sa, ok1 := a.Sys().(*syscall.Stat_t)
	sb, ok2 := b.Sys().(*syscall.Stat_t)
	return ok1 && ok2 && sa.Dev == sb.Dev
}
