package scan

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pacsguard/pacsguard/internal/check"
	"github.com/pacsguard/pacsguard/internal/fingerprint"
	"github.com/pacsguard/pacsguard/internal/inventory"
	"github.com/pacsguard/pacsguard/internal/netx"
	"github.com/pacsguard/pacsguard/internal/probe/dicomprobe"
	"github.com/pacsguard/pacsguard/internal/probe/httpprobe"
	"github.com/pacsguard/pacsguard/internal/probe/tlsprobe"
)

// Schema is the schema of the scan document.
const Schema = "pacsguard.scan/v1"

// Modes as reported.
const (
	ModeDiscovery      = "discovery"
	ModeSafe           = "safe"
	ModeIntrusive      = "intrusive"
	ModeIntrusiveStore = "intrusive+store"
)

// Advisories turns a fingerprinted service into vuln.<ID> findings (vulndb).
type Advisories interface {
	FindingsFor(svc inventory.Service) []inventory.Finding
}

// Options shape a scan.
type Options struct {
	DICOMPorts []int
	WebPorts   []int
	Mode       dicomprobe.Mode
	Wordlist   []string
	// Timeout bounds each protocol step (default 5 s).
	Timeout time.Duration
	// Workers is how many hosts are scanned at once (default 16).
	Workers int
	// Progress is called after each host with done and total.
	Progress func(done, total int)
	Now      func() time.Time
	// Advisories, when set, adds vuln.<ID> findings.
	Advisories Advisories
	// Tool names the producer in the document.
	Tool Tool
	// AltSource, when valid, is another address of this host: a node that
	// accepts only known calling AE titles is asked again from it, to see
	// whether it ties the titles to host addresses.
	AltSource netip.Addr
}

// Tool identifies the producer.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Scanner runs scans. Every connection goes through Dialer.
type Scanner struct {
	Dialer    *netx.Dialer
	Catalogue *check.Catalogue
	Rules     *fingerprint.Rules
	Options   Options
}

// RunInfo describes the run in the document.
type RunInfo struct {
	Mode       string    `json:"mode"`
	Started    time.Time `json:"started"`
	Finished   time.Time `json:"finished"`
	Targets    []string  `json:"targets"`
	DICOMPorts []int     `json:"dicom_ports"`
	WebPorts   []int     `json:"web_ports"`
	Hosts      int       `json:"hosts"`
	// Connections attempted through the dialer.
	Connections int `json:"connections"`
}

// Skipped is a target the policy kept out of the scan.
type Skipped struct {
	Target string `json:"target"`
	Reason string `json:"reason"`
}

// Detail is the raw observation of one port (statuses and counts only).
type Detail struct {
	Host  string             `json:"host"`
	Port  int                `json:"port"`
	DICOM *dicomprobe.Result `json:"dicom,omitempty"`
	TLS   *tlsprobe.Result   `json:"tls,omitempty"`
	HTTP  *httpprobe.Result  `json:"http,omitempty"`
	Error string             `json:"error,omitempty"`
}

// Document is the scan result every output is rendered from.
type Document struct {
	Schema   string              `json:"schema"`
	Tool     Tool                `json:"tool"`
	Run      RunInfo             `json:"run"`
	Services []inventory.Service `json:"services"`
	Findings []inventory.Finding `json:"findings"`
	Skipped  []Skipped           `json:"skipped,omitempty"`
	Errors   []string            `json:"errors,omitempty"`
	Details  []Detail            `json:"details,omitempty"`
	Diff     *Diff               `json:"diff,omitempty"`
}

// ModeName names the mode of options.
func ModeName(m dicomprobe.Mode) string {
	switch {
	case m.Discovery:
		return ModeDiscovery
	case m.Intrusive && m.Store:
		return ModeIntrusiveStore
	case m.Intrusive:
		return ModeIntrusive
	}
	return ModeSafe
}

