package scan

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/pacsguard/pacsguard/internal/inventory"
)

// Diff is what changed since a previous scan.
type Diff struct {
	PreviousRun     int64           `json:"previous_run"`
	PreviousStarted time.Time       `json:"previous_started"`
	Appeared        []string        `json:"services_appeared,omitempty"`
	Disappeared     []string        `json:"services_disappeared,omitempty"`
	Changed         []ServiceChange `json:"services_changed,omitempty"`
	NewFindings     []FindingRef    `json:"findings_new,omitempty"`
	Resolved        []FindingRef    `json:"findings_resolved,omitempty"`
	SeverityChanged []FindingRef    `json:"findings_severity_changed,omitempty"`
}

// ServiceChange lists the fields of a service that changed.
type ServiceChange struct {
	Service string   `json:"service"`
	Changes []string `json:"changes"`
}

// FindingRef names a finding across scans.
type FindingRef struct {
	CheckID  string `json:"check_id"`
	Location string `json:"location"`
	Severity string `json:"severity"`
	Was      string `json:"was,omitempty"`
}

// Empty reports whether nothing changed.
func (d *Diff) Empty() bool {
	return len(d.Appeared)+len(d.Disappeared)+len(d.Changed)+len(d.NewFindings)+len(d.Resolved)+len(d.SeverityChanged) == 0
}

// Compare computes the diff from a previous run's services and findings to
// the current ones. Only hosts scanned in both runs can lose services or
// findings: a host the new scan did not cover has not "disappeared".
func Compare(prevID int64, prevStarted time.Time, prevSvcs []inventory.Service, prevFindings []inventory.Finding, cur *Document) *Diff {
	d := &Diff{PreviousRun: prevID, PreviousStarted: prevStarted}
	covered := map[string]bool{}
	for _, t := range cur.Run.Targets {
		covered[t] = true
	}
	for _, s := range cur.Services {
		covered[s.Host] = true
	}
	old := map[string]inventory.Service{}
	for _, s := range prevSvcs {
		old[s.Key()] = s
	}
	now := map[string]inventory.Service{}
	for _, s := range cur.Services {
		now[s.Key()] = s
		p, ok := old[s.Key()]
		if !ok {
			d.Appeared = append(d.Appeared, s.Key())
			continue
		}
		if ch := serviceChanges(p, s); len(ch) > 0 {
			d.Changed = append(d.Changed, ServiceChange{Service: s.Key(), Changes: ch})
		}
	}
	for k, s := range old {
		if _, ok := now[k]; !ok && covered[s.Host] {
			d.Disappeared = append(d.Disappeared, k)
		}
	}
	key := func(f inventory.Finding) string { return f.CheckID + "|" + f.Location() }
	oldF := map[string]inventory.Finding{}
	for _, f := range prevFindings {
		oldF[key(f)] = f
	}
	nowF := map[string]bool{}
	for _, f := range cur.Findings {
		nowF[key(f)] = true
		p, ok := oldF[key(f)]
		ref := FindingRef{CheckID: f.CheckID, Location: f.Location(), Severity: f.Severity.String()}
		switch {
		case !ok:
			d.NewFindings = append(d.NewFindings, ref)
		case p.Severity != f.Severity:
			ref.Was = p.Severity.String()
			d.SeverityChanged = append(d.SeverityChanged, ref)
		}
	}
	for k, f := range oldF {
		if !nowF[k] && covered[f.Host] {
			d.Resolved = append(d.Resolved, FindingRef{CheckID: f.CheckID, Location: f.Location(), Severity: f.Severity.String()})
		}
	}
	sort.Strings(d.Appeared)
	sort.Strings(d.Disappeared)
	for _, l := range [][]FindingRef{d.NewFindings, d.Resolved, d.SeverityChanged} {
		sort.Slice(l, func(i, j int) bool {
			if l[i].CheckID != l[j].CheckID {
				return l[i].CheckID < l[j].CheckID
			}
			return l[i].Location < l[j].Location
		})
	}
	sort.Slice(d.Changed, func(i, j int) bool { return d.Changed[i].Service < d.Changed[j].Service })
	return d
}

func serviceChanges(a, b inventory.Service) []string {
	var out []string
	field := func(name, x, y string) {
		if x != y {
			out = append(out, fmt.Sprintf("%s %q → %q", name, x, y))
		}
	}
	field("product", a.Product, b.Product)
	field("version", a.Version, b.Version)
	field("implementation class UID", a.ImplementationClassUID, b.ImplementationClassUID)
	field("implementation version name", a.ImplementationVersionName, b.ImplementationVersionName)
	if !slices.Equal(a.AETitles, b.AETitles) {
		field("AE titles", strings.Join(a.AETitles, ","), strings.Join(b.AETitles, ","))
	}
	if !slices.Equal(a.Roles, b.Roles) {
		field("roles", strings.Join(a.Roles, ","), strings.Join(b.Roles, ","))
	}
	return out
}
