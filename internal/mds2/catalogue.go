// Package mds2 reads Manufacturer Disclosure Statements for Medical Device
// Security (MDS2, ANSI/NEMA HN 1-2019), compares imaging devices before
// purchase with weights that depend on the kind of equipment, writes security
// requirements for a request for proposal, and checks a device's claims
// against what pacsguard observed of it on the network.
//
// Spreadsheets are untrusted input: the reader checks sizes and the zip
// directory before handing the file to excelize, never guesses an answer it
// cannot read (it reports it per question instead) and never panics.
package mds2

import (
	_ "embed"
	"fmt"
	"regexp"
	"strings"

	"github.com/pacsguard/pacsguard/internal/strictyaml"
)

// QuestionsSchema is the schema identifier of the embedded question catalogue.
const QuestionsSchema = "pacsguard.mds2-questions/v1"

//go:embed questions.yaml
var questionsYAML []byte

// Kind says what an answer to a question looks like.
type Kind string

const (
	KindYesNo   Kind = "yesno"   // Yes, No or N/A, with an optional note
	KindText    Kind = "text"    // free text (document identification rows)
	KindHeading Kind = "heading" // groups sub-questions, carries no answer
)

// Section is one of the form's security-capability groups.
type Section struct {
	Code  string `yaml:"code" json:"code"`
	Title string `yaml:"title" json:"title"`
	// Verified is false where the section could not be checked against a form.
	Verified *bool `yaml:"verified,omitempty" json:"-"`
}

