package assess

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/pacsguard/pacsguard/internal/inventory"
)

// EvidenceRules is data/evidence.yaml: how store findings become assessment evidence.
type EvidenceRules struct {
	Schema     string         `yaml:"schema"`
	Version    int            `yaml:"version"`
	MaxAgeDays int            `yaml:"max_age_days"`
	Rules      []EvidenceRule `yaml:"rules"`
}

// Evidence rule kinds.
const (
	RuleFindings   = "findings"
	RuleReferences = "references"
	RuleInventory  = "inventory"
)

// EvidenceRule is one rule.
type EvidenceRule struct {
	ID               string   `yaml:"id"`
	Kind             string   `yaml:"kind"`
	RunKind          string   `yaml:"run_kind"`
	Checks           []string `yaml:"checks"`
	KnownExploited   bool     `yaml:"known_exploited"`
	ImagingNodesOnly bool     `yaml:"imaging_nodes_only"`
	MinSeverity      string   `yaml:"min_severity"`
	// Transports also match services the run recorded with one of these
	// transports (e.g. plain "dicom"), so the rule holds even when a scan
	// recorded the service but no finding for it.
	Transports []string `yaml:"transports"`
	Affects    []string `yaml:"affects"`
	Cap        Grade    `yaml:"cap"`
	Floor      Grade    `yaml:"floor"`
	MaxAgeDays int      `yaml:"max_age_days"`
	Why        string   `yaml:"why"`
}

func (er *EvidenceRules) validate(c *Content) error {
	seen := map[string]bool{}
	for _, r := range er.Rules {
		fail := func(format string, args ...any) error {
			return fmt.Errorf("evidence rule %q: %s", r.ID, fmt.Sprintf(format, args...))
		}
		if r.ID == "" || seen[r.ID] {
			return fail("needs a unique id")
		}
		seen[r.ID] = true
		if r.RunKind != "scan" && r.RunKind != "files" {
			return fail("run_kind %q (want scan or files)", r.RunKind)
		}
		if r.Why == "" {
			return fail("needs why")
		}
		if r.MinSeverity != "" {
			if _, err := inventory.ParseSeverity(r.MinSeverity); err != nil {
				return fail("%v", err)
			}
		}
		for _, id := range r.Affects {
			if _, ok := c.subByID[id]; !ok {
				return fail("affects unknown sub-practice %s", id)
			}
		}
		switch r.Kind {
		case RuleFindings:
			if len(r.Checks) == 0 || len(r.Affects) == 0 || r.Cap == GradeNone || r.Floor != GradeNone {
				return fail("a findings rule needs checks, affects and cap, and no floor")
			}
		case RuleReferences:
			if len(r.Affects) != 0 || len(r.Checks) != 0 || r.Cap == GradeNone || r.Floor != GradeNone {
				return fail("a references rule takes its sub-practices from the findings: cap only")
			}
		case RuleInventory:
			// Only inventory may support a grade: evidence otherwise never raises one.
			if len(r.Affects) == 0 || r.Floor == GradeNone || r.Cap != GradeNone {
				return fail("an inventory rule needs affects and floor, and no cap")
			}
		default:
			return fail("kind %q (want findings, references or inventory)", r.Kind)
		}
		if r.Cap == GradeNotApplicable || r.Floor == GradeNotApplicable || r.Floor == GradeFully {
			return fail("cap/floor must be a grade on the scale, and floor below fully")
		}
	}
	return nil
}

// EvidenceSource is what the assessment reads from the store; *store.Store satisfies it.
type EvidenceSource interface {
	LatestFindings(ctx context.Context, kind string) (inventory.Run, []inventory.Finding, bool, error)
	RunServices(ctx context.Context, runID int64) ([]inventory.Service, error)
}

// RunEvidence is one stored run and what it recorded.
type RunEvidence struct {
	Run      inventory.Run
	Findings []inventory.Finding
	Services []inventory.Service
}

// Snapshot is what the store held when the assessment ran.
type Snapshot struct {
	Runs map[string]*RunEvidence // by run kind: scan, files
}

