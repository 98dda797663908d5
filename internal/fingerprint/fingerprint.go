// Package fingerprint decides what a service runs from data-driven rules
// (rules/*.yaml, embedded, schema pacsguard.fingerprints/v1, decoded
// strictly): the DICOM implementation class UID and version name, HTTP
// answers and observed behaviour. The association alone names a toolkit;
// products that embed one (Orthanc sends DCMTK's identity) are told apart
// by other evidence, and the result says so.
package fingerprint

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"

	"github.com/pacsguard/pacsguard/internal/strictyaml"
)

// Schema is the schema of rule files.
const Schema = "pacsguard.fingerprints/v1"

//go:embed rules/*.yaml
var embedded embed.FS

// Observation is what the scanner saw of one service.
type Observation struct {
	ImplementationClassUID    string
	ImplementationVersionName string
	OrthancVersion            string // from REST /system
	HTTPRealm                 string
	HTTPServer                string
	// Behaviours are tags such as abort-on-query, storage-only.
	Behaviours []string
}

// Behaviour tags the scanner sets.
const (
	BehaviourAbortOnQuery = "abort-on-query"
	BehaviourStorageOnly  = "storage-only"
)

// Identity is the verdict.
type Identity struct {
	Product    string
	Version    string
	Confidence string // exact, inferred, product-only, unknown
	// Toolkit is the DICOM library named by the association, when another
	// than Product.
	Toolkit string
	Rules   []string
	Notes   []string
}

// Rule is one fingerprint rule.
type Rule struct {
	ID         string            `yaml:"id"`
	Layer      string            `yaml:"layer"`
	When       map[string]string `yaml:"when"`
	Product    string            `yaml:"product"`
	Version    string            `yaml:"version,omitempty"`
	From       string            `yaml:"from,omitempty"`
	Confidence string            `yaml:"confidence"`
	Note       string            `yaml:"note,omitempty"`
	AloneNote  string            `yaml:"alone_note,omitempty"`

	re map[string]*regexp.Regexp
}

type file struct {
	Schema  string `yaml:"schema"`
	Version int    `yaml:"version"`
	Rules   []Rule `yaml:"rules"`
}

// Rules is a loaded rule set.
type Rules struct {
	rules []Rule
	// Version of the rule file.
	Version int
}

var fields = map[string]func(Observation) string{
	"implementation_class_uid":    func(o Observation) string { return o.ImplementationClassUID },
	"implementation_version_name": func(o Observation) string { return o.ImplementationVersionName },
	"orthanc_version":             func(o Observation) string { return o.OrthancVersion },
	"http_realm":                  func(o Observation) string { return o.HTTPRealm },
	"http_server":                 func(o Observation) string { return o.HTTPServer },
}

var confidences = map[string]bool{"exact": true, "inferred": true, "product-only": true}

// Load reads the embedded rules.
func Load() (*Rules, error) { return LoadFS(embedded, "rules") }

// LoadFS reads every *.yaml file of dir (in name order).
func LoadFS(fsys fs.FS, dir string) (*Rules, error) {
	names, err := fs.Glob(fsys, dir+"/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	rs := &Rules{}
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		if err := rs.add(b); err != nil {
			return nil, fmt.Errorf("fingerprint rules %s: %w", n, err)
		}
	}
	return rs, nil
}

// Parse reads one rule file.
func Parse(b []byte) (*Rules, error) {
	rs := &Rules{}
	return rs, rs.add(b)
}

func (rs *Rules) add(b []byte) error {
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
	rs.Version = f.Version
	seen := map[string]bool{}
	for _, r := range rs.rules {
		seen[r.ID] = true
	}
	for _, r := range f.Rules {
		if err := compile(&r); err != nil {
			return fmt.Errorf("rule %q: %w", r.ID, err)
		}
		if seen[r.ID] {
			return fmt.Errorf("rule %q defined twice", r.ID)
		}
		seen[r.ID] = true
		rs.rules = append(rs.rules, r)
	}
	return nil
}

