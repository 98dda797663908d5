// Command gen writes the data dictionary and UID registry tables of package
// dict from machine-readable sources that Debian packages install:
//
//   - DCMTK's dicom.dic (package libdcmtk17): tags, VR, VM, keyword, retired
//     flag and repeating-group ranges. It is the authority for the table.
//
//   - pydicom's _dicom_dict.py (package python3-pydicom): the human-readable
//     attribute names (dicom.dic has keywords only) and the element-wise
//     repeater patterns such as (1000,xxx0) that dicom.dic lists only once.
//
//   - pydicom's _uid_dict.py (package python3-pydicom): the UID registry.
//
//   - DCMTK's private.dic (package libdcmtk17): private tags by creator,
//     kept in a table of their own.
//
// Run it with `go generate ./internal/dicom/dict` on a machine with both
// packages installed.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.dicomDic, "dcmtk", "/usr/share/libdcmtk17/dicom.dic", "DCMTK data dictionary file")
	flag.StringVar(&cfg.dcmtkPackage, "dcmtk-package", "libdcmtk17", "Debian package that installs -dcmtk")
	flag.StringVar(&cfg.privateDic, "dcmtk-private", "/usr/share/libdcmtk17/private.dic", "DCMTK private data dictionary file")
	flag.StringVar(&cfg.pydicomDir, "pydicom", "/usr/lib/python3/dist-packages/pydicom", "pydicom package directory")
	flag.StringVar(&cfg.pydicomPackage, "pydicom-package", "python3-pydicom", "Debian package that installs -pydicom")
	out := flag.String("out", ".", "directory to write tags_gen.go and uids_gen.go into")
	flag.Parse()

	cfg.dcmtkVersion = debianVersion(cfg.dcmtkPackage)
	cfg.pydicomVersion = debianVersion(cfg.pydicomPackage)
	files, err := generate(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(*out, name), src, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
}

// config names the sources and the Debian package versions that go into the
// generated headers.
type config struct {
	dicomDic, privateDic, dcmtkPackage, dcmtkVersion string
	pydicomDir, pydicomPackage, pydicomVersion       string
}

// debianVersion asks dpkg which version of pkg is installed, "unknown" when
// dpkg cannot tell (the header then says so rather than lying).
func debianVersion(pkg string) string {
	out, err := exec.Command("dpkg-query", "-W", "-f", "${Version}", pkg).Output()
	if err != nil || len(bytes.TrimSpace(out)) == 0 {
		return "unknown"
	}
	return string(bytes.TrimSpace(out))
}

// generate returns the generated files by name.
func generate(cfg config) (map[string][]byte, error) {
	dic, err := os.ReadFile(cfg.dicomDic)
	if err != nil {
		return nil, err
	}
	pyDict, err := os.ReadFile(filepath.Join(cfg.pydicomDir, "_dicom_dict.py"))
	if err != nil {
		return nil, err
	}
	pyUID, err := os.ReadFile(filepath.Join(cfg.pydicomDir, "_uid_dict.py"))
	if err != nil {
		return nil, err
	}
	tags, reps, err := buildTags(dic, pyDict)
	if err != nil {
		return nil, err
	}
	uids, err := buildUIDs(pyUID)
	if err != nil {
		return nil, err
	}
	tagSrc, err := renderTags(cfg, tags, reps)
	if err != nil {
		return nil, err
	}
	uidSrc, err := renderUIDs(cfg, uids)
	if err != nil {
		return nil, err
	}
	privDic, err := os.ReadFile(cfg.privateDic)
	if err != nil {
		return nil, err
	}
	priv, err := buildPrivate(privDic)
	if err != nil {
		return nil, err
	}
	privSrc, err := renderPrivate(cfg, priv)
	if err != nil {
		return nil, err
	}
	return map[string][]byte{"tags_gen.go": tagSrc, "uids_gen.go": uidSrc, "private_gen.go": privSrc}, nil
}

type entry struct {
	tag                   uint32
	vr, vm, keyword, name string
	retired               bool
}

// repeater is an entry that stands for every tag t with t&mask == value.
type repeater struct {
	mask, value uint32
	entry
}

type pyEntry struct {
	vr, vm, name, retired, keyword string
}

