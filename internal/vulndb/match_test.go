package vulndb

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pacsguard/pacsguard/internal/inventory"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func mustLoad(t *testing.T) *DB {
	t.Helper()
	db, err := LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run go test -update and review the diff.\ngot:\n%s", path, got)
	}
}

func checkIDs(fs []inventory.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.CheckID)
	}
	return out
}

var fingerprinted = []struct {
	name string
	svc  inventory.Service
}{
	// Roles as the scanner records them: dcmqrscp offers storage and
	// query/retrieve; storescp accepts storage and rejects query/retrieve.
	{"dcmtk-3.6.6", inventory.Service{Host: "192.0.2.10", Port: 11112, Transport: inventory.TransportDICOM,
		ImplementationClassUID: "1.2.276.0.7230010.3.0.3.6.6", ImplementationVersionName: "OFFIS_DCMTK_366",
		Roles: []string{"archive", "storage", "query-retrieve"}}},
	{"dcmtk-3.6.7", inventory.Service{Host: "192.0.2.11", Port: 104, Transport: inventory.TransportDICOM,
		ImplementationClassUID: "1.2.276.0.7230010.3.0.3.6.7", ImplementationVersionName: "OFFIS_DCMTK_367",
		Roles: []string{"storage"}}},
	{"dcmtk-3.7.0", inventory.Service{Host: "192.0.2.12", Port: 11112, Transport: inventory.TransportDICOM,
		ImplementationClassUID: "1.2.276.0.7230010.3.0.3.7.0", ImplementationVersionName: "OFFIS_DCMTK_370",
		Roles: []string{"archive", "storage", "query-retrieve"}}},
	{"orthanc-1.5.7", inventory.Service{Host: "192.0.2.20", Port: 8042, Transport: inventory.TransportHTTP,
		Product: "orthanc", Version: "1.5.7", Confidence: ConfidenceExact}},
	{"conquest", inventory.Service{Host: "192.0.2.30", Port: 5678, Transport: inventory.TransportDICOM,
		ImplementationClassUID: "1.2.826.0.1.3680043.2.135.1066.101", ImplementationVersionName: "1.5.0/WIN32"}},
	{"unknown", inventory.Service{Host: "192.0.2.40", Port: 104, Transport: inventory.TransportDICOM,
		ImplementationClassUID: "1.2.3.4.5", ImplementationVersionName: "ACME_1"}},
	{"dcmtk-3.6.6-storescp", inventory.Service{Host: "192.0.2.13", Port: 11112, Transport: inventory.TransportDICOM,
		ImplementationClassUID: "1.2.276.0.7230010.3.0.3.6.6", ImplementationVersionName: "OFFIS_DCMTK_366",
		Product: "dcmtk", Confidence: ConfidenceInferred, Roles: []string{"storage"}}},
	// Orthanc known from /system, answering DICOM with the DCMTK it links.
	{"orthanc-1.10.1-dcmtk-3.6.7", inventory.Service{Host: "192.0.2.21", Port: 4242, Transport: inventory.TransportDICOM,
		Product: "orthanc", Version: "1.10.1", Confidence: ConfidenceExact,
		ImplementationClassUID: "1.2.276.0.7230010.3.0.3.6.7", ImplementationVersionName: "OFFIS_DCMTK_367",
		Roles: []string{"archive", "storage", "query-retrieve", "worklist"}}},
}

func TestFindingsForGolden(t *testing.T) {
	db := mustLoad(t)
	for _, tt := range fingerprinted {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.MarshalIndent(db.FindingsFor(tt.svc), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("findings", tt.name+".json"), append(got, '\n'))
		})
	}
}

// findingIDs returns the check IDs of claimed findings and the advisory IDs
// listed in the not-observed summary.
func findingIDs(fs []inventory.Finding) (claimed, notObserved []string) {
	for _, f := range fs {
		claimed = append(claimed, f.CheckID)
		if f.CheckID == CheckNotObserved {
			notObserved = append(notObserved, f.References...)
		}
	}
	return claimed, notObserved
}