func compile(r *Rule) error {
	switch {
	case r.ID == "":
		return errors.New("id is empty")
	case r.Layer != "toolkit" && r.Layer != "product":
		return fmt.Errorf("layer %q, want toolkit or product", r.Layer)
	case r.Product == "":
		return errors.New("product is empty")
	case !confidences[r.Confidence]:
		return fmt.Errorf("confidence %q, want exact, inferred or product-only", r.Confidence)
	case len(r.When) == 0:
		return errors.New("when is empty")
	}
	r.re = map[string]*regexp.Regexp{}
	for k, v := range r.When {
		if k == "behaviour" {
			continue
		}
		if _, ok := fields[k]; !ok {
			return fmt.Errorf("unknown field %q in when", k)
		}
		re, err := regexp.Compile(v)
		if err != nil {
			return fmt.Errorf("field %s: %w", k, err)
		}
		r.re[k] = re
	}
	if r.Version != "" {
		if _, ok := r.re[r.From]; !ok {
			return fmt.Errorf("version template needs from: naming a field of when")
		}
	}
	return nil
}

// match returns the version (expanded) and whether r matches o.
func (r *Rule) match(o Observation) (string, bool) {
	if b, ok := r.When["behaviour"]; ok && !contains(o.Behaviours, b) {
		return "", false
	}
	for k, re := range r.re {
		if !re.MatchString(fields[k](o)) {
			return "", false
		}
	}
	if r.Version == "" {
		return "", true
	}
	re := r.re[r.From]
	src := fields[r.From](o)
	m := re.FindStringSubmatchIndex(src)
	return string(re.ExpandString(nil, r.Version, src, m)), true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Identify applies the rules to an observation.
func (rs *Rules) Identify(o Observation) Identity {
	o.ImplementationClassUID = strings.TrimRight(strings.TrimSpace(o.ImplementationClassUID), "\x00")
	o.ImplementationVersionName = strings.TrimRight(strings.TrimSpace(o.ImplementationVersionName), "\x00")
	var tk, pr *Rule
	var tkVersion, prVersion string
	var notes []string
	id := Identity{Confidence: "unknown"}
	for i := range rs.rules {
		r := &rs.rules[i]
		v, ok := r.match(o)
		if !ok {
			continue
		}
		switch {
		case r.Layer == "toolkit" && tk == nil:
			tk, tkVersion = r, v
		case r.Layer == "toolkit" && tk.Product == r.Product && tkVersion == "":
			tkVersion = v // a later rule of the same toolkit knows the version
		case r.Layer == "product" && pr == nil:
			pr, prVersion = r, v
		default:
			continue
		}
		id.Rules = append(id.Rules, r.ID)
		if r.Note != "" {
			notes = append(notes, strings.TrimSpace(r.Note))
		}
	}
	switch {
	case pr != nil:
		id.Product, id.Version, id.Confidence = pr.Product, prVersion, pr.Confidence
		if tk != nil && tk.Product != pr.Product {
			id.Toolkit = tk.Product
			if tkVersion != "" {
				id.Toolkit += " " + tkVersion
			}
		} else if tk != nil && id.Version == "" {
			id.Version = tkVersion
			if tkVersion != "" && id.Confidence == "product-only" {
				id.Confidence = "inferred"
			}
		}
	case tk != nil:
		id.Product, id.Version, id.Confidence = tk.Product, tkVersion, tk.Confidence
		if tkVersion != "" && tk.Confidence == "product-only" {
			id.Confidence = "inferred"
		}
		if tk.AloneNote != "" {
			notes = append(notes, strings.Join(strings.Fields(tk.AloneNote), " "))
		}
	}
	for _, n := range notes {
		id.Notes = append(id.Notes, strings.Join(strings.Fields(n), " "))
	}
	return id
}
