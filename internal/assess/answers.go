package assess

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/pacsguard/pacsguard/internal/strictyaml"
)

// Grade is how far a sub-practice is implemented.
type Grade string

const (
	GradeNone          Grade = ""
	GradeNotStarted    Grade = "not-started"
	GradePartial       Grade = "partial"
	GradeLargely       Grade = "largely"
	GradeFully         Grade = "fully"
	GradeNotApplicable Grade = "not-applicable"
)

var allGrades = []Grade{GradeNotStarted, GradePartial, GradeLargely, GradeFully, GradeNotApplicable}

// gradeValue is the score of a grade on 0..1. Not applicable has none.
var gradeValue = map[Grade]float64{GradeNotStarted: 0, GradePartial: 1.0 / 3, GradeLargely: 2.0 / 3, GradeFully: 1}

var gradeRank = map[Grade]int{GradeNotStarted: 0, GradePartial: 1, GradeLargely: 2, GradeFully: 3}

// ParseGrade reads a grade; it accepts the short forms n, p, l, f, na and
// the words with spaces ("not started").
func ParseGrade(s string) (Grade, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.ReplaceAll(t, " ", "-")
	t = strings.ReplaceAll(t, "_", "-")
	switch t {
	case "n", "no", "not-started", "none", "0":
		return GradeNotStarted, nil
	case "p", "partial", "partly", "1":
		return GradePartial, nil
	case "l", "largely", "mostly", "2":
		return GradeLargely, nil
	case "f", "fully", "full", "yes", "3":
		return GradeFully, nil
	case "na", "n/a", "not-applicable":
		return GradeNotApplicable, nil
	}
	return "", fmt.Errorf("unknown grade %q (want not-started, partial, largely, fully or not-applicable)", s)
}

// UnmarshalText checks grades read from answer files.
func (g *Grade) UnmarshalText(b []byte) error {
	v, err := ParseGrade(string(b))
	if err != nil {
		return err
	}
	*g = v
	return nil
}

// minGrade returns the lower of two applicable grades.
func minGrade(a, b Grade) Grade {
	if gradeRank[a] <= gradeRank[b] {
		return a
	}
	return b
}

// AnswersSchema identifies the answers-file format.
const AnswersSchema = "pacsguard.assess.answers/v1"

// Answers is an answers file: the organisation profile and one answer per
// sub-practice. The same structure is saved in the store for resume and re-run.
type Answers struct {
	Schema       string            `yaml:"schema" json:"schema"`
	Organisation Profile           `yaml:"organisation" json:"organisation"`
	Answers      map[string]Answer `yaml:"answers" json:"answers"`
}

// Answer is one graded sub-practice.
type Answer struct {
	Grade Grade  `yaml:"grade" json:"grade"`
	Notes string `yaml:"notes,omitempty" json:"notes,omitempty"`
}

// UnmarshalYAML accepts either a bare grade ("1.S.A: partial") or a mapping
// with grade and notes; unknown keys in the mapping are errors.
func (a *Answer) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		g, err := ParseGrade(n.Value)
		if err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		*a = Answer{Grade: g}
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: an answer is a grade or {grade, notes}", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch k := n.Content[i].Value; k {
		case "grade":
			g, err := ParseGrade(n.Content[i+1].Value)
			if err != nil {
				return fmt.Errorf("line %d: %w", n.Content[i+1].Line, err)
			}
			a.Grade = g
		case "notes":
			a.Notes = n.Content[i+1].Value
		default:
			return fmt.Errorf("line %d: field %s not found in answer (want grade, notes)", n.Content[i].Line, k)
		}
	}
	if a.Grade == GradeNone {
		return fmt.Errorf("line %d: answer without grade", n.Line)
	}
	return nil
}

// UnmarshalJSON accepts either "partial" or {"grade": "partial", "notes": "..."}.
func (a *Answer) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		g, err := ParseGrade(s)
		if err != nil {
			return err
		}
		*a = Answer{Grade: g}
		return nil
	}
	type plain Answer
	var p plain
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return err
	}
	if p.Grade == GradeNone {
		return errors.New("answer without grade")
	}
	*a = Answer(p)
	return nil
}

// ITStaff describes who runs IT.
type ITStaff string

const (
	ITStaffNone     ITStaff = "none"     // outside provider or someone part time
	ITStaffSome     ITStaff = "some"     // an in-house IT team
	ITStaffSecurity ITStaff = "security" // IT plus dedicated security staff
)

