package vulndb

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pacsguard/pacsguard/internal/inventory"
)

// ConfidencePossible marks a match in a disputed range: the version is one the
// record and the code history disagree about, so the service is possibly
// vulnerable unless its vendor patched it.
const ConfidencePossible = "possible"

// Match is one advisory that applies to an identity.
type Match struct {
	Advisory Advisory
	// Confidence is the identity's (exact or inferred), or possible when
	// the version is in a disputed range.
	Confidence string
	// Range describes the affected range or version that matched, e.g.
	// "< 3.6.7" or "3.6.7 (disputed)".
	Range string
}

// Result is what the database says about one identity.
type Result struct {
	Identity Identity
	Matches  []Match
	// MayApply lists advisories of the product that cannot be decided: the
	// version is unknown, or the advisory's affected versions are not
	// established. They are never claimed as matches.
	MayApply []Advisory
	// VersionUnknown is true when MayApply is due to the identity having no
	// usable version.
	VersionUnknown bool
}

// Match checks an identity against the database.
func (db *DB) Match(id Identity) Result {
	res := Result{Identity: id}
	if id.Product == "" {
		return res
	}
	raw := NormalizeVersion(id.Product, id.Version)
	ver, err := ParseVersion(raw)
	known := raw != "" && err == nil
	res.VersionUnknown = !known
	for _, a := range db.advisories {
		if a.Product != id.Product {
			continue
		}
		if !known || (len(a.Affected) == 0 && len(a.Versions) == 0) {
			res.MayApply = append(res.MayApply, clone(a))
			continue
		}
		hit, desc, disputed := affects(a, ver)
		if !hit {
			continue
		}
		conf := id.Confidence
		if conf == "" || conf == ConfidenceUnknown || conf == ConfidenceProductOnly {
			conf = ConfidenceInferred
		}
		if disputed {
			conf = ConfidencePossible
		}
		res.Matches = append(res.Matches, Match{Advisory: clone(a), Confidence: conf, Range: desc})
	}
	return res
}

// affects reports whether v is affected by a, which range matched and
// whether that range is disputed. An undisputed match wins over a disputed one.
func affects(a Advisory, v Version) (hit bool, desc string, disputed bool) {
	for _, s := range a.Versions {
		w, err := ParseVersion(s)
		if err == nil && w.Compare(v) == 0 {
			return true, "= " + s, false
		}
	}
	for _, r := range a.Affected {
		if !r.contains(v) {
			continue
		}
		if !r.Disputed {
			return true, r.String(), false
		}
		hit, desc, disputed = true, r.String()+" (disputed)", true
	}
	return hit, desc, disputed
}

func (r Range) contains(v Version) bool {
	if r.Introduced != "" && r.Introduced != "0" {
		lo, err := ParseVersion(r.Introduced)
		if err != nil || v.Compare(lo) < 0 {
			return false
		}
	}
	if r.Fixed != "" {
		hi, err := ParseVersion(r.Fixed)
		if err != nil || v.Compare(hi) >= 0 {
			return false
		}
	}
	if r.LastAffected != "" {
		hi, err := ParseVersion(r.LastAffected)
		if err != nil || v.Compare(hi) > 0 {
			return false
		}
	}
	return true
}

// String writes a range for people: ">= 3.6.0, < 3.6.7", "<= 2023.3.9342",
// "all versions".
func (r Range) String() string {
	var parts []string
	if r.Introduced != "" && r.Introduced != "0" {
		parts = append(parts, ">= "+r.Introduced)
	}
	if r.Fixed != "" {
		parts = append(parts, "< "+r.Fixed)
	}
	if r.LastAffected != "" {
		parts = append(parts, "<= "+r.LastAffected)
	}
	if len(parts) == 0 {
		return "all versions"
	}
	return strings.Join(parts, ", ")
}

// Score is the CVSS base score used for severity: v3 when known, else v4.
// ok is false when the advisory has no score.
func (a Advisory) Score() (score float64, vector string, ok bool) {
	switch {
	case a.CVSSv3 != nil && a.CVSSv3.Score > 0:
		return a.CVSSv3.Score, a.CVSSv3.Vector, true
	case a.CVSSv4 != nil && a.CVSSv4.Score > 0:
		return a.CVSSv4.Score, a.CVSSv4.Vector, true
	}
	return 0, "", false
}

// Severity maps the CVSS score to a severity (critical >= 9.0, high >= 7.0,
// medium >= 4.0, low > 0), one level higher when the advisory is known to be
// exploited. An advisory without a score is medium: it is a published flaw
// of the software, and no score is not evidence of a small one.
func (a Advisory) Severity() inventory.Severity {
	s := inventory.SeverityMedium
	if score, _, ok := a.Score(); ok {
		switch {
		case score >= 9.0:
			s = inventory.SeverityCritical
		case score >= 7.0:
			s = inventory.SeverityHigh
		case score >= 4.0:
			s = inventory.SeverityMedium
		default:
			s = inventory.SeverityLow
		}
	}
	if a.KnownExploited && s < inventory.SeverityCritical {
		s++
	}
	return s
}