// Run scans the targets.
func (s *Scanner) Run(ctx context.Context, targets []Target) (*Document, error) {
	o := s.Options
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Workers <= 0 {
		o.Workers = 16
	}
	if o.DICOMPorts == nil {
		o.DICOMPorts = DefaultDICOMPorts()
	}
	if o.WebPorts == nil {
		o.WebPorts = DefaultWebPorts()
	}
	doc := &Document{Schema: Schema, Tool: o.Tool, Run: RunInfo{Mode: ModeName(o.Mode), Started: o.Now().UTC(), DICOMPorts: o.DICOMPorts, WebPorts: o.WebPorts}}
	for _, t := range targets {
		doc.Run.Targets = append(doc.Run.Targets, t.Host)
	}
	var mu sync.Mutex
	jobs := make(chan Target)
	var wg sync.WaitGroup
	done := 0
	for i := 0; i < min(o.Workers, len(targets)); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range jobs {
				hr := s.scanHost(ctx, o, t)
				mu.Lock()
				doc.Services = append(doc.Services, hr.services...)
				doc.Findings = append(doc.Findings, hr.findings...)
				doc.Details = append(doc.Details, hr.details...)
				doc.Skipped = append(doc.Skipped, hr.skipped...)
				doc.Errors = append(doc.Errors, hr.errors...)
				if hr.scanned {
					doc.Run.Hosts++
				}
				done++
				if o.Progress != nil {
					o.Progress(done, len(targets))
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, t := range targets {
		select {
		case jobs <- t:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	doc.Run.Finished = o.Now().UTC()
	doc.Run.Connections = s.Dialer.Attempts()
	sortDocument(doc)
	if err := ctx.Err(); err != nil {
		return doc, err
	}
	return doc, nil
}

func sortDocument(doc *Document) {
	sort.SliceStable(doc.Services, func(i, j int) bool {
		a, b := doc.Services[i], doc.Services[j]
		if a.Host != b.Host {
			return hostLess(a.Host, b.Host)
		}
		return a.Port < b.Port
	})
	sort.SliceStable(doc.Findings, func(i, j int) bool {
		a, b := doc.Findings[i], doc.Findings[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.CheckID != b.CheckID {
			return a.CheckID < b.CheckID
		}
		if a.Host != b.Host {
			return hostLess(a.Host, b.Host)
		}
		return a.Port < b.Port
	})
	sort.SliceStable(doc.Details, func(i, j int) bool {
		a, b := doc.Details[i], doc.Details[j]
		if a.Host != b.Host {
			return hostLess(a.Host, b.Host)
		}
		return a.Port < b.Port
	})
}

func hostLess(a, b string) bool {
	x, e1 := netip.ParseAddr(a)
	y, e2 := netip.ParseAddr(b)
	if e1 == nil && e2 == nil {
		return x.Less(y)
	}
	return a < b
}

type hostResult struct {
	services []inventory.Service
	findings []inventory.Finding
	details  []Detail
	skipped  []Skipped
	errors   []string
	scanned  bool
}

// scanHost probes one host's ports one after another (one connection at a
// time per host), recovering from a panic in any probe.
func (s *Scanner) scanHost(ctx context.Context, o Options, t Target) (hr hostResult) {
	defer func() {
		if r := recover(); r != nil {
			hr.errors = append(hr.errors, fmt.Sprintf("%s: internal error (%v); the host was not fully scanned", t.Host, r))
		}
	}()
	addrs, err := s.Dialer.Resolve(ctx, t.Host)
	if err != nil {
		var pe *netx.PolicyError
		if errors.As(err, &pe) {
			hr.skipped = append(hr.skipped, Skipped{Target: t.Host, Reason: pe.Err.Error()})
		} else {
			hr.errors = append(hr.errors, oneLine(err.Error()))
		}
		return hr
	}
	host := addrs[0].String()
	hr.scanned = true
	ports := t.Ports
	if ports == nil {
		ports = append(append([]int(nil), o.DICOMPorts...), o.WebPorts...)
	}
	web := map[int]bool{}
	for _, p := range o.WebPorts {
		web[p] = true
	}
	dicomPort := map[int]bool{}
	for _, p := range o.DICOMPorts {
		dicomPort[p] = true
	}
	var details []*Detail
	for _, port := range dedupePorts(ports) {
		if ctx.Err() != nil {
			break
		}
		d := &Detail{Host: host, Port: port}
		if web[port] && !dicomPort[port] {
			if o.Mode.Discovery {
				continue
			}
			s.probeWeb(ctx, o, d, port == 443)
			if d.HTTP == nil {
				// Not a web server after all: DICOM listens on odd ports too.
				d.TLS = nil
				s.probeDICOM(ctx, o, d, false)
			}
		} else {
			s.probeDICOM(ctx, o, d, port == 2762)
		}
		if d.DICOM != nil || d.HTTP != nil || d.TLS != nil {
			details = append(details, d)
		} else if d.Error != "" {
			hr.errors = append(hr.errors, fmt.Sprintf("%s: open but no DICOM, TLS or HTTP answer (%s)", s.addr(host, port), d.Error))
		}
	}
	s.conclude(o, host, t, details, &hr)
	return hr
}

func dedupePorts(ports []int) []int {
	seen := map[int]bool{}
	var out []int
	for _, p := range ports {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

func (s *Scanner) addr(host string, port int) string {
	return net.JoinHostPort(host, strconv.Itoa(port))
}

func (s *Scanner) dicomConfig(o Options) dicomprobe.Config {
	cfg := dicomprobe.Config{Dialer: s.Dialer, Mode: o.Mode, Wordlist: o.Wordlist, Timeout: o.Timeout}
	if o.AltSource.IsValid() {
		cfg.AltDialer, cfg.AltSource = s.Dialer.From(o.AltSource), o.AltSource.String()
	}
	return cfg
}

// probeDICOM tries DICOM in clear text (TLS first on the dicom-tls port),
// then TLS or HTTP when the answer says so.
func (s *Scanner) probeDICOM(ctx context.Context, o Options, d *Detail, tlsFirst bool) {
	addr := s.addr(d.Host, d.Port)
	if tlsFirst && !o.Mode.Discovery {
		if s.probeDICOMTLS(ctx, o, d) {
			return
		}
	}
	r, err := dicomprobe.Probe(ctx, s.dicomConfig(o), addr)
	switch {
	case r != nil && r.DICOM:
		d.DICOM = r
	case r != nil && r.NotDICOM:
		switch {
		case strings.HasPrefix(r.Prefix, "1503") || strings.HasPrefix(r.Prefix, "1603"):
			if !o.Mode.Discovery && !tlsFirst {
				if s.probeDICOMTLS(ctx, o, d) {
					return
				}
			}
		case strings.HasPrefix(r.Prefix, "48545450"): // "HTTP"
			if !o.Mode.Discovery {
				s.probeWeb(ctx, o, d, false)
				if d.HTTP != nil {
					return
				}
			}
		}
		d.DICOM = r
	case err != nil && ctx.Err() == nil && !isClosed(err):
		// The port is open but did not answer DICOM: a TLS listener closes
		// on a clear-text PDU without a word.
		if !o.Mode.Discovery && !tlsFirst && s.probeDICOMTLS(ctx, o, d) {
			return
		}
		// Web servers wait for a line end that a binary PDU may not contain.
		if !o.Mode.Discovery {
			if s.probeWeb(ctx, o, d, false); d.HTTP != nil {
				return
			}
		}
		d.Error = oneLine(err.Error())
	}
}

// isClosed reports a refused or unreachable port: not worth a line.
func isClosed(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return errors.Is(err, netx.ErrExcluded) || errors.Is(err, netx.ErrOutOfScope) || errors.Is(err, netx.ErrPublic)
}

// probeDICOMTLS checks TLS on the port and then DICOM inside it.
func (s *Scanner) probeDICOMTLS(ctx context.Context, o Options, d *Detail) bool {
	addr := s.addr(d.Host, d.Port)
	tr, err := tlsprobe.Probe(ctx, tlsprobe.Config{Dialer: s.Dialer, Timeout: o.Timeout}, addr)
	if err != nil || !tr.TLS {
		return false
	}
	d.TLS = tr
	if tr.ClientCertRequired {
		return true
	}
	cfg := s.dicomConfig(o)
	cfg.TLS = &tls.Config{InsecureSkipVerify: true} // judged by the TLS probe
	r, _ := dicomprobe.Probe(ctx, cfg, addr)
	if r != nil && r.NotDICOM && strings.HasPrefix(r.Prefix, "48545450") {
		s.probeWebScheme(ctx, o, d, "https")
		return true
	}
	if r != nil && (r.DICOM || r.NotDICOM) {
		d.DICOM = r
	}
	return true
}

// probeWeb tries HTTP and HTTPS (HTTPS first when httpsFirst).
func (s *Scanner) probeWeb(ctx context.Context, o Options, d *Detail, httpsFirst bool) {
	schemes := []string{"http", "https"}
	if httpsFirst {
		schemes = []string{"https", "http"}
	}
	for _, sc := range schemes {
		if s.probeWebScheme(ctx, o, d, sc) {
			return
		}
	}
}

func (s *Scanner) probeWebScheme(ctx context.Context, o Options, d *Detail, scheme string) bool {
	if scheme == "https" {
		tr, err := tlsprobe.Probe(ctx, tlsprobe.Config{Dialer: s.Dialer, Timeout: o.Timeout}, s.addr(d.Host, d.Port))
		if err != nil || !tr.TLS {
			return false
		}
		d.TLS = tr
	}
	hr, err := httpprobe.Probe(ctx, httpprobe.Config{Dialer: s.Dialer, Timeout: o.Timeout, DefaultCredentials: o.Mode.Intrusive, UserAgent: "pacsguard-scan/" + o.Tool.Version}, d.Host, d.Port, scheme)
	if err != nil || !hr.IsWeb() {
		if scheme == "https" {
			d.TLS = nil
		}
		return false
	}
	d.HTTP = hr
	return true
}

// conclude turns a host's observations into services and findings.
func (s *Scanner) conclude(o Options, host string, t Target, details []*Detail, hr *hostResult) {
	now := o.Now().UTC()
	var orthanc *httpprobe.OrthancSystem
	hasDICOMTLS := false
	for _, d := range details {
		if d.HTTP != nil && d.HTTP.Orthanc != nil {
			orthanc = d.HTTP.Orthanc
		}
		if d.TLS != nil && (d.DICOM == nil || d.DICOM.DICOM) && d.HTTP == nil {
			hasDICOMTLS = true
		}
	}
	ev := func(probe, observed, data string) inventory.Evidence {
		return inventory.Evidence{Probe: probe, Observed: observed, At: now, Data: data}
	}
	add := func(d *Detail, id string, sev *inventory.Severity, confidence string, e ...inventory.Evidence) {
		f := s.Catalogue.Finding(id, e...)
		f.Host, f.Port = d.Host, d.Port
		if sev != nil {
			f.Severity = *sev
		}
		f.Confidence = confidence
		hr.findings = append(hr.findings, f)
	}
	for _, d := range details {
		svc := inventory.Service{Host: host, Port: d.Port}
		obs := fingerprint.Observation{}
		switch {
		case d.HTTP != nil:
			svc.Transport = inventory.TransportHTTP
			if d.TLS != nil {
				svc.Transport = inventory.TransportHTTPS
			}
			s.webFindings(o, d, &svc, &obs, add, ev)
		case d.DICOM != nil && d.DICOM.NotDICOM:
			add(d, "dicom.not-dicom", nil, "", ev("dicom", "the answer to an A-ASSOCIATE-RQ was not a DICOM PDU", "first bytes (hex) "+d.DICOM.Prefix))
			d.Error = ""
			hr.details = append(hr.details, *d)
			continue
		case d.DICOM != nil || d.TLS != nil:
			svc.Transport = inventory.TransportDICOM
			if d.TLS != nil {
				svc.Transport = inventory.TransportDICOMTLS
			}
			s.dicomFindings(o, d, &svc, &obs, hasDICOMTLS, add, ev)
			if orthanc != nil && orthanc.DicomPort == d.Port {
				obs.OrthancVersion = orthanc.Version
				svc.Notes = append(svc.Notes, "the Orthanc REST API on this host reports this DICOM port")
				if ae := orthanc.DicomAet; ae != "" && !slices.Contains(svc.AETitles, ae) {
					svc.AETitles = append(svc.AETitles, ae)
					if slices.Contains(dicomprobe.DefaultAETitles(), ae) && d.DICOM != nil && !o.Mode.Discovery {
						add(d, "dicom.default-ae", nil, "", ev("http", fmt.Sprintf("Orthanc's REST /system reports the AE title %q for this port", ae), "DicomAet "+ae))
					}
				}
			}
		default:
			continue
		}
		if d.TLS != nil {
			s.tlsFindings(now, d, svc.Transport, add, ev)
		}
		if t.IsName() {
			svc.Notes = append(svc.Notes, "scanned as host name "+t.Host)
		}
		id := s.Rules.Identify(obs)
		svc.Product, svc.Version, svc.Confidence = id.Product, id.Version, id.Confidence
		if id.Toolkit != "" {
			svc.Notes = append(svc.Notes, "DICOM toolkit: "+id.Toolkit)
		}
		svc.Notes = append(svc.Notes, id.Notes...)
		if o.Advisories != nil && svc.Product != "" {
			for _, f := range o.Advisories.FindingsFor(svc) {
				f.Host, f.Port = svc.Host, svc.Port
				hr.findings = append(hr.findings, f)
			}
		}
		hr.services = append(hr.services, svc)
		hr.details = append(hr.details, *d)
	}
}

type addFunc func(d *Detail, id string, sev *inventory.Severity, confidence string, e ...inventory.Evidence)
type evFunc func(probe, observed, data string) inventory.Evidence

func (s *Scanner) dicomFindings(o Options, d *Detail, svc *inventory.Service, obs *fingerprint.Observation, hostHasTLS bool, add addFunc, ev evFunc) {
	r := d.DICOM
	if r == nil {
		svc.Notes = append(svc.Notes, "TLS requires a client certificate; the DICOM association was not tried")
		svc.Roles = []string{"dicom-tls"}
		return
	}
	svc.AETitles = append([]string(nil), r.AETitles...)
	svc.ImplementationClassUID = r.ImplementationClassUID
	svc.ImplementationVersionName = r.ImplementationVersionName
	svc.MaxPDULength = r.MaxPDU
	svc.Roles = r.Roles()
	svc.Notes = append(svc.Notes, r.Notes...)
	if r.ReasonMisreported != "" {
		svc.Notes = append(svc.Notes, "reject reason not trusted: "+r.ReasonMisreported)
	}
	obs.ImplementationClassUID, obs.ImplementationVersionName = r.ImplementationClassUID, r.ImplementationVersionName
	obs.Behaviours = r.Behaviours
	if r.Transient {
		add(d, "dicom.reject-inconclusive", nil, "", ev("dicom", "the node rejected with rejected-transient", rejectText(r.First)))
		return
	}
	if o.Mode.Discovery {
		return
	}
	if r.AnyCalledAccepted || r.UnknownCallingAccepted {
		sev, what := grantSeverity(r)
		with := r.AcceptedWith
		base := fmt.Sprintf("association with called AE %q and calling AE %q accepted; %s", with.CalledAE, with.CallingAE, what)
		if r.AnyCalledAccepted {
			add(d, "dicom.any-called-ae", &sev, "", ev("dicom", base+" (the called title was random)", contextsText(r)))
		}
		e := ev("dicom", base+" (the calling title was random)", contextsText(r))
		if r.ReasonMisreported != "" {
			e.Observed += "; " + r.ReasonMisreported
		}
		add(d, "dicom.unknown-calling-ae", &sev, "", e)
	}
	switch {
	case r.CallingHostCheck == dicomprobe.CheckNone:
		with := r.AltSourceAttempt
		add(d, "dicom.calling-ae-not-host-bound", nil, "", ev("dicom",
			fmt.Sprintf("called AE %q refuses unknown calling titles, but the known calling AE %q was accepted from this host and again from %s (--alt-source)", with.CalledAE, with.CallingAE, o.AltSource),
			"calling AE "+with.CallingAE+", called AE "+with.CalledAE+", alt source "+o.AltSource.String()))
	case r.CallingHostCheck == dicomprobe.CheckEnforced:
		svc.Notes = append(svc.Notes, fmt.Sprintf("calling AE %q was rejected from %s (--alt-source): calling titles are tied to host addresses", r.AltSourceAttempt.CallingAE, o.AltSource))
	case r.CallingAECheck == dicomprobe.CheckEnforced && !o.AltSource.IsValid():
		svc.Notes = append(svc.Notes, "only known calling AE titles are accepted; --alt-source ADDR (another address of the scanning host) tests whether they are tied to host addresses")
	}
	for _, ae := range r.AETitles {
		if slices.Contains(dicomprobe.DefaultAETitles(), ae) && !r.AnyCalledAccepted {
			data := "called AE " + ae
			if r.AcceptedWith != nil {
				data += ", calling AE " + r.AcceptedWith.CallingAE
			}
			add(d, "dicom.default-ae", nil, "", ev("dicom", fmt.Sprintf("random called titles were rejected, %q was accepted", ae), data))
		}
	}
	if d.TLS == nil && !hostHasTLS {
		add(d, "dicom.no-tls", nil, "", ev("dicom", "DICOM answered in clear text and no scanned port of the host offered DICOM over TLS", ""))
	}
	if t := r.Test(dicomprobe.ServiceFind); t.Served() {
		var sev *inventory.Severity
		obsText := fmt.Sprintf("C-FIND from calling AE %q was answered with %d match(es) before C-CANCEL; nothing returned was kept", r.AcceptedWith.CallingAE, t.Matches)
		if t.Matches == 0 {
			h := inventory.SeverityHigh
			sev = &h
			obsText = fmt.Sprintf("C-FIND from calling AE %q was served (no matches: the archive may be empty)", r.AcceptedWith.CallingAE)
		}
		add(d, "dicom.open-query", sev, "", ev("dicom-find", obsText, "status "+t.Status))
	}
	get, move := r.Test(dicomprobe.ServiceGet), r.Test(dicomprobe.ServiceMove)
	var parts []string
	if get != nil {
		parts = append(parts, "C-GET "+get.Outcome+" "+get.Status)
	}
	if move != nil {
		parts = append(parts, "C-MOVE "+move.Outcome+" "+move.Status)
	}
	switch {
	case get.Served() || move.Served() || (move != nil && move.Outcome == "refused-destination"):
		add(d, "dicom.open-retrieve", nil, "", ev("dicom-retrieve", "a retrieve for a study that exists nowhere, from an unknown calling AE, was processed instead of refused", strings.Join(parts, "; ")))
	case get != nil && get.Outcome == "failed-processing" && r.Test(dicomprobe.ServiceFind).Served():
		// Orthanc answers a retrieve of a missing study with 0xC000 when it
		// serves the AE, and with A-ABORT when it does not.
		add(d, "dicom.open-retrieve", nil, "inferred", ev("dicom-retrieve", "the same unknown calling AE was served C-FIND, and its C-GET of a study that exists nowhere failed as not found (0xCxxx) instead of being refused (A-ABORT or 0x0124)", strings.Join(parts, "; ")))
	}
	if move != nil && move.Outcome == "served" {
		add(d, "dicom.move-any-destination", nil, "", ev("dicom-move", "C-MOVE to an unregistered destination was not refused", move.Detail+" status "+move.Status))
	}
	if st := r.Test(dicomprobe.ServiceStore); st.Served() {
		add(d, "dicom.open-store", nil, "", ev("dicom-store", "a synthetic test object was stored by an unknown calling AE", st.Detail))
	}
	for _, t := range r.Tests {
		if t.Outcome == "refused-abort" && r.HasAccepted(t.Service) {
			svc.Notes = appendOnce(svc.Notes, "accepts query/retrieve contexts from unknown AEs but aborts the requests: association accepted is not service granted")
		}
	}
}

// grantSeverity rates the exposure by what was actually granted.
func grantSeverity(r *dicomprobe.Result) (inventory.Severity, string) {
	var granted, untested []string
	store := r.Test(dicomprobe.ServiceStore)
	switch {
	case store.Served():
		granted = append(granted, "C-STORE served")
	case store == nil && r.HasAccepted(dicomprobe.ServiceStore):
		granted = append(granted, "storage contexts accepted")
	}
	for _, svc := range []string{dicomprobe.ServiceFind, dicomprobe.ServiceGet, dicomprobe.ServiceMove} {
		t := r.Test(svc)
		switch {
		case t.Served():
			granted = append(granted, "C-"+strings.ToUpper(svc)+" served")
		case t == nil && r.HasAccepted(svc):
			untested = append(untested, svc)
		}
	}
	if r.HasAccepted(dicomprobe.ServiceWorklist) {
		untested = append(untested, "worklist")
	}
	echo := r.Echo != nil && r.Echo.Outcome == "served"
	switch {
	case len(granted) > 0:
		return inventory.SeverityHigh, "granted: " + strings.Join(granted, ", ")
	case len(untested) > 0:
		return inventory.SeverityMedium, "query/retrieve contexts accepted (" + strings.Join(untested, ", ") + "), not tried in safe mode: run with --intrusive to know whether they are served"
	case echo:
		return inventory.SeverityLow, "only C-ECHO granted"
	}
	return inventory.SeverityLow, "no service granted beyond the association"
}

func contextsText(r *dicomprobe.Result) string {
	var acc, rej []string
	for _, c := range r.Contexts {
		if c.Result == "accepted" {
			acc = append(acc, c.Name)
		} else {
			rej = append(rej, c.Name+" ("+c.Result+")")
		}
	}
	s := "accepted: " + strings.Join(acc, ", ")
	if len(rej) > 0 {
		s += "; rejected: " + strings.Join(rej, ", ")
	}
	if r.Echo != nil {
		s += "; C-ECHO " + r.Echo.Outcome
	}
	return s
}

func rejectText(a dicomprobe.Attempt) string {
	if a.Reject == nil {
		return a.Answer
	}
	return a.Reject.Text
}

func (s *Scanner) tlsFindings(now time.Time, d *Detail, transport string, add addFunc, ev evFunc) {
	t := d.TLS
	if len(t.WeakVersions) > 0 {
		add(d, "tls.weak-version", nil, "", ev("tls", "handshake completed with "+strings.Join(t.WeakVersions, ", "), ""))
	}
	if len(t.WeakCiphers) > 0 {
		add(d, "tls.weak-cipher", nil, "", ev("tls", "handshake completed with "+strings.Join(t.WeakCiphers, ", "), ""))
	}
	if t.Cert != nil {
		if t.Expired(now) {
			add(d, "tls.cert-expired", nil, "", ev("tls", fmt.Sprintf("certificate valid %s to %s", t.Cert.NotBefore.Format("2006-01-02"), t.Cert.NotAfter.Format("2006-01-02")), t.Cert.Subject))
		}
		if t.Cert.SelfSigned {
			add(d, "tls.cert-self-signed", nil, "", ev("tls", "the certificate is signed by its own key", t.Cert.Subject))
		}
	}
	if transport == inventory.TransportDICOMTLS && !t.ClientCertRequired {
		what := "the server did not ask for a client certificate"
		if t.ClientCertRequested {
			what = "the server asked for a client certificate but went on without one"
		}
		add(d, "tls.no-client-cert", nil, "", ev("tls", what, t.Version))
	}
}

func (s *Scanner) webFindings(o Options, d *Detail, svc *inventory.Service, obs *fingerprint.Observation, add addFunc, ev evFunc) {
	h := d.HTTP
	svc.Roles = []string{"web"}
	realm := ""
	if h.OrthancRealm {
		realm = httpprobe.OrthancRealm
	}
	obs.HTTPRealm = realm
	if h.Root != nil {
		obs.HTTPServer = h.Root.Server
	}
	localOnly := false
	if h.Orthanc != nil {
		obs.OrthancVersion = h.Orthanc.Version
		svc.Roles = append(svc.Roles, "rest-api")
		if h.Orthanc.DicomAet != "" {
			svc.AETitles = []string{h.Orthanc.DicomAet}
		}
		secure := h.Orthanc.IsHTTPServerSecure == nil || *h.Orthanc.IsHTTPServerSecure
		switch {
		case h.DefaultCredentials != "":
		case !secure:
			add(d, "http.no-auth", nil, "", ev("http", "GET /system answered 200 without credentials and Orthanc reports IsHttpServerSecure: false", "Orthanc "+h.Orthanc.Version))
		default:
			localOnly = true
			svc.Notes = append(svc.Notes, "Orthanc answered without credentials only because the scanner is local (IsHttpServerSecure: true); remote clients get 401")
		}
	}
	if h.Dcm4cheeAETs == 200 {
		add(d, "http.no-auth", nil, "", ev("http", "GET /dcm4chee-arc/aets answered 200 without credentials", ""))
	}
	for _, q := range h.QIDO {
		if q.Status == 200 && !localOnly {
			svc.Roles = appendOnce(svc.Roles, "dicomweb")
			add(d, "dicomweb.open-qido", nil, "", ev("http", fmt.Sprintf("GET %s/studies?limit=1 answered 200 without credentials with %d result(s); content discarded", q.Base, q.Count), ""))
		}
	}
	if h.DefaultCredentials != "" {
		add(d, "http.default-credentials", nil, "", ev("http", "GET /system answered 200 with the documented default credentials of user "+h.DefaultCredentials, ""))
	}
}

func appendOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
