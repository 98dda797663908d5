package cli

import (
	"bufio"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pacsguard/pacsguard/internal/dicom"
	"github.com/pacsguard/pacsguard/internal/dicom/charset"
	"github.com/pacsguard/pacsguard/internal/dicom/dict"
)

// DumpSchema versions the --json output of dump.
const DumpSchema = "pacsguard.dump/v1"

const dumpLong = `Dump lists DICOM files like DCMTK's dcmdump: one line per element with its
nesting, tag, VR, value length, dictionary name and value (truncated), text
decoded from the file's character set. With --json it writes the DICOM JSON
model (PS3.18 Annex F) of each file instead, inside a small wrapper that
carries the schema version, the file's transfer syntax and its anomalies.

Patient-identifying attributes (the PS3.15 Annex E Basic Profile list: names,
IDs, birth dates, addresses, private elements...) are shown as <redacted>
unless --show-phi is given. Anything odd about a file (non-zero preamble,
wrong lengths, trailing data...) is listed after its data set.

Values longer than 1 MiB are not loaded (shown as "(not loaded)").

Exit codes: 0 all files dumped; 1 some files could not be read (one line
each on stderr, the others are still dumped); 2 usage error.`

// dumpMaxLoad bounds memory: longer values are skipped (their offset and
// length are still known).
const dumpMaxLoad = 1 << 20

type dumpOptions struct {
	json     bool
	showPHI  bool
	maxValue int
}

func newDumpCmd(env *Env) *cobra.Command {
	var o dumpOptions
	cmd := &cobra.Command{
		Use:   "dump [--json] [--show-phi] [--max-value N] FILE...",
		Short: "Dump DICOM files (tags, VRs, values), with patient data redacted",
		Long:  dumpLong,
		Args:  minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.maxValue < 0 {
				return usageErrorf("--max-value must be 0 or more, got %d", o.maxValue)
			}
			return runDump(env, o, args)
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "write the DICOM JSON model (PS3.18 Annex F) instead of a listing")
	cmd.Flags().BoolVar(&o.showPHI, "show-phi", false, "show patient-identifying values instead of <redacted>")
	cmd.Flags().IntVar(&o.maxValue, "max-value", 64, "show at most N characters of each value in the listing (0: no limit)")
	return cmd
}

func runDump(env *Env, o dumpOptions, paths []string) error {
	w := bufio.NewWriter(env.Stdout)
	failed := 0
	if o.json {
		w.WriteString("[")
	}
	first := true
	for _, path := range paths {
		f, err := dicom.ReadFile(path, dicom.ReadOptions{SkipLargerThan: dumpMaxLoad})
		if err != nil {
			failed++
			fmt.Fprintf(env.Stderr, "pacsguard: dump: %s: %s\n", printable(path), dumpReadError(err))
			continue
		}
		d := &dumper{w: w, o: o}
		if o.json {
			if !first {
				w.WriteString(",")
			}
			d.writeJSONFile(path, f)
		} else {
			if !first {
				w.WriteString("\n")
			}
			d.writeListing(path, f)
		}
		first = false
	}
	if o.json {
		w.WriteString("]\n")
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("cannot write the dump: %w", err)
	}
	if failed > 0 {
		return partialErrorf("%d of %d files could not be dumped", failed, len(paths))
	}
	return nil
}

// dumpReadError says in a few words why a file could not be read.
func dumpReadError(err error) string {
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	case errors.Is(err, dicom.ErrIsDirectory):
		return "is a directory (give DICOM files; 'pacsguard files' sweeps directories)"
	case errors.Is(err, dicom.ErrNotDICOM):
		return "not a DICOM file (no DICM prefix and no plausible data set)"
	case errors.Is(err, dicom.ErrTruncated):
		return "truncated before any readable element"
	case errors.As(err, &pe):
		return pe.Err.Error()
	}
	return oneLine(err.Error())
}