// Check IDs of the findings the matcher raises besides vuln.<ID>; they are
// catalogued in internal/check/catalogue/vuln.yaml.
const (
	CheckVersionUnknown = "vuln.version-unknown"
	CheckRangeUnknown   = "vuln.range-unknown"
	CheckNotObserved    = "vuln.not-observed-components"
)

// FindingsFor turns a fingerprinted service into findings: one vuln.<ID>
// finding per matched advisory, and an info finding when advisories of the
// product may apply but cannot be decided. The service's own product and
// version are used first; the toolkit named by its implementation class UID
// and version name is matched too when it is another product (Orthanc
// answers DICOM with the DCMTK it links, whose flaws it inherits).
func (db *DB) FindingsFor(svc inventory.Service) []inventory.Finding {
	var ids []Identity
	if svc.Product != "" {
		id := Identity{Product: svc.Product, Version: svc.Version, Confidence: svc.Confidence, Source: "service fingerprint"}
		if id.Confidence == "" {
			id.Confidence = ConfidenceProductOnly
			if id.Version != "" {
				id.Confidence = ConfidenceInferred
			}
		}
		ids = append(ids, id)
	}
	if svc.ImplementationClassUID != "" || svc.ImplementationVersionName != "" {
		tk := IdentifyFromAssociation(svc.ImplementationClassUID, svc.ImplementationVersionName)
		if tk.Product != "" && tk.Product != svc.Product {
			ids = append(ids, tk)
		} else if tk.Product != "" && len(ids) == 1 && ids[0].Version == "" && tk.Version != "" {
			// The fingerprint knew the product but not the version the
			// toolkit string carries.
			ids[0] = tk
		}
	}
	var out []inventory.Finding
	seen := map[string]bool{}
	for _, id := range ids {
		res := db.Match(id)
		var notObserved []notObservedAdvisory
		for _, m := range res.Matches {
			if seen[m.Advisory.ID] {
				continue
			}
			seen[m.Advisory.ID] = true
			verdict, why := Applicable(svc, m.Advisory)
			if verdict == NotObserved {
				notObserved = append(notObserved, notObservedAdvisory{m.Advisory.ID, why})
				continue
			}
			out = append(out, matchFinding(svc, id, m, why))
		}
		var undecided []Advisory
		for _, a := range res.MayApply {
			if verdict, why := Applicable(svc, a); verdict == NotObserved {
				notObserved = append(notObserved, notObservedAdvisory{a.ID, why})
				continue
			}
			undecided = append(undecided, a)
		}
		res.MayApply = undecided
		if len(res.MayApply) > 0 {
			out = append(out, mayApplyFinding(svc, res))
		}
		if len(notObserved) > 0 {
			out = append(out, notObservedFinding(svc, id, notObserved))
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Severity != out[j].Severity {
			return out[i].Severity > out[j].Severity
		}
		return out[i].CheckID < out[j].CheckID
	})
	return out
}

func productName(id string) string {
	if p, ok := ProductByID(id); ok {
		return p.Name
	}
	return id
}

func matchFinding(svc inventory.Service, id Identity, m Match, applies string) inventory.Finding {
	a := m.Advisory
	title := fmt.Sprintf("%s %s: %s", productName(a.Product), id.Version, a.Summary)
	if m.Confidence == ConfidencePossible {
		title = fmt.Sprintf("%s %s possibly affected (disputed range): %s", productName(a.Product), id.Version, a.Summary)
	}
	observed := fmt.Sprintf("%s %s (from %s, confidence %s) is in the affected range %s of %s",
		productName(a.Product), id.Version, nameOr(id.Source, "the service fingerprint"), id.Confidence, m.Range, a.ID)
	data := []string{"product=" + a.Product, "version=" + id.Version, "range=" + m.Range, "surface=" + strings.Join(a.Surface, ",")}
	if score, vector, ok := a.Score(); ok {
		data = append(data, fmt.Sprintf("cvss=%.1f", score))
		if vector != "" {
			data = append(data, "vector="+vector)
		}
	} else {
		data = append(data, "cvss=none (severity defaults to medium)")
	}
	if a.KnownExploited {
		data = append(data, "known_exploited=true")
	}
	if c := a.Components(); len(c) > 0 {
		data = append(data, "component="+strings.Join(c, ","))
	}
	ev := []inventory.Evidence{{Probe: "vulndb", Observed: observed, Data: strings.Join(data, " ")}}
	if applies != "" {
		ev = append(ev, inventory.Evidence{Probe: "vulndb", Observed: "applies to this service: " + applies})
	}
	if p, ok := ProductByID(a.Product); ok && p.Toolkit && id.Confidence == ConfidenceInferred {
		ev = append(ev, inventory.Evidence{Probe: "vulndb", Observed: "the version is the " + p.Name +
			" toolkit's, read from its wire string: a product embedding it (e.g. Orthanc) or a vendor patch may differ"})
	}
	for _, n := range id.Notes {
		if n != orthancNote { // said once above in shorter words
			ev = append(ev, inventory.Evidence{Probe: "vulndb", Observed: n})
		}
	}
	if m.Confidence == ConfidencePossible {
		ev = append(ev, inventory.Evidence{Probe: "vulndb", Observed: "possibly vulnerable unless vendor-patched: " + oneLine(a.Notes)})
	}
	if !a.Verified {
		ev = append(ev, inventory.Evidence{Probe: "vulndb", Observed: "advisory entry not fully verified against its public record: " + oneLine(a.Notes)})
	}
	refs := append([]string{}, a.IDs()...)
	refs = append(refs, a.References...)
	return inventory.Finding{
		CheckID:     "vuln." + a.ID,
		Severity:    a.Severity(),
		Title:       title,
		Host:        svc.Host,
		Port:        svc.Port,
		Evidence:    ev,
		Remediation: a.Fix,
		References:  refs,
		Confidence:  m.Confidence,
	}
}

