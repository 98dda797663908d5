package vulndb

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Version is a parsed product version. Imaging software numbers its releases
// in many ways (3.6.7, 1.12.10, 2023.3 build 9342, 7.2.8.810, 3.0.0rc1,
// 3.6.9+DEV, 1.4.2.0-9d9eff4), so the comparison is one ordering that covers
// them all rather than semver, which most of them are not:
//
//   - the release is a run of dot-separated numbers; missing trailing parts
//     count as zero (1.0 == 1.0.0);
//   - a suffix that names a pre-release (dev, alpha/a, beta/b, pre, rc/c)
//     sorts before the release, dev < alpha < beta < pre < rc;
//   - any other suffix (+DEV, -p1, .post1, -9d9eff4) is a post-release build:
//     after the release, before the next one. DCMTK marks development
//     snapshots after a release with "+", so "3.6.9+DEV" is newer than 3.6.9.
type Version struct {
	release []uint64
	kind    int // -1 pre-release, 0 release, 1 post-release
	preRank int // rank of the pre-release word
	preNum  uint64
	suffix  string // the suffix as written, lower case, without its separator
}

// Bounds on what a version may look like: versions come from the network and
// from imported files.
const (
	maxVersionLen   = 64
	maxReleaseParts = 8
	maxPartDigits   = 18 // fits in uint64
)

// ErrBadVersion is returned for strings that are not versions.
var ErrBadVersion = errors.New("not a version")

var preWords = []struct {
	word string
	rank int
}{
	// Longest first so that "alpha" is not read as "a".
	{"alpha", 1}, {"beta", 2}, {"preview", 3}, {"pre", 3}, {"dev", 0}, {"rc", 4}, {"a", 1}, {"b", 2}, {"c", 4},
}

// ParseVersion reads a version string. A leading "v" is accepted.
func ParseVersion(s string) (Version, error) {
	orig := s
	if len(s) == 0 || len(s) > maxVersionLen {
		return Version{}, fmt.Errorf("%w: %q", ErrBadVersion, truncate(orig, maxVersionLen))
	}
	if s[0] == 'v' || s[0] == 'V' {
		s = s[1:]
	}
	var v Version
	i := 0
	for {
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i {
			// Only possible for the first part: later parts are entered
			// only when a digit follows the dot.
			return Version{}, fmt.Errorf("%w: %q does not start with a number", ErrBadVersion, truncate(orig, maxVersionLen))
		}
		if j-i > maxPartDigits {
			return Version{}, fmt.Errorf("%w: %q has a part that is too long", ErrBadVersion, truncate(orig, maxVersionLen))
		}
		n, err := strconv.ParseUint(s[i:j], 10, 64)
		if err != nil {
			return Version{}, fmt.Errorf("%w: %q", ErrBadVersion, truncate(orig, maxVersionLen))
		}
		if len(v.release) == maxReleaseParts {
			return Version{}, fmt.Errorf("%w: %q has too many parts", ErrBadVersion, truncate(orig, maxVersionLen))
		}
		v.release = append(v.release, n)
		i = j
		if i < len(s) && s[i] == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
			i++
			continue
		}
		break
	}
	rest := s[i:]
	if rest == "" {
		return v, nil
	}
	sep := rest[0]
	switch sep {
	case '-', '.', '+', '_', '~':
		rest = rest[1:]
	default:
		sep = 0
		// The canonical form inserts a separator; keep it within the
		// length that parses back.
		if len(s)+1 > maxVersionLen {
			return Version{}, fmt.Errorf("%w: %q is too long", ErrBadVersion, truncate(orig, maxVersionLen))
		}
	}
	if rest == "" {
		return Version{}, fmt.Errorf("%w: %q ends with a separator", ErrBadVersion, truncate(orig, maxVersionLen))
	}
	for k := 0; k < len(rest); k++ {
		c := rest[k]
		ok := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '-' || c == '+' || c == '_'
		if !ok {
			return Version{}, fmt.Errorf("%w: %q has an unexpected character", ErrBadVersion, truncate(orig, maxVersionLen))
		}
	}
	v.suffix = strings.ToLower(rest)
	v.kind = 1
	if sep != '+' {
		for _, w := range preWords {
			if !strings.HasPrefix(v.suffix, w.word) {
				continue
			}
			tail := strings.TrimLeft(v.suffix[len(w.word):], ".-_")
			if tail == "" {
				v.kind, v.preRank = -1, w.rank
				break
			}
			if n, err := strconv.ParseUint(tail, 10, 64); err == nil {
				v.kind, v.preRank, v.preNum = -1, w.rank, n
				break
			}
		}
	}
	return v, nil
}

