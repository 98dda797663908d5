package mds2

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Device identifies the disclosed device, from the form's DOC rows or the
// header block above the question table.
type Device struct {
	Manufacturer string `json:"manufacturer"`
	Model        string `json:"model"`
	Version      string `json:"version,omitempty"`
	Description  string `json:"description,omitempty"`
	DocumentID   string `json:"document_id,omitempty"`
	DocumentDate string `json:"document_date,omitempty"` // YYYY-MM-DD when readable, else as written
	// EndOfSupport is the end-of-support date the form states, if any.
	EndOfSupport string `json:"end_of_support,omitempty"`
}

// Name is "Manufacturer Model Version" for people.
func (d Device) Name() string {
	parts := make([]string, 0, 3)
	for _, p := range []string{d.Manufacturer, d.Model, d.Version} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return "unnamed device"
	}
	return strings.Join(parts, " ")
}

var keyUnsafe = regexp.MustCompile(`[^a-z0-9.]+`)

// Key is a stable, lower-case name for the device used to find its stored
// profile again: "manufacturer/model[/version]".
func (d Device) Key() string {
	part := func(s string) string {
		s = strings.Trim(keyUnsafe.ReplaceAllString(strings.ToLower(s), "-"), "-.")
		if len(s) > 60 {
			s = s[:60]
		}
		if s == "" {
			return "unknown"
		}
		return s
	}
	k := part(d.Manufacturer) + "/" + part(d.Model)
	if d.Version != "" {
		k += "/" + part(d.Version)
	}
	return k
}

// Answer is what the form says about one question.
type Answer struct {
	Value Value  `json:"value"`
	Note  string `json:"note,omitempty"` // text after Yes/No/N/A in the answer cell
	// NoteRef is the form's "Note #" column (a number or text).
	NoteRef string `json:"note_ref,omitempty"`
	// Text is the answer to a free-text question, or the cell as written
	// when it could not be read as Yes, No or N/A.
	Text string `json:"text,omitempty"`
	// Question is the vendor's own question text from the spreadsheet.
	Question string `json:"question,omitempty"`
	Row      int    `json:"row,omitempty"` // 1-based spreadsheet row
	Hidden   bool   `json:"hidden,omitempty"`
}

// Problem is something the reader could not read; it is reported, never guessed.
type Problem struct {
	QuestionID string `json:"question_id,omitempty"`
	Row        int    `json:"row,omitempty"`
	Reason     string `json:"reason"`
}

func (p Problem) String() string {
	var b strings.Builder
	if p.QuestionID != "" {
		b.WriteString(p.QuestionID + ": ")
	}
	b.WriteString(p.Reason)
	if p.Row > 0 {
		fmt.Fprintf(&b, " (row %d)", p.Row)
	}
	return b.String()
}

// Source says where a profile was read from.
type Source struct {
	Name   string `json:"name"`   // file name as given
	SHA256 string `json:"sha256"` // of the file
	Sheet  string `json:"sheet,omitempty"`
}

// Profile is one device's security profile as disclosed in its MDS2 form.
type Profile struct {
	Source  Source            `json:"source"`
	Device  Device            `json:"device"`
	Answers map[string]Answer `json:"answers"`
	// Problems lists, per question, what could not be read.
	Problems []Problem `json:"problems,omitempty"`
	// Unknown lists IDs in a known section that the catalogue does not hold.
	Unknown []string `json:"unknown,omitempty"`
}

// Value returns the normalised answer to a question (ValueMissing if absent).
func (p *Profile) Value(id string) Value {
	if a, ok := p.Answers[id]; ok {
		return a.Value
	}
	return ValueMissing
}

// Is reports whether the answer to id is v.
func (p *Profile) Is(id string, v Value) bool { return p.Value(id) == v }

// Counts summarises the answers: how many Yes, No, N/A, and problems.
func (p *Profile) Counts() (yes, no, na, unreadable, missing int) {
	for _, a := range p.Answers {
		switch a.Value {
		case ValueYes:
			yes++
		case ValueNo:
			no++
		case ValueNA:
			na++
		case ValueUnreadable:
			unreadable++
		case ValueMissing:
			missing++
		}
	}
	return
}

// sortProblems orders problems by the form's question order, then row.
func sortProblems(cat *Catalogue, ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		oi, oj := cat.Order(ps[i].QuestionID), cat.Order(ps[j].QuestionID)
		if ps[i].QuestionID == "" || ps[j].QuestionID == "" {
			return ps[i].QuestionID == "" && ps[j].QuestionID != ""
		}
		if oi != oj {
			return oi < oj
		}
		if ps[i].QuestionID != ps[j].QuestionID {
			return ps[i].QuestionID < ps[j].QuestionID
		}
		return ps[i].Row < ps[j].Row
	})
}
