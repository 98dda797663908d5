package scan

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pacsguard/pacsguard/internal/check"
	"github.com/pacsguard/pacsguard/internal/fingerprint"
	"github.com/pacsguard/pacsguard/internal/inventory"
	"github.com/pacsguard/pacsguard/internal/lab"
	"github.com/pacsguard/pacsguard/internal/netx"
	"github.com/pacsguard/pacsguard/internal/probe/dicomprobe"
	"github.com/pacsguard/pacsguard/internal/report"
)

func newScanner(t *testing.T, policy netx.Policy, mode dicomprobe.Mode) *Scanner {
	t.Helper()
	cat, err := check.Load()
	if err != nil {
		t.Fatal(err)
	}
	rules, err := fingerprint.Load()
	if err != nil {
		t.Fatal(err)
	}
	d := netx.New(netx.Config{Policy: policy, Rate: 5000, Concurrency: 16, DialTimeout: 2 * time.Second})
	return &Scanner{Dialer: d, Catalogue: cat, Rules: rules, Options: Options{Mode: mode, Timeout: 2 * time.Second, Tool: Tool{Name: "pacsguard", Version: "test"}}}
}

func startLab(t *testing.T, c lab.Config) *lab.Lab {
	t.Helper()
	l, err := lab.Start(context.Background(), c, lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Stop(); err != nil {
			t.Error(err)
		}
	})
	return l
}