// String gives a canonical form: equal versions give equal strings (trailing
// zero parts dropped, so 1.0.0 is "1"), and the string parses back to an
// equal version.
func (v Version) String() string {
	if len(v.release) == 0 {
		return ""
	}
	rel := v.release
	for len(rel) > 1 && rel[len(rel)-1] == 0 {
		rel = rel[:len(rel)-1]
	}
	var b strings.Builder
	for i, n := range rel {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.FormatUint(n, 10))
	}
	switch v.kind {
	case -1:
		b.WriteByte('-')
		b.WriteString(v.suffix)
	case 1:
		b.WriteByte('+')
		b.WriteString(v.suffix)
	}
	return b.String()
}

// IsZero reports whether v is the zero Version (not parsed).
func (v Version) IsZero() bool { return len(v.release) == 0 }

// Compare returns -1, 0 or +1 as v sorts before, with or after w.
func (v Version) Compare(w Version) int {
	n := max(len(v.release), len(w.release))
	for i := range n {
		a, b := part(v.release, i), part(w.release, i)
		if a != b {
			return cmpOrder(a < b)
		}
	}
	if v.kind != w.kind {
		return cmpOrder(v.kind < w.kind)
	}
	switch v.kind {
	case -1:
		if v.preRank != w.preRank {
			return cmpOrder(v.preRank < w.preRank)
		}
		if v.preNum != w.preNum {
			return cmpOrder(v.preNum < w.preNum)
		}
		return strings.Compare(v.suffix, w.suffix)
	case 1:
		return compareSuffix(v.suffix, w.suffix)
	}
	return 0
}

// compareSuffix orders post-release suffixes part by part, numbers as numbers.
func compareSuffix(a, b string) int {
	pa, pb := splitSuffix(a), splitSuffix(b)
	for i := 0; i < len(pa) && i < len(pb); i++ {
		x, y := pa[i], pb[i]
		nx, ex := strconv.ParseUint(x, 10, 64)
		ny, ey := strconv.ParseUint(y, 10, 64)
		switch {
		case ex == nil && ey == nil:
			if nx != ny {
				return cmpOrder(nx < ny)
			}
		case ex == nil:
			return 1 // numbers after words, as in Debian's ordering of revisions
		case ey == nil:
			return -1
		default:
			if c := strings.Compare(x, y); c != 0 {
				return c
			}
		}
	}
	if c := cmpOrder(len(pa) < len(pb)); len(pa) != len(pb) {
		return c
	}
	return strings.Compare(a, b)
}

// splitSuffix cuts "p12.dev3" into "p", "12", "dev", "3".
func splitSuffix(s string) []string {
	var out []string
	start := 0
	for i := 1; i <= len(s); i++ {
		if i == len(s) || isDigit(s[i]) != isDigit(s[i-1]) || !isAlnum(s[i]) || !isAlnum(s[i-1]) {
			if seg := s[start:i]; seg != "" && isAlnum(seg[0]) {
				out = append(out, seg)
			}
			start = i
		}
	}
	return out
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlnum(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func part(r []uint64, i int) uint64 {
	if i < len(r) {
		return r[i]
	}
	return 0
}

func cmpOrder(less bool) int {
	if less {
		return -1
	}
	return 1
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// CompareVersions compares two version strings; ok is false if either does
// not parse.
func CompareVersions(a, b string) (c int, ok bool) {
	va, err := ParseVersion(a)
	if err != nil {
		return 0, false
	}
	vb, err := ParseVersion(b)
	if err != nil {
		return 0, false
	}
	return va.Compare(vb), true
}

// NormalizeVersion turns a product's own way of writing a version into one
// ParseVersion reads: MicroDicom's "2023.3 build 9342" becomes "2023.3.9342"
// (the build orders releases within a year's minor version), surrounding
// spaces and a "version " prefix go.
func NormalizeVersion(product, raw string) string {
	s := strings.TrimSpace(raw)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "Version "), "version ")
	if product == "microdicom" {
		if before, build, ok := strings.Cut(strings.ToLower(s), " build "); ok {
			return strings.TrimSpace(before) + "." + strings.TrimSpace(build)
		}
		if before, build, ok := strings.Cut(strings.ToLower(s), " (build "); ok {
			return strings.TrimSpace(before) + "." + strings.TrimSuffix(strings.TrimSpace(build), ")")
		}
	}
	return s
}