// Profile is the organisation profile asked first.
type Profile struct {
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	// Size overrides the size computed from the questions below.
	Size        Size    `yaml:"size,omitempty" json:"size,omitempty"`
	Providers   *int    `yaml:"providers,omitempty" json:"providers,omitempty"`
	Beds        *int    `yaml:"beds,omitempty" json:"beds,omitempty"`
	ITAssets    *int    `yaml:"it_assets,omitempty" json:"it_assets,omitempty"`
	ITStaff     ITStaff `yaml:"it_staff,omitempty" json:"it_staff,omitempty"`
	CurrentTier int     `yaml:"current_tier,omitempty" json:"current_tier,omitempty"`
	TargetTier  int     `yaml:"target_tier,omitempty" json:"target_tier,omitempty"`
	Imaging     Imaging `yaml:"imaging" json:"imaging"`
}

// Imaging is the organisation's imaging footprint.
type Imaging struct {
	Modalities         []string `yaml:"modalities,omitempty" json:"modalities,omitempty"`
	PACS               bool     `yaml:"pacs" json:"pacs"`
	VNA                bool     `yaml:"vna" json:"vna"`
	Cloud              bool     `yaml:"cloud" json:"cloud"`
	RemoteReading      bool     `yaml:"remote_reading" json:"remote_reading"`
	VendorRemoteAccess bool     `yaml:"vendor_remote_access" json:"vendor_remote_access"`
}

var profileKeys = []string{"name", "providers", "beds", "it_assets", "it_staff", "current_tier", "target_tier", "modalities", "pacs", "vna", "cloud", "remote_reading", "vendor_remote_access"}

// Limits on answer files: they are small documents written by people.
const (
	maxAnswersBytes = 1 << 20
	maxNotesBytes   = 4096
	// The interview keeps at most 32 modalities of 16 bytes; a file may not
	// say more. A name is printed in every report heading.
	maxModalities       = 32
	maxModalityBytes    = 16
	maxOrgNameBytes     = 200
	maxAnswersYAMLDepth = 8
)

// plainYAML refuses anchors and aliases, which answers never need and which
// let a small file expand into a huge report (one long name aliased a
// hundred thousand times into modalities), and bounds nesting.
func plainYAML(b []byte) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return errors.New(yamlProblem(err))
	}
	var walk func(n *yaml.Node, depth int) error
	walk = func(n *yaml.Node, depth int) error {
		if depth > maxAnswersYAMLDepth {
			return fmt.Errorf("line %d: nested deeper than %d levels", n.Line, maxAnswersYAMLDepth)
		}
		if n.Kind == yaml.AliasNode || n.Anchor != "" {
			return fmt.Errorf("line %d: YAML anchors and aliases are not allowed in answers files", n.Line)
		}
		for _, c := range n.Content {
			if err := walk(c, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(&doc, 0)
}

// yamlProblem makes one line of a YAML error: the decoder lists every
// unknown field on its own line, and errors are printed one line each.
func yamlProblem(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg := te.Errors[0]
		if n := len(te.Errors) - 1; n > 0 {
			msg += fmt.Sprintf(" (and %d more)", n)
		}
		return msg
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}

// ErrAnswers marks a problem in an answers file; the CLI reports it as a usage error.
var ErrAnswers = errors.New("answers file")

// ParseAnswers reads an answers file, YAML or JSON (chosen by the first
// non-space byte), strictly: unknown fields are errors.
func ParseAnswers(r io.Reader) (*Answers, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxAnswersBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxAnswersBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrAnswers, maxAnswersBytes)
	}
	var a Answers
	trim := bytes.TrimSpace(b)
	if len(trim) > 0 && trim[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(trim))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&a); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrAnswers, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("%w: more than one JSON document", ErrAnswers)
		}
	} else {
		if err := plainYAML(b); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrAnswers, err)
		}
		if err := strictyaml.Decode(b, &a); err != nil {
			return nil, fmt.Errorf("%w: %s", ErrAnswers, yamlProblem(err))
		}
	}
	if a.Schema != AnswersSchema {
		return nil, fmt.Errorf("%w: schema %q, want %q", ErrAnswers, a.Schema, AnswersSchema)
	}
	if err := a.check(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrAnswers, err)
	}
	return &a, nil
}

