package vulndb

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"sort"
	"strings"
)

//go:embed data/*.yaml
var embedded embed.FS

// DB is a loaded, read-only set of advisories: the embedded database, possibly
// merged with records imported into the local store. Apply returns a new DB
// rather than changing one, so a DB can be shared between goroutines.
type DB struct {
	advisories []Advisory     // sorted by product, then ID
	index      map[string]int // upper-case ID or alias → position
	info       Info
}

// Info describes where a DB's data came from.
type Info struct {
	Schema   string `json:"schema"`
	Revision int    `json:"revision"`
	Updated  string `json:"updated"`
	// Embedded counts the advisories shipped in the binary; Imported the
	// store records merged on top (new advisories and updates to embedded ones).
	Embedded int `json:"embedded"`
	Imported int `json:"imported"`
	Total    int `json:"total"`
}

// LoadEmbedded decodes the database compiled into the binary.
func LoadEmbedded() (*DB, error) { return LoadFS(embedded, "data") }

// LoadFS decodes every *.yaml advisory file in dir of fsys.
func LoadFS(fsys fs.FS, dir string) (*DB, error) {
	names, err := fs.Glob(fsys, dir+"/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	db := &DB{info: Info{Schema: Schema}}
	for _, name := range names {
		f, err := fsys.Open(name)
		if err != nil {
			return nil, err
		}
		file, err := DecodeFile(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("advisory file %s: %w", name, err)
		}
		db.info.Revision += file.Revision
		if file.Updated > db.info.Updated {
			db.info.Updated = file.Updated
		}
		db.advisories = append(db.advisories, file.Advisories...)
	}
	db.info.Embedded = len(db.advisories)
	if err := db.reindex(); err != nil {
		return nil, err
	}
	return db, nil
}

func (db *DB) reindex() error {
	sort.SliceStable(db.advisories, func(i, j int) bool {
		a, b := db.advisories[i], db.advisories[j]
		if a.Product != b.Product {
			return a.Product < b.Product
		}
		return a.ID < b.ID
	})
	db.index = make(map[string]int, len(db.advisories)*2)
	for i, a := range db.advisories {
		for _, id := range a.IDs() {
			key := strings.ToUpper(id)
			if j, dup := db.index[key]; dup && j != i {
				return fmt.Errorf("%w: identifier %s used by both %s and %s", ErrFormat, id, db.advisories[j].ID, a.ID)
			}
			db.index[key] = i
		}
	}
	db.info.Total = len(db.advisories)
	return nil
}

// Info describes the data.
func (db *DB) Info() Info { return db.info }

// Get finds an advisory by its ID or an alias, case-insensitively.
func (db *DB) Get(id string) (Advisory, bool) {
	i, ok := db.index[strings.ToUpper(strings.TrimSpace(id))]
	if !ok {
		return Advisory{}, false
	}
	return clone(db.advisories[i]), true
}

// All returns every advisory sorted by product and ID; product filters when
// not empty.
func (db *DB) All(product string) []Advisory {
	var out []Advisory
	for _, a := range db.advisories {
		if product == "" || a.Product == product {
			out = append(out, clone(a))
		}
	}
	return out
}

// ChangeKind says what Apply did with one record.
type ChangeKind string

const (
	ChangeAdded     ChangeKind = "added"
	ChangeUpdated   ChangeKind = "updated"
	ChangeUnchanged ChangeKind = "unchanged"
)

// Change is the outcome of applying one record.
type Change struct {
	ID   string     `json:"id"`
	Kind ChangeKind `json:"kind"`
}

// Apply merges records (imported advisories) into a copy of db and returns it
// with what happened to each record. A record that names an existing
// advisory (by ID or alias) updates it: scores, the KEV listing and the
// known-exploited flag come from the record, aliases, references and sources
// are joined, and curated text and ranges are kept (they carry the review,
// e.g. disputed ranges, that a feed does not); ranges are taken from the
// record only when the advisory had none. Invalid records are an error and
// nothing is applied.
func (db *DB) Apply(records []Advisory) (*DB, []Change, error) {
	out := &DB{advisories: make([]Advisory, len(db.advisories)), info: db.info}
	for i, a := range db.advisories {
		out.advisories[i] = clone(a)
	}
	index := map[string]int{}
	for k, v := range db.index {
		index[k] = v
	}
	var changes []Change
	for _, r := range records {
		if err := r.Validate(); err != nil {
			return nil, nil, err
		}
		// Only the record's own ID decides which advisory it updates: one
		// ICSMA advisory covers several CVEs, so a shared alias must not
		// merge them.
		pos := -1
		if i, ok := index[strings.ToUpper(r.ID)]; ok {
			pos = i
		}
		if pos < 0 {
			out.advisories = append(out.advisories, clone(r))
			pos = len(out.advisories) - 1
			for _, id := range r.IDs() {
				if _, taken := index[strings.ToUpper(id)]; !taken {
					index[strings.ToUpper(id)] = pos
				}
			}
			changes = append(changes, Change{ID: r.ID, Kind: ChangeAdded})
			out.info.Imported++
			continue
		}
		before := out.advisories[pos]
		merged := merge(before, r)
		kind := ChangeUnchanged
		if !reflect.DeepEqual(before, merged) {
			kind = ChangeUpdated
			out.advisories[pos] = merged
			out.info.Imported++
		}
		for _, id := range merged.IDs() {
			if _, taken := index[strings.ToUpper(id)]; !taken {
				index[strings.ToUpper(id)] = pos
			}
		}
		changes = append(changes, Change{ID: before.ID, Kind: kind})
	}
	// Aliases joined by a merge may now collide with another advisory's
	// identifiers; drop such aliases rather than fail the whole import.
	seen := map[string]bool{}
	for i := range out.advisories {
		seen[strings.ToUpper(out.advisories[i].ID)] = true
	}
	for i := range out.advisories {
		a := &out.advisories[i]
		var keep []string
		for _, al := range a.Aliases {
			k := strings.ToUpper(al)
			if !seen[k] {
				seen[k] = true
				keep = append(keep, al)
			}
		}
		a.Aliases = keep
	}
	if err := out.reindex(); err != nil {
		return nil, nil, err
	}
	return out, changes, nil
}

// Resolve decides which parsed feed records concern the database: a record
// about a known product is kept; a record naming no known product is kept
// only when the database already has its ID (a KEV entry for a CVE pacsguard
// lists, say), and then takes that advisory's product. ignored counts the rest.
func (db *DB) Resolve(feeds []*Feed) (records []Advisory, ignored int) {
	for _, f := range feeds {
		for _, r := range f.Records {
			if r.Product == "" {
				existing, ok := db.Get(r.ID)
				if !ok {
					ignored++
					continue
				}
				r.Product = existing.Product
				if len(r.Surface) == 0 {
					r.Surface = existing.Surface
				}
			}
			records = append(records, r)
		}
	}
	return records, ignored
}

func merge(base, rec Advisory) Advisory {
	m := clone(base)
	m.Aliases = union(m.Aliases, rec.IDs(), m.ID)
	if rec.CVSSv3 != nil {
		c := *rec.CVSSv3
		m.CVSSv3 = &c
	}
	if rec.CVSSv4 != nil {
		c := *rec.CVSSv4
		m.CVSSv4 = &c
	}
	if rec.KEV != nil {
		k := *rec.KEV
		m.KEV = &k
	}
	if rec.KnownExploited && !m.KnownExploited {
		m.KnownExploited = true
		if m.ExploitedBy == "" {
			m.ExploitedBy = rec.ExploitedBy
		}
	}
	if len(m.Affected) == 0 && len(m.Versions) == 0 {
		m.Affected = slices.Clone(rec.Affected)
		m.Versions = slices.Clone(rec.Versions)
	}
	if m.Published == "" {
		m.Published = rec.Published
	}
	m.References = union(m.References, rec.References, "")
	m.Sources = union(m.Sources, rec.Sources, "")
	// Verified stays the curated entry's: a feed record confirms its own
	// fields, not the curated range and notes that say what is unconfirmed,
	// and "verified" next to such notes would overstate.
	return m
}

// union appends the items of b missing from a (case-insensitively), leaving
// out skip.
func union(a, b []string, skip string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if strings.EqualFold(x, skip) {
			continue
		}
		if !slices.ContainsFunc(out, func(y string) bool { return strings.EqualFold(x, y) }) {
			out = append(out, x)
		}
	}
	return out
}