// Question is one row of the form, by its ID.
type Question struct {
	ID      string   `yaml:"id" json:"id"`
	Kind    Kind     `yaml:"kind,omitempty" json:"kind"`
	Label   string   `yaml:"label" json:"label"` // the project's paraphrase, not NEMA's text
	Aliases []string `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	// Verified is false where the ID could not be checked against a form.
	Verified *bool  `yaml:"verified,omitempty" json:"-"`
	Section  string `yaml:"-" json:"section"`
}

// IsVerified reports whether the question was checked against a real form.
func (q Question) IsVerified() bool { return q.Verified == nil || *q.Verified }

type questionsFile struct {
	Schema    string     `yaml:"schema"`
	Version   int        `yaml:"version"`
	Form      string     `yaml:"form"`
	Sections  []Section  `yaml:"sections"`
	Questions []Question `yaml:"questions"`
}

// Catalogue is the loaded question catalogue.
type Catalogue struct {
	Form      string
	Version   int
	Sections  []Section
	Questions []Question // in form order
	byID      map[string]int
	aliases   map[string]string
	sections  map[string]int
}

// idPattern is the form's question ID scheme: SECTION-n[.m[.k]].
var (
	idPattern       = regexp.MustCompile(`^([A-Z]{3,4})-(\d{1,3}(?:\.\d{1,3}){0,3})$`)
	sectionPattern  = regexp.MustCompile(`^[A-Z]{3,4}$`)
	undashedPattern = regexp.MustCompile(`^([A-Z]{3,4})(\d.*)$`)
	// leadingIDPattern matches a cell that starts with an ID and goes on
	// with the question ("DOC-1: Manufacturer Name", "AUTH-1 Does the...").
	leadingIDPattern = regexp.MustCompile(`^\s*([A-Za-z]{3,4}[-–—‐‑ ]?\d{1,3}(?:\.\d{1,3}){0,3})(?:[\s:.)]+)(\S.*)$`)
)

// LoadCatalogue decodes the embedded question catalogue.
func LoadCatalogue() (*Catalogue, error) { return parseCatalogue(questionsYAML) }

func parseCatalogue(b []byte) (*Catalogue, error) {
	var f questionsFile
	if err := strictyaml.Decode(b, &f); err != nil {
		return nil, fmt.Errorf("mds2 question catalogue: %w", err)
	}
	if f.Schema != QuestionsSchema {
		return nil, fmt.Errorf("mds2 question catalogue: schema %q, want %q", f.Schema, QuestionsSchema)
	}
	c := &Catalogue{Form: f.Form, Version: f.Version, Sections: f.Sections,
		byID: map[string]int{}, aliases: map[string]string{}, sections: map[string]int{}}
	for i, s := range f.Sections {
		if _, dup := c.sections[s.Code]; dup || !sectionPattern.MatchString(s.Code) {
			return nil, fmt.Errorf("mds2 question catalogue: bad or repeated section %q", s.Code)
		}
		c.sections[s.Code] = i
	}
	for _, q := range f.Questions {
		m := idPattern.FindStringSubmatch(q.ID)
		if m == nil {
			return nil, fmt.Errorf("mds2 question catalogue: ID %q does not follow SECTION-n[.m]", q.ID)
		}
		if _, ok := c.sections[m[1]]; !ok {
			return nil, fmt.Errorf("mds2 question catalogue: %s is in unknown section %s", q.ID, m[1])
		}
		if _, dup := c.byID[q.ID]; dup {
			return nil, fmt.Errorf("mds2 question catalogue: %s defined twice", q.ID)
		}
		if strings.TrimSpace(q.Label) == "" {
			return nil, fmt.Errorf("mds2 question catalogue: %s has no label", q.ID)
		}
		switch q.Kind {
		case "":
			q.Kind = KindYesNo
		case KindYesNo, KindText, KindHeading:
		default:
			return nil, fmt.Errorf("mds2 question catalogue: %s has unknown kind %q", q.ID, q.Kind)
		}
		q.Section = m[1]
		c.byID[q.ID] = len(c.Questions)
		c.Questions = append(c.Questions, q)
		for _, a := range q.Aliases {
			c.aliases[a] = q.ID
		}
	}
	return c, nil
}

// Question returns the catalogued question with the ID.
func (c *Catalogue) Question(id string) (Question, bool) {
	i, ok := c.byID[id]
	if !ok {
		return Question{}, false
	}
	return c.Questions[i], true
}

// SectionTitle returns the title of a section code, or the code itself.
func (c *Catalogue) SectionTitle(code string) string {
	if i, ok := c.sections[code]; ok {
		return c.Sections[i].Title
	}
	return code
}

// KnownSection reports whether code is a section of the form.
func (c *Catalogue) KnownSection(code string) bool {
	_, ok := c.sections[code]
	return ok
}

// Order returns the position of a question in the form, for sorting; unknown
// IDs sort after every known one.
func (c *Catalogue) Order(id string) int {
	if i, ok := c.byID[id]; ok {
		return i
	}
	return len(c.Questions)
}

// maxIDLength bounds the text a cell may hold to be considered a question ID.
const maxIDLength = 24

// CanonicalID reads a question ID as vendors write it ("auth-1", "AUTH 1",
// "AUTH–1.", "SHAD-15") and returns the form's spelling. ok is false when s
// does not look like a question ID at all. The ID need not be catalogued.
func (c *Catalogue) CanonicalID(s string) (id string, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxIDLength {
		return "", false
	}
	s = strings.ToUpper(s)
	s = strings.NewReplacer("–", "-", "—", "-", "‐", "-", "‑", "-", "_", "-", " ", "-").Replace(s)
	s = strings.TrimRight(s, ".:")
	s = strings.ReplaceAll(s, "--", "-")
	if !idPattern.MatchString(s) {
		// "AUTH1" without a dash.
		if m := undashedPattern.FindStringSubmatch(s); m != nil && idPattern.MatchString(m[1]+"-"+m[2]) {
			s = m[1] + "-" + m[2]
		} else {
			return "", false
		}
	}
	if a, ok := c.aliases[s]; ok {
		return a, true
	}
	return s, true
}

// CellID reads a question ID from an ID cell: the whole cell, or an ID at
// the start of a cell that goes on with the question text, which is
// returned as rest.
func (c *Catalogue) CellID(s string) (id, rest string, ok bool) {
	// Most cells are answers, notes or text: cheap rejection first.
	t := strings.TrimLeft(s, " \t")
	if t == "" || !(t[0] >= 'A' && t[0] <= 'Z' || t[0] >= 'a' && t[0] <= 'z') {
		return "", "", false
	}
	if id, ok := c.CanonicalID(s); ok {
		return id, "", true
	}
	if len(s) > 4000 {
		return "", "", false
	}
	m := leadingIDPattern.FindStringSubmatch(s)
	if m == nil {
		return "", "", false
	}
	id, ok = c.CanonicalID(m[1])
	if !ok {
		return "", "", false
	}
	// Only catalogued sections: "Note 3: see the IFU" is not an ID.
	if !c.KnownSection(SectionOf(id)) {
		return "", "", false
	}
	return id, strings.TrimSpace(m[2]), true
}

// SectionOf returns the section code of an ID in canonical form.
func SectionOf(id string) string {
	if i := strings.IndexByte(id, '-'); i > 0 {
		return id[:i]
	}
	return id
}
