package mds2_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pacsguard/pacsguard/internal/check"
	"github.com/pacsguard/pacsguard/internal/inventory"
	"github.com/pacsguard/pacsguard/internal/mds2"
	"github.com/pacsguard/pacsguard/internal/store"
)

// scanStore writes two scan runs to a temporary database: an older one in
// which the device offered DICOM TLS, and the newest, which found plain DICOM,
// an open web login and a known CVE.
func scanStore(t *testing.T) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "pacsguard.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	old := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	if _, err := s.SaveRun(ctx, inventory.Run{Kind: "scan", Mode: "safe", Started: old, Finished: old.Add(time.Minute)},
		[]inventory.Service{{Host: "10.1.2.3", Port: 2762, Transport: "dicom-tls"}}, nil); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	services := []inventory.Service{
		{Host: "10.1.2.3", Port: 104, Transport: "dicom", Product: "dcmtk", Version: "3.6.2", AETitles: []string{"CT9000"}},
		{Host: "10.1.2.3", Port: 80, Transport: "http", Roles: []string{"viewer"}},
		{Host: "10.9.9.9", Port: 104, Transport: "dicom"},
	}
	ev := []inventory.Evidence{{Probe: "dicomprobe", Observed: "A-ASSOCIATE-AC without TLS", At: at}}
	findings := []inventory.Finding{
		{CheckID: "dicom.no-tls", Severity: inventory.SeverityHigh, Title: "DICOM without TLS", Host: "10.1.2.3", Port: 104, Evidence: ev},
		{CheckID: "dicom.unknown-calling-ae", Severity: inventory.SeverityHigh, Title: "Accepts unknown calling AE titles", Host: "10.1.2.3", Port: 104},
		{CheckID: "http.no-auth", Severity: inventory.SeverityHigh, Title: "Web interface without login", Host: "10.1.2.3", Port: 80},
		{CheckID: "vuln.CVE-2024-28130", Severity: inventory.SeverityHigh, Title: "DCMTK 3.6.2 is affected by CVE-2024-28130", Host: "10.1.2.3", Port: 104, References: []string{"CVE-2024-28130"}},
		{CheckID: "dicom.no-tls", Severity: inventory.SeverityHigh, Title: "DICOM without TLS", Host: "10.9.9.9", Port: 104},
	}
	if _, err := s.SaveRun(ctx, inventory.Run{Kind: "scan", Mode: "safe", Started: at, Finished: at.Add(time.Minute), Targets: []string{"10.1.2.0/24"}}, services, findings); err != nil {
		t.Fatal(err)
	}
	return s
}