func mayApplyFinding(svc inventory.Service, res Result) inventory.Finding {
	name := productName(res.Identity.Product)
	var ids []string
	for _, a := range res.MayApply {
		ids = append(ids, a.ID)
	}
	check, title, fix := CheckVersionUnknown,
		fmt.Sprintf("%d %s advisories may apply, version unknown", len(res.MayApply), name),
		"Find the installed version (product's about page, package manager, vendor) and compare it with the listed advisories; `pacsguard vulndb show ID` gives each advisory's fix."
	if !res.VersionUnknown {
		check = CheckRangeUnknown
		title = fmt.Sprintf("%d %s advisories may apply to %s, affected versions not established", len(res.MayApply), name, res.Identity.Version)
		fix = "Check each listed advisory with the vendor; `pacsguard vulndb show ID` gives what is known."
	}
	conf := res.Identity.Confidence
	if conf == "" {
		conf = ConfidenceProductOnly
	}
	if res.VersionUnknown {
		conf = ConfidenceProductOnly
	}
	ev := []inventory.Evidence{{
		Probe:    "vulndb",
		Observed: fmt.Sprintf("%s identified from %s; advisories not decided: %s", name, nameOr(res.Identity.Source, "the service fingerprint"), strings.Join(ids, ", ")),
		Data:     fmt.Sprintf("product=%s count=%d", res.Identity.Product, len(ids)),
	}}
	for _, n := range res.Identity.Notes {
		ev = append(ev, inventory.Evidence{Probe: "vulndb", Observed: n})
	}
	return inventory.Finding{
		CheckID:     check,
		Severity:    inventory.SeverityInfo,
		Title:       title,
		Host:        svc.Host,
		Port:        svc.Port,
		Evidence:    ev,
		Remediation: fix,
		References:  ids,
		Confidence:  conf,
	}
}

// oneLine folds whitespace and turns control characters (C0, C1, DEL) and
// bidirectional overrides into spaces: imported feeds are untrusted, and
// their text reaches terminals through list, show and scan reports, where an
// escape sequence could rewrite the screen or forge a link.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if isUnsafeTextRune(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// notObservedAdvisory is an advisory that matched by version but concerns a
// component the service was not seen to run, with the reason.
type notObservedAdvisory struct {
	ID, Why string
}

// notObservedFinding summarises, in one info finding, the advisories whose
// version matched but whose component the service is not known to run
// (image processing, file tools, clients, another server tool). They are
// listed by ID so that nothing is hidden: a host may run the tool
// elsewhere, or a product may embed the module.
func notObservedFinding(svc inventory.Service, id Identity, list []notObservedAdvisory) inventory.Finding {
	name := productName(id.Product)
	ids := make([]string, 0, len(list))
	for _, n := range list {
		ids = append(ids, n.ID)
	}
	ev := []inventory.Evidence{{
		Probe: "vulndb",
		Observed: fmt.Sprintf("%d further %s %s advisories concern %s components not observed on this service: %s",
			len(list), name, nameOr(id.Version, "(version unknown)"), name, strings.Join(ids, ", ")),
		Data: fmt.Sprintf("product=%s version=%s count=%d", id.Product, id.Version, len(list)),
	}}
	for _, n := range list {
		ev = append(ev, inventory.Evidence{Probe: "vulndb", Observed: n.ID + ": " + n.Why})
	}
	conf := id.Confidence
	if conf == "" || conf == ConfidenceUnknown {
		conf = ConfidenceProductOnly
	}
	return inventory.Finding{
		CheckID:  CheckNotObserved,
		Severity: inventory.SeverityInfo,
		Title:    fmt.Sprintf("%d further advisories concern %s components not observed on this service", len(list), name),
		Host:     svc.Host,
		Port:     svc.Port,
		Evidence: ev,
		Remediation: "Upgrading " + name + " fixes these too. If the host also runs the listed components (image conversion, " +
			"command-line tools, another " + name + " server), check them with `pacsguard vulndb show ID`.",
		References: ids,
		Confidence: conf,
	}
}
