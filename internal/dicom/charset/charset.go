// Package charset decodes DICOM string values to UTF-8 for display, as the
// Specific Character Set (0008,0005) of their data set says (PS3.3
// C.12.1.1.2, PS3.5 §6.1): the default repertoire, the single-byte ISO 8859
// sets, JIS X 0201, UTF-8, GB18030 and GBK, and ISO 2022 code extensions
// switched by escape sequences.
//
// Decoding never fails outright: bytes that cannot be decoded become U+FFFD
// (or, for the default repertoire, their Latin-1 reading), and an error says
// what went wrong and where, without repeating the value (it may be patient
// data).
//
// GB18030's user-defined two-byte areas (e.g. 0xAAA1-0xAFFE), which some
// decoders map into the Private Use Area, decode as U+FFFD with
// ErrInvalidBytes: golang.org/x/text leaves them unmapped.
//
// The output may contain control characters (CR, LF, ESC of a non-ISO 2022
// value...): callers that print to a terminal must escape them.
package charset

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Errors reported by New and Decode; test them with errors.Is.
var (
	// ErrUnknownTerm: a value of Specific Character Set is not a defined
	// term. The decoder falls back to the other terms, or to the default
	// repertoire.
	ErrUnknownTerm = errors.New("unknown Specific Character Set term")
	// ErrInvalidTerms: the terms are known but combined against the rules
	// (e.g. ISO_IR 192 with another term, or ISO_IR 100 next to ISO 2022
	// terms). The decoder does its best with them.
	ErrInvalidTerms = errors.New("invalid combination of Specific Character Set terms")
	// ErrNonASCII: a byte above 0x7F where only the default repertoire is
	// allowed; it was read as Latin-1.
	ErrNonASCII = errors.New("byte outside the default repertoire")
	// ErrInvalidBytes: bytes that are not valid in the character set in
	// effect; each was replaced by U+FFFD.
	ErrInvalidBytes = errors.New("invalid byte sequence for the character set")
	// ErrUnknownEscape: an escape sequence that designates no supported
	// character set; replaced by U+FFFD.
	ErrUnknownEscape = errors.New("unknown ISO 2022 escape sequence")
	// ErrUndeclaredEscape: an escape sequence switches to a character set
	// that Specific Character Set does not list. The text is decoded anyway.
	ErrUndeclaredEscape = errors.New("escape sequence to a character set not declared in Specific Character Set")
	// ErrMissingEscape: bytes above 0x7F with no G1 set designated by an
	// escape sequence, where Specific Character Set declares exactly one G1
	// set; they were decoded in that set, as their writer surely meant.
	ErrMissingEscape = errors.New("bytes above 0x7F without an escape sequence designating their character set")
)

// DecodeError says where in a value decoding went wrong. It unwraps to one
// of the Err... values.
type DecodeError struct {
	Offset int // byte offset in the value
	Err    error
}

func (e *DecodeError) Error() string { return fmt.Sprintf("%v at byte %d", e.Err, e.Offset) }
func (e *DecodeError) Unwrap() error { return e.Err }

// gset identifies a graphic character set that G0 or G1 can hold.
type gset uint8

const (
	setNone  gset = iota
	setASCII      // ISO-IR 6
	// setRomaji is ISO-IR 14, JIS X 0201 Romaji. It differs from ASCII
	// only at 0x5C (YEN SIGN) and 0x7E (OVERLINE); it is read as ASCII, as
	// pydicom does, so that 0x5C still shows as the backslash that
	// separates DICOM values.
	setRomaji
	setKatakana // ISO-IR 13, JIS X 0201 Katakana, G1
	setJISX0208 // ISO-IR 87, G0, two bytes
	setJISX0212 // ISO-IR 159, G0, two bytes
	setKSX1001  // ISO-IR 149, G1, two bytes
	setGB2312   // ISO-IR 58, G1, two bytes
	setLatin1   // ISO-IR 100
	setLatin2   // ISO-IR 101
	setLatin3   // ISO-IR 109
	setLatin4   // ISO-IR 110
	setCyrillic // ISO-IR 144
	setArabic   // ISO-IR 127
	setGreek    // ISO-IR 126
	setHebrew   // ISO-IR 138
	setLatin5   // ISO-IR 148
	setThai     // ISO-IR 166
	numSets
)