func labTargets(t *testing.T, l *lab.Lab) []Target {
	var args []string
	for _, n := range l.Nodes() {
		args = append(args, n.Addr)
	}
	ts, err := ParseTargets(args, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// verdicts maps "node check" pairs found, with the node named from the lab.
func verdicts(l *lab.Lab, doc *Document) []string {
	byAddr := map[string]string{}
	for _, n := range l.Nodes() {
		byAddr[n.Addr] = n.Name
	}
	var out []string
	for _, f := range doc.Findings {
		if strings.HasPrefix(f.CheckID, "vuln.") {
			continue
		}
		out = append(out, byAddr[f.Location()]+" "+f.CheckID+" "+f.Severity.String())
	}
	sort.Strings(out)
	return out
}

func TestDemoLabVerdicts(t *testing.T) {
	l := startLab(t, lab.Default())
	s := newScanner(t, netx.Policy{}, dicomprobe.Mode{Intrusive: true, Store: true})
	doc, err := s.Run(context.Background(), labTargets(t, l))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"department-qr dicom.default-ae low",
		"hardened-archive tls.cert-self-signed low",
		"open-archive dicom.any-called-ae high",
		"open-archive dicom.open-query critical",
		"open-archive dicom.open-retrieve critical",
		"open-archive dicom.open-store high",
		"open-archive dicom.unknown-calling-ae high",
		"orthanc-docker http.default-credentials critical",
		"orthanc-like dicom.any-called-ae high",
		"orthanc-like dicom.open-store high",
		"orthanc-like dicom.unknown-calling-ae high",
		"ct-scanner dicom.any-called-ae low",
		"ct-scanner dicom.unknown-calling-ae low",
		"ultrasound dicom.any-called-ae high",
		"ultrasound dicom.open-store high",
		"ultrasound dicom.unknown-calling-ae high",
		"web-viewer dicomweb.open-qido high",
		"web-viewer http.no-auth high",
		"worklist dicom.any-called-ae high",
		"worklist dicom.open-query critical",
		"worklist dicom.unknown-calling-ae high",
	}
	if lab.DistinctAddresses() {
		for _, n := range []string{"open-archive", "orthanc-like", "department-qr", "ct-scanner", "ultrasound", "worklist"} {
			want = append(want, n+" dicom.no-tls medium")
		}
	}
	sort.Strings(want)
	if diff := cmp.Diff(want, verdicts(l, doc)); diff != "" {
		t.Errorf("verdicts (-want +got):\n%s", diff)
	}
	// Fingerprints: Orthanc told from DCMTK by behaviour, toolkits by identity.
	products := map[string]string{}
	for _, s := range doc.Services {
		products[net.JoinHostPort(s.Host, strconv.Itoa(s.Port))] = s.Product + " " + s.Version
	}
	for node, want := range map[string]string{"orthanc-like": "orthanc ", "open-archive": "dcmtk 3.6.2", "ct-scanner": "dcmtk 3.6.0", "ultrasound": "pynetdicom 1.5.0", "department-qr": "dcm4che 5.22.0", "web-viewer": "orthanc 1.9.7"} {
		n, _ := l.Node(node)
		if got := products[n.Addr]; got != want {
			t.Errorf("%s fingerprint = %q, want %q", node, got, want)
		}
	}
	if doc.Run.Mode != ModeIntrusiveStore || doc.Schema != Schema {
		t.Errorf("mode %q schema %q", doc.Run.Mode, doc.Schema)
	}
	assertNoPHI(t, doc, []string{"LABPATIENT", "SYNTHETIC1", "LABID", "19700101"})
}

// assertNoPHI renders every output format and looks for patient data.
func assertNoPHI(t *testing.T, doc *Document, phi []string) {
	t.Helper()
	cat, _ := check.Load()
	outputs := map[string]func(w io.Writer) error{
		"table": func(w io.Writer) error { return WriteTable(w, doc, true) },
		"json":  func(w io.Writer) error { return report.WriteJSON(w, doc) },
		"sarif": func(w io.Writer) error {
			return report.WriteSARIF(w, report.Tool{Name: "pacsguard"}, doc.Findings, cat)
		},
		"csv":  func(w io.Writer) error { return report.WriteCSV(w, doc.Findings) },
		"html": func(w io.Writer) error { return report.WriteHTML(w, HTMLDocument(doc, "t")) },
	}
	for name, write := range outputs {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, p := range phi {
			if strings.Contains(strings.ToUpper(b.String()), strings.ToUpper(p)) {
				t.Errorf("%s output contains patient data %q", name, p)
			}
		}
	}
}

// pduCounter is a TCP proxy in front of a peer that counts what the
// scanner sends and what the peer answers, by PDU type and DIMSE command.
type pduCounter struct {
	ln       net.Listener
	mu       sync.Mutex
	fromScan map[byte]int   // PDU types sent by the scanner
	fromPeer map[byte]int   // PDU types sent by the peer
	commands map[uint16]int // DIMSE command fields sent by the scanner
	open     atomic.Int32   // connections still open
}

func newPDUCounter(t *testing.T, target string) *pduCounter {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &pduCounter{ln: ln, fromScan: map[byte]int{}, fromPeer: map[byte]int{}, commands: map[uint16]int{}}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			c.open.Add(1)
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); c.pump(in, out, true) }()
			go func() { defer wg.Done(); c.pump(out, in, false) }()
			go func() { wg.Wait(); c.open.Add(-1) }()
		}
	}()
	return c
}