// buildTags joins dicom.dic with pydicom's names and repeater patterns.
func buildTags(dic, pyDict []byte) ([]entry, []repeater, error) {
	pyTags, pyReps, err := parsePyDict(pyDict)
	if err != nil {
		return nil, nil, fmt.Errorf("_dicom_dict.py: %w", err)
	}
	nameByKeyword := map[string]string{}
	for _, e := range pyTags {
		if e.keyword != "" {
			nameByKeyword[e.keyword] = e.name
		}
	}
	repByKeyword := map[string]string{} // keyword -> pattern like "1000xxx0"
	for pat, e := range pyReps {
		if other, dup := repByKeyword[e.keyword]; dup {
			return nil, nil, fmt.Errorf("_dicom_dict.py: repeater keyword %s used by %s and %s", e.keyword, other, pat)
		}
		nameByKeyword[e.keyword] = e.name
		repByKeyword[e.keyword] = pat
	}

	var tags []entry
	var reps []repeater
	seenKeyword := map[string]string{}
	seenRep := map[string]bool{}
	for n, line := range strings.Split(string(dic), "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			return nil, nil, fmt.Errorf("dicom.dic line %d: want 5 tab-separated fields, got %d", n+1, len(f))
		}
		tagSpec, vr, keyword, vm, version := f[0], f[1], f[2], f[3], f[4]
		switch version {
		case "GENERIC", "PRIVATE", "ILLEGAL":
			// Group lengths and private creators are rules, not table
			// entries: package dict handles them in code.
			continue
		}
		retired := strings.HasSuffix(version, "/retired")
		keyword = strings.TrimPrefix(keyword, "RETIRED_")
		e := entry{vr: vr, vm: vm, keyword: keyword, retired: retired}
		e.name = nameByKeyword[keyword]
		if e.name == "" {
			e.name = nameFromKeyword(keyword)
		}
		if prev, dup := seenKeyword[keyword]; dup {
			return nil, nil, fmt.Errorf("dicom.dic line %d: keyword %s already used by %s", n+1, keyword, prev)
		}
		seenKeyword[keyword] = tagSpec

		if pat, ok := repByKeyword[keyword]; ok {
			// pydicom's pattern says which nibbles repeat, in the notation of
			// PS3.6; dicom.dic lists some of these only once.
			mask, value, err := parsePattern(pat)
			if err != nil {
				return nil, nil, err
			}
			e.vr = vrSpelling(vr, pyReps[pat].vr)
			// The representative tag is the one dicom.dic lists: PS3.6
			// lets x start at 1 in (0028,04x0) and (1000,xxx0), so the
			// pattern's value may belong to another attribute.
			e.tag = value
			if !strings.Contains(tagSpec, "-") {
				if e.tag, err = parseTag(tagSpec); err != nil {
					return nil, nil, fmt.Errorf("dicom.dic line %d: %w", n+1, err)
				}
			}
			reps = append(reps, repeater{mask: mask, value: value, entry: e})
			seenRep[pat] = true
			continue
		}
		if strings.Contains(tagSpec, "-") {
			mask, value, err := parseRange(tagSpec)
			if err != nil {
				return nil, nil, fmt.Errorf("dicom.dic line %d: %w", n+1, err)
			}
			e.vr = vrSpelling(vr, "")
			e.tag = value
			reps = append(reps, repeater{mask: mask, value: value, entry: e})
			continue
		}
		tag, err := parseTag(tagSpec)
		if err != nil {
			return nil, nil, fmt.Errorf("dicom.dic line %d: %w", n+1, err)
		}
		e.tag = tag
		pyVR := ""
		if p, ok := pyTags[tag]; ok {
			pyVR = p.vr
			if p.name != "" && p.keyword == keyword {
				e.name = p.name
			}
		}
		e.vr = vrSpelling(vr, pyVR)
		tags = append(tags, e)
	}
	sort.Slice(tags, func(i, j int) bool { return tags[i].tag < tags[j].tag })
	for i := 1; i < len(tags); i++ {
		if tags[i].tag == tags[i-1].tag {
			return nil, nil, fmt.Errorf("dicom.dic: tag %08X listed twice", tags[i].tag)
		}
	}
	sort.Slice(reps, func(i, j int) bool {
		if reps[i].mask != reps[j].mask {
			return reps[i].mask > reps[j].mask
		}
		return reps[i].value < reps[j].value
	})
	return tags, reps, nil
}