type dumper struct {
	w         *bufio.Writer
	o         dumpOptions
	anomalies []dicom.Anomaly // charset decode failures found while dumping
}

// decoderFor returns the character set decoder a data set's text uses:
// its own Specific Character Set, or the enclosing one.
func (d *dumper) decoderFor(ds *dicom.DataSet, parent *charset.Decoder) *charset.Decoder {
	e := ds.Find(dicom.TagSpecificCharacterSet)
	if e == nil {
		return parent
	}
	dec, err := charset.New(e.Strings())
	if err != nil {
		d.anomalies = append(d.anomalies, dicom.Anomaly{Kind: dicom.AnomalyCharsetDecode, Offset: e.Offset, Tag: e.Tag, Detail: oneLine(err.Error())})
	}
	return dec
}

func (d *dumper) redacted(e *dicom.Element) bool {
	return !d.o.showPHI && dicom.IsPatientIdentifying(e.Tag)
}

func (d *dumper) writeListing(path string, f *dicom.File) {
	w := d.w
	fmt.Fprintf(w, "# File: %s\n", printable(path)) // file names in archives are input too
	if f.HasPreamble {
		fmt.Fprintf(w, "# Preamble: %s\n", f.PreambleKind)
	} else {
		w.WriteString("# Preamble: none (raw data set)\n")
	}
	fmt.Fprintf(w, "# Transfer syntax: %s\n", describeUID(f.TransferSyntax))
	if f.Meta != nil {
		w.WriteString("\n# Meta information\n")
		d.listDataSet(f.Meta, 0, nil)
	}
	w.WriteString("\n# Data set\n")
	d.listDataSet(f.DataSet, 0, charset.Default())
	all := append(append([]dicom.Anomaly{}, f.Anomalies...), d.anomalies...)
	fmt.Fprintf(w, "\n# Anomalies: %d\n", len(all))
	for _, a := range all {
		fmt.Fprintf(w, "%s\n", printable(a.String()))
	}
}

func describeUID(uid string) string {
	if uid == "" {
		return "(none)"
	}
	if u, ok := dict.LookupUID(uid); ok {
		return uid + " (" + u.Name + ")"
	}
	return uid
}

func elementName(t dicom.Tag) string {
	if e, ok := dict.Lookup(uint32(t)); ok {
		return e.Keyword
	}
	if t.IsPrivate() {
		return "PrivateTag"
	}
	return "UnknownTag"
}

func lengthText(n uint32) string {
	if n == dicom.UndefinedLength {
		return "u/l"
	}
	return strconv.FormatUint(uint64(n), 10)
}

func (d *dumper) listDataSet(ds *dicom.DataSet, depth int, dec *charset.Decoder) {
	if ds == nil {
		return
	}
	dec = d.decoderFor(ds, dec)
	indent := strings.Repeat("  ", depth)
	for _, e := range ds.Elements {
		var value string
		switch {
		case e.Items != nil:
			value = fmt.Sprintf("(Sequence, %d items)", len(e.Items))
		case e.Fragments != nil:
			value = fmt.Sprintf("(Encapsulated pixel data, %d fragments)", len(e.Fragments))
		case e.Skipped:
			value = "(not loaded)"
		case len(e.Value) == 0:
			value = "(no value)"
		case d.redacted(e):
			value = "<redacted>"
		default:
			value = printable(d.truncate(d.displayValue(e, dec)))
		}
		if (e.Items != nil || e.Fragments != nil) && d.redacted(e) {
			value += " <redacted>"
		}
		fmt.Fprintf(d.w, "%s%s %-2s %-44s # %5s %s\n", indent, strings.ToLower(e.Tag.String()), printableVR(e.VR), value, lengthText(e.Length), elementName(e.Tag))
		if d.redacted(e) {
			continue // a redacted sequence hides its items
		}
		for i, item := range e.Items {
			fmt.Fprintf(d.w, "%s  (fffe,e000) na %-44s # %5s Item\n", indent, fmt.Sprintf("(Item #%d)", i+1), lengthText(item.ItemLength))
			d.listDataSet(item, depth+2, dec)
		}
		for i, fr := range e.Fragments {
			v := "(not loaded)"
			if fr.Value != nil || fr.Length == 0 {
				v = d.truncate(hexBytes(fr.Value, d.o.maxValue))
			}
			label := "Fragment"
			if i == 0 {
				label = "BasicOffsetTable"
			}
			fmt.Fprintf(d.w, "%s  (fffe,e000) pi %-44s # %5s %s\n", indent, v, lengthText(fr.Length), label)
		}
	}
}

