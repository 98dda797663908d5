// Package vulndb is pacsguard's advisory database for imaging software: a
// versioned data format, the embedded database (data/*.yaml), version parsing
// and comparison, identification of products from DICOM wire strings, the
// matcher that turns a fingerprinted service into findings, and importers for
// the official offline feeds (NVD CVE API 2.0, CISA KEV, CSAF 2.0).
//
// The format is documented in docs/vulndb.md. Files are decoded strictly: an
// unknown field is an error, so a typo fails the tests instead of silently
// dropping a range.
package vulndb

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Schema is the schema identifier every advisory file carries.
const Schema = "pacsguard.vulndb/v1"

// File is one advisory file.
type File struct {
	Schema string `yaml:"schema" json:"schema"`
	// Revision counts changes to the file's data; the embedded database
	// reports it in `vulndb status`.
	Revision int `yaml:"revision" json:"revision"`
	// Updated is the date (YYYY-MM-DD) the data was last reviewed.
	Updated    string     `yaml:"updated" json:"updated"`
	Advisories []Advisory `yaml:"advisories" json:"advisories"`
}

// Advisory is one known vulnerability of one product.
type Advisory struct {
	// ID is the primary identifier: a CVE ID, else an ICS medical advisory ID
	// (ICSMA-YY-DDD-NN), else a pacsguard ID (PG-PRODUCT-WORDS) for problems
	// fixed without a public identifier.
	ID string `yaml:"id" json:"id"`
	// Aliases are other identifiers of the same problem: ICSMA, GHSA, TALOS,
	// ZDI, vendor IDs.
	Aliases []string `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	// Product is a normalised product ID (see ProductIDs).
	Product string `yaml:"product" json:"product"`
	// Component narrows the product, e.g. "dcmqrscp" or "storescp".
	Component string `yaml:"component,omitempty" json:"component,omitempty"`
	// Affected lists version ranges; Versions lists single versions. Both
	// empty means the affected versions are not established: the advisory can
	// then only "may apply", never match.
	Affected []Range   `yaml:"affected,omitempty" json:"affected,omitempty"`
	Versions []string  `yaml:"versions,omitempty" json:"versions,omitempty"`
	CVSSv3   *CVSS     `yaml:"cvss_v3,omitempty" json:"cvss_v3,omitempty"`
	CVSSv4   *CVSS     `yaml:"cvss_v4,omitempty" json:"cvss_v4,omitempty"`
	KEV      *KEVEntry `yaml:"kev,omitempty" json:"kev,omitempty"`
	// KnownExploited is set when exploitation in the wild is on public record
	// (CISA KEV, or another named source in ExploitedBy).
	KnownExploited bool   `yaml:"known_exploited,omitempty" json:"known_exploited,omitempty"`
	ExploitedBy    string `yaml:"exploited_by,omitempty" json:"exploited_by,omitempty"`
	// Summary is one line.
	Summary string `yaml:"summary" json:"summary"`
	// Surface says how the flaw is reached: network (a DICOM or other network
	// service), file (parsing a file), web (a web interface), local.
	Surface []string `yaml:"surface" json:"surface"`
	// Fix is what to do: the fixed release or the mitigation.
	Fix        string   `yaml:"fix" json:"fix"`
	References []string `yaml:"references" json:"references"`
	Published  string   `yaml:"published,omitempty" json:"published,omitempty"` // YYYY-MM-DD
	// Disputed marks an advisory whose affected range is contested; the
	// contested versions are the ranges marked disputed, and Notes say why.
	Disputed bool   `yaml:"disputed,omitempty" json:"disputed,omitempty"`
	Notes    string `yaml:"notes,omitempty" json:"notes,omitempty"`
	// Verified is true when the entry was checked against its public record
	// (CVE record, CISA advisory, vendor history). False entries say in Notes
	// what could not be checked.
	Verified bool `yaml:"verified" json:"verified"`
	// Sources name where an entry came from when it was imported ("nvd",
	// "kev", "csaf"); empty for curated entries.
	Sources []string `yaml:"sources,omitempty" json:"sources,omitempty"`
}

// Range is a span of affected versions: from Introduced (inclusive, empty for
// "all earlier versions") up to Fixed (exclusive) or LastAffected
// (inclusive); neither means every later version.
type Range struct {
	Introduced   string `yaml:"introduced,omitempty" json:"introduced,omitempty"`
	Fixed        string `yaml:"fixed,omitempty" json:"fixed,omitempty"`
	LastAffected string `yaml:"last_affected,omitempty" json:"last_affected,omitempty"`
	// Disputed marks versions whose status is contested (the vendor says
	// fixed, the code history says otherwise): a match in a disputed range is
	// reported as possible, not certain.
	Disputed bool `yaml:"disputed,omitempty" json:"disputed,omitempty"`
}

// CVSS is one scored vector.
type CVSS struct {
	Vector string  `yaml:"vector,omitempty" json:"vector,omitempty"`
	Score  float64 `yaml:"score" json:"score"`
	// Source names who scored it when it is not the CNA (e.g. "CISA-ADP").
	Source string `yaml:"source,omitempty" json:"source,omitempty"`
}

// KEVEntry records the CISA Known Exploited Vulnerabilities listing.
type KEVEntry struct {
	DateAdded  string `yaml:"date_added" json:"date_added"`
	DueDate    string `yaml:"due_date,omitempty" json:"due_date,omitempty"`
	Ransomware string `yaml:"ransomware,omitempty" json:"ransomware,omitempty"`
}

// Surfaces.
const (
	SurfaceNetwork = "network"
	SurfaceFile    = "file"
	SurfaceWeb     = "web"
	SurfaceLocal   = "local"
)

var (
	cvePattern   = regexp.MustCompile(`^CVE-\d{4}-\d{4,7}$`)
	icsmaPattern = regexp.MustCompile(`^ICSMA-\d{2}-\d{3}-\d{2}$`)
	pgPattern    = regexp.MustCompile(`^PG-[A-Z0-9]+(-[A-Z0-9]+)+$`)
	aliasPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9._:-]{2,63}$`)
	datePattern  = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// ErrFormat is wrapped by every decoding and validation error.
