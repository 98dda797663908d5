// Package assess is pacsguard's self-assessment engine: HHS 405(d) HICP,
// the HHS HPH Cybersecurity Performance Goals and NIST CSF 2.0, sized to the
// organisation, backed by what pacsguard's scanners saw, ending in a roadmap.
//
// The content is data (data/*.yaml and NIST's OSCAL catalogue, embedded),
// versioned and decoded strictly: an unknown field, a dangling reference or a
// missing source fails Load, so a typo in the content fails the tests rather
// than silently dropping a question.
package assess

import (
	"embed"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pacsguard/pacsguard/internal/strictyaml"
)

//go:embed data/hicp.yaml data/cpg.yaml data/questions.yaml data/evidence.yaml data/NIST_CSF_v2.0_catalog-min.json
var embedded embed.FS

// Size is an organisation size as HICP defines it.
type Size string

const (
	SizeSmall  Size = "small"
	SizeMedium Size = "medium"
	SizeLarge  Size = "large"
)

var sizeOrder = map[Size]int{SizeSmall: 0, SizeMedium: 1, SizeLarge: 2}

// ParseSize reads a size name.
func ParseSize(s string) (Size, error) {
	sz := Size(strings.ToLower(strings.TrimSpace(s)))
	if _, ok := sizeOrder[sz]; !ok {
		return "", fmt.Errorf("unknown size %q (want small, medium or large)", s)
	}
	return sz, nil
}

// HICP is the practices catalogue.
type HICP struct {
	Schema     string     `yaml:"schema"`
	Version    int        `yaml:"version"`
	Edition    string     `yaml:"edition"`
	Sources    []Source   `yaml:"sources"`
	Threats    []Threat   `yaml:"threats"`
	Sizes      SizeChart  `yaml:"sizes"`
	Timeframes Timeframes `yaml:"timeframes"`
	Practices  []Practice `yaml:"practices"`
}

// Source is a document the content was taken from.
type Source struct {
	ID    string `yaml:"id" json:"id"`
	Title string `yaml:"title" json:"title"`
	URL   string `yaml:"url" json:"url"`
	Note  string `yaml:"note,omitempty" json:"note,omitempty"`
}

// Threat is one of HICP's five threats.
type Threat struct {
	ID       int    `yaml:"id" json:"id"`
	Slug     string `yaml:"slug" json:"slug"`
	Name     string `yaml:"name" json:"name"`
	Name2019 string `yaml:"name_2019" json:"name_2019"`
}

// SizeChart describes the sizes in words.
type SizeChart struct {
	Verified bool   `yaml:"verified"`
	Source   string `yaml:"source"`
	Small    string `yaml:"small"`
	Medium   string `yaml:"medium"`
	Large    string `yaml:"large"`
}

// Timeframes are HICP's numeric service levels.
type Timeframes struct {
	Patching       PatchTable  `yaml:"patching" json:"patching"`
	MedicalDevices DeviceTable `yaml:"medical_devices" json:"medical_devices"`
}

// PatchTable is TV2 Table 8.
type PatchTable struct {
	Source      string     `yaml:"source" json:"source"`
	Table       string     `yaml:"table" json:"table"`
	SubPractice string     `yaml:"sub_practice" json:"sub_practice"`
	Rows        []PatchRow `yaml:"rows" json:"rows"`
	Notes       []string   `yaml:"notes" json:"notes"`
}

// PatchRow is one criticality of Table 8.
type PatchRow struct {
	Criticality string `yaml:"criticality" json:"criticality"`
	DMZ         string `yaml:"dmz" json:"dmz"`
	DataCentre  string `yaml:"data_centre" json:"data_centre"`
}

// DeviceTable is TV2 Table 12.
type DeviceTable struct {
	Source      string      `yaml:"source" json:"source"`
	Table       string      `yaml:"table" json:"table"`
	SubPractice string      `yaml:"sub_practice" json:"sub_practice"`
	Rows        []DeviceRow `yaml:"rows" json:"rows"`
	Notes       []string    `yaml:"notes" json:"notes"`
}

// DeviceRow is one step of Table 12.
type DeviceRow struct {
	Risk   string `yaml:"risk" json:"risk"`
	Step   string `yaml:"step" json:"step"`
	Within string `yaml:"within" json:"within"`
}