// single returns the ISO 8859 table of a single-byte G1 set.
func (s gset) single() *charmap.Charmap {
	switch s {
	case setLatin1:
		return charmap.ISO8859_1
	case setLatin2:
		return charmap.ISO8859_2
	case setLatin3:
		return charmap.ISO8859_3
	case setLatin4:
		return charmap.ISO8859_4
	case setCyrillic:
		return charmap.ISO8859_5
	case setArabic:
		return charmap.ISO8859_6
	case setGreek:
		return charmap.ISO8859_7
	case setHebrew:
		return charmap.ISO8859_8
	case setLatin5:
		return charmap.ISO8859_9
	case setThai:
		// TIS 620 is Windows-874 without its 0x80-0x9F additions, which
		// decodeByte keeps as C1 controls.
		return charmap.Windows874
	}
	return nil
}

// state is what G0 and G1 hold.
type state struct{ g0, g1 gset }

// whole names decoders that take a value as one byte string, without
// escape sequences.
type whole uint8

const (
	wholeNone whole = iota
	wholeUTF8
	wholeGB18030
	wholeGBK
)

// term is one defined term of Specific Character Set.
type term struct {
	initial   state // G0/G1 when this term is the first value
	extension bool  // an "ISO 2022 ..." term
	whole     whole
	sets      []gset // sets it allows escape sequences to
}

// lookupTerm returns the definition of a defined term of PS3.3 Tables
// C.12-2 to C.12-5.
func lookupTerm(name string) (term, bool) {
	ascii := state{setASCII, setNone}
	single := func(s gset) term { return term{initial: state{setASCII, s}, sets: []gset{setASCII, s}} }
	ext := func(t term) term { t.extension = true; return t }
	switch name {
	case "", "ISO_IR 6":
		return term{initial: ascii, sets: []gset{setASCII}}, true
	case "ISO_IR 100":
		return single(setLatin1), true
	case "ISO_IR 101":
		return single(setLatin2), true
	case "ISO_IR 109":
		return single(setLatin3), true
	case "ISO_IR 110":
		return single(setLatin4), true
	case "ISO_IR 144":
		return single(setCyrillic), true
	case "ISO_IR 127":
		return single(setArabic), true
	case "ISO_IR 126":
		return single(setGreek), true
	case "ISO_IR 138":
		return single(setHebrew), true
	case "ISO_IR 148":
		return single(setLatin5), true
	case "ISO_IR 166":
		return single(setThai), true
	case "ISO_IR 13":
		return term{initial: state{setRomaji, setKatakana}, sets: []gset{setRomaji, setKatakana}}, true
	case "ISO_IR 192":
		return term{initial: ascii, whole: wholeUTF8}, true
	case "GB18030":
		return term{initial: ascii, whole: wholeGB18030}, true
	case "GBK":
		return term{initial: ascii, whole: wholeGBK}, true
	case "ISO 2022 IR 6":
		return ext(term{initial: ascii, sets: []gset{setASCII}}), true
	case "ISO 2022 IR 100":
		return ext(single(setLatin1)), true
	case "ISO 2022 IR 101":
		return ext(single(setLatin2)), true
	case "ISO 2022 IR 109":
		return ext(single(setLatin3)), true
	case "ISO 2022 IR 110":
		return ext(single(setLatin4)), true
	case "ISO 2022 IR 144":
		return ext(single(setCyrillic)), true
	case "ISO 2022 IR 127":
		return ext(single(setArabic)), true
	case "ISO 2022 IR 126":
		return ext(single(setGreek)), true
	case "ISO 2022 IR 138":
		return ext(single(setHebrew)), true
	case "ISO 2022 IR 148":
		return ext(single(setLatin5)), true
	case "ISO 2022 IR 166":
		return ext(single(setThai)), true
	case "ISO 2022 IR 13":
		return ext(term{initial: state{setRomaji, setKatakana}, sets: []gset{setRomaji, setKatakana}}), true
	case "ISO 2022 IR 87":
		// Multi-byte G0 sets cannot be the initial state: delimiters and
		// escape sequences must stay readable, so G0 starts as ASCII.
		return ext(term{initial: ascii, sets: []gset{setJISX0208}}), true
	case "ISO 2022 IR 159":
		return ext(term{initial: ascii, sets: []gset{setJISX0212}}), true
	case "ISO 2022 IR 149":
		return ext(term{initial: state{setASCII, setKSX1001}, sets: []gset{setKSX1001}}), true
	case "ISO 2022 IR 58":
		return ext(term{initial: state{setASCII, setGB2312}, sets: []gset{setGB2312}}), true
	}
	return term{}, false
}