// vrSpelling turns DCMTK's internal lower-case VR codes into the spelling of
// PS3.6 ("US or SS", "OB or OW"...), preferring pydicom's spelling of the
// same tag, which is taken from PS3.6 verbatim.
func vrSpelling(dcmtk, pydicom string) string {
	if dcmtk == strings.ToUpper(dcmtk) {
		return dcmtk
	}
	if pydicom != "" && len(pydicom) > 2 {
		return pydicom
	}
	switch dcmtk {
	case "xs":
		return "US or SS"
	case "ox", "px":
		return "OB or OW"
	case "lt":
		return "US or SS or OW"
	case "up":
		return "UL"
	case "na":
		return "NONE"
	}
	return dcmtk
}

// nameFromKeyword spells a keyword as words, for the few entries whose name
// no source gives.
func nameFromKeyword(kw string) string {
	var b strings.Builder
	for i, r := range kw {
		if i > 0 && r >= 'A' && r <= 'Z' {
			prev := kw[i-1]
			nextLower := i+1 < len(kw) && kw[i+1] >= 'a' && kw[i+1] <= 'z'
			if prev >= 'a' && prev <= 'z' || (prev >= 'A' && prev <= 'Z' && nextLower) {
				b.WriteByte(' ')
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

func parseTag(s string) (uint32, error) {
	if len(s) != 11 || s[0] != '(' || s[5] != ',' || s[10] != ')' {
		return 0, fmt.Errorf("bad tag %q", s)
	}
	v, err := strconv.ParseUint(s[1:5]+s[6:10], 16, 32)
	if err != nil {
		return 0, fmt.Errorf("bad tag %q", s)
	}
	return uint32(v), nil
}

// parseRange reads dicom.dic's "(6000-60FF,3000)" notation as a mask and a
// value. The range must be a power-of-two block; the default notation means
// even numbers only, "-u-" both, "-o-" odd only.
func parseRange(s string) (mask, value uint32, err error) {
	if len(s) < 3 || s[0] != '(' || s[len(s)-1] != ')' {
		return 0, 0, fmt.Errorf("bad tag range %q", s)
	}
	parts := strings.Split(s[1:len(s)-1], ",")
	if len(parts) != 2 {
		return 0, 0, fmt.Errorf("bad tag range %q", s)
	}
	gm, gv, err := parseHalfRange(parts[0])
	if err != nil {
		return 0, 0, fmt.Errorf("%q: %w", s, err)
	}
	em, ev, err := parseHalfRange(parts[1])
	if err != nil {
		return 0, 0, fmt.Errorf("%q: %w", s, err)
	}
	return gm<<16 | em, gv<<16 | ev, nil
}

func parseHalfRange(s string) (mask, value uint32, err error) {
	lo, hi, isRange := strings.Cut(s, "-")
	parity := "even"
	if isRange {
		if p, rest, ok := strings.Cut(hi, "-"); ok {
			parity, hi = map[string]string{"u": "any", "o": "odd"}[p], rest
		}
	} else {
		hi = lo
		parity = "any"
	}
	l, err1 := strconv.ParseUint(lo, 16, 16)
	h, err2 := strconv.ParseUint(hi, 16, 16)
	if err := errors.Join(err1, err2); err != nil || parity == "" {
		return 0, 0, fmt.Errorf("bad range %q", s)
	}
	span := h - l + 1
	if span&(span-1) != 0 || l&(span-1) != 0 {
		return 0, 0, fmt.Errorf("range %q is not an aligned power-of-two block", s)
	}
	mask = uint32(^(span - 1) & 0xFFFF)
	value = uint32(l)
	switch parity {
	case "even":
		mask |= 1
	case "odd":
		mask |= 1
		value |= 1
	}
	return mask, value, nil
}

// parsePattern reads PS3.6's "50xx0010" notation. Repeating groups are even
// groups only (PS3.5 §7.6), so an x in the group's last nibble keeps bit 0.
func parsePattern(p string) (mask, value uint32, err error) {
	if len(p) != 8 {
		return 0, 0, fmt.Errorf("bad repeater pattern %q", p)
	}
	for i := 0; i < 8; i++ {
		mask <<= 4
		value <<= 4
		c := p[i]
		if c == 'x' {
			continue
		}
		d, err := strconv.ParseUint(string(c), 16, 8)
		if err != nil {
			return 0, 0, fmt.Errorf("bad repeater pattern %q", p)
		}
		mask |= 0xF
		value |= uint32(d)
	}
	if p[3] == 'x' {
		mask |= 1 << 16
	}
	return mask, value, nil
}

// parsePyDict reads DicomDictionary and RepeatersDictionary from pydicom's
// generated module: one "key: (str, str, str, str, str)," entry per line.
func parsePyDict(src []byte) (map[uint32]pyEntry, map[string]pyEntry, error) {
	tags := map[uint32]pyEntry{}
	reps := map[string]pyEntry{}
	section := ""
	for n, line := range strings.Split(string(src), "\n") {
		switch {
		case strings.HasPrefix(line, "DicomDictionary"):
			section = "tags"
			continue
		case strings.HasPrefix(line, "RepeatersDictionary"):
			section = "reps"
			continue
		}
		if section == "" || !strings.HasPrefix(line, "    ") {
			continue
		}
		key, fields, err := parsePyLine(strings.TrimSpace(line))
		if err != nil {
			return nil, nil, fmt.Errorf("line %d: %w", n+1, err)
		}
		if len(fields) != 5 {
			return nil, nil, fmt.Errorf("line %d: want 5 fields, got %d", n+1, len(fields))
		}
		e := pyEntry{vr: fields[0], vm: fields[1], name: fields[2], retired: fields[3], keyword: fields[4]}
		if section == "tags" {
			v, err := strconv.ParseUint(strings.TrimPrefix(key, "0x"), 16, 32)
			if err != nil {
				return nil, nil, fmt.Errorf("line %d: bad tag %q", n+1, key)
			}
			tags[uint32(v)] = e
		} else {
			reps[key] = e
		}
	}
	if len(tags) == 0 {
		return nil, nil, errors.New("no DicomDictionary entries found")
	}
	return tags, reps, nil
}

// parsePyLine splits `KEY: ('a', "b", ...),  # comment` into the key (quotes
// removed) and the tuple's strings.
func parsePyLine(line string) (string, []string, error) {
	var key string
	var err error
	rest := line
	if rest != "" && (rest[0] == '\'' || rest[0] == '"') {
		key, rest, err = pyString(rest)
		if err != nil {
			return "", nil, err
		}
	} else {
		i := strings.IndexByte(rest, ':')
		if i < 0 {
			return "", nil, fmt.Errorf("no key in %q", line)
		}
		key, rest = rest[:i], rest[i:]
	}
	rest = strings.TrimLeft(rest, ": ")
	if !strings.HasPrefix(rest, "(") {
		return "", nil, fmt.Errorf("no tuple in %q", line)
	}
	rest = rest[1:]
	var fields []string
	for {
		rest = strings.TrimLeft(rest, " ")
		if strings.HasPrefix(rest, ")") {
			return key, fields, nil
		}
		var s string
		s, rest, err = pyString(rest)
		if err != nil {
			return "", nil, fmt.Errorf("%w in %q", err, line)
		}
		fields = append(fields, s)
		rest = strings.TrimLeft(rest, " ")
		rest = strings.TrimPrefix(rest, ",")
	}
}

// pyString reads one single- or double-quoted Python string literal.
func pyString(s string) (string, string, error) {
	if s == "" || (s[0] != '\'' && s[0] != '"') {
		return "", "", errors.New("expected a string literal")
	}
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == q:
			return b.String(), s[i+1:], nil
		default:
			b.WriteByte(c)
		}
	}
	return "", "", errors.New("unterminated string literal")
}

type uidEntry struct {
	uid, name, typ, keyword string
	retired                 bool
}

func buildUIDs(src []byte) ([]uidEntry, error) {
	var out []uidEntry
	in := false
	for n, line := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(line, "UID_dictionary") {
			in = true
			continue
		}
		if !in || !strings.HasPrefix(line, "    ") {
			continue
		}
		key, f, err := parsePyLine(strings.TrimSpace(line))
		if err != nil {
			return nil, fmt.Errorf("_uid_dict.py line %d: %w", n+1, err)
		}
		if len(f) != 5 {
			return nil, fmt.Errorf("_uid_dict.py line %d: want 5 fields, got %d", n+1, len(f))
		}
		if f[0] == "" {
			continue // withdrawn UIDs listed without a name
		}
		out = append(out, uidEntry{uid: key, name: f[0], typ: f[1], keyword: f[4], retired: f[3] == "Retired"})
	}
	if len(out) == 0 {
		return nil, errors.New("_uid_dict.py: no UID_dictionary entries found")
	}
	sort.Slice(out, func(i, j int) bool { return compareUID(out[i].uid, out[j].uid) < 0 })
	for i := 1; i < len(out); i++ {
		if out[i].uid == out[i-1].uid {
			return nil, fmt.Errorf("_uid_dict.py: UID %s listed twice", out[i].uid)
		}
	}
	return out, nil
}

// compareUID orders UIDs by their numeric components, as package dict does.
func compareUID(a, b string) int {
	for a != "" || b != "" {
		ca, ra, _ := strings.Cut(a, ".")
		cb, rb, _ := strings.Cut(b, ".")
		if len(ca) != len(cb) {
			if len(ca) < len(cb) {
				return -1
			}
			return 1
		}
		if c := strings.Compare(ca, cb); c != 0 {
			return c
		}
		a, b = ra, rb
	}
	return 0
}

func header(b *bytes.Buffer, sources string) {
	fmt.Fprintf(b, "// Code generated by go run ./gen; DO NOT EDIT.\n//\n")
	b.WriteString(sources)
	b.WriteString("\npackage dict\n\n")
}

func renderTags(cfg config, tags []entry, reps []repeater) ([]byte, error) {
	var b bytes.Buffer
	header(&b, fmt.Sprintf("// Sources: %s (Debian package %s %s),\n// names from %s (Debian package %s %s).\n",
		cfg.dicomDic, cfg.dcmtkPackage, cfg.dcmtkVersion,
		filepath.Join(cfg.pydicomDir, "_dicom_dict.py"), cfg.pydicomPackage, cfg.pydicomVersion))

	fmt.Fprintf(&b, "// tagTable holds every public tag with a fixed number, sorted by tag.\nvar tagTable = [%d]Entry{\n", len(tags))
	for _, e := range tags {
		fmt.Fprintf(&b, "\t{0x%08X, %q, %q, %q, %q, %t},\n", e.tag, e.vr, e.vm, e.keyword, e.name, e.retired)
	}
	b.WriteString("}\n\n")

	// The keys apart from the entries: the binary search then reads 20 KB
	// instead of striding through 350 KB, which keeps it in cache.
	fmt.Fprintf(&b, "// tagKeys holds tagTable's tags, for the binary search.\nvar tagKeys = [%d]uint32{", len(tags))
	for i, e := range tags {
		if i%8 == 0 {
			b.WriteString("\n\t")
		} else {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "0x%08X,", e.tag)
	}
	b.WriteString("\n}\n\n")

	kw := make([]int, len(tags))
	for i := range kw {
		kw[i] = i
	}
	sort.Slice(kw, func(i, j int) bool { return tags[kw[i]].keyword < tags[kw[j]].keyword })
	fmt.Fprintf(&b, "// keywordIndex lists tagTable indexes in keyword order.\nvar keywordIndex = [%d]uint16{", len(kw))
	for i, k := range kw {
		if i%16 == 0 {
			b.WriteString("\n\t")
		} else {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%d,", k)
	}
	b.WriteString("\n}\n\n")

	fmt.Fprintf(&b, "// repeaterTable holds the repeating groups and elements: an entry stands\n// for every tag t with t&mask == value. Sorted by mask (most specific\n// first), then value.\nvar repeaterTable = [%d]repeater{\n", len(reps))
	for _, r := range reps {
		fmt.Fprintf(&b, "\t{0x%08X, 0x%08X, Entry{0x%08X, %q, %q, %q, %q, %t}},\n", r.mask, r.value, r.tag, r.vr, r.vm, r.keyword, r.name, r.retired)
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}

func renderUIDs(cfg config, uids []uidEntry) ([]byte, error) {
	var b bytes.Buffer
	header(&b, fmt.Sprintf("// Source: %s (Debian package %s %s).\n",
		filepath.Join(cfg.pydicomDir, "_uid_dict.py"), cfg.pydicomPackage, cfg.pydicomVersion))
	fmt.Fprintf(&b, "// uidTable holds the UID registry of PS3.6 Annex A, sorted by numeric\n// components.\nvar uidTable = [%d]UID{\n", len(uids))
	for _, u := range uids {
		fmt.Fprintf(&b, "\t{%q, %q, %q, %q, %t},\n", u.uid, u.name, u.typ, u.keyword, u.retired)
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}

// privateEntry is one line of private.dic: the element offset within the
// creator's block, in the odd groups lo..hi.
type privateEntry struct {
	creator string
	lo, hi  uint16
	offset  uint8
	entry
}

// buildPrivate reads DCMTK's private.dic: "(gggg,"creator",ee)" lines, where
// gggg may be an odd range "7001-o-70ff" and ee may be written with its
// block ("10ee"); only the offset ee within the block matters.
func buildPrivate(dic []byte) ([]privateEntry, error) {
	type key struct {
		creator string
		lo, hi  uint16
		offset  uint8
	}
	index := map[key]int{}
	var out []privateEntry
	for n, line := range strings.Split(string(dic), "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 4 {
			return nil, fmt.Errorf("private.dic line %d: want at least 4 tab-separated fields, got %d", n+1, len(f))
		}
		spec, vr, keyword, vm := f[0], f[1], f[2], f[3]
		q1 := strings.IndexByte(spec, '"')
		q2 := strings.LastIndexByte(spec, '"')
		if !strings.HasPrefix(spec, "(") || !strings.HasSuffix(spec, ")") || q1 < 0 || q2 <= q1 ||
			spec[q1-1] != ',' || q2+1 >= len(spec) || spec[q2+1] != ',' {
			return nil, fmt.Errorf("private.dic line %d: bad tag %q", n+1, spec)
		}
		creator := spec[q1+1 : q2]
		groups := spec[1 : q1-1]
		elem := spec[q2+2 : len(spec)-1]
		var lo, hi uint64
		var err error
		if a, b, ok := strings.Cut(groups, "-o-"); ok {
			lo, err = strconv.ParseUint(a, 16, 16)
			if err == nil {
				hi, err = strconv.ParseUint(b, 16, 16)
			}
		} else {
			lo, err = strconv.ParseUint(groups, 16, 16)
			hi = lo
		}
		if err != nil || lo&1 == 0 || hi < lo {
			return nil, fmt.Errorf("private.dic line %d: bad group %q", n+1, groups)
		}
		e, err := strconv.ParseUint(elem, 16, 16)
		if err != nil || (len(elem) != 2 && len(elem) != 4) {
			return nil, fmt.Errorf("private.dic line %d: bad element %q", n+1, elem)
		}
		k := key{creator, uint16(lo), uint16(hi), uint8(e & 0xFF)}
		p := privateEntry{creator: k.creator, lo: k.lo, hi: k.hi, offset: k.offset, entry: entry{
			tag: uint32(lo)<<16 | 0x1000 | uint32(e&0xFF), vr: vrSpelling(vr, ""), vm: vm,
			keyword: keyword, name: nameFromKeyword(keyword),
		}}
		if i, dup := index[k]; dup {
			out[i] = p // later entries override earlier ones, as in DCMTK
			continue
		}
		index[k] = len(out)
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.creator != b.creator {
			return a.creator < b.creator
		}
		if a.offset != b.offset {
			return a.offset < b.offset
		}
		if a.lo != b.lo {
			return a.lo < b.lo
		}
		return a.hi < b.hi
	})
	return out, nil
}

func renderPrivate(cfg config, priv []privateEntry) ([]byte, error) {
	var b bytes.Buffer
	header(&b, fmt.Sprintf("// Source: %s (Debian package %s %s).\n", cfg.privateDic, cfg.dcmtkPackage, cfg.dcmtkVersion))
	fmt.Fprintf(&b, "// privateTable holds vendors' private tags, sorted by creator, offset\n// and first group.\nvar privateTable = [%d]privateEntry{\n", len(priv))
	for _, p := range priv {
		fmt.Fprintf(&b, "\t{%q, 0x%04X, 0x%04X, 0x%02X, %q, %q, %q, %q},\n", p.creator, p.lo, p.hi, p.offset, p.vr, p.vm, p.keyword, p.name)
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}
