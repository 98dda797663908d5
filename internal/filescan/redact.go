package filescan

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/pacsguard/pacsguard/internal/dicom"
	"github.com/pacsguard/pacsguard/internal/inventory"
)

// Redacted replaces a path component that names a patient.
const Redacted = "[redacted]"

// minIdentifier is the shortest patient name part or ID matched in paths:
// shorter ones would redact most directory names by accident.
const minIdentifier = 3

// patientIdentifiers returns the normalised patient name parts and patient
// ID of a data set, for path redaction only: they never leave the process.
func patientIdentifiers(ds *dicom.DataSet) []string {
	var ids []string
	add := func(s string) {
		if s = skeleton(s); len(s) >= minIdentifier {
			ids = append(ids, s)
		}
	}
	for _, pn := range ds.Strings(dicom.TagPatientName) {
		// Alphabetic group only (before "="); family, given, middle, ...
		pn, _, _ = strings.Cut(pn, "=")
		parts := strings.Split(pn, "^")
		for _, p := range parts {
			add(p)
		}
		if len(parts) > 1 {
			add(parts[0] + parts[1]) // "Li^Wu" as "LiWu" / "li_wu"
		}
	}
	for _, id := range ds.Strings(dicom.TagPatientID) {
		add(id)
	}
	return ids
}

// skeleton lower-cases s and keeps its ASCII letters and digits, so that
// "DOE^JOHN", "Doe John" and "doe_john" compare equal, and a Latin-1 name
// from a header matches its UTF-8 spelling in a path.
func skeleton(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			b.WriteByte(c)
		case 'A' <= c && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		}
	}
	return b.String()
}

// RedactPath hides the components of p below root that may name a patient:
// any component with a "^" (the DICOM person name separator, as archives
// name patient folders) and any that contains one of ids (a patient's name
// part or ID, from the file's own header). root itself, which the user
// typed, is kept; a p outside root is checked component by component.
func RedactPath(root, p string, ids []string) string {
	s, _ := redactPath(root, p, ids)
	return s
}

// redactPath is RedactPath that also returns the components it hid.
func redactPath(root, p string, ids []string) (string, []string) {
	if p == "" {
		return p, nil
	}
	sep := string(filepath.Separator)
	head, rest := "", p
	if root == p {
		// A file given by name: only its base name is checked.
		head, rest = filepath.Split(p)
	} else if r := strings.TrimSuffix(root, sep); root != "" && strings.HasPrefix(p, r+sep) {
		head, rest = r+sep, p[len(r)+1:]
	}
	parts := strings.Split(rest, sep)
	var hidden []string
	for i, c := range parts {
		if namesPatient(c, ids) {
			hidden = append(hidden, c)
			parts[i] = Redacted
		}
	}
	if hidden == nil {
		return p, nil
	}
	return head + strings.Join(parts, sep), hidden
}

func namesPatient(component string, ids []string) bool {
	if component == "" || component == "." || component == ".." {
		return false
	}
	if strings.Contains(component, "^") {
		return true
	}
	sk := skeleton(component)
	for _, id := range ids {
		if strings.Contains(sk, id) {
			return true
		}
	}
	return false
}

// RedactFinding redacts f's path, its evidence artifacts, and the hidden
// components wherever the observation or data mention them. It reports
// whether anything was hidden.
func RedactFinding(f *inventory.Finding, root string, ids []string) bool {
	var hidden []string
	var h []string
	f.Path, h = redactPath(root, f.Path, ids)
	hidden = append(hidden, h...)
	for j := range f.Evidence {
		e := &f.Evidence[j]
		e.Artifact, h = redactPath(root, e.Artifact, ids)
		hidden = append(hidden, h...)
	}
	if hidden == nil {
		return false
	}
	// Longest first, so that a component containing another goes whole.
	slices.SortFunc(hidden, func(a, b string) int { return len(b) - len(a) })
	for j := range f.Evidence {
		e := &f.Evidence[j]
		for _, c := range hidden {
			e.Observed = strings.ReplaceAll(e.Observed, c, Redacted)
			e.Data = strings.ReplaceAll(e.Data, c, Redacted)
		}
	}
	return true
}

// Redact applies RedactFinding to r's findings with the patient identifiers
// read from the file itself, and reports how many findings it changed.
func (r *Result) Redact(root string) int {
	n := 0
	for i := range r.Findings {
		if RedactFinding(&r.Findings[i], root, r.ids) {
			n++
		}
	}
	return n
}

// PathRedactor returns RedactPath bound to root and r's identifiers, for
// the other records a caller keeps about r (sanitized copies and such).
func (r *Result) PathRedactor(root string) func(string) string {
	return func(p string) string { return RedactPath(root, p, r.ids) }
}