// Practice is one of the ten HICP practices.
type Practice struct {
	ID              int           `yaml:"id"`
	Title           string        `yaml:"title"`
	Threats         []int         `yaml:"threats"`
	ThreatsVerified bool          `yaml:"threats_verified"`
	Why             string        `yaml:"why"`
	Metrics         []Metric      `yaml:"metrics"`
	SubPractices    []SubPractice `yaml:"sub_practices"`
}

// Metric is a suggested KPI. HICP publishes them per practice; sub-practices
// inherit their practice's metrics.
type Metric struct {
	Text     string `yaml:"text" json:"text"`
	Verified bool   `yaml:"verified" json:"verified"`
}

// SubPractice is one HICP sub-practice such as 9.M.E.
type SubPractice struct {
	ID           string   `yaml:"id"`
	Title        string   `yaml:"title"`
	Sizes        []Size   `yaml:"sizes"`
	CSF          []string `yaml:"csf"` // CSF 1.1 references as HICP prints them
	Verified     bool     `yaml:"verified"`
	RefsVerified bool     `yaml:"refs_verified"`
	Source       string   `yaml:"source"`
	Description  string   `yaml:"description"`
	Do           string   `yaml:"do"`
	DoneWhen     string   `yaml:"done_when"`

	Practice int    `yaml:"-"`
	Question string `yaml:"-"`
}

// AppliesTo reports whether the sub-practice is asked of an organisation of size s.
func (sp SubPractice) AppliesTo(s Size) bool { return slices.Contains(sp.Sizes, s) }

// CPGSet is essential or enhanced.
type CPGSet string

const (
	CPGEssential CPGSet = "essential"
	CPGEnhanced  CPGSet = "enhanced"
)

// CPGs is the HPH Cybersecurity Performance Goals file.
type CPGs struct {
	Schema    string    `yaml:"schema"`
	Version   int       `yaml:"version"`
	Published string    `yaml:"published"`
	Official  []string  `yaml:"official"`
	Sources   []Source  `yaml:"sources"`
	Goals     []CPGGoal `yaml:"goals"`
}

// CPGGoal is one goal.
type CPGGoal struct {
	ID              string   `yaml:"id" json:"id"`
	Set             CPGSet   `yaml:"set" json:"set"`
	Title           string   `yaml:"title" json:"title"`
	TitleStatus     string   `yaml:"title_status" json:"title_status"`
	Sources         []string `yaml:"sources" json:"sources"`
	Outcome         string   `yaml:"outcome" json:"outcome"`
	HICP            []string `yaml:"hicp" json:"hicp"`
	CSF             []string `yaml:"csf" json:"csf"` // CSF 2.0 IDs
	MappingVerified bool     `yaml:"mapping_verified" json:"mapping_verified"`
}

// Questions holds the plain-language prompts.
type Questions struct {
	Schema       string            `yaml:"schema"`
	Version      int               `yaml:"version"`
	Grades       map[Grade]string  `yaml:"grades"`
	Profile      map[string]string `yaml:"profile"`
	SubPractices map[string]string `yaml:"sub_practices"`
}

// Content is everything the assessment knows, loaded and cross-checked.
type Content struct {
	HICP      *HICP
	CPG       *CPGs
	CSF       *CSF
	Questions *Questions
	Evidence  *EvidenceRules
	Crosswalk *Crosswalk

	subByID map[string]*SubPractice
}

// SubPractice returns a sub-practice by ID.
func (c *Content) SubPractice(id string) (*SubPractice, bool) {
	sp, ok := c.subByID[id]
	return sp, ok
}

// Applicable lists the sub-practices asked of an organisation of size s, in catalogue order.
func (c *Content) Applicable(s Size) []*SubPractice {
	var out []*SubPractice
	for pi := range c.HICP.Practices {
		p := &c.HICP.Practices[pi]
		for si := range p.SubPractices {
			if p.SubPractices[si].AppliesTo(s) {
				out = append(out, &p.SubPractices[si])
			}
		}
	}
	return out
}

// Practice returns a practice by number.
func (c *Content) Practice(id int) *Practice {
	for i := range c.HICP.Practices {
		if c.HICP.Practices[i].ID == id {
			return &c.HICP.Practices[i]
		}
	}
	return nil
}

