package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFileBaselineRoundTripAndReplace(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	record := func(root string, entries ...FileBaselineEntry) {
		t.Helper()
		w, err := s.BeginFileBaseline(ctx, root, now)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Rollback()
		for _, e := range entries {
			if err := w.Add(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	a := FileBaselineEntry{Path: "a/1.dcm", Size: 10, ModTime: now, SHA256: "aa", IsDICOM: true}
	b := FileBaselineEntry{Path: "b/2.dcm", Size: 20, ModTime: now, SHA256: "bb"}
	record("/archive", a, b)
	record("/archive", a) // replaces
	record("/archive/b", b)

	bl, err := s.FileBaselineFor(ctx, "/archive/a")
	if err != nil {
		t.Fatal(err)
	}
	if bl.Root != "/archive" || bl.Files != 1 || bl.Bytes != 10 {
		t.Errorf("baseline = %+v, want /archive with 1 file of 10 bytes", bl)
	}
	if bl, _ := s.FileBaselineFor(ctx, "/archive/b/x"); bl.Root != "/archive/b" {
		t.Errorf("nearest root = %q, want /archive/b", bl.Root)
	}
	if _, err := s.FileBaselineFor(ctx, "/archivex"); !errors.Is(err, ErrNoBaseline) {
		t.Errorf("err = %v, want ErrNoBaseline", err)
	}
	var got []FileBaselineEntry
	if err := s.FileBaselineEntries(ctx, bl.ID, "a", func(e FileBaselineEntry) error { got = append(got, e); return nil }); err != nil {
		t.Fatal(err)
	}
	got[0].ModTime = got[0].ModTime.UTC()
	if diff := cmp.Diff([]FileBaselineEntry{a}, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}