// Decoder decodes values of one data set. It is immutable and safe for
// concurrent use.
type Decoder struct {
	initial   state
	whole     whole
	extension bool          // ISO 2022 code extensions declared
	declared  [numSets]bool // sets the escape sequences may designate
	// impliedG1 is the one G1 set the terms after the first declare, used
	// for high bytes when no escape sequence designated any (see
	// ErrMissingEscape); setNone when there is no single candidate.
	impliedG1 gset
}

// Default is the decoder of the default repertoire (no Specific Character
// Set).
func Default() *Decoder {
	d, _ := New(nil)
	return d
}

// New returns the decoder for the values of Specific Character Set
// (0008,0005), already split at backslashes; the first value may be empty
// (default repertoire as the initial state). Values are trimmed of padding
// spaces. Nil or empty means the default repertoire.
//
// On unknown or ill-combined terms New returns a usable decoder built from
// what it understood, together with an error wrapping ErrUnknownTerm or
// ErrInvalidTerms.
func New(specificCharacterSet []string) (*Decoder, error) {
	d := &Decoder{}
	var errs termErrors
	if len(specificCharacterSet) > maxTerms {
		errs = append(errs, fmt.Errorf("%w: %d values, only the first %d are used", ErrInvalidTerms, len(specificCharacterSet), maxTerms))
		specificCharacterSet = specificCharacterSet[:maxTerms]
	}
	emptyFirst := len(specificCharacterSet) > 0 && strings.Trim(specificCharacterSet[0], " \x00") == ""
	terms := make([]term, 0, len(specificCharacterSet))
	for i, raw := range specificCharacterSet {
		name := strings.Trim(raw, " \x00")
		t, ok := lookupTerm(name)
		if !ok {
			t, ok = lookupLenient(name)
			if ok {
				errs = append(errs, fmt.Errorf("%w: value %d %q, read as %q", ErrUnknownTerm, i+1, clip(name), lenientName(name)))
			} else {
				errs = append(errs, fmt.Errorf("%w: value %d %q", ErrUnknownTerm, i+1, clip(name)))
				if i == 0 {
					// Keep the default repertoire as the initial state.
					t, _ = lookupTerm("")
				} else {
					continue
				}
			}
		}
		terms = append(terms, t)
	}
	if len(terms) == 0 {
		terms = append(terms, term{initial: state{setASCII, setNone}, sets: []gset{setASCII}})
	}
	first := terms[0]
	d.initial = first.initial
	d.whole = first.whole
	d.extension = len(terms) > 1 || first.extension
	if first.whole != wholeNone && len(terms) > 1 {
		errs = append(errs, fmt.Errorf("%w: %d values with a character set that allows no code extensions", ErrInvalidTerms, len(terms)))
	}
	mixed := false
	for i, t := range terms {
		// An empty first value stands for ISO 2022 IR 6 (PS3.3 C.12.1.1.2).
		if len(terms) > 1 && !t.extension && t.whole == wholeNone && !(i == 0 && emptyFirst) {
			mixed = true
		}
		for _, s := range t.sets {
			d.declared[s] = true
		}
	}
	if d.initial.g1 == setNone {
		d.impliedG1 = onlyG1(terms[1:])
	}
	if mixed {
		errs = append(errs, fmt.Errorf("%w: non-ISO 2022 terms in a multi-valued Specific Character Set", ErrInvalidTerms))
	}
	// ASCII in G0 can always be designated back: every ISO 2022 term
	// designates it, and the first value's G0 is the reset state.
	d.declared[setASCII] = true
	d.declared[d.initial.g0] = true
	if d.initial.g1 != setNone {
		d.declared[d.initial.g1] = true
	}
	if len(errs) == 0 {
		return d, nil
	}
	return d, errs
}

// maxTerms bounds the work and the error text for a hostile Specific
// Character Set: the standard's combinations have at most 5 values.
const maxTerms = 16

// termErrors holds every problem New found, in one line; errors.Is and
// errors.As see each of them.
type termErrors []error

func (e termErrors) Error() string {
	var b strings.Builder
	for i, err := range e {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(err.Error())
	}
	return b.String()
}

func (e termErrors) Unwrap() []error { return e }

// lookupLenient accepts spellings seen in the field ("ISO-IR 100",
// "ISO_IR_100", "ISO IR 100", lower case) for a defined term.
func lookupLenient(name string) (term, bool) {
	n := lenientName(name)
	if n == name {
		return term{}, false
	}
	return lookupTerm(n)
}