// Schema identifiers of the content files.
const (
	SchemaHICP      = "pacsguard.hicp/v1"
	SchemaCPG       = "pacsguard.cpg/v1"
	SchemaQuestions = "pacsguard.questions/v1"
	SchemaEvidence  = "pacsguard.evidence/v1"
)

// Load reads and cross-checks the embedded content.
func Load() (*Content, error) {
	read := func(name string) ([]byte, error) { return embedded.ReadFile("data/" + name) }
	c := &Content{}
	b, err := read("NIST_CSF_v2.0_catalog-min.json")
	if err != nil {
		return nil, err
	}
	if c.CSF, err = csfFromBytes(b); err != nil {
		return nil, err
	}
	c.HICP = new(HICP)
	c.CPG = new(CPGs)
	c.Questions = new(Questions)
	c.Evidence = new(EvidenceRules)
	for _, f := range []struct {
		name   string
		v      any
		schema func() string
	}{
		{"hicp.yaml", c.HICP, func() string { return c.HICP.Schema }},
		{"cpg.yaml", c.CPG, func() string { return c.CPG.Schema }},
		{"questions.yaml", c.Questions, func() string { return c.Questions.Schema }},
		{"evidence.yaml", c.Evidence, func() string { return c.Evidence.Schema }},
	} {
		b, err := read(f.name)
		if err != nil {
			return nil, err
		}
		if err := strictyaml.Decode(b, f.v); err != nil {
			return nil, fmt.Errorf("assessment content %s: %w", f.name, err)
		}
		want := map[string]string{"hicp.yaml": SchemaHICP, "cpg.yaml": SchemaCPG, "questions.yaml": SchemaQuestions, "evidence.yaml": SchemaEvidence}[f.name]
		if got := f.schema(); got != want {
			return nil, fmt.Errorf("assessment content %s: schema %q, want %q", f.name, got, want)
		}
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("assessment content: %w", err)
	}
	c.Crosswalk = BuildCrosswalk(c)
	return c, nil
}

var subPracticeID = regexp.MustCompile(`^([1-9]|10)\.([SML])\.([A-Z])$`)

func (c *Content) validate() error {
	h := c.HICP
	sources := map[string]bool{}
	for _, s := range h.Sources {
		if s.ID == "" || s.URL == "" {
			return errors.New("hicp: a source needs id and url")
		}
		sources[s.ID] = true
	}
	if len(h.Threats) != 5 {
		return fmt.Errorf("hicp: %d threats, want 5", len(h.Threats))
	}
	threats := map[int]bool{}
	for _, t := range h.Threats {
		threats[t.ID] = true
	}
	if len(h.Practices) != 10 {
		return fmt.Errorf("hicp: %d practices, want 10", len(h.Practices))
	}
	if !sources[h.Sizes.Source] {
		return fmt.Errorf("hicp: sizes cite unknown source %q", h.Sizes.Source)
	}
	c.subByID = map[string]*SubPractice{}
	for pi := range h.Practices {
		p := &h.Practices[pi]
		if p.ID != pi+1 || p.Title == "" || p.Why == "" {
			return fmt.Errorf("hicp: practice %d: needs id in order, title and why", p.ID)
		}
		if len(p.Metrics) == 0 {
			return fmt.Errorf("hicp: practice %d has no suggested metrics", p.ID)
		}
		for _, t := range p.Threats {
			if !threats[t] {
				return fmt.Errorf("hicp: practice %d cites unknown threat %d", p.ID, t)
			}
		}
		for si := range p.SubPractices {
			sp := &p.SubPractices[si]
			if err := validateSubPractice(sp, p.ID, sources); err != nil {
				return fmt.Errorf("hicp: sub-practice %q: %w", sp.ID, err)
			}
			if _, dup := c.subByID[sp.ID]; dup {
				return fmt.Errorf("hicp: sub-practice %s defined twice", sp.ID)
			}
			sp.Practice = p.ID
			q, ok := c.Questions.SubPractices[sp.ID]
			if !ok || strings.TrimSpace(q) == "" {
				return fmt.Errorf("questions: no question for sub-practice %s", sp.ID)
			}
			sp.Question = q
			c.subByID[sp.ID] = sp
		}
	}
	for id := range c.Questions.SubPractices {
		if _, ok := c.subByID[id]; !ok {
			return fmt.Errorf("questions: question for unknown sub-practice %s", id)
		}
	}
	for _, g := range allGrades {
		if c.Questions.Grades[g] == "" {
			return fmt.Errorf("questions: grade %s not explained", g)
		}
	}
	for _, k := range profileKeys {
		if c.Questions.Profile[k] == "" {
			return fmt.Errorf("questions: profile question %s missing", k)
		}
	}
	for _, t := range []string{h.Timeframes.Patching.SubPractice, h.Timeframes.MedicalDevices.SubPractice} {
		if _, ok := c.subByID[t]; !ok {
			return fmt.Errorf("hicp: timeframe table cites unknown sub-practice %s", t)
		}
	}
	if err := c.validateCPG(); err != nil {
		return err
	}
	return c.Evidence.validate(c)
}