func (c *pduCounter) pump(src, dst net.Conn, fromScan bool) {
	defer dst.Close()
	defer src.Close()
	hdr := make([]byte, 6)
	for {
		if _, err := io.ReadFull(src, hdr); err != nil {
			return
		}
		n := binary.BigEndian.Uint32(hdr[2:])
		if n > 1<<24 {
			return
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(src, body); err != nil {
			return
		}
		c.mu.Lock()
		if fromScan {
			c.fromScan[hdr[0]]++
			if hdr[0] == 0x04 {
				c.countCommands(body)
			}
		} else {
			c.fromPeer[hdr[0]]++
		}
		c.mu.Unlock()
		dst.Write(hdr)
		dst.Write(body)
	}
}

// countCommands reads command PDVs for (0000,0100) Command Field.
func (c *pduCounter) countCommands(body []byte) {
	for len(body) >= 6 {
		l := int(binary.BigEndian.Uint32(body))
		if l < 2 || 4+l > len(body) {
			return
		}
		item := body[4 : 4+l]
		if item[1]&1 == 1 { // command fragment
			data := item[2:]
			if i := bytes.Index(data, []byte{0, 0, 0, 1, 2, 0, 0, 0}); i >= 0 && i+10 <= len(data) {
				c.commands[binary.LittleEndian.Uint16(data[i+8:])]++
			}
		}
		body = body[4+l:]
	}
}

func TestSafeDefaultSendsNoDataCommandsAndReleasesEverything(t *testing.T) {
	cfg := lab.Config{Schema: lab.Schema, Nodes: []lab.Node{
		{Name: "open", Role: "archive", AE: "OPEN", Unknown: []string{"all"}, Studies: 2},
		{Name: "strict", Role: "archive", AE: "PACS", CheckCalledAE: true, Peers: []lab.Peer{{AE: "STORESCU", Allow: []string{"all"}}}, Studies: 1},
	}}
	l := startLab(t, cfg)
	for _, node := range []string{"open", "strict"} {
		t.Run(node, func(t *testing.T) {
			n, _ := l.Node(node)
			pc := newPDUCounter(t, n.Addr)
			s := newScanner(t, netx.Policy{}, dicomprobe.Mode{})
			ts, _ := ParseTargets([]string{pc.ln.Addr().String()}, nil)
			doc, err := s.Run(context.Background(), ts)
			if err != nil {
				t.Fatal(err)
			}
			if len(doc.Services) != 1 {
				t.Fatalf("services = %+v", doc.Services)
			}
			deadline := time.Now().Add(2 * time.Second)
			for pc.open.Load() != 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			pc.mu.Lock()
			defer pc.mu.Unlock()
			for cmd := range pc.commands {
				if cmd != 0x0030 { // C-ECHO-RQ only
					t.Errorf("safe scan sent DIMSE command 0x%04X", cmd)
				}
			}
			accepted := pc.fromPeer[0x02]
			if accepted == 0 {
				t.Fatal("no association accepted")
			}
			if got := pc.fromScan[0x05]; got != accepted {
				t.Errorf("A-RELEASE-RQ sent %d times for %d accepted associations", got, accepted)
			}
			if got := pc.fromScan[0x07]; got != 0 {
				t.Errorf("scanner sent %d A-ABORT", got)
			}
			if got := pc.open.Load(); got != 0 {
				t.Errorf("%d connections still open after the scan", got)
			}
			t.Logf("RQ %d, AC %d, RJ %d, release %d, commands %v", pc.fromScan[1], accepted, pc.fromPeer[3], pc.fromScan[5], pc.commands)
		})
	}
}

func TestExcludedAddressReceivesNoConnection(t *testing.T) {
	var accepted atomic.Int32
	ln, err := net.Listen("tcp", "127.0.0.31:0")
	if err != nil {
		t.Skipf("no second loopback address: %v", err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	excl, _ := netx.ParsePrefixes("127.0.0.31")
	s := newScanner(t, netx.Policy{Exclude: excl}, dicomprobe.Mode{Intrusive: true})
	p, _ := strconv.Atoi(port)
	s.Options.DICOMPorts = []int{p}
	s.Options.WebPorts = []int{}
	ts, _ := ParseTargets([]string{"127.0.0.30-32"}, nil)
	doc, err := s.Run(context.Background(), ts)
	if err != nil {
		t.Fatal(err)
	}
	if got := accepted.Load(); got != 0 {
		t.Errorf("excluded address accepted %d connections", got)
	}
	if diff := cmp.Diff([]Skipped{{Target: "127.0.0.31", Reason: netx.ErrExcluded.Error()}}, doc.Skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
}

func TestPublicAddressNeedsAllowPublic(t *testing.T) {
	s := newScanner(t, netx.Policy{}, dicomprobe.Mode{})
	ts, _ := ParseTargets([]string{"192.0.2.1:104"}, nil) // TEST-NET-1, never routed
	doc, err := s.Run(context.Background(), ts)
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Skipped) != 1 || doc.Run.Connections != 0 {
		t.Errorf("skipped %v, %d connections; want the public address skipped without a packet", doc.Skipped, doc.Run.Connections)
	}
}

func TestDiff(t *testing.T) {
	prevSvcs := []inventory.Service{
		{Host: "10.0.0.1", Port: 104, Transport: "dicom", Product: "dcmtk", Version: "3.6.6"},
		{Host: "10.0.0.2", Port: 104, Transport: "dicom"},
		{Host: "10.0.0.9", Port: 104, Transport: "dicom"}, // not scanned this time
	}
	prevF := []inventory.Finding{
		{CheckID: "dicom.no-tls", Host: "10.0.0.1", Port: 104, Severity: inventory.SeverityMedium},
		{CheckID: "dicom.open-store", Host: "10.0.0.2", Port: 104, Severity: inventory.SeverityHigh},
		{CheckID: "dicom.any-called-ae", Host: "10.0.0.1", Port: 104, Severity: inventory.SeverityLow},
	}
	cur := &Document{Run: RunInfo{Targets: []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}},
		Services: []inventory.Service{
			{Host: "10.0.0.1", Port: 104, Transport: "dicom", Product: "dcmtk", Version: "3.6.7"},
			{Host: "10.0.0.3", Port: 4242, Transport: "dicom"},
		},
		Findings: []inventory.Finding{
			{CheckID: "dicom.no-tls", Host: "10.0.0.1", Port: 104, Severity: inventory.SeverityMedium},
			{CheckID: "dicom.any-called-ae", Host: "10.0.0.1", Port: 104, Severity: inventory.SeverityHigh},
			{CheckID: "dicom.open-query", Host: "10.0.0.3", Port: 4242, Severity: inventory.SeverityCritical},
		}}
	got := Compare(7, time.Time{}, prevSvcs, prevF, cur)
	want := &Diff{PreviousRun: 7,
		Appeared:        []string{"10.0.0.3:4242/dicom"},
		Disappeared:     []string{"10.0.0.2:104/dicom"},
		Changed:         []ServiceChange{{Service: "10.0.0.1:104/dicom", Changes: []string{`version "3.6.6" → "3.6.7"`}}},
		NewFindings:     []FindingRef{{CheckID: "dicom.open-query", Location: "10.0.0.3:4242", Severity: "critical"}},
		Resolved:        []FindingRef{{CheckID: "dicom.open-store", Location: "10.0.0.2:104", Severity: "high"}},
		SeverityChanged: []FindingRef{{CheckID: "dicom.any-called-ae", Location: "10.0.0.1:104", Severity: "high", Was: "low"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestNonDICOMAnswersOnDICOMPorts(t *testing.T) {
	l := startLab(t, lab.Config{Schema: lab.Schema, Nodes: []lab.Node{{Name: "web", Role: "web-viewer", Kind: "web", Web: &lab.Web{Studies: 1}}}})
	web, _ := l.Node("web")
	ssh, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ssh.Close()
	go func() {
		for {
			c, err := ssh.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("SSH-2.0-OpenSSH_9.2\r\n"))
			c.Close()
		}
	}()
	s := newScanner(t, netx.Policy{}, dicomprobe.Mode{})
	_, wp, _ := net.SplitHostPort(web.Addr)
	_, sp, _ := net.SplitHostPort(ssh.Addr().String())
	w, _ := strconv.Atoi(wp)
	sh, _ := strconv.Atoi(sp)
	s.Options.DICOMPorts, s.Options.WebPorts = []int{w, sh}, []int{}
	doc, err := s.Run(context.Background(), []Target{{Host: "127.0.0.1", Addr: netip.MustParseAddr("127.0.0.1")}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, sv := range doc.Services {
		got = append(got, fmt.Sprintf("%d/%s", sv.Port, sv.Transport))
	}
	if diff := cmp.Diff([]string{fmt.Sprintf("%d/http", w)}, got); diff != "" {
		t.Errorf("services (-want +got):\n%s", diff)
	}
	var notDICOM []int
	for _, f := range doc.Findings {
		if f.CheckID == "dicom.not-dicom" {
			notDICOM = append(notDICOM, f.Port)
		}
	}
	if diff := cmp.Diff([]int{sh}, notDICOM); diff != "" {
		t.Errorf("not-DICOM ports (-want +got):\n%s", diff)
	}
}

func TestIntrusiveReleasesEveryAssociation(t *testing.T) {
	l := startLab(t, lab.Config{Schema: lab.Schema, Nodes: []lab.Node{{Name: "open", Role: "archive", AE: "OPEN", Unknown: []string{"all"}, Studies: 2}}})
	n, _ := l.Node("open")
	pc := newPDUCounter(t, n.Addr)
	s := newScanner(t, netx.Policy{}, dicomprobe.Mode{Intrusive: true, Store: true})
	ts, _ := ParseTargets([]string{pc.ln.Addr().String()}, nil)
	if _, err := s.Run(context.Background(), ts); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for pc.open.Load() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if accepted, released := pc.fromPeer[0x02], pc.fromScan[0x05]; accepted == 0 || released != accepted {
		t.Errorf("%d associations accepted, %d released", accepted, released)
	}
	want := map[uint16]int{0x0030: 1, 0x0020: 1, 0x0FFF: 1, 0x0010: 1, 0x0021: 1, 0x0001: 1} // echo, find, cancel, get, move, store
	if diff := cmp.Diff(want, pc.commands); diff != "" {
		t.Errorf("DIMSE commands sent (-want +got):\n%s", diff)
	}
	if pc.open.Load() != 0 {
		t.Errorf("%d connections left open", pc.open.Load())
	}
}

func TestPanicInOneHostIsContained(t *testing.T) {
	l := startLab(t, lab.Config{Schema: lab.Schema, Nodes: []lab.Node{{Name: "a", Role: "archive", AE: "A", Unknown: []string{"echo"}}}})
	n, _ := l.Node("a")
	s := newScanner(t, netx.Policy{}, dicomprobe.Mode{})
	s.Rules = nil // fingerprinting now panics
	ts, _ := ParseTargets([]string{n.Addr}, nil)
	doc, err := s.Run(context.Background(), ts)
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Errors) != 1 || !strings.Contains(doc.Errors[0], "internal error") {
		t.Errorf("errors = %q, want one internal error for the host", doc.Errors)
	}
}

// With AltSource, a node that accepts only known calling AEs is asked again
// from the other address: unbound titles are a finding, bound ones a note.
func TestCallingAEHostBinding(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs 127.0.0.2 as a local address")
	}
	l := startLab(t, lab.Config{Schema: lab.Schema, Nodes: []lab.Node{
		{Name: "unbound", Role: "archive", Kind: "dicom", AE: "QR1", CheckCalledAE: true, Peers: []lab.Peer{{AE: "STORESCU", Allow: []string{"echo"}}}},
		{Name: "bound", Role: "archive", Kind: "dicom", AE: "QR2", CheckCalledAE: true, Peers: []lab.Peer{{AE: "STORESCU", Hosts: []string{"127.0.0.1"}, Allow: []string{"echo"}}}},
	}})
	s := newScanner(t, netx.Policy{}, dicomprobe.Mode{})
	s.Options.Wordlist = []string{"QR1", "QR2", "STORESCU"}
	s.Options.AltSource = netip.MustParseAddr("127.0.0.2")
	doc, err := s.Run(context.Background(), labTargets(t, l))
	if err != nil {
		t.Fatal(err)
	}
	got := verdicts(l, doc)
	if !slices.Contains(got, "unbound dicom.calling-ae-not-host-bound medium") || slices.Contains(got, "bound dicom.calling-ae-not-host-bound medium") {
		t.Errorf("verdicts: %v", got)
	}
	bound, _ := l.Node("bound")
	for _, sv := range doc.Services {
		if net.JoinHostPort(sv.Host, strconv.Itoa(sv.Port)) != bound.Addr {
			continue
		}
		if !slices.ContainsFunc(sv.Notes, func(n string) bool { return strings.Contains(n, "tied to host addresses") }) {
			t.Errorf("bound node notes: %q", sv.Notes)
		}
	}
}