func lenientName(name string) string {
	n := strings.ToUpper(strings.TrimSpace(name))
	switch n {
	case "GB18030", "GBK":
		return n
	case "UTF-8", "UTF8", "ISO_IR192":
		return "ISO_IR 192"
	}
	n = strings.NewReplacer("-", " ", "_", " ").Replace(n)
	fields := strings.Fields(n)
	switch {
	case len(fields) == 3 && fields[0] == "ISO" && fields[1] == "IR":
		return "ISO_IR " + fields[2]
	case len(fields) == 4 && fields[0] == "ISO" && fields[1] == "2022" && fields[2] == "IR":
		return "ISO 2022 IR " + fields[3]
	case len(fields) == 2 && strings.HasPrefix(fields[0], "ISO") && fields[1] != "":
		// "ISO_IR100" style: no separator before the number.
		if rest := strings.TrimPrefix(fields[0], "ISO"); rest == "IR" {
			return "ISO_IR " + fields[1]
		}
	}
	return name
}

// clip keeps error messages short when a term is garbage.
func clip(s string) string {
	if len(s) > 32 {
		s = s[:32] + "..."
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// Decode returns value as UTF-8 text. vr is the value's VR: it decides
// where the ISO 2022 state returns to the initial state (PS3.5
// §6.1.2.5.3): at "^" and "=" in PN, at "\" in multi-valued VRs, and
// always at CR, LF, FF and TAB. VRs that PS3.5 does not subject to Specific
// Character Set (CS, DA, UI...) are decoded the same way, which shows any
// non-ASCII bytes in them as readably as possible.
//
// On a decoding problem Decode returns its best-effort text and an error
// (*DecodeError, first problem only). It never panics, and the text is
// always valid UTF-8.
func (d *Decoder) Decode(value []byte, vr string) (string, error) {
	if d == nil {
		d = Default()
	}
	switch d.whole {
	case wholeUTF8:
		if utf8.Valid(value) {
			return string(value), nil
		}
		return decodeUTF8(value)
	case wholeGB18030:
		return decodeWith(simplifiedchinese.GB18030, value)
	case wholeGBK:
		return decodeWith(simplifiedchinese.GBK, value)
	}
	if d.initial.g0 == setASCII || d.initial.g0 == setRomaji {
		if isPlainASCII(value) {
			return string(value), nil
		}
	}
	return d.decode2022(value, vr)
}

// isPlainASCII reports whether value needs no decoding at all: no byte
// above 0x7F and no ESC.
func isPlainASCII(value []byte) bool {
	for _, b := range value {
		if b >= 0x80 || b == 0x1B {
			return false
		}
	}
	return true
}

func decodeUTF8(value []byte) (string, error) {
	var b strings.Builder
	b.Grow(len(value) + 8)
	var err error
	for i := 0; i < len(value); {
		r, n := utf8.DecodeRune(value[i:])
		if r == utf8.RuneError && n <= 1 {
			if err == nil {
				err = &DecodeError{Offset: i, Err: ErrInvalidBytes}
			}
			b.WriteRune(utf8.RuneError)
			i++
			continue
		}
		b.Write(value[i : i+n])
		i += n
	}
	return b.String(), err
}

// decodeWith decodes value with an x/text encoding that replaces invalid
// sequences with U+FFFD; a U+FFFD in the result is reported as an error.
// The offset is then the position of the first byte the decoder could not
// use (see firstInvalid).
func decodeWith(enc encoding.Encoding, value []byte) (string, error) {
	out, err := enc.NewDecoder().Bytes(value)
	if err != nil {
		// x/text decoders do not fail on invalid input, but be safe.
		return strings.ToValidUTF8(string(value), "\uFFFD"), &DecodeError{Offset: 0, Err: ErrInvalidBytes}
	}
	s := string(out)
	if !strings.ContainsRune(s, utf8.RuneError) {
		return s, nil
	}
	return strings.ToValidUTF8(s, "\uFFFD"), &DecodeError{Offset: firstInvalid(enc, value), Err: ErrInvalidBytes}
}

// firstInvalid returns the offset of the first byte enc's decoder turns
// into U+FFFD, in time linear in len(value): a pass over 4 KiB chunks
// finds the chunk, then a walk one character at a time within it finds the
// byte. Only the error path pays for it.
func firstInvalid(enc encoding.Encoding, value []byte) int {
	const chunk = 4096
	dec := enc.NewDecoder()
	dst := make([]byte, 4*chunk)
	for pos := 0; pos < len(value); {
		end := min(pos+chunk, len(value))
		nDst, nSrc, _ := dec.Transform(dst, value[pos:end], end == len(value))
		if bytes.ContainsRune(dst[:nDst], utf8.RuneError) {
			return firstInvalidChar(dec, value, pos, pos+nSrc)
		}
		if nSrc == 0 {
			return pos
		}
		pos += nSrc
	}
	return len(value)
}

// firstInvalidChar walks value[from:to] one character at a time: it grows
// the input one byte at a time until the decoder consumes a character.
func firstInvalidChar(dec *encoding.Decoder, value []byte, from, to int) int {
	var out [16]byte
	for p := from; p < to; {
		progressed := false
		for w := 1; w <= 4 && p+w <= len(value); w++ {
			nDst, nSrc, _ := dec.Transform(out[:], value[p:p+w], p+w == len(value))
			if nSrc == 0 {
				continue
			}
			if bytes.ContainsRune(out[:nDst], utf8.RuneError) {
				return p
			}
			p += nSrc
			progressed = true
			break
		}
		if !progressed {
			return p
		}
	}
	return from
}

// decoding is the state of one Decode call in ISO 2022 mode.
type decoding struct {
	d   *Decoder
	cur state
	out strings.Builder
	err error
	buf []byte // scratch for multi-byte runs
}

func (c *decoding) fail(off int, err error) {
	if c.err == nil {
		c.err = &DecodeError{Offset: off, Err: err}
	}
}

func (d *Decoder) decode2022(value []byte, vr string) (string, error) {
	c := decoding{d: d, cur: d.initial}
	c.out.Grow(len(value) + len(value)/2)
	pn := vr == "PN"
	multi := isMultiValued(vr)
	for i := 0; i < len(value); {
		b := value[i]
		switch {
		case b == 0x1B:
			i = c.escape(value, i)
			continue
		case b < 0x80:
			if isMultiByte(c.cur.g0) && b > 0x20 && b < 0x7F {
				i = c.multiG0(value, i)
				continue
			}
			c.out.WriteByte(b)
			switch {
			case b == '\r' || b == '\n' || b == '\f' || b == '\t',
				pn && (b == '^' || b == '='),
				multi && b == '\\':
				c.cur = d.initial
			}
			i++
		default:
			g1 := c.cur.g1
			if g1 == setNone && d.impliedG1 != setNone {
				g1 = d.impliedG1
				c.fail(i, ErrMissingEscape)
			}
			if isMultiByte(g1) {
				i = c.multiG1(value, i, g1)
				continue
			}
			c.single(value, i, g1)
			i++
		}
	}
	return c.out.String(), c.err
}

// isMultiValued reports whether "\" separates values in this VR. LT, ST,
// UT and UR hold one value in which "\" is an ordinary character.
func isMultiValued(vr string) bool {
	switch vr {
	case "LT", "ST", "UT", "UR":
		return false
	}
	return true
}

// onlyG1 returns the G1 set the terms declare if there is exactly one.
func onlyG1(terms []term) gset {
	found := setNone
	for _, t := range terms {
		for _, s := range t.sets {
			if !isG1(s) || s == found {
				continue
			}
			if found != setNone {
				return setNone
			}
			found = s
		}
	}
	return found
}

// isG1 reports whether s is designated to G1 (bytes above 0x7F).
func isG1(s gset) bool {
	switch s {
	case setNone, setASCII, setRomaji, setJISX0208, setJISX0212:
		return false
	}
	return true
}

func isMultiByte(s gset) bool {
	switch s {
	case setJISX0208, setJISX0212, setKSX1001, setGB2312:
		return true
	}
	return false
}

// single decodes one byte above 0x7F through the single-byte G1 set.
func (c *decoding) single(value []byte, i int, g1 gset) {
	b := value[i]
	switch {
	case g1 == setNone:
		// Default repertoire only: read it as Latin-1, which is what such
		// files usually mean.
		c.out.WriteRune(rune(b))
		c.fail(i, ErrNonASCII)
	case g1 == setKatakana:
		if b >= 0xA1 && b <= 0xDF {
			c.out.WriteRune(0xFF61 + rune(b-0xA1))
			return
		}
		c.out.WriteRune(utf8.RuneError)
		c.fail(i, ErrInvalidBytes)
	case b < 0xA0:
		// C1 control range: no graphic character in any ISO 8859 G1.
		c.out.WriteRune(rune(b))
	default:
		r := g1.single().DecodeByte(b)
		if r == utf8.RuneError {
			c.fail(i, ErrInvalidBytes)
		}
		c.out.WriteRune(r)
	}
}

// multiG0 decodes a run of two-byte characters in a 94×94 G0 set (JIS X
// 0208 or 0212) starting at value[i], up to the next control, space, ESC
// or high byte. It returns the index after the run.
func (c *decoding) multiG0(value []byte, i int) int {
	end := i
	for end < len(value) && value[end] > 0x20 && value[end] < 0x7F {
		end++
	}
	run := value[i:end]
	c.buf = c.buf[:0]
	for k := 0; k+1 < len(run); k += 2 {
		if c.cur.g0 == setJISX0212 {
			c.buf = append(c.buf, 0x8F)
		}
		c.buf = append(c.buf, run[k]|0x80, run[k+1]|0x80)
	}
	c.writeDecoded(japanese.EUCJP, i)
	if len(run)%2 == 1 {
		c.out.WriteRune(utf8.RuneError)
		c.fail(end-1, ErrInvalidBytes)
	}
	return end
}

// multiG1 decodes a run of two-byte characters in a G1 set (KS X 1001 or
// GB 2312, both in their EUC form) starting at value[i]. It returns the
// index after the run.
func (c *decoding) multiG1(value []byte, i int, g1 gset) int {
	end := i
	for end < len(value) && value[end] >= 0x80 {
		end++
	}
	run := value[i:end]
	odd := len(run)%2 == 1
	if odd {
		run = run[:len(run)-1]
	}
	c.buf = append(c.buf[:0], run...)
	enc := encoding.Encoding(korean.EUCKR)
	if g1 == setGB2312 {
		enc = simplifiedchinese.GBK
	}
	c.writeDecoded(enc, i)
	if odd {
		c.out.WriteRune(utf8.RuneError)
		c.fail(end-1, ErrInvalidBytes)
	}
	return end
}

// writeDecoded decodes c.buf with enc and appends the result, reporting
// U+FFFD as invalid bytes at offset off (the start of the run).
func (c *decoding) writeDecoded(enc encoding.Encoding, off int) {
	if len(c.buf) == 0 {
		return
	}
	out, err := enc.NewDecoder().Bytes(c.buf)
	s := strings.ToValidUTF8(string(out), "\uFFFD")
	if err != nil || strings.ContainsRune(s, utf8.RuneError) {
		c.fail(off, ErrInvalidBytes)
	}
	c.out.WriteString(s)
}

// escape reads the escape sequence at value[i] (value[i] == ESC), changes
// G0 or G1, and returns the index after it.
func (c *decoding) escape(value []byte, i int) int {
	rest := value[i+1:]
	target, g, n := parseEscape(rest)
	if n == 0 {
		c.out.WriteRune(utf8.RuneError)
		c.fail(i, ErrUnknownEscape)
		return i + 1
	}
	if !c.d.declared[target] || !c.d.extension {
		c.fail(i, ErrUndeclaredEscape)
	}
	if g == 0 {
		c.cur.g0 = target
	} else {
		c.cur.g1 = target
	}
	return i + 1 + n
}

// parseEscape recognises the escape sequences of PS3.3 Tables C.12-3 and
// C.12-4 (the bytes after ESC). It returns the set designated, the
// register (0 for G0, 1 for G1) and the number of bytes used; 0 bytes when
// the sequence is unknown.
func parseEscape(b []byte) (gset, int, int) {
	if len(b) >= 2 {
		switch string(b[:2]) {
		case "(B":
			return setASCII, 0, 2
		case "(J":
			return setRomaji, 0, 2
		case ")I":
			return setKatakana, 1, 2
		case "$B":
			return setJISX0208, 0, 2
		case "-A":
			return setLatin1, 1, 2
		case "-B":
			return setLatin2, 1, 2
		case "-C":
			return setLatin3, 1, 2
		case "-D":
			return setLatin4, 1, 2
		case "-L":
			return setCyrillic, 1, 2
		case "-G":
			return setArabic, 1, 2
		case "-F":
			return setGreek, 1, 2
		case "-H":
			return setHebrew, 1, 2
		case "-M":
			return setLatin5, 1, 2
		case "-T":
			return setThai, 1, 2
		}
	}
	if len(b) >= 3 {
		switch string(b[:3]) {
		case "$(D":
			return setJISX0212, 0, 3
		case "$)C":
			return setKSX1001, 1, 3
		case "$)A":
			return setGB2312, 1, 3
		}
	}
	return setNone, 0, 0
}