var ErrFormat = errors.New("invalid advisory data")

// maxFileSize bounds an advisory file; the embedded one is far smaller.
const maxFileSize = 16 << 20

// DecodeFile reads one advisory file strictly: the schema must match, an
// unknown field is an error, and every advisory must validate.
func DecodeFile(r io.Reader) (*File, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxFileSize {
		return nil, fmt.Errorf("%w: file larger than %d bytes", ErrFormat, maxFileSize)
	}
	// Anchors and aliases have no use in advisory data and let a small file
	// expand into a huge one; refuse them before the strict decode.
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if err := noAliases(&doc, 0); err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if err := dec.Decode(new(any)); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: more than one YAML document", ErrFormat)
	}
	if f.Schema != Schema {
		return nil, fmt.Errorf("%w: schema %q, want %q", ErrFormat, f.Schema, Schema)
	}
	if f.Revision < 1 {
		return nil, fmt.Errorf("%w: revision must be 1 or more", ErrFormat)
	}
	if !datePattern.MatchString(f.Updated) {
		return nil, fmt.Errorf("%w: updated %q is not a YYYY-MM-DD date", ErrFormat, f.Updated)
	}
	seen := map[string]string{}
	for _, a := range f.Advisories {
		if err := a.Validate(); err != nil {
			return nil, err
		}
		for _, id := range a.IDs() {
			if prev, dup := seen[id]; dup {
				return nil, fmt.Errorf("%w: %s: identifier %s already used by %s", ErrFormat, a.ID, id, prev)
			}
			seen[id] = a.ID
		}
	}
	return &f, nil
}

// maxYAMLDepth bounds nesting; the format needs five levels.
const maxYAMLDepth = 16

func noAliases(n *yaml.Node, depth int) error {
	if depth > maxYAMLDepth {
		return fmt.Errorf("%w: nested deeper than %d levels", ErrFormat, maxYAMLDepth)
	}
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return fmt.Errorf("%w: line %d: YAML anchors and aliases are not allowed", ErrFormat, n.Line)
	}
	for _, c := range n.Content {
		if err := noAliases(c, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// EncodeFile writes a file in the form DecodeFile reads.
func EncodeFile(w io.Writer, f *File) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return err
	}
	return enc.Close()
}

// IDs returns the primary ID followed by the aliases.
func (a Advisory) IDs() []string { return append([]string{a.ID}, a.Aliases...) }

// HasID reports whether id (case-insensitive) names this advisory.
func (a Advisory) HasID(id string) bool {
	for _, x := range a.IDs() {
		if strings.EqualFold(x, id) {
			return true
		}
	}
	return false
}

