package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/pacsguard/pacsguard/internal/inventory"
)

func TestMDS2Profiles(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	save := func(key, sha, date, doc string) int64 {
		t.Helper()
		id, err := s.SaveMDS2Profile(ctx, MDS2Profile{Key: key, Manufacturer: "Acme", Model: "CT", DocumentDate: date, SourceName: "f.xlsx", SourceSHA256: sha, Imported: now, Doc: []byte(doc)})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	a := save("acme/ct/1.0", "aa", "2025-01-01", `{"v":1}`)
	if again := save("acme/ct/1.0", "aa", "2025-01-01", `{"v":2}`); again != a {
		t.Errorf("re-import got ID %d, want %d", again, a)
	}
	save("acme/ct/2.0", "bb", "2026-01-01", `{"v":3}`)
	save("acme/mr/1.0", "cc", "2026-01-01", `{"v":4}`)

	tests := []struct {
		ref     string
		wantDoc string
		wantOK  bool
		wantErr error
	}{
		{"acme/ct/1.0", `{"v":2}`, true, nil},
		{"ACME/CT/2.0", `{"v":3}`, true, nil},
		{"#1", `{"v":2}`, true, nil},
		{"acme/ct", `{"v":3}`, true, nil},
		{"acme", "", false, ErrAmbiguous},
		{"nobody/x", "", false, nil},
		{"acme/c%", "", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			p, ok, err := s.FindMDS2Profile(ctx, tt.ref)
			if !errors.Is(err, tt.wantErr) || ok != tt.wantOK || (ok && string(p.Doc) != tt.wantDoc) {
				t.Errorf("FindMDS2Profile(%q) = %s, %v, %v; want %s, %v, %v", tt.ref, p.Doc, ok, err, tt.wantDoc, tt.wantOK, tt.wantErr)
			}
		})
	}
	all, err := s.MDS2Profiles(ctx)
	if err != nil || len(all) != 3 {
		t.Errorf("MDS2Profiles = %d, %v", len(all), err)
	}
}

func TestLatestRunForHost(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	run := inventory.Run{Kind: "scan", Mode: "safe", Started: now, Finished: now}
	first, _ := s.SaveRun(ctx, run, []inventory.Service{{Host: "10.0.0.5", Port: 104, Transport: "dicom"}}, nil)
	second, _ := s.SaveRun(ctx, run, nil, []inventory.Finding{{CheckID: "dicom.no-tls", Host: "10.0.0.5", Port: 104}})
	s.SaveRun(ctx, run, []inventory.Service{{Host: "10.0.0.9", Port: 104, Transport: "dicom"}}, nil)
	got, ok, err := s.LatestRunForHost(ctx, "scan", "10.0.0.5")
	if err != nil || !ok || got.ID != second {
		t.Errorf("LatestRunForHost = %d, %v, %v; want %d (not %d)", got.ID, ok, err, second, first)
	}
	if _, ok, err := s.LatestRunForHost(ctx, "scan", "10.0.0.77"); ok || err != nil {
		t.Errorf("unknown host: ok=%v err=%v", ok, err)
	}
}
