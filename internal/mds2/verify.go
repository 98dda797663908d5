package mds2

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/pacsguard/pacsguard/internal/check"
	"github.com/pacsguard/pacsguard/internal/inventory"
)

// Observation is what pacsguard recorded of one host in one scan run.
type Observation struct {
	Run      inventory.Run
	Services []inventory.Service
	Findings []inventory.Finding
}

// ForHost keeps only the services and findings of host.
func ForHost(run inventory.Run, services []inventory.Service, findings []inventory.Finding, host string) Observation {
	o := Observation{Run: run}
	for _, s := range services {
		if s.Host == host {
			o.Services = append(o.Services, s)
		}
	}
	for _, f := range findings {
		if f.Host == host {
			o.Findings = append(o.Findings, f)
		}
	}
	return o
}

// Claim statuses in a verification.
const (
	StatusContradicted = "contradicted"
	StatusConsistent   = "consistent"   // claimed, and what was observed agrees
	StatusNotObserved  = "not-observed" // claimed, but the scan saw nothing to test it against
	StatusNotClaimed   = "not-claimed"  // the form does not make the claim
	// StatusNotTested: the checks that could contradict the claim need
	// --intrusive and the scan was safe.
	StatusNotTested = "not-tested"
)

// ClaimCheck is one claim of the form tested against the scan.
type ClaimCheck struct {
	Claim     string   `json:"claim"`
	Questions []string `json:"questions"` // e.g. "TXCF-2=Yes"
	Status    string   `json:"status"`
	CheckID   string   `json:"check_id"`
}

// RunRef identifies the scan run the claims were tested against.
type RunRef struct {
	ID      int64     `json:"id"`
	Mode    string    `json:"mode"`
	Started time.Time `json:"started"`
}

// Verification is the result of verify.
type Verification struct {
	Schema    string    `json:"schema"`
	Kind      string    `json:"kind"` // "verify"
	Generated time.Time `json:"generated"`
	Host      string    `json:"host"`
	Device    Device    `json:"device"`
	Key       string    `json:"key"`
	Source    Source    `json:"source"`
	Run       RunRef    `json:"run"`
	// Contradictions are findings of the mds2.claim-* checks, each with the
	// claim and the observation as evidence. Never null in JSON.
	Contradictions []inventory.Finding `json:"contradictions"`
	Checked        []ClaimCheck        `json:"checked"`
}

// claimRule is one claim and the scan observations that contradict it.
type claimRule struct {
	checkID string
	claim   string
	// claimed returns the answers that make the claim (empty: not claimed).
	claimed func(p *Profile) []string
	// checks are the scan checks whose findings contradict the claim.
	checks []string
	// contradicts selects contradicting findings where checks cannot list
	// them (advisories); nil means "the finding's check is in checks".
	contradicts func(f inventory.Finding) bool
	// fromServices selects observed services that contradict the claim by
	// themselves (e.g. plain DICOM when no TLS service exists).
	fromServices func(o Observation) []inventory.Service
	// relevant reports whether the scan saw anything the claim is about.
	relevant func(o Observation) bool
}

func yesAnswers(p *Profile, ids ...string) []string {
	var out []string
	for _, id := range ids {
		if p.Is(id, ValueYes) {
			out = append(out, id+"=Yes")
		}
	}
	return out
}

func checkIs(ids ...string) func(inventory.Finding) bool {
	return func(f inventory.Finding) bool {
		for _, id := range ids {
			if f.CheckID == id {
				return true
			}
		}
		return false
	}
}