func observe(t *testing.T, s *store.Store, host string) mds2.Observation {
	t.Helper()
	ctx := context.Background()
	run, ok, err := s.LatestRunForHost(ctx, "scan", host)
	if err != nil || !ok {
		t.Fatalf("LatestRunForHost: %v %v", ok, err)
	}
	svc, err := s.RunServices(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := s.RunFindings(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	return mds2.ForHost(run, svc, fs, host)
}

func TestVerifyAgainstStore(t *testing.T) {
	m := model(t)
	checks, err := check.Load()
	if err != nil {
		t.Fatal(err)
	}
	s := scanStore(t)
	// The strong CT claims encryption in transit (TXCF-2, CONN-7), authenticated
	// peers, logins and vulnerability management.
	p := fixture(t, m, "ct-strong")
	v := mds2.Verify(m, checks, p, "10.1.2.3", observe(t, s, "10.1.2.3"), testNow)

	type row struct {
		Check string
		Port  int
		Data  string
	}
	var got []row
	for _, f := range v.Contradictions {
		if _, ok := checks.Get(f.CheckID); !ok {
			t.Errorf("%s is not catalogued", f.CheckID)
		}
		got = append(got, row{f.CheckID, f.Port, f.Evidence[1].Data})
	}
	want := []row{
		{"mds2.claim-login-required", 80, "http.no-auth"},
		{"mds2.claim-peer-authentication", 104, "dicom.unknown-calling-ae"},
		{"mds2.claim-transport-encryption", 104, "dicom.no-tls"},
		{"mds2.claim-vulnerability-management", 104, "vuln.CVE-2024-28130"},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("contradictions (-got +want):\n%s", diff)
	}
	for _, f := range v.Contradictions {
		if f.CheckID == "mds2.claim-transport-encryption" {
			claim := f.Evidence[0].Observed
			for _, q := range []string{"TXCF-2=Yes", "CONN-7=Yes"} {
				if !bytes.Contains([]byte(claim), []byte(q)) {
					t.Errorf("claim evidence %q does not cite %s", claim, q)
				}
			}
		}
	}
	for _, f := range []struct {
		format mds2.Format
		ext    string
	}{{mds2.FormatTable, "txt"}, {mds2.FormatJSON, "json"}, {mds2.FormatMarkdown, "md"}, {mds2.FormatHTML, "html"}} {
		t.Run(string(f.format), func(t *testing.T) {
			var buf bytes.Buffer
			if err := mds2.WriteVerification(&buf, v, f.format); err != nil {
				t.Fatal(err)
			}
			golden(t, "verify-ct."+f.ext, buf.Bytes())
		})
	}
}

// TestVerifyConsistent: the same device against a scan that found only DICOM
// TLS has no contradictions, and claims the form does not make are not tested.
func TestVerifyConsistent(t *testing.T) {
	m := model(t)
	checks, err := check.Load()
	if err != nil {
		t.Fatal(err)
	}
	run := inventory.Run{ID: 7, Kind: "scan", Mode: "safe"}
	o := mds2.ForHost(run, []inventory.Service{{Host: "10.1.2.3", Port: 2762, Transport: "dicom-tls"}}, nil, "10.1.2.3")
	v := mds2.Verify(m, checks, fixture(t, m, "ct-strong"), "10.1.2.3", o, testNow)
	if len(v.Contradictions) != 0 {
		t.Errorf("contradictions: %+v", v.Contradictions)
	}
	weak := fixture(t, m, "ct-weak")
	o = mds2.ForHost(run, []inventory.Service{{Host: "10.1.2.3", Port: 104, Transport: "dicom"}}, nil, "10.1.2.3")
	v = mds2.Verify(m, checks, weak, "10.1.2.3", o, testNow)
	// ct-weak says TXCF-2=No but CONN-7=Yes (HTTPS only): plain DICOM
	// contradicts the TLS claim as far as the form makes it.
	if len(v.Contradictions) != 1 || v.Contradictions[0].CheckID != "mds2.claim-transport-encryption" {
		t.Errorf("contradictions: %+v", v.Contradictions)
	}
}

func TestVerifyAdvisoryFindingsOnly(t *testing.T) {
	m := model(t)
	checks, err := check.Load()
	if err != nil {
		t.Fatal(err)
	}
	run := inventory.Run{ID: 3, Kind: "scan", Mode: "intrusive"}
	fs := []inventory.Finding{
		{CheckID: "vuln.version-unknown", Host: "h", Port: 104},
		{CheckID: "vuln.range-unknown", Host: "h", Port: 104},
		{CheckID: "vuln.ICSMA-26-181-01", Host: "h", Port: 104, Confidence: "possible"},
		{CheckID: "dicom.move-any-destination", Host: "h", Port: 104},
	}
	o := mds2.ForHost(run, []inventory.Service{{Host: "h", Port: 104, Transport: "dicom-tls"}}, fs, "h")
	v := mds2.Verify(m, checks, fixture(t, m, "ct-strong"), "h", o, testNow)
	var got []string
	for _, f := range v.Contradictions {
		got = append(got, f.CheckID+" "+f.Evidence[1].Data)
	}
	want := []string{"mds2.claim-fixed-destinations dicom.move-any-destination", "mds2.claim-vulnerability-management vuln.ICSMA-26-181-01"}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("(-got +want):\n%s", diff)
	}
	// A contradiction rests on the advisory match: it carries its confidence.
	for _, f := range v.Contradictions {
		if f.CheckID == "mds2.claim-vulnerability-management" && f.Confidence != "possible" {
			t.Errorf("%s confidence %q, want the advisory match's \"possible\"", f.CheckID, f.Confidence)
		}
	}
}

func TestVerifyNetworkServices(t *testing.T) {
	m := model(t)
	checks, err := check.Load()
	if err != nil {
		t.Fatal(err)
	}
	p := fixture(t, m, "ct-strong")
	p.Answers["MPII-3.5"] = mds2.Answer{Value: mds2.ValueNo}
	p.Answers["CONN-5"] = mds2.Answer{Value: mds2.ValueNo}
	run := inventory.Run{ID: 4, Kind: "scan", Mode: "safe"}
	o := mds2.ForHost(run, []inventory.Service{
		{Host: "h", Port: 2762, Transport: "dicom-tls", Product: "acme-console", Version: "2.1"},
		{Host: "h", Port: 443, Transport: "https", Roles: []string{"dicomweb"}},
		{Host: "h", Port: 8443, Transport: "https", Roles: []string{"viewer"}},
	}, nil, "h")
	v := mds2.Verify(m, checks, p, "h", o, testNow)
	var got []string
	for _, f := range v.Contradictions {
		got = append(got, f.CheckID+" "+f.Evidence[1].Observed)
	}
	want := []string{
		"mds2.claim-network-services https service on port 443",
		"mds2.claim-network-services dicom-tls service on port 2762 (acme-console 2.1)",
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("(-got +want):\n%s", diff)
	}
}