// printableVR shows an unknown VR's bytes safely.
func printableVR(vr dicom.VR) string {
	if vr.Known() {
		return string(vr)
	}
	return strconv.QuoteToASCII(string(vr))
}

// printable escapes what a hostile file could use against the terminal
// showing the dump: control characters (ANSI escape sequences), C1 controls
// and bidirectional overrides. Everything else is shown as decoded.
func printable(s string) string {
	clean := true
	for _, r := range s {
		if unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var sb strings.Builder
	for _, r := range s {
		if unsafeRune(r) {
			fmt.Fprintf(&sb, "\\u%04x", r)
			continue
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

func unsafeRune(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f
}

func (d *dumper) truncate(s string) string {
	if d.o.maxValue <= 0 {
		return s
	}
	n := 0
	for i := range s {
		if n == d.o.maxValue {
			return s[:i] + "..."
		}
		n++
	}
	return s
}

// displayValue renders a value for the listing: text decoded and bracketed,
// numbers, or bytes in hex.
func (d *dumper) displayValue(e *dicom.Element, dec *charset.Decoder) string {
	if e.VR.IsText() {
		text := d.decodeText(e, dec)
		return "[" + strings.TrimRight(text, " \x00") + "]"
	}
	if nums := numbers(e); nums != nil {
		return strings.Join(nums, `\`)
	}
	return hexBytes(e.Value, d.o.maxValue)
}

// decodeText decodes a text value, recording a failure as an anomaly.
func (d *dumper) decodeText(e *dicom.Element, dec *charset.Decoder) string {
	switch e.VR {
	case dicom.VRSH, dicom.VRLO, dicom.VRST, dicom.VRLT, dicom.VRUT, dicom.VRUC, dicom.VRPN:
		s, err := dec.Decode(e.Value, string(e.VR))
		if err != nil {
			d.anomalies = append(d.anomalies, dicom.Anomaly{Kind: dicom.AnomalyCharsetDecode, Offset: e.ValueOffset, Tag: e.Tag, Detail: "value does not decode in the declared character set"})
		}
		return s
	}
	// The other text VRs are in the default repertoire; show them safely.
	return strings.ToValidUTF8(string(e.Value), "\uFFFD")
}

// numbers renders binary numeric values, or nil for byte data.
func numbers(e *dicom.Element) []string {
	v := e.Value
	var out []string
	switch e.VR {
	case dicom.VRUS:
		for i := 0; i+2 <= len(v); i += 2 {
			out = append(out, strconv.FormatUint(uint64(binary.LittleEndian.Uint16(v[i:])), 10))
		}
	case dicom.VRSS:
		for i := 0; i+2 <= len(v); i += 2 {
			out = append(out, strconv.FormatInt(int64(int16(binary.LittleEndian.Uint16(v[i:]))), 10))
		}
	case dicom.VRUL:
		for i := 0; i+4 <= len(v); i += 4 {
			out = append(out, strconv.FormatUint(uint64(binary.LittleEndian.Uint32(v[i:])), 10))
		}
	case dicom.VRSL:
		for i := 0; i+4 <= len(v); i += 4 {
			out = append(out, strconv.FormatInt(int64(int32(binary.LittleEndian.Uint32(v[i:]))), 10))
		}
	case dicom.VRUV:
		for i := 0; i+8 <= len(v); i += 8 {
			out = append(out, strconv.FormatUint(binary.LittleEndian.Uint64(v[i:]), 10))
		}
	case dicom.VRSV:
		for i := 0; i+8 <= len(v); i += 8 {
			out = append(out, strconv.FormatInt(int64(binary.LittleEndian.Uint64(v[i:])), 10))
		}
	case dicom.VRFL:
		for i := 0; i+4 <= len(v); i += 4 {
			out = append(out, strconv.FormatFloat(float64(math.Float32frombits(binary.LittleEndian.Uint32(v[i:]))), 'g', -1, 32))
		}
	case dicom.VRFD:
		for i := 0; i+8 <= len(v); i += 8 {
			out = append(out, strconv.FormatFloat(math.Float64frombits(binary.LittleEndian.Uint64(v[i:])), 'g', -1, 64))
		}
	case dicom.VRAT:
		for i := 0; i+4 <= len(v); i += 4 {
			t := dicom.NewTag(binary.LittleEndian.Uint16(v[i:]), binary.LittleEndian.Uint16(v[i+2:]))
			out = append(out, strings.ToLower(t.String()))
		}
	default:
		return nil
	}
	if out == nil {
		out = []string{}
	}
	return out
}

// hexBytes shows bytes as dcmdump does (01\ab\...), at most limit of them
// rendered (0: all).
func hexBytes(b []byte, limit int) string {
	var sb strings.Builder
	for i, c := range b {
		if limit > 0 && sb.Len() > limit {
			break
		}
		if i > 0 {
			sb.WriteByte('\\')
		}
		fmt.Fprintf(&sb, "%02x", c)
	}
	return sb.String()
}

// --- DICOM JSON model (PS3.18 Annex F) ---

type jsonAnomaly struct {
	Kind   string `json:"kind"`
	Offset int64  `json:"offset"`
	Tag    string `json:"tag,omitempty"`
	Detail string `json:"detail"`
}

func (d *dumper) writeJSONFile(path string, f *dicom.File) {
	w := d.w
	w.WriteString("\n{")
	writeJSONField(w, "schema", DumpSchema)
	w.WriteString(",")
	writeJSONField(w, "file", path)
	w.WriteString(",")
	writeJSONField(w, "preamble", f.PreambleKind.String())
	w.WriteString(",")
	writeJSONField(w, "transferSyntax", f.TransferSyntax)
	w.WriteString(",")
	writeJSONField(w, "phiRedacted", !d.o.showPHI)
	w.WriteString(`,"meta":`)
	d.jsonDataSet(f.Meta, nil)
	w.WriteString(`,"dataset":`)
	d.jsonDataSet(f.DataSet, charset.Default())
	all := append(append([]dicom.Anomaly{}, f.Anomalies...), d.anomalies...)
	list := make([]jsonAnomaly, 0, len(all))
	for _, a := range all {
		ja := jsonAnomaly{Kind: string(a.Kind), Offset: a.Offset, Detail: a.Detail}
		if a.Tag != 0 {
			ja.Tag = fmt.Sprintf("%08X", uint32(a.Tag))
		}
		list = append(list, ja)
	}
	w.WriteString(`,"anomalies":`)
	writeJSON(w, list)
	w.WriteString("}")
}

func writeJSON(w io.Writer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte("null")
	}
	w.Write(b)
}

func writeJSONField(w *bufio.Writer, key string, v any) {
	writeJSON(w, key)
	w.WriteString(":")
	writeJSON(w, v)
}

// jsonDataSet writes one data set as a DICOM JSON object, keys in file
// order; a duplicated tag keeps its first element (JSON keys are unique).
func (d *dumper) jsonDataSet(ds *dicom.DataSet, dec *charset.Decoder) {
	w := d.w
	if ds == nil {
		w.WriteString("null")
		return
	}
	dec = d.decoderFor(ds, dec)
	w.WriteString("{")
	seen := make(map[dicom.Tag]bool, len(ds.Elements))
	n := 0
	for _, e := range ds.Elements {
		if seen[e.Tag] {
			continue
		}
		seen[e.Tag] = true
		if n > 0 {
			w.WriteString(",")
		}
		n++
		fmt.Fprintf(w, `"%08X":{"vr":`, uint32(e.Tag))
		vr := string(e.VR)
		if !e.VR.Known() {
			vr = "UN"
		}
		writeJSON(w, vr)
		d.jsonValue(e, dec)
		w.WriteString("}")
	}
	w.WriteString("}")
}

func (d *dumper) jsonValue(e *dicom.Element, dec *charset.Decoder) {
	w := d.w
	switch {
	case d.redacted(e), e.Skipped, e.Fragments != nil:
		// Redacted, or bulk data not loaded: no value (PS3.18 F.2.5 allows
		// an attribute without one).
		return
	case e.Items != nil:
		w.WriteString(`,"Value":[`)
		for i, item := range e.Items {
			if i > 0 {
				w.WriteString(",")
			}
			d.jsonDataSet(item, dec)
		}
		w.WriteString("]")
		return
	case len(e.Value) == 0:
		return
	}
	switch e.VR {
	case dicom.VRPN:
		var names []any
		for _, v := range strings.Split(d.decodeText(e, dec), `\`) {
			v = strings.TrimRight(v, " \x00")
			if v == "" {
				names = append(names, nil) // PS3.18 F.2.5: an empty value is null
				continue
			}
			groups := strings.Split(v, "=")
			m := map[string]string{}
			for i, key := range []string{"Alphabetic", "Ideographic", "Phonetic"} {
				if i < len(groups) && groups[i] != "" {
					m[key] = groups[i]
				}
			}
			names = append(names, m)
		}
		w.WriteString(`,"Value":`)
		writeJSON(w, names)
	case dicom.VRDS, dicom.VRIS:
		var vals []any
		for _, s := range e.Strings() {
			if s == "" {
				vals = append(vals, nil)
				continue
			}
			if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
				vals = append(vals, json.Number(strconv.FormatFloat(f, 'g', -1, 64)))
			} else {
				vals = append(vals, s) // not a number: keep the text rather than lose it
			}
		}
		w.WriteString(`,"Value":`)
		writeJSON(w, vals)
	case dicom.VRAT:
		var vals []string
		for _, s := range numbers(e) {
			vals = append(vals, strings.ToUpper(strings.NewReplacer("(", "", ")", "", ",", "").Replace(s)))
		}
		w.WriteString(`,"Value":`)
		writeJSON(w, vals)
	case dicom.VRUS, dicom.VRSS, dicom.VRUL, dicom.VRSL, dicom.VRUV, dicom.VRSV, dicom.VRFL, dicom.VRFD:
		var vals []any
		for _, s := range numbers(e) {
			if s == "NaN" || strings.Contains(s, "Inf") {
				vals = append(vals, s)
				continue
			}
			vals = append(vals, json.Number(s))
		}
		w.WriteString(`,"Value":`)
		writeJSON(w, vals)
	default:
		if e.VR.IsText() {
			var vals []any
			text := d.decodeText(e, dec)
			if e.VR == dicom.VRLT || e.VR == dicom.VRST || e.VR == dicom.VRUT || e.VR == dicom.VRUR {
				vals = []any{strings.TrimRight(text, " \x00")}
			} else {
				for _, s := range strings.Split(text, `\`) {
					if s = strings.Trim(s, " \x00"); s == "" {
						vals = append(vals, nil) // PS3.18 F.2.5: an empty value is null
					} else {
						vals = append(vals, s)
					}
				}
			}
			w.WriteString(`,"Value":`)
			writeJSON(w, vals)
			return
		}
		w.WriteString(`,"InlineBinary":`)
		writeJSON(w, base64.StdEncoding.EncodeToString(e.Value))
	}
}