// Validate checks one advisory.
func (a Advisory) Validate() error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: advisory %q: %s", ErrFormat, a.ID, fmt.Sprintf(format, args...))
	}
	if !ValidID(a.ID) {
		return fail("ID must be a CVE ID, an ICSMA-YY-DDD-NN advisory ID or PG-PRODUCT-WORDS")
	}
	for _, al := range a.Aliases {
		if !aliasPattern.MatchString(al) {
			return fail("alias %q is not an identifier", al)
		}
	}
	if _, ok := ProductByID(a.Product); !ok {
		return fail("unknown product %q (known: %s)", a.Product, strings.Join(ProductIDs(), ", "))
	}
	if s := strings.TrimSpace(a.Summary); s == "" || strings.Contains(s, "\n") {
		return fail("summary must be one non-empty line")
	}
	if strings.TrimSpace(a.Fix) == "" {
		return fail("fix is empty")
	}
	// Text reaches terminals; a stored or hand-edited record must not carry
	// escape sequences or bidirectional overrides that the importer would
	// have removed.
	for _, t := range []struct{ field, text string }{
		{"summary", a.Summary}, {"fix", a.Fix}, {"notes", a.Notes}, {"component", a.Component}, {"exploited_by", a.ExploitedBy},
	} {
		if i := strings.IndexFunc(t.text, isUnsafeTextRune); i >= 0 {
			return fail("%s has a control or bidirectional-override character at byte %d", t.field, i)
		}
	}
	// A product with a component table (DCMTK) names its components from
	// the table: the matcher decides applicability by them, so a typo would
	// silently turn a tool advisory into one that always applies.
	if table := componentTable(a.Product); table != nil {
		for _, c := range a.Components() {
			if _, ok := table[c]; !ok {
				return fail("component %q is not a known %s module or tool (comma-separated names such as dcmnet, storescp)", c, productName(a.Product))
			}
		}
	}
	if a.KEV != nil && strings.IndexFunc(a.KEV.Ransomware, isUnsafeTextRune) >= 0 {
		return fail("kev ransomware has a control or bidirectional-override character")
	}
	if len(a.Surface) == 0 {
		return fail("surface is empty")
	}
	for _, s := range a.Surface {
		if !slices.Contains([]string{SurfaceNetwork, SurfaceFile, SurfaceWeb, SurfaceLocal}, s) {
			return fail("surface %q is not network, file, web or local", s)
		}
	}
	if len(a.References) == 0 {
		return fail("references are empty")
	}
	for _, r := range a.References {
		if !strings.HasPrefix(r, "https://") && !strings.HasPrefix(r, "http://") {
			return fail("reference %q is not a URL", r)
		}
	}
	for i, r := range a.Affected {
		if err := r.validate(); err != nil {
			return fail("affected range %d: %v", i+1, err)
		}
	}
	for _, v := range a.Versions {
		if _, err := ParseVersion(v); err != nil {
			return fail("version %v", err)
		}
	}
	if err := a.CVSSv3.validate("CVSS:3."); err != nil {
		return fail("cvss_v3: %v", err)
	}
	if err := a.CVSSv4.validate("CVSS:4.0/"); err != nil {
		return fail("cvss_v4: %v", err)
	}
	if a.KEV != nil {
		if !datePattern.MatchString(a.KEV.DateAdded) {
			return fail("kev date_added %q is not YYYY-MM-DD", a.KEV.DateAdded)
		}
		if !a.KnownExploited {
			return fail("a KEV listing implies known_exploited: true")
		}
	}
	if a.Published != "" && !datePattern.MatchString(a.Published) {
		return fail("published %q is not YYYY-MM-DD", a.Published)
	}
	hasDisputedRange := slices.ContainsFunc(a.Affected, func(r Range) bool { return r.Disputed })
	if hasDisputedRange && !a.Disputed {
		return fail("a disputed range needs disputed: true on the advisory")
	}
	if (a.Disputed || !a.Verified) && strings.TrimSpace(a.Notes) == "" {
		return fail("disputed or unverified entries must say why in notes")
	}
	return nil
}

// isUnsafeTextRune reports control characters other than tab and newline
// (C0, DEL, C1), line and paragraph separators, and bidirectional overrides.
func isUnsafeTextRune(r rune) bool {
	switch {
	case r == '\t', r == '\n':
		return false
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0, r == 0x2028, r == 0x2029,
		r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// ValidID reports whether s is a primary advisory ID.
func ValidID(s string) bool {
	return cvePattern.MatchString(s) || icsmaPattern.MatchString(s) || pgPattern.MatchString(s)
}

func (r Range) validate() error {
	if r.Introduced == "" && r.Fixed == "" && r.LastAffected == "" {
		return errors.New("a range needs introduced, fixed or last_affected (introduced: \"0\" for all versions)")
	}
	if r.Fixed != "" && r.LastAffected != "" {
		return errors.New("fixed and last_affected are exclusive")
	}
	var lo, hi Version
	var err error
	if r.Introduced != "" {
		if lo, err = ParseVersion(r.Introduced); err != nil {
			return fmt.Errorf("introduced: %w", err)
		}
	}
	for _, s := range []string{r.Fixed, r.LastAffected} {
		if s == "" {
			continue
		}
		if hi, err = ParseVersion(s); err != nil {
			return err
		}
	}
	if !lo.IsZero() && !hi.IsZero() {
		c := lo.Compare(hi)
		if c > 0 || (c == 0 && r.Fixed != "") {
			return errors.New("introduced is not before the end of the range")
		}
	}
	return nil
}

func (c *CVSS) validate(prefix string) error {
	if c == nil {
		return nil
	}
	if c.Score < 0 || c.Score > 10 {
		return fmt.Errorf("score %v is outside 0-10", c.Score)
	}
	if c.Vector != "" && !strings.HasPrefix(c.Vector, prefix) {
		return fmt.Errorf("vector %q does not start with %s", c.Vector, prefix)
	}
	if c.Vector == "" && c.Score == 0 {
		return errors.New("neither vector nor score")
	}
	return nil
}
