package mds2

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Value is a normalised answer.
type Value string

const (
	ValueYes Value = "yes"
	ValueNo  Value = "no"
	ValueNA  Value = "n/a"
	// ValueText is the answer to a free-text question (DOC-1...).
	ValueText Value = "text"
	// ValueMissing means the form holds the question but no answer.
	ValueMissing Value = "missing"
	// ValueUnreadable means there is an answer pacsguard could not classify;
	// the Problem list of the profile says why. It is never guessed.
	ValueUnreadable Value = "unreadable"
)

// Answered reports whether v is a Yes, No or N/A.
func (v Value) Answered() bool { return v == ValueYes || v == ValueNo || v == ValueNA }

// Label is the form's spelling of the value.
func (v Value) Label() string {
	switch v {
	case ValueYes:
		return "Yes"
	case ValueNo:
		return "No"
	case ValueNA:
		return "N/A"
	case ValueText:
		return "text"
	case ValueMissing:
		return "-"
	default:
		return "?"
	}
}

// answerTokens are the spellings vendors use, longest first so that "not
// applicable" wins over "no" and "n/a" over "n".
var answerTokens = []struct {
	text  string
	value Value
}{
	{"not applicable", ValueNA},
	{"not-applicable", ValueNA},
	{"n. a.", ValueNA},
	{"n.a.", ValueNA},
	{"n / a", ValueNA},
	{"n /a", ValueNA},
	{"n/ a", ValueNA},
	{"n\\a", ValueNA},
	{"n/a", ValueNA},
	{"n.a", ValueNA},
	{"yes", ValueYes},
	{"true", ValueYes},
	{"false", ValueNo},
	{"na", ValueNA},
	{"no", ValueNo},
	{"y", ValueYes},
	{"n", ValueNo},
}

// separators may stand between an answer and its note: "Yes - see note 3",
// "Yes, LDAP", "No: none", "Yes (optional)", "Yes*".
const separators = " \t\r\n-–—,;:.()*/"

// maxAnswerLength bounds the answer text kept from a cell.
const maxAnswerLength = 2000

// NormalizeAnswer classifies a cell of the answer column. ok is false when
// the text is empty or does not start with a recognisable Yes, No or N/A, or
// when it names two different answers ("Yes/No", "Yes - No"): the caller reports that
// question as unreadable rather than guessing.
func NormalizeAnswer(s string) (v Value, note string, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" || !utf8.ValidString(s) {
		return "", "", false
	}
	v, rest, found := leadingToken(s)
	if !found {
		return "", "", false
	}
	// Any white space counts as a separator here (TrimSpace above and
	// below removes all of it, not just the separators' " \t\r\n").
	prefixEnd := len(rest) - len(strings.TrimLeftFunc(rest, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(separators, r)
	}))
	prefix, body := rest[:prefixEnd], strings.TrimSpace(rest[prefixEnd:])
	// "No default accounts" or "No remote access" is a sentence about the
	// device, not the answer No to the question: without punctuation after
	// "No" there is no telling which it is.
	if v == ValueNo && body != "" && strings.TrimSpace(prefix) == "" {
		if r, _ := utf8.DecodeRuneInString(body); unicode.IsLetter(r) {
			return "", "", false
		}
	}
	if strings.Contains(prefix, "(") && strings.HasSuffix(body, ")") {
		body = strings.TrimSpace(strings.TrimSuffix(body, ")"))
	}
	// "Yes/No", "Yes - No" name two answers; "N/A: No default accounts" is
	// one answer with a note that happens to start with a word like one.
	if other, otherRest, again := leadingToken(body); again && other != v {
		bare := strings.Trim(otherRest, separators) == ""
		if bare || strings.Contains(prefix, "/") {
			return "", "", false
		}
	}
	return v, body, true
}

// leadingToken matches an answer token at the start of s, case-insensitively,
// followed by the end of s or a character that cannot continue a word.
func leadingToken(s string) (Value, string, bool) {
	for _, t := range answerTokens {
		if len(s) < len(t.text) || !strings.EqualFold(s[:len(t.text)], t.text) {
			continue
		}
		rest := s[len(t.text):]
		if rest != "" {
			r, _ := utf8.DecodeRuneInString(rest)
			if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '’' {
				continue // "Yesterday", "None", "No1", "Don't"
			}
			if (t.text == "y" || t.text == "n") && !strings.ContainsRune(separators, r) {
				continue // "N#" is not an answer
			}
		}
		return t.value, rest, true
	}
	return "", "", false
}

// FormatAnswer writes a value and note the way NormalizeAnswer reads them.
func FormatAnswer(v Value, note string) string {
	if note == "" {
		return v.Label()
	}
	return v.Label() + " - " + note
}
