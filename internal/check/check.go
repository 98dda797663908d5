// Package check is the findings catalogue: every check pacsguard can report,
// with its ID, severity, remediation and references to HICP sub-practices and
// CSF 2.0 subcategories. The catalogue is data (catalogue/*.yaml, embedded),
// versioned and decoded strictly: an unknown field is an error, so a typo in a
// catalogue file fails the tests instead of silently dropping text.
package check

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"

	"github.com/pacsguard/pacsguard/internal/inventory"
	"github.com/pacsguard/pacsguard/internal/strictyaml"
)

// Schema is the schema identifier every catalogue file must carry.
const Schema = "pacsguard.checks/v1"

//go:embed catalogue/*.yaml
var embedded embed.FS

// Check is one entry of the catalogue.
type Check struct {
	ID          string             `yaml:"id" json:"id"`
	Title       string             `yaml:"title" json:"title"`
	Severity    inventory.Severity `yaml:"severity" json:"severity"`
	Engine      string             `yaml:"engine" json:"engine"` // scan, files, ...
	Intrusive   bool               `yaml:"intrusive,omitempty" json:"intrusive,omitempty"`
	Description string             `yaml:"description" json:"description"`
	Remediation string             `yaml:"remediation" json:"remediation"`
	References  References         `yaml:"references" json:"references"`
}

// References ties a check to frameworks and public records.
type References struct {
	HICP []string `yaml:"hicp,omitempty" json:"hicp,omitempty"` // sub-practice IDs, e.g. 9.M.B
	CSF  []string `yaml:"csf,omitempty" json:"csf,omitempty"`   // CSF 2.0 subcategories, e.g. PR.DS-02
	CVE  []string `yaml:"cve,omitempty" json:"cve,omitempty"`
	URLs []string `yaml:"urls,omitempty" json:"urls,omitempty"`
}

// All flattens the references as "HICP:9.M.B", "CSF:PR.DS-02", CVE IDs and URLs.
func (r References) All() []string {
	var out []string
	for _, h := range r.HICP {
		out = append(out, "HICP:"+h)
	}
	for _, c := range r.CSF {
		out = append(out, "CSF:"+c)
	}
	out = append(out, r.CVE...)
	out = append(out, r.URLs...)
	return out
}

type file struct {
	Schema  string  `yaml:"schema"`
	Version int     `yaml:"version"`
	Checks  []Check `yaml:"checks"`
}

// Catalogue is the loaded set of checks.
type Catalogue struct {
	checks map[string]Check
	// Versions maps each catalogue file to its version.
	Versions map[string]int
}

var (
	idPattern   = regexp.MustCompile(`^[a-z0-9]+(\.[a-z0-9-]+)+$`)
	hicpPattern = regexp.MustCompile(`^([1-9]|10)\.[SML]\.[A-Z]$`)
	csfPattern  = regexp.MustCompile(`^(GV|ID|PR|DE|RS|RC)\.[A-Z]{2}(-\d{2})?$`)
)

// Load reads the embedded catalogue.
func Load() (*Catalogue, error) { return LoadFS(embedded, "catalogue") }

// MustLoad is Load for callers that run after the tests proved the embedded
// catalogue valid (the catalogue is compiled in, so an error is a build bug).
func MustLoad() *Catalogue {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

// LoadFS reads every *.yaml file in dir of fsys.
func LoadFS(fsys fs.FS, dir string) (*Catalogue, error) {
	names, err := fs.Glob(fsys, dir+"/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	c := &Catalogue{checks: map[string]Check{}, Versions: map[string]int{}}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		if err := c.add(name, b); err != nil {
			return nil, fmt.Errorf("check catalogue %s: %w", name, err)
		}
	}
	return c, nil
}

func (c *Catalogue) add(name string, b []byte) error {
	var f file
	if err := strictyaml.Decode(b, &f); err != nil {
		return err
	}
	if f.Schema != Schema {
		return fmt.Errorf("schema %q, want %q", f.Schema, Schema)
	}
	if f.Version < 1 {
		return errors.New("version must be 1 or more")
	}
	c.Versions[name] = f.Version
	for _, ch := range f.Checks {
		if err := validate(ch); err != nil {
			return fmt.Errorf("check %q: %w", ch.ID, err)
		}
		if _, dup := c.checks[ch.ID]; dup {
			return fmt.Errorf("check %q defined twice", ch.ID)
		}
		c.checks[ch.ID] = ch
	}
	return nil
}

func validate(ch Check) error {
	switch {
	case !idPattern.MatchString(ch.ID):
		return errors.New("ID must look like engine.name (lower case, dots, dashes)")
	case strings.TrimSpace(ch.Title) == "":
		return errors.New("title is empty")
	case strings.TrimSpace(ch.Remediation) == "":
		return errors.New("remediation is empty")
	case ch.Engine == "":
		return errors.New("engine is empty")
	}
	for _, h := range ch.References.HICP {
		if !hicpPattern.MatchString(h) {
			return fmt.Errorf("HICP reference %q is not a sub-practice ID like 9.M.B", h)
		}
	}
	for _, s := range ch.References.CSF {
		if !csfPattern.MatchString(s) {
			return fmt.Errorf("CSF reference %q is not a CSF 2.0 ID like PR.DS-02", s)
		}
	}
	return nil
}

// Get returns the check with the ID.
func (c *Catalogue) Get(id string) (Check, bool) {
	ch, ok := c.checks[id]
	return ch, ok
}

// All returns every check sorted by ID.
func (c *Catalogue) All() []Check {
	out := make([]Check, 0, len(c.checks))
	for _, ch := range c.checks {
		out = append(out, ch)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Finding builds a finding for a catalogued check. An unknown ID is a
// programming error and yields a finding that says so rather than a panic.
func (c *Catalogue) Finding(id string, ev ...inventory.Evidence) inventory.Finding {
	ch, ok := c.checks[id]
	if !ok {
		return inventory.Finding{CheckID: id, Severity: inventory.SeverityInfo, Title: "uncatalogued check " + id, Evidence: ev}
	}
	return inventory.Finding{
		CheckID:     ch.ID,
		Severity:    ch.Severity,
		Title:       ch.Title,
		Evidence:    ev,
		Remediation: strings.TrimSpace(ch.Remediation),
		References:  ch.References.All(),
	}
}