func (a *Answers) check() error {
	p := a.Organisation
	if p.Size != "" {
		if _, err := ParseSize(string(p.Size)); err != nil {
			return err
		}
	}
	for name, v := range map[string]*int{"providers": p.Providers, "beds": p.Beds, "it_assets": p.ITAssets} {
		if v != nil && *v < 0 {
			return fmt.Errorf("organisation.%s must not be negative", name)
		}
	}
	if len(p.Name) > maxOrgNameBytes {
		return fmt.Errorf("organisation.name longer than %d bytes", maxOrgNameBytes)
	}
	if len(p.Imaging.Modalities) > maxModalities {
		return fmt.Errorf("organisation.imaging.modalities lists %d entries (at most %d)", len(p.Imaging.Modalities), maxModalities)
	}
	for _, m := range p.Imaging.Modalities {
		if len(m) > maxModalityBytes {
			return fmt.Errorf("organisation.imaging.modalities entry longer than %d bytes (use codes such as CT, MR, US)", maxModalityBytes)
		}
	}
	switch p.ITStaff {
	case "", ITStaffNone, ITStaffSome, ITStaffSecurity:
	default:
		return fmt.Errorf("organisation.it_staff %q (want none, some or security)", p.ITStaff)
	}
	for name, t := range map[string]int{"current_tier": p.CurrentTier, "target_tier": p.TargetTier} {
		if t < 0 || t > 4 {
			return fmt.Errorf("organisation.%s %d (want 1 to 4)", name, t)
		}
	}
	for id, ans := range a.Answers {
		if !subPracticeID.MatchString(id) {
			return fmt.Errorf("answer key %q is not a sub-practice ID like 9.M.E", id)
		}
		// A YAML null ("1.S.A:") decodes without calling UnmarshalYAML.
		if ans.Grade == GradeNone {
			return fmt.Errorf("answer for %s has no grade", id)
		}
		if len(ans.Notes) > maxNotesBytes {
			return fmt.Errorf("notes of %s longer than %d bytes", id, maxNotesBytes)
		}
	}
	return nil
}

// SizeDecision is the size used and why.
type SizeDecision struct {
	Size    Size     `json:"size"`
	Reasons []string `json:"reasons"`
}

// DecideSize applies HICP's size criteria to the profile. Each answered
// criterion suggests a size; the largest wins, so an organisation is never
// asked less than its biggest dimension calls for. An explicit size wins.
func DecideSize(p Profile) SizeDecision {
	if p.Size != "" {
		return SizeDecision{Size: p.Size, Reasons: []string{"size given in the profile"}}
	}
	d := SizeDecision{Size: SizeSmall}
	bump := func(s Size, why string) {
		d.Reasons = append(d.Reasons, why)
		if sizeOrder[s] > sizeOrder[d.Size] {
			d.Size = s
		}
	}
	if p.Providers != nil {
		switch n := *p.Providers; {
		case n <= 10:
			bump(SizeSmall, fmt.Sprintf("%d providers (10 or fewer: small)", n))
		case n <= 50:
			bump(SizeMedium, fmt.Sprintf("%d providers (11-50: medium)", n))
		default:
			bump(SizeLarge, fmt.Sprintf("%d providers (more than 50: large)", n))
		}
	}
	if p.Beds != nil && *p.Beds > 0 {
		switch n := *p.Beds; {
		case n < 50:
			bump(SizeSmall, fmt.Sprintf("%d beds (under 50: small)", n))
		case n < 300:
			bump(SizeMedium, fmt.Sprintf("%d beds (50-299: medium)", n))
		default:
			bump(SizeLarge, fmt.Sprintf("%d beds (300 or more: large)", n))
		}
	}
	if p.ITAssets != nil {
		switch n := *p.ITAssets; {
		case n <= 100:
			bump(SizeSmall, fmt.Sprintf("%d IT assets (about a hundred or fewer: small)", n))
		case n < 10000:
			bump(SizeMedium, fmt.Sprintf("%d IT assets (hundreds to a few thousand: medium)", n))
		default:
			bump(SizeLarge, fmt.Sprintf("%d IT assets (tens of thousands: large)", n))
		}
	}
	switch p.ITStaff {
	case ITStaffNone:
		bump(SizeSmall, "no dedicated IT staff (small)")
	case ITStaffSome:
		bump(SizeMedium, "in-house IT staff (medium)")
	case ITStaffSecurity:
		bump(SizeMedium, "dedicated security staff (medium or larger)")
	}
	if len(d.Reasons) == 0 {
		d.Reasons = []string{"no size criteria answered: assumed small"}
	}
	return d
}

// CheckAnswers reports answers for sub-practice IDs that do not exist in the
// catalogue (a typo such as 1.S.Z), as an ErrAnswers error.
func (c *Content) CheckAnswers(a *Answers) error {
	var unknown []string
	for id := range a.Answers {
		if _, ok := c.subByID[id]; !ok {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("%w: no HICP sub-practice %s (see pacsguard assess --crosswalk for the IDs)", ErrAnswers, strings.Join(unknown, ", "))
	}
	return nil
}

// SortedIDs returns answer keys in catalogue order.
func (c *Content) SortedIDs(ids []string) []string {
	pos := map[string]int{}
	i := 0
	for _, p := range c.HICP.Practices {
		for _, sp := range p.SubPractices {
			pos[sp.ID] = i
			i++
		}
	}
	out := append([]string(nil), ids...)
	sort.SliceStable(out, func(a, b int) bool { return pos[out[a]] < pos[out[b]] })
	return out
}