func clone(a Advisory) Advisory {
	c := a
	c.Aliases = slices.Clone(a.Aliases)
	c.Affected = slices.Clone(a.Affected)
	c.Versions = slices.Clone(a.Versions)
	c.Surface = slices.Clone(a.Surface)
	c.References = slices.Clone(a.References)
	c.Sources = slices.Clone(a.Sources)
	if a.CVSSv3 != nil {
		v := *a.CVSSv3
		c.CVSSv3 = &v
	}
	if a.CVSSv4 != nil {
		v := *a.CVSSv4
		c.CVSSv4 = &v
	}
	if a.KEV != nil {
		v := *a.KEV
		c.KEV = &v
	}
	return c
}

// DecodeRecord reads one stored record (the JSON form of an Advisory),
// strictly: unknown fields are errors.
func DecodeRecord(doc []byte) (Advisory, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	var a Advisory
	if err := dec.Decode(&a); err != nil {
		return Advisory{}, fmt.Errorf("%w: stored record: %v", ErrFormat, err)
	}
	if dec.More() {
		return Advisory{}, fmt.Errorf("%w: stored record: data after the JSON document", ErrFormat)
	}
	if err := a.Validate(); err != nil {
		return Advisory{}, err
	}
	return a, nil
}

// WithRecords merges stored import records onto db in order. A record that
// does not decode or validate is left out and reported, never fatal: the
// embedded data always loads.
func (db *DB) WithRecords(docs [][]byte) (*DB, []error) {
	var recs []Advisory
	var problems []error
	for _, d := range docs {
		a, err := DecodeRecord(d)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		recs = append(recs, a)
	}
	out, _, err := db.Apply(recs)
	if err != nil {
		return db, append(problems, err)
	}
	return out, problems
}

// Effective is the database a scan should use: the embedded advisories with
// the records imported into the local store (store.VulnRecords, in order)
// merged on top. Records that no longer validate are left out and returned
// as problems to report; the embedded data always loads.
func Effective(storedDocs [][]byte) (*DB, []error, error) {
	db, err := LoadEmbedded()
	if err != nil {
		return nil, nil, err
	}
	merged, problems := db.WithRecords(storedDocs)
	return merged, problems, nil
}