func validateSubPractice(sp *SubPractice, practice int, sources map[string]bool) error {
	m := subPracticeID.FindStringSubmatch(sp.ID)
	if m == nil {
		return errors.New("ID must look like 9.M.E")
	}
	if m[1] != fmt.Sprint(practice) {
		return fmt.Errorf("listed under practice %d", practice)
	}
	want := map[string][]Size{"S": {SizeSmall}, "M": {SizeMedium, SizeLarge}, "L": {SizeLarge}}[m[2]]
	if !slices.Equal(sp.Sizes, want) {
		return fmt.Errorf("sizes %v do not match the %s in its ID (want %v)", sp.Sizes, m[2], want)
	}
	switch {
	case sp.Title == "", sp.Description == "", sp.Do == "", sp.DoneWhen == "":
		return errors.New("needs title, description, do and done_when")
	case !sources[sp.Source]:
		return fmt.Errorf("unknown source %q", sp.Source)
	case len(sp.CSF) == 0:
		return errors.New("no CSF references (write [N/A] when HICP gives none)")
	}
	return nil
}

func (c *Content) validateCPG() error {
	sources := map[string]bool{}
	for _, s := range c.CPG.Sources {
		sources[s.ID] = true
	}
	n := map[CPGSet]int{}
	seen := map[string]bool{}
	for _, g := range c.CPG.Goals {
		if seen[g.ID] {
			return fmt.Errorf("cpg: goal %s defined twice", g.ID)
		}
		seen[g.ID] = true
		if g.Set != CPGEssential && g.Set != CPGEnhanced {
			return fmt.Errorf("cpg: goal %s: set %q", g.ID, g.Set)
		}
		n[g.Set]++
		if g.Title == "" || g.Outcome == "" || len(g.HICP) == 0 {
			return fmt.Errorf("cpg: goal %s needs title, outcome and hicp", g.ID)
		}
		if g.TitleStatus != "secondary" && g.TitleStatus != "unverified" && g.TitleStatus != "verified" {
			return fmt.Errorf("cpg: goal %s: title_status %q", g.ID, g.TitleStatus)
		}
		for _, s := range g.Sources {
			if !sources[s] {
				return fmt.Errorf("cpg: goal %s cites unknown source %q", g.ID, s)
			}
		}
		for _, h := range g.HICP {
			if _, ok := c.subByID[h]; !ok {
				return fmt.Errorf("cpg: goal %s cites unknown sub-practice %s", g.ID, h)
			}
		}
		for _, id := range g.CSF {
			e, ok := c.CSF.Element(id)
			if !ok || e.Withdrawn {
				return fmt.Errorf("cpg: goal %s cites %s, not a current CSF 2.0 element", g.ID, id)
			}
		}
	}
	if n[CPGEssential] != 10 || n[CPGEnhanced] != 10 {
		return fmt.Errorf("cpg: %d essential and %d enhanced goals, want 10 and 10", n[CPGEssential], n[CPGEnhanced])
	}
	return nil
}

// CPGGoal returns a goal by ID.
func (c *Content) CPGGoal(id string) (CPGGoal, bool) {
	for _, g := range c.CPG.Goals {
		if g.ID == id {
			return g, true
		}
	}
	return CPGGoal{}, false
}

// GoalsFor lists the CPG goals that cite a sub-practice.
func (c *Content) GoalsFor(subPractice string) []CPGGoal {
	var out []CPGGoal
	for _, g := range c.CPG.Goals {
		if slices.Contains(g.HICP, subPractice) {
			out = append(out, g)
		}
	}
	return out
}