func TestFindingsForDCMTK(t *testing.T) {
	db := mustLoad(t)
	// The 2021 and 2022 DCMTK network CVEs reach 3.6.6: the dcmqrscp ones a
	// query/retrieve service, the storescp one a storage-only service, the
	// dcmnet and dcmdata ones both.
	tests := []struct {
		name                  string
		svc                   inventory.Service
		claimed, listed, none []string
	}{
		{"3.6.6 dcmqrscp", fingerprinted[0].svc,
			[]string{"vuln.CVE-2021-41687", "vuln.CVE-2021-41688", "vuln.CVE-2021-41689", "vuln.CVE-2021-41690", "vuln.CVE-2022-2121", "vuln.CVE-2022-43272"},
			[]string{"CVE-2022-2119", "CVE-2022-2120"}, nil},
		{"3.6.6 storescp", fingerprinted[6].svc,
			[]string{"vuln.CVE-2022-2119", "vuln.CVE-2022-2121", "vuln.CVE-2022-43272"},
			[]string{"CVE-2021-41687", "CVE-2021-41690", "CVE-2022-2120"}, nil},
		{"3.7.0 dcmqrscp", fingerprinted[2].svc, []string{"vuln.CVE-2026-10194", "vuln.CVE-2026-35505"}, nil,
			[]string{"vuln.CVE-2021-41687", "vuln.CVE-2021-41688", "vuln.CVE-2021-41689", "vuln.CVE-2021-41690",
				"vuln.CVE-2022-2119", "vuln.CVE-2022-2120", "vuln.CVE-2022-2121", "CVE-2021-41687", "CVE-2022-2119", "CVE-2022-2120", "CVE-2022-2121"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := db.FindingsFor(tt.svc)
			claimed, listed := findingIDs(got)
			for _, id := range tt.claimed {
				if !slices.Contains(claimed, id) {
					t.Errorf("%s not claimed; got %v", id, claimed)
				}
			}
			for _, id := range tt.listed {
				if !slices.Contains(listed, id) {
					t.Errorf("%s not listed as not observed; listed %v", id, listed)
				}
			}
			for _, id := range tt.none {
				if slices.Contains(claimed, id) || slices.Contains(listed, id) {
					t.Errorf("got %s", id)
				}
			}
			for _, f := range got {
				if f.Confidence != ConfidenceInferred && f.CheckID != CheckRangeUnknown && f.Confidence != ConfidencePossible {
					t.Errorf("%s confidence %q, want inferred (version from a toolkit string)", f.CheckID, f.Confidence)
				}
				if f.Host != tt.svc.Host || f.Port != tt.svc.Port {
					t.Errorf("%s located at %s", f.CheckID, f.Location())
				}
			}
		})
	}

	// 3.6.7 storescp: the disputed range makes CVE-2022-2119 possible, not certain.
	got := db.FindingsFor(fingerprinted[1].svc)
	if claimed, _ := findingIDs(got); !slices.Contains(claimed, "vuln.CVE-2022-2119") {
		t.Errorf("DCMTK 3.6.7 storescp: CVE-2022-2119 missing from %v", claimed)
	}
	for _, f := range got {
		switch f.CheckID {
		case "vuln.CVE-2022-2119":
			if f.Confidence != ConfidencePossible {
				t.Errorf("DCMTK 3.6.7 %s confidence %q, want possible", f.CheckID, f.Confidence)
			}
		case "vuln.CVE-2022-2121", "vuln.CVE-2021-41687":
			t.Errorf("DCMTK 3.6.7 got %s, fixed in 3.6.7", f.CheckID)
		}
	}
}

func TestFindingsForOrthanc(t *testing.T) {
	db := mustLoad(t)
	got := db.FindingsFor(fingerprinted[3].svc)
	ids := checkIDs(got)
	for _, id := range []string{"vuln.CVE-2025-0896", "vuln.CVE-2023-33466", "vuln.PG-ORTHANC-LUA-EXECUTE-SCRIPT", "vuln.CVE-2026-5442"} {
		if !slices.Contains(ids, id) {
			t.Errorf("Orthanc 1.5.7: %s missing; got %v", id, ids)
		}
	}
	for _, f := range got {
		if f.CheckID == "vuln.CVE-2025-0896" {
			if f.Severity != inventory.SeverityCritical || f.Confidence != ConfidenceExact {
				t.Errorf("CVE-2025-0896: severity %v confidence %q, want critical, exact", f.Severity, f.Confidence)
			}
			if !slices.Contains(f.References, "CVE-2025-0896") || !slices.Contains(f.References, "ICSMA-25-037-02") {
				t.Errorf("references %v lack the advisory IDs", f.References)
			}
		}
	}
	newer := db.FindingsFor(inventory.Service{Host: "192.0.2.21", Port: 8042, Product: "orthanc", Version: "1.12.11", Confidence: ConfidenceExact})
	for _, f := range newer {
		if f.CheckID != CheckRangeUnknown {
			t.Errorf("Orthanc 1.12.11 got %s", f.CheckID)
		}
	}
}

func TestFindingsForVersionUnknown(t *testing.T) {
	db := mustLoad(t)
	got := db.FindingsFor(fingerprinted[4].svc)
	if len(got) != 1 || got[0].CheckID != CheckVersionUnknown {
		t.Fatalf("Conquest findings = %v, want only %s", checkIDs(got), CheckVersionUnknown)
	}
	f := got[0]
	if f.Severity != inventory.SeverityInfo || f.Confidence != ConfidenceProductOnly {
		t.Errorf("severity %v confidence %q, want info, product-only", f.Severity, f.Confidence)
	}
	if !strings.Contains(f.Title, "may apply, version unknown") {
		t.Errorf("title %q", f.Title)
	}
	if got := db.FindingsFor(fingerprinted[5].svc); len(got) != 0 {
		t.Errorf("unknown product got %v", checkIDs(got))
	}
	// A service known only as a product: no CVE claimed.
	for _, f := range db.FindingsFor(inventory.Service{Host: "192.0.2.50", Port: 8042, Product: "orthanc"}) {
		if f.CheckID != CheckVersionUnknown {
			t.Errorf("orthanc without version got %s", f.CheckID)
		}
	}
}