func hasTransport(o Observation, ts ...string) bool {
	for _, s := range o.Services {
		for _, t := range ts {
			if s.Transport == t {
				return true
			}
		}
	}
	for _, f := range o.Findings {
		if (strings.HasPrefix(f.CheckID, "dicom.") && contains(ts, inventory.TransportDICOM)) ||
			((strings.HasPrefix(f.CheckID, "http.") || strings.HasPrefix(f.CheckID, "dicomweb.")) && contains(ts, inventory.TransportHTTP)) {
			return true
		}
	}
	return false
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// isAdvisoryFinding reports whether f is a matched advisory (vuln.CVE-...,
// vuln.ICSMA-...), as opposed to the advisory engine's own findings such as
// vuln.version-unknown, which say a version could not be matched.
func isAdvisoryFinding(f inventory.Finding) bool {
	id, ok := strings.CutPrefix(f.CheckID, "vuln.")
	return ok && advisoryID.MatchString(id)
}

// advisoryID is the shape of advisory IDs: an upper-case authority, a dash,
// then an identifier (CVE-2024-28130, ICSMA-26-181-01, GHSA-xxxx-...).
var advisoryID = regexp.MustCompile(`^[A-Z]{2,8}-[0-9A-Za-z]`)

func claimRules() []claimRule {
	dicom := func(o Observation) bool {
		return hasTransport(o, inventory.TransportDICOM, inventory.TransportDICOMTLS)
	}
	web := func(o Observation) bool { return hasTransport(o, inventory.TransportHTTP, inventory.TransportHTTPS) }
	anything := func(o Observation) bool { return len(o.Services) > 0 || len(o.Findings) > 0 }
	return []claimRule{
		{
			checkID: "mds2.claim-transport-encryption",
			claim:   "PII is encrypted in transit (DICOM/HL7 over TLS)",
			claimed: func(p *Profile) []string { return yesAnswers(p, "TXCF-2", "TXCF-5", "CONN-7") },
			checks:  []string{"dicom.no-tls"},
			fromServices: func(o Observation) []inventory.Service {
				// Plain DICOM with no TLS service beside it, in case the scan
				// recorded the service but not the finding.
				if hasTransport(o, inventory.TransportDICOMTLS) {
					return nil
				}
				for _, f := range o.Findings {
					if f.CheckID == "dicom.no-tls" {
						return nil
					}
				}
				var out []inventory.Service
				for _, s := range o.Services {
					if s.Transport == inventory.TransportDICOM {
						out = append(out, s)
					}
				}
				return out
			},
			relevant: dicom,
		},
		{
			checkID: "mds2.claim-tls-strength",
			claim:   "TLS protects the device's connections",
			claimed: func(p *Profile) []string { return yesAnswers(p, "CONN-7") },
			checks:  []string{"tls.weak-version", "tls.weak-cipher"},
			relevant: func(o Observation) bool {
				return hasTransport(o, inventory.TransportDICOMTLS, inventory.TransportHTTPS)
			},
		},
		{
			checkID:  "mds2.claim-node-authentication",
			claim:    "connections are authenticated with certificates",
			claimed:  func(p *Profile) []string { return yesAnswers(p, "NAUT-3") },
			checks:   []string{"tls.no-client-cert", "dicom.no-tls"},
			relevant: anything,
		},
		{
			checkID:  "mds2.claim-peer-authentication",
			claim:    "only known, authenticated systems can connect",
			claimed:  func(p *Profile) []string { return yesAnswers(p, "TXCF-4", "NAUT-1") },
			checks:   []string{"dicom.any-called-ae", "dicom.unknown-calling-ae", "dicom.open-query", "dicom.open-retrieve", "dicom.open-store"},
			relevant: dicom,
		},
		{
			checkID:  "mds2.claim-fixed-destinations",
			claim:    "PII is sent only to a fixed list of destinations",
			claimed:  func(p *Profile) []string { return yesAnswers(p, "TXCF-3") },
			checks:   []string{"dicom.move-any-destination"},
			relevant: dicom,
		},
		{
			checkID:  "mds2.claim-login-required",
			claim:    "users and API calls must authenticate",
			claimed:  func(p *Profile) []string { return yesAnswers(p, "AUTH-1", "AUTH-4") },
			checks:   []string{"http.no-auth", "dicomweb.open-qido"},
			relevant: web,
		},
		{
			checkID:  "mds2.claim-default-credentials",
			claim:    "no default passwords remain usable",
			claimed:  func(p *Profile) []string { return yesAnswers(p, "PAUT-5", "SAHD-6") },
			checks:   []string{"http.default-credentials"},
			relevant: web,
		},
		{
			checkID: "mds2.claim-network-services",
			claim:   "the device exchanges no PII over a wired network / makes no API calls",
			claimed: func(p *Profile) []string {
				var out []string
				for _, id := range []string{"MPII-3.5", "CONN-5"} {
					if p.Is(id, ValueNo) {
						out = append(out, id+"=No")
					}
				}
				return out
			},
			fromServices: func(o Observation) []inventory.Service {
				return o.Services // filtered per claim in Verify
			},
			relevant: anything,
		},
		{
			checkID:     "mds2.claim-vulnerability-management",
			claim:       "the manufacturer assesses vulnerabilities and provides updates",
			claimed:     func(p *Profile) []string { return yesAnswers(p, "CSUP-11") },
			contradicts: isAdvisoryFinding,
			relevant:    anything,
		},
	}
}

// Verify tests the profile's claims against what was observed of host.
func Verify(m *Model, checks *check.Catalogue, p *Profile, host string, o Observation, now time.Time) *Verification {
	v := &Verification{
		Schema: Schema, Kind: "verify", Generated: now.UTC(), Host: host,
		Device: p.Device, Key: p.Device.Key(), Source: p.Source,
		Run:            RunRef{ID: o.Run.ID, Mode: o.Run.Mode, Started: o.Run.Started},
		Contradictions: []inventory.Finding{},
	}
	runLabel := fmt.Sprintf("scan run %d", o.Run.ID)
	for _, r := range claimRules() {
		cc := ClaimCheck{Claim: r.claim, CheckID: r.checkID, Questions: r.claimed(p)}
		if len(cc.Questions) == 0 {
			cc.Status = StatusNotClaimed
			cc.Questions = []string{}
			v.Checked = append(v.Checked, cc)
			continue
		}
		claimEv := inventory.Evidence{Probe: "mds2", Observed: claimText(m, p, cc.Questions)}
		var found []inventory.Finding
		contradicts := r.contradicts
		if contradicts == nil {
			contradicts = checkIs(r.checks...)
		}
		for _, f := range o.Findings {
			if !contradicts(f) {
				continue
			}
			fd := checks.Finding(r.checkID, claimEv, inventory.Evidence{
				Probe:    runLabel,
				Observed: observedText(f, o.Services),
				At:       o.Run.Started,
				Data:     f.CheckID,
			})
			fd.Host, fd.Port = host, f.Port
			// A contradiction is no surer than the observation behind it
			// (an advisory matched on an inferred version or in a disputed
			// range says so).
			fd.Confidence = f.Confidence
			fd.References = append(fd.References, questionRefs(cc.Questions)...)
			fd.References = append(fd.References, cveRefs(f)...)
			found = append(found, fd)
		}
		if r.fromServices != nil {
			for _, s := range r.fromServices(o) {
				if r.checkID == "mds2.claim-network-services" && !serviceContradicts(p, s) {
					continue
				}
				fd := checks.Finding(r.checkID, claimEv, inventory.Evidence{
					Probe:    runLabel,
					Observed: fmt.Sprintf("%s service on port %d%s", s.Transport, s.Port, productText(s)),
					At:       o.Run.Started,
					Data:     s.Key(),
				})
				fd.Host, fd.Port = host, s.Port
				fd.References = append(fd.References, questionRefs(cc.Questions)...)
				found = append(found, fd)
			}
		}
		switch {
		case len(found) > 0:
			cc.Status = StatusContradicted
		case onlyIntrusive(checks, r.checks) && !strings.Contains(o.Run.Mode, "intrusive"):
			cc.Status = StatusNotTested
		case r.relevant(o):
			cc.Status = StatusConsistent
		default:
			cc.Status = StatusNotObserved
		}
		v.Contradictions = append(v.Contradictions, found...)
		v.Checked = append(v.Checked, cc)
	}
	sort.SliceStable(v.Contradictions, func(i, j int) bool {
		a, b := v.Contradictions[i], v.Contradictions[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.CheckID != b.CheckID {
			return a.CheckID < b.CheckID
		}
		return a.Port < b.Port
	})
	return v
}

// onlyIntrusive reports whether every check of ids needs --intrusive.
func onlyIntrusive(checks *check.Catalogue, ids []string) bool {
	if len(ids) == 0 {
		return false
	}
	for _, id := range ids {
		if c, ok := checks.Get(id); !ok || !c.Intrusive {
			return false
		}
	}
	return true
}

// serviceContradicts applies MPII-3.5=No to DICOM services and CONN-5=No to
// DICOMweb and other web services.
func serviceContradicts(p *Profile, s inventory.Service) bool {
	switch s.Transport {
	case inventory.TransportDICOM, inventory.TransportDICOMTLS:
		return p.Is("MPII-3.5", ValueNo)
	case inventory.TransportHTTP, inventory.TransportHTTPS:
		if !p.Is("CONN-5", ValueNo) {
			return false
		}
		for _, r := range s.Roles {
			if strings.Contains(strings.ToLower(r), "dicomweb") || strings.Contains(strings.ToLower(r), "api") {
				return true
			}
		}
	}
	return false
}

func claimText(m *Model, p *Profile, qs []string) string {
	parts := make([]string, 0, len(qs))
	for _, q := range qs {
		id, _, _ := strings.Cut(q, "=")
		label := id
		if cq, ok := m.Catalogue.Question(id); ok {
			label = cq.Label
		}
		s := fmt.Sprintf("%s (%s)", q, label)
		if a, ok := p.Answers[id]; ok && a.Row > 0 {
			s += fmt.Sprintf(" row %d", a.Row)
		}
		parts = append(parts, s)
	}
	return fmt.Sprintf("MDS2 form %s of %s: %s", dash(p.Source.Name), oneLine(p.Device.Name()), strings.Join(parts, "; "))
}

func observedText(f inventory.Finding, services []inventory.Service) string {
	s := f.CheckID
	if f.Title != "" {
		s += ": " + oneLine(f.Title)
	}
	if f.Port != 0 {
		s += fmt.Sprintf(" (port %d", f.Port)
		for _, sv := range services {
			if sv.Port == f.Port && sv.Product != "" {
				s += ", observed software " + oneLine(strings.TrimSpace(sv.Product+" "+sv.Version))
				break
			}
		}
		s += ")"
	}
	for _, e := range f.Evidence {
		if e.Observed != "" {
			s += "; " + oneLine(clip(e.Observed, 300))
			break
		}
	}
	return s
}

func productText(s inventory.Service) string {
	if s.Product == "" {
		return ""
	}
	return fmt.Sprintf(" (%s %s)", s.Product, s.Version)
}

func questionRefs(qs []string) []string {
	out := make([]string, 0, len(qs))
	for _, q := range qs {
		id, _, _ := strings.Cut(q, "=")
		out = append(out, "MDS2:"+id)
	}
	return out
}

func cveRefs(f inventory.Finding) []string {
	var out []string
	if id, ok := strings.CutPrefix(f.CheckID, "vuln."); ok {
		out = append(out, id)
	}
	for _, r := range f.References {
		if strings.HasPrefix(r, "CVE-") && !contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}
