package scan

import (
	"context"
	"net/netip"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/pacsguard/pacsguard/internal/dicom/scu"
	"github.com/pacsguard/pacsguard/internal/dicom/testpeer"
	"github.com/pacsguard/pacsguard/internal/inventory"
	"github.com/pacsguard/pacsguard/internal/netx"
	"github.com/pacsguard/pacsguard/internal/probe/dicomprobe"
)

// peerWordlist adds the test peers' titles to the built-in list, as a site
// would with --aet-wordlist.
var peerWordlist = append(append([]string(nil), dicomprobe.BuiltinWordlist()...), "SECUREPACS", "OPENPACS", "PUBLICQR", "PRIVQR", "MOVEDEST")

// seed stores synthetic studies (3 patients) into an archive.
func seed(t *testing.T, addr, called, calling string) {
	t.Helper()
	files, err := testpeer.WriteSyntheticFiles(t.TempDir(), 3, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, _, err := scu.Associate(ctx, scu.Config{Addr: addr, CalledAE: called, CallingAE: calling, Contexts: []scu.Proposal{{AbstractSyntax: testpeer.CTImageStorage}}})
	if err != nil {
		t.Fatalf("seed %s: %v", addr, err)
	}
	defer a.Release(ctx)
	for _, f := range files {
		if st, err := a.StoreFile(ctx, f); err != nil || st != 0 {
			t.Fatalf("seed %s: status 0x%04X, %v", addr, st, err)
		}
	}
}

type peerScan struct {
	findings []string // check IDs (vuln.* left out)
	service  inventory.Service
	detail   Detail
}

// scanPeer scans one DICOM port (and an HTTP port when given).
func scanPeer(t *testing.T, mode dicomprobe.Mode, port, httpPort int) (peerScan, *Document) {
	t.Helper()
	return scanPeerWith(t, mode, port, httpPort, nil)
}

// scanPeerWith is scanPeer with a last word on the scanner's options.
func scanPeerWith(t *testing.T, mode dicomprobe.Mode, port, httpPort int, adjust func(*Options)) (peerScan, *Document) {
	t.Helper()
	s := newScanner(t, netx.Policy{}, mode)
	s.Options.Wordlist = peerWordlist
	s.Options.Timeout = 5 * time.Second
	s.Options.DICOMPorts = []int{port}
	s.Options.WebPorts = []int{}
	if httpPort != 0 {
		s.Options.WebPorts = []int{httpPort}
	}
	if adjust != nil {
		adjust(&s.Options)
	}
	doc, err := s.Run(context.Background(), []Target{{Host: "127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	var ps peerScan
	for _, f := range doc.Findings {
		if !strings.HasPrefix(f.CheckID, "vuln.") {
			ps.findings = append(ps.findings, f.CheckID+"@"+portName(f.Port, port))
		}
	}
	sort.Strings(ps.findings)
	for _, sv := range doc.Services {
		if sv.Port == port {
			ps.service = sv
		}
	}
	for _, d := range doc.Details {
		if d.Port == port {
			ps.detail = d
		}
	}
	return ps, doc
}

func portName(p, dicomPort int) string {
	if p == dicomPort {
		return "dicom"
	}
	return "http"
}

var patientData = regexp.MustCompile(`(?i)PG\^SYNTHETIC|SYNTHETIC[0-9]|\bPG[0-9]\b|CompressedSamples`)

func assertNoPeerPHI(t *testing.T, doc *Document) {
	t.Helper()
	assertNoPHI(t, doc, []string{"PG^SYNTHETIC", "SYNTHETIC1", "SYNTHETIC2", "SYNTHETIC3"})
	var b strings.Builder
	WriteTable(&b, doc, true)
	if m := patientData.FindString(b.String()); m != "" {
		t.Errorf("report contains patient data %q", m)
	}
}

// TestRealPeers asserts the verdicts of test-peers.md §6 against DCMTK
// storescp and dcmqrscp and Orthanc in its Debian-default, open and
// hardened configurations. Peers are shared by the sub-tests.
func TestRealPeers(t *testing.T) {
	if testing.Short() {
		t.Skip("real peers take seconds to start")
	}
	testpeer.Require(t, testpeer.StoreSCP, testpeer.DcmQRSCP, testpeer.Orthanc)
	storescp := testpeer.StoreSCPForTest(t, testpeer.StoreSCPOptions{AE: "STORESCP"})
	qr := testpeer.DcmQRSCPForTest(t, testpeer.DcmQRSCPOptions{
		AEs:    []testpeer.QRAE{{AE: "PUBLICQR", Peers: "ANY"}, {AE: "PRIVQR", Peers: "radiology"}},
		Hosts:  []testpeer.HostEntry{{Name: "ws1", AE: "WS1", Host: "127.0.0.1", Port: 11112}, {Name: "storescp", AE: "STORESCP", Host: "127.0.0.1", Port: 11112}, {Name: "movedest", AE: "MOVEDEST", Host: "127.0.0.1", Port: 11114}},
		Groups: map[string][]string{"radiology": {"ws1", "storescp", "movedest"}},
	})
	def := testpeer.OrthancForTest(t, testpeer.OrthancOptions{AE: "ORTHANC"})
	open := testpeer.OrthancForTest(t, testpeer.OrthancOptions{AE: "OPENPACS", Config: map[string]any{
		"RemoteAccessAllowed": true, "AuthenticationEnabled": false,
		"DicomAlwaysAllowFind": true, "DicomAlwaysAllowFindWorklist": true, "DicomAlwaysAllowGet": true, "DicomAlwaysAllowMove": true,
		"UnknownSopClassAccepted": true, "DicomModalities": map[string]any{"storescp": []any{"STORESCP", "127.0.0.1", storescp.Port}},
	}})
	secure := testpeer.OrthancForTest(t, testpeer.OrthancOptions{AE: "SECUREPACS", Config: map[string]any{
		"RemoteAccessAllowed": true, "AuthenticationEnabled": true, "RegisteredUsers": map[string]any{"labadmin": "labpassword"},
		"DicomCheckCalledAet": true, "DicomCheckModalityHost": true, "DicomAlwaysAllowEcho": false, "DicomAlwaysAllowStore": false,
		"DicomModalities": map[string]any{
			"ws1":      []any{"WS1", "127.0.0.1", 11112},
			"storescp": map[string]any{"AET": "STORESCP", "Host": "127.0.0.1", "Port": 11112, "AllowEcho": true, "AllowStore": true, "AllowFind": false, "AllowMove": false, "AllowGet": false},
			"remote9":  []any{"REMOTE9", "127.0.0.9", 11112},
		},
	}})
	// As hardened, but without DicomCheckModalityHost (its default, false):
	// known titles are accepted from any address.
	hostless := testpeer.OrthancForTest(t, testpeer.OrthancOptions{AE: "HOSTLESS", Config: map[string]any{
		"DicomCheckCalledAet": true, "DicomAlwaysAllowEcho": false, "DicomAlwaysAllowStore": false,
		"DicomModalities": map[string]any{
			"storescp": map[string]any{"AET": "STORESCP", "Host": "127.0.0.1", "Port": 11112, "AllowEcho": true, "AllowStore": true, "AllowFind": false, "AllowMove": false, "AllowGet": false},
		},
	}})
	seed(t, def.Addr(), "ORTHANC", "WS1")
	seed(t, open.Addr(), "OPENPACS", "WS1")
	seed(t, secure.Addr(), "SECUREPACS", "STORESCP")
	seed(t, qr.Addr(), "PUBLICQR", "WS1")

	t.Run("storescp accepts any AE, storage only", func(t *testing.T) {
		ps, doc := scanPeer(t, dicomprobe.Mode{Intrusive: true}, storescp.Port, 0)
		want := []string{"dicom.any-called-ae@dicom", "dicom.no-tls@dicom", "dicom.unknown-calling-ae@dicom"}
		if diff := cmp.Diff(want, ps.findings); diff != "" {
			t.Errorf("findings (-want +got):\n%s", diff)
		}
		r := ps.detail.DICOM
		if got := r.Test("find"); got == nil || got.Outcome != "not-offered" {
			t.Errorf("find on storescp = %+v, want not-offered (Q/R contexts rejected)", got)
		}
		if ps.service.Product != "dcmtk" || ps.service.Version != "3.6.7" || !slices.Contains(r.Behaviours, "storage-only") {
			t.Errorf("fingerprint %s %s, behaviours %v", ps.service.Product, ps.service.Version, r.Behaviours)
		}
		if sev := severityOf(doc, "dicom.any-called-ae"); sev != inventory.SeverityHigh {
			t.Errorf("any-called-ae severity %s, want high (storage granted)", sev)
		}
	})

	t.Run("orthanc defaults: association accepted is not query granted", func(t *testing.T) {
		ps, doc := scanPeer(t, dicomprobe.Mode{Intrusive: true, Store: true}, def.Port, def.HTTPPort)
		// The REST API (answering because the scanner is local) names the
		// out-of-box title ORTHANC for this port.
		want := []string{"dicom.any-called-ae@dicom", "dicom.default-ae@dicom", "dicom.no-tls@dicom", "dicom.open-store@dicom", "dicom.unknown-calling-ae@dicom"}
		if diff := cmp.Diff(want, ps.findings); diff != "" {
			t.Errorf("findings (-want +got):\n%s", diff)
		}
		r := ps.detail.DICOM
		got := map[string]string{}
		for _, tt := range r.Tests {
			got[tt.Service] = tt.Outcome
		}
		if diff := cmp.Diff(map[string]string{"find": "refused-abort", "get": "refused-abort", "move": "refused-abort", "store": "served"}, got); diff != "" {
			t.Errorf("service tests (-want +got):\n%s", diff)
		}
		if !slices.Contains(ps.service.AETitles, "ORTHANC") {
			t.Errorf("AE titles %v, want ORTHANC from /system", ps.service.AETitles)
		}
		if ps.service.Product != "orthanc" || ps.service.Version != "1.10.1" || ps.service.Confidence != "exact" {
			t.Errorf("fingerprint %q %q %q; want Orthanc 1.10.1 from /system", ps.service.Product, ps.service.Version, ps.service.Confidence)
		}
		assertNoPeerPHI(t, doc)
	})

	t.Run("orthanc defaults, safe mode", func(t *testing.T) {
		ps, _ := scanPeer(t, dicomprobe.Mode{}, def.Port, 0)
		want := []string{"dicom.any-called-ae@dicom", "dicom.no-tls@dicom", "dicom.unknown-calling-ae@dicom"}
		if diff := cmp.Diff(want, ps.findings); diff != "" {
			t.Errorf("findings (-want +got):\n%s", diff)
		}
		if len(ps.detail.DICOM.Tests) != 0 {
			t.Errorf("safe mode ran service tests: %+v", ps.detail.DICOM.Tests)
		}
		if !strings.Contains(strings.Join(ps.service.Notes, " "), "Orthanc sends the same") {
			t.Errorf("without HTTP evidence the identity must say Orthanc and DCMTK look the same; notes %q", ps.service.Notes)
		}
	})

	t.Run("orthanc open", func(t *testing.T) {
		ps, doc := scanPeer(t, dicomprobe.Mode{Intrusive: true}, open.Port, open.HTTPPort)
		want := []string{"dicom.any-called-ae@dicom", "dicom.no-tls@dicom", "dicom.open-query@dicom", "dicom.open-retrieve@dicom", "dicom.unknown-calling-ae@dicom", "dicomweb.open-qido@http", "http.no-auth@http"}
		if diff := cmp.Diff(want, ps.findings); diff != "" {
			t.Errorf("findings (-want +got):\n%s", diff)
			t.Logf("tests %+v", ps.detail.DICOM.Tests)
		}
		if f := ps.detail.DICOM.Test("find"); f == nil || f.Matches < 1 {
			t.Errorf("find = %+v, want matches", f)
		}
		assertNoPeerPHI(t, doc)
	})

	t.Run("orthanc hardened: a known pair is not any AE", func(t *testing.T) {
		// STORESCP is registered for 127.0.0.1 with DicomCheckModalityHost:
		// asked again from 127.0.0.9 (test-peers.md E5), Orthanc refuses.
		ps, doc := scanPeerWith(t, dicomprobe.Mode{Intrusive: true}, secure.Port, secure.HTTPPort, func(o *Options) {
			o.AltSource = netip.MustParseAddr("127.0.0.9")
		})
		want := []string{"dicom.no-tls@dicom"}
		if diff := cmp.Diff(want, ps.findings); diff != "" {
			t.Errorf("findings (-want +got):\n%s", diff)
		}
		r := ps.detail.DICOM
		if r.First.Reject == nil || r.First.Reject.Reason != 7 {
			t.Errorf("first reject %+v, want reason 7 (random called AE)", r.First.Reject)
		}
		if !slices.Contains(r.AETitles, "SECUREPACS") || !slices.Contains(r.KnownCallingAEs, "STORESCP") {
			t.Errorf("enumeration found %v with %v; want SECUREPACS with STORESCP", r.AETitles, r.KnownCallingAEs)
		}
		if r.AnyCalledAccepted || r.UnknownCallingAccepted || r.CalledAECheck != dicomprobe.CheckEnforced || r.CallingAECheck != dicomprobe.CheckEnforced {
			t.Errorf("checks: any-called %v unknown-calling %v called %s calling %s", r.AnyCalledAccepted, r.UnknownCallingAccepted, r.CalledAECheck, r.CallingAECheck)
		}
		if r.CallingHostCheck != dicomprobe.CheckEnforced || r.AltSourceAttempt == nil || r.AltSourceAttempt.Answer != "rejected" {
			t.Errorf("host check from 127.0.0.9: %q %+v, want the known pair rejected there", r.CallingHostCheck, r.AltSourceAttempt)
		}
		var web inventory.Service
		for _, s := range doc.Services {
			if s.Port == secure.HTTPPort {
				web = s
			}
		}
		if web.Product != "orthanc" {
			t.Errorf("web fingerprint %q, want orthanc from the realm", web.Product)
		}
		if r.Attempts > 200 {
			t.Errorf("%d associations for the enumeration; reject-reason hints should order the pairs", r.Attempts)
		}
		t.Logf("%d associations to find %v with %v", r.Attempts, r.AETitles, r.KnownCallingAEs)
	})

	t.Run("orthanc without the host check: a known title from any address", func(t *testing.T) {
		ps, _ := scanPeerWith(t, dicomprobe.Mode{}, hostless.Port, 0, func(o *Options) {
			o.AltSource = netip.MustParseAddr("127.0.0.9")
			o.Wordlist = append(slices.Clone(peerWordlist), "HOSTLESS")
		})
		want := []string{"dicom.calling-ae-not-host-bound@dicom", "dicom.no-tls@dicom"}
		if diff := cmp.Diff(want, ps.findings); diff != "" {
			t.Errorf("findings (-want +got):\n%s", diff)
		}
		if r := ps.detail.DICOM; r.AltSourceAttempt == nil || r.AltSourceAttempt.CallingAE != "STORESCP" || r.AltSourceAttempt.Answer != "accepted" {
			t.Errorf("host check: %+v", r.AltSourceAttempt)
		}
	})

	t.Run("dcmqrscp: reason 7 for everything, open and restricted AEs", func(t *testing.T) {
		// PRIVQR's peers are hosts at 127.0.0.1: from 127.0.0.9 it refuses
		// (test-peers.md E5).
		ps, doc := scanPeerWith(t, dicomprobe.Mode{Intrusive: true}, qr.Port, 0, func(o *Options) {
			o.AltSource = netip.MustParseAddr("127.0.0.9")
		})
		want := []string{"dicom.no-tls@dicom", "dicom.open-query@dicom", "dicom.open-retrieve@dicom", "dicom.unknown-calling-ae@dicom"}
		if diff := cmp.Diff(want, ps.findings); diff != "" {
			t.Errorf("findings (-want +got):\n%s", diff)
			t.Logf("tests %+v", ps.detail.DICOM.Tests)
		}
		r := ps.detail.DICOM
		if diff := cmp.Diff([]string{"PUBLICQR", "PRIVQR"}, r.AETitles, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
			t.Errorf("AE titles (-want +got):\n%s", diff)
		}
		// dcmqrscp looks the study up before the destination: a missing
		// study ends in success with no sub-operations, which is not a
		// forwarding risk.
		if mv := r.Test("move"); mv == nil || mv.Outcome != "served-empty" {
			t.Errorf("move to an unregistered destination = %+v, want success without sub-operations", mv)
		}
		if slices.Contains(ps.findings, "dicom.move-any-destination@dicom") {
			t.Error("a move that matched nothing moved nothing anywhere")
		}
		if r.CallingHostCheck != dicomprobe.CheckEnforced || r.AltSourceAttempt == nil || r.AltSourceAttempt.CalledAE != "PRIVQR" {
			t.Errorf("host check of the restricted title: %q %+v", r.CallingHostCheck, r.AltSourceAttempt)
		}
		t.Logf("%d associations, AE titles %v, known calling %v", r.Attempts, r.AETitles, r.KnownCallingAEs)
		assertNoPeerPHI(t, doc)
	})

	t.Run("discovery is one association per port", func(t *testing.T) {
		s := newScanner(t, netx.Policy{}, dicomprobe.Mode{Discovery: true})
		ports := []int{storescp.Port, qr.Port, def.Port, open.Port, secure.Port}
		s.Options.DICOMPorts, s.Options.WebPorts = ports, []int{}
		doc, err := s.Run(context.Background(), []Target{{Host: "127.0.0.1"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(doc.Services) != len(ports) || doc.Run.Connections != len(ports) {
			t.Errorf("%d services from %d connections; want %d of each", len(doc.Services), doc.Run.Connections, len(ports))
		}
		if len(doc.Findings) != 0 {
			var ids []string
			for _, f := range doc.Findings {
				ids = append(ids, f.CheckID+"@"+strconv.Itoa(f.Port))
			}
			t.Logf("discovery findings: %v", ids)
		}
	})
	_ = filepath.Join
}

func severityOf(doc *Document, id string) inventory.Severity {
	for _, f := range doc.Findings {
		if f.CheckID == id {
			return f.Severity
		}
	}
	return -1
}

// TestRealPeersTLS scans DCMTK storescp over TLS: with and without a
// required client certificate.
func TestRealPeersTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("real peers")
	}
	testpeer.Require(t, testpeer.StoreSCP)
	pki, err := testpeer.NewPKI(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		requireClient bool
		want          []string
	}{
		{"client certificate ignored", false, []string{"dicom.any-called-ae@dicom", "dicom.unknown-calling-ae@dicom", "tls.no-client-cert@dicom"}},
		{"client certificate required", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testpeer.StoreSCPForTest(t, testpeer.StoreSCPOptions{AE: "STORESCP", Args: pki.DCMTKServerTLSArgs(tt.requireClient)})
			ps, _ := scanPeer(t, dicomprobe.Mode{}, p.Port, 0)
			if diff := cmp.Diff(tt.want, ps.findings, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			if ps.service.Transport != inventory.TransportDICOMTLS {
				t.Errorf("transport %q, want dicom-tls", ps.service.Transport)
			}
			if tls := ps.detail.TLS; tls == nil || len(tls.WeakVersions) != 0 || tls.ClientCertRequired != tt.requireClient {
				t.Errorf("TLS result %+v", tls)
			}
		})
	}
}
