package store

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestVulnImportRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, ok, err := s.LastVulnImport(ctx); err != nil || ok {
		t.Fatalf("empty store: ok %v err %v", ok, err)
	}
	t1 := time.Date(2026, 11, 29, 4, 0, 0, 0, time.UTC)
	first := []VulnRecord{
		{Source: "nvd", ID: "CVE-2099-0001", File: "a.json", Imported: t1, Doc: []byte(`{"id":"CVE-2099-0001"}`)},
		{Source: "kev", ID: "CVE-2022-2119", File: "kev.json", Imported: t1, Doc: []byte(`{"id":"CVE-2022-2119"}`)},
	}
	if err := s.SaveVulnImport(ctx, first, VulnImport{Imported: t1, Files: []string{"a.json", "kev.json"}, Added: 1, Updated: 1}); err != nil {
		t.Fatal(err)
	}
	t2 := t1.Add(time.Hour)
	second := []VulnRecord{{Source: "nvd", ID: "CVE-2099-0001", File: "b.json", Imported: t2, Doc: []byte(`{"id":"CVE-2099-0001","summary":"new"}`)}}
	if err := s.SaveVulnImport(ctx, second, VulnImport{Imported: t2, Files: []string{"b.json"}, Updated: 1, Ignored: 4}); err != nil {
		t.Fatal(err)
	}
	got, err := s.VulnRecords(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []VulnRecord{first[1], second[0]} // oldest import first; same source and ID replaced
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	last, ok, err := s.LastVulnImport(ctx)
	if err != nil || !ok {
		t.Fatalf("last import: ok %v err %v", ok, err)
	}
	if diff := cmp.Diff(VulnImport{Imported: t2, Files: []string{"b.json"}, Updated: 1, Ignored: 4}, last); diff != "" {
		t.Errorf("last import (-want +got):\n%s", diff)
	}
}