func TestSeverity(t *testing.T) {
	tests := []struct {
		score     float64
		exploited bool
		want      inventory.Severity
	}{
		{9.8, false, inventory.SeverityCritical},
		{9.0, false, inventory.SeverityCritical},
		{8.9, false, inventory.SeverityHigh},
		{7.0, false, inventory.SeverityHigh},
		{6.9, false, inventory.SeverityMedium},
		{4.0, false, inventory.SeverityMedium},
		{3.9, false, inventory.SeverityLow},
		{0.1, false, inventory.SeverityLow},
		{0, false, inventory.SeverityMedium}, // no score
		{7.5, true, inventory.SeverityCritical},
		{9.8, true, inventory.SeverityCritical},
		{3.0, true, inventory.SeverityMedium},
	}
	for _, tt := range tests {
		a := Advisory{KnownExploited: tt.exploited}
		if tt.score > 0 {
			a.CVSSv3 = &CVSS{Score: tt.score}
		}
		if got := a.Severity(); got != tt.want {
			t.Errorf("score %v exploited %v: severity %v, want %v", tt.score, tt.exploited, got, tt.want)
		}
	}
	v4 := Advisory{CVSSv4: &CVSS{Score: 9.1}}
	if got := v4.Severity(); got != inventory.SeverityCritical {
		t.Errorf("v4-only 9.1: %v, want critical", got)
	}
}

func TestMatchExplicitVersions(t *testing.T) {
	db := mustLoad(t)
	res := db.Match(Identity{Product: "orthanc-osimis-webviewer", Version: "1.4.2.0-9d9eff4", Confidence: ConfidenceExact})
	if len(res.Matches) != 1 || res.Matches[0].Advisory.ID != "CVE-2023-7238" {
		t.Errorf("matches %+v, want CVE-2023-7238", res.Matches)
	}
	res = db.Match(Identity{Product: "microdicom", Version: "2023.3 (Build 9342)", Confidence: ConfidenceExact})
	var ids []string
	for _, m := range res.Matches {
		ids = append(ids, m.Advisory.ID)
	}
	for _, id := range []string{"CVE-2024-22100", "CVE-2024-25578", "CVE-2024-28877"} {
		if !slices.Contains(ids, id) {
			t.Errorf("MicroDicom 2023.3 build 9342: %s missing from %v", id, ids)
		}
	}
}

// Orthanc answers DICOM with the DCMTK it links: a service known as Orthanc
// from /system and as DCMTK from its association gets both sets, once each.
func TestFindingsForOrthancOverDCMTK(t *testing.T) {
	db := mustLoad(t)
	svc := inventory.Service{Host: "192.0.2.60", Port: 4242, Transport: inventory.TransportDICOM,
		Product: "orthanc", Version: "1.10.1", Confidence: ConfidenceExact,
		ImplementationClassUID: "1.2.276.0.7230010.3.0.3.6.7", ImplementationVersionName: "OFFIS_DCMTK_367"}
	got := db.FindingsFor(svc)
	seen := map[string]inventory.Finding{}
	for _, f := range got {
		if _, dup := seen[f.CheckID]; dup && !strings.HasPrefix(f.CheckID, "vuln.range-") {
			t.Errorf("%s reported twice", f.CheckID)
		}
		seen[f.CheckID] = f
	}
	if f, ok := seen["vuln.CVE-2023-33466"]; !ok || f.Confidence != ConfidenceExact {
		t.Errorf("Orthanc 1.10.1 should get CVE-2023-33466 with exact confidence: %+v", f)
	}
	// Orthanc runs DCMTK's network and data set code, not its tools: the
	// dcmnet leak is claimed (inferred: the version is the linked
	// toolkit's), storescp's path traversal only listed.
	if f, ok := seen["vuln.CVE-2022-43272"]; !ok || f.Confidence != ConfidenceInferred {
		t.Errorf("its DCMTK 3.6.7 should get CVE-2022-43272 (dcmnet) as inferred: %+v", f)
	}
	if _, ok := seen["vuln.CVE-2022-2119"]; ok {
		t.Error("Orthanc got storescp's CVE-2022-2119 as a finding")
	}
	if f := seen[CheckNotObserved]; !slices.Contains(f.References, "CVE-2022-2119") {
		t.Errorf("CVE-2022-2119 should be listed as not observed: %+v", f)
	}
	if _, ok := seen["vuln.CVE-2025-0896"]; ok {
		t.Error("Orthanc 1.10.1 got CVE-2025-0896, fixed in 1.5.8")
	}
}