// Gather reads the newest scan and file-sweep runs from src. A nil src gives
// an empty snapshot (--no-db).
func Gather(ctx context.Context, src EvidenceSource) (*Snapshot, error) {
	s := &Snapshot{Runs: map[string]*RunEvidence{}}
	if src == nil {
		return s, nil
	}
	for _, kind := range []string{"scan", "files"} {
		run, fs, ok, err := src.LatestFindings(ctx, kind)
		if err != nil {
			return nil, fmt.Errorf("read %s evidence from the store: %w", kind, err)
		}
		if !ok {
			continue
		}
		re := &RunEvidence{Run: run, Findings: fs}
		if re.Services, err = src.RunServices(ctx, run.ID); err != nil {
			return nil, fmt.Errorf("read services of run %d: %w", run.ID, err)
		}
		s.Runs[kind] = re
	}
	return s, nil
}

// EvidenceItem is one rule that fired, cited in the report.
type EvidenceItem struct {
	Rule        string    `json:"rule"`
	Kind        string    `json:"kind"`
	Why         string    `json:"why"`
	RunID       int64     `json:"run_id"`
	RunKind     string    `json:"run_kind"`
	RunFinished time.Time `json:"run_finished"`
	Count       int       `json:"count"`             // findings or services behind it
	Hosts       int       `json:"hosts"`             // distinct hosts (0 for file findings)
	Checks      []string  `json:"checks,omitempty"`  // check IDs seen
	Samples     []string  `json:"samples,omitempty"` // up to maxSamples host:port locations; never file paths
	Affects     []string  `json:"affects"`
	Cap         Grade     `json:"cap,omitempty"`
	Floor       Grade     `json:"floor,omitempty"`
}

const maxSamples = 5

// Evaluate applies the rules to a snapshot. now decides which runs are too old.
func (er *EvidenceRules) Evaluate(snap *Snapshot, now time.Time) []EvidenceItem {
	var out []EvidenceItem
	if snap == nil {
		return nil
	}
	for _, r := range er.Rules {
		re := snap.Runs[r.RunKind]
		if re == nil {
			continue
		}
		maxAge := r.MaxAgeDays
		if maxAge == 0 {
			maxAge = er.MaxAgeDays
		}
		if maxAge > 0 && now.Sub(re.Run.Finished) > time.Duration(maxAge)*24*time.Hour {
			continue
		}
		base := EvidenceItem{Rule: r.ID, Kind: r.Kind, Why: r.Why, RunID: re.Run.ID, RunKind: r.RunKind, RunFinished: re.Run.Finished, Cap: r.Cap, Floor: r.Floor}
		switch r.Kind {
		case RuleInventory:
			if len(re.Services) == 0 {
				continue
			}
			it := base
			it.Count = len(re.Services)
			it.Hosts = countHosts(re.Services, func(s inventory.Service) string { return s.Host })
			it.Affects = append([]string(nil), r.Affects...)
			out = append(out, it)
		case RuleFindings:
			matched := r.match(re)
			matched = append(matched, r.matchServices(re, matched)...)
			if len(matched) == 0 {
				continue
			}
			it := base
			fill(&it, matched)
			it.Affects = append([]string(nil), r.Affects...)
			out = append(out, it)
		case RuleReferences:
			min, _ := inventory.ParseSeverity(r.MinSeverity)
			bySub := map[string][]inventory.Finding{}
			// A set per sub-practice: a file sweep can hold tens of
			// thousands of findings, and a linear search per finding
			// made this quadratic.
			seen := map[string]map[string]bool{}
			for _, f := range re.Findings {
				if f.Severity < min {
					continue
				}
				for _, ref := range f.References {
					id, ok := strings.CutPrefix(ref, "HICP:")
					if !ok || !subPracticeID.MatchString(id) {
						continue
					}
					key := f.CheckID + f.Location()
					if seen[id] == nil {
						seen[id] = map[string]bool{}
					}
					if !seen[id][key] {
						seen[id][key] = true
						bySub[id] = append(bySub[id], f)
					}
				}
			}
			subs := make([]string, 0, len(bySub))
			for id := range bySub {
				subs = append(subs, id)
			}
			sort.Strings(subs)
			for _, id := range subs {
				it := base
				fill(&it, bySub[id])
				it.Affects = []string{id}
				out = append(out, it)
			}
		}
	}
	return out
}

// fill summarises findings. Only network locations (host:port) are sampled:
// file paths in an image archive often carry patient names or IDs, so file
// findings are counted, never listed.
func fill(it *EvidenceItem, fs []inventory.Finding) {
	it.Count = len(fs)
	checks := map[string]bool{}
	hosts := map[string]bool{}
	locs := map[string]bool{}
	for _, f := range fs {
		checks[f.CheckID] = true
		if f.Host != "" {
			hosts[f.Host] = true
			locs[f.Location()] = true
		}
	}
	it.Hosts = len(hosts)
	for c := range checks {
		it.Checks = append(it.Checks, c)
	}
	sort.Strings(it.Checks)
	var all []string
	for l := range locs {
		all = append(all, l)
	}
	sort.Strings(all)
	if len(all) > maxSamples {
		all = all[:maxSamples]
	}
	it.Samples = all
}

func countHosts[T any](xs []T, key func(T) string) int {
	m := map[string]bool{}
	for _, x := range xs {
		m[key(x)] = true
	}
	return len(m)
}

func (r EvidenceRule) match(re *RunEvidence) []inventory.Finding {
	var min inventory.Severity
	if r.MinSeverity != "" {
		min, _ = inventory.ParseSeverity(r.MinSeverity)
	}
	imaging := imagingHosts(re.Services)
	var out []inventory.Finding
	for _, f := range re.Findings {
		if !matchCheck(r.Checks, f.CheckID) || f.Severity < min {
			continue
		}
		if r.KnownExploited && !knownExploited(f) {
			continue
		}
		if r.ImagingNodesOnly && !imaging[f.Host] && !isDICOMPort(f.Port) {
			continue
		}
		out = append(out, f)
	}
	return out
}

// matchServices turns services with a listed transport into pseudo-findings,
// skipping locations a matched finding already covers.
func (r EvidenceRule) matchServices(re *RunEvidence, have []inventory.Finding) []inventory.Finding {
	if len(r.Transports) == 0 {
		return nil
	}
	seen := map[string]bool{}
	for _, f := range have {
		seen[f.Location()] = true
	}
	var out []inventory.Finding
	for _, s := range re.Services {
		f := inventory.Finding{CheckID: "service." + s.Transport, Host: s.Host, Port: s.Port}
		if !slices.Contains(r.Transports, s.Transport) || seen[f.Location()] {
			continue
		}
		seen[f.Location()] = true
		out = append(out, f)
	}
	return out
}

func matchCheck(patterns []string, id string) bool {
	for _, p := range patterns {
		if prefix, ok := strings.CutSuffix(p, "*"); ok {
			if strings.HasPrefix(id, prefix) {
				return true
			}
		} else if p == id {
			return true
		}
	}
	return false
}

// knownExploited looks for the known-exploited marker the vulnerability
// checks put in a finding's title or evidence: vulndb writes
// "known_exploited=true" in the evidence data of a CISA KEV entry.
func knownExploited(f inventory.Finding) bool {
	has := func(s string) bool {
		s = strings.ToLower(s)
		return strings.Contains(s, "known-exploited") || strings.Contains(s, "known exploited") ||
			strings.Contains(s, "known_exploited=true") || kevWord.MatchString(s)
	}
	if has(f.Title) {
		return true
	}
	for _, e := range f.Evidence {
		if has(e.Observed) || has(e.Data) {
			return true
		}
	}
	for _, r := range f.References {
		if has(r) {
			return true
		}
	}
	return false
}

var kevWord = regexp.MustCompile(`\bkev\b`)

// imagingHosts are hosts with a DICOM service or an imaging role in the run.
func imagingHosts(svcs []inventory.Service) map[string]bool {
	m := map[string]bool{}
	for _, s := range svcs {
		if s.Transport == inventory.TransportDICOM || s.Transport == inventory.TransportDICOMTLS || len(s.AETitles) > 0 || len(s.Roles) > 0 {
			m[s.Host] = true
		}
	}
	return m
}

func isDICOMPort(p int) bool { return p == 104 || p == 11112 || p == 2762 || p == 4242 }
