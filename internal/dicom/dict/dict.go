// Package dict is the DICOM data dictionary (PS3.6 Section 6 and 7) and UID
// registry (PS3.6 Annex A), generated from Debian's DCMTK and pydicom
// packages by `go generate` (see gen/) and checked in. DCMTK's dictionary of
// vendors' private tags is offered apart, by LookupPrivate: it is never
// mixed into the public table.
//
// Lookups are allocation-free binary searches over generated, sorted arrays,
// cheap enough for the hot path of the parser. The tables are never written
// after compilation.
package dict

//go:generate go run ./gen -out .

// Entry describes one attribute of the data dictionary.
//
// VR is spelled as PS3.6 spells it. Most entries have one VR ("PN"); a few
// allow several, written "US or SS", "OB or OW", "US or OW" and
// "US or SS or OW"; the item and delimitation tags (FFFE,E0xx) have "NONE".
// A decoder of implicit VR data must pick one (PS3.5 Annex A.1 and §8.2):
//
//   - "OB or OW", "US or OW", "US or SS or OW": OW.
//   - "US or SS": SS when Pixel Representation (0028,0103) is 1 (signed),
//     otherwise US.
//   - "NONE": the tag is an item or delimiter with no value VR.
//
// Entry.ImplicitVR applies these rules; Entry.AllowsVR tells whether an
// explicit VR agrees with the dictionary.
type Entry struct {
	Tag     uint32 // the tag looked up (for repeaters: that concrete tag)
	VR      string
	VM      string // "1", "1-n", "2-2n"...
	Keyword string // PS3.6 keyword, e.g. "PatientName"
	Name    string // PS3.6 name, e.g. "Patient's Name"
	Retired bool
}

// repeater stands for every tag t with t&mask == value: the repeating groups
// (50xx,eeee), (60xx,eeee), (7Fxx,eeee) and repeating elements such as
// (0020,31xx) and (1000,xxx0).
type repeater struct {
	mask, value uint32
	entry       Entry
}

// Lookup returns the dictionary entry of tag. Besides the fixed tags it knows
// the repeating groups and elements, group length tags (gggg,0000) (UL,
// keyword "GroupLength") and private creator elements (odd group, element
// 0010-00FF) (LO, keyword "PrivateCreator"). Other private tags are not
// found (see LookupPrivate). Lookup does not judge validity: odd groups
// 0001-0007 and FFFF, which PS3.5 §7.8.1 forbids, are answered like any
// other odd group, and the caller reports the anomaly.
func Lookup(tag uint32) (Entry, bool) {
	group, elem := tag>>16, tag&0xFFFF
	if group&1 == 1 {
		switch {
		case elem == 0:
			return Entry{Tag: tag, VR: "UL", VM: "1", Keyword: "GroupLength", Name: "Group Length", Retired: true}, true
		case elem >= 0x0010 && elem <= 0x00FF:
			return Entry{Tag: tag, VR: "LO", VM: "1", Keyword: "PrivateCreator", Name: "Private Creator"}, true
		}
		return Entry{}, false
	}
	lo, hi := 0, len(tagKeys)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if tagKeys[mid] < tag {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(tagKeys) && tagKeys[lo] == tag {
		return tagTable[lo], true
	}
	if elem == 0 {
		// Group lengths other than (0000,0000) and (0002,0000) were retired
		// from the standard, but they still occur in old files.
		return Entry{Tag: tag, VR: "UL", VM: "1", Keyword: "GroupLength", Name: "Group Length", Retired: true}, true
	}
	if !mayRepeat(group) {
		return Entry{}, false
	}
	for i := range repeaterTable {
		if r := &repeaterTable[i]; tag&r.mask == r.value {
			e := r.entry
			e.Tag = tag
			return e, true
		}
	}
	return Entry{}, false
}

// mayRepeat is a cheap filter before the scan of repeaterTable: only these
// groups hold repeating tags.
func mayRepeat(group uint32) bool {
	switch group >> 8 {
	case 0x50, 0x60, 0x7F:
		return true
	}
	switch group {
	case 0x0020, 0x0028, 0x1000, 0x1010:
		return true
	}
	return false
}

// LookupKeyword returns the entry with the PS3.6 keyword kw. For a
// repeating group it returns the first tag of the range, e.g. (6000,3000)
// for "OverlayData", or the first DCMTK lists, e.g. (1000,0010) for
// "EscapeTriplet".
func LookupKeyword(kw string) (Entry, bool) {
	lo, hi := 0, len(keywordIndex)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if tagTable[keywordIndex[mid]].Keyword < kw {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(keywordIndex) && tagTable[keywordIndex[lo]].Keyword == kw {
		return tagTable[keywordIndex[lo]], true
	}
	for i := range repeaterTable {
		if repeaterTable[i].entry.Keyword == kw {
			return repeaterTable[i].entry, true
		}
	}
	// "GroupLength" and "PrivateCreator" are rules rather than tags: there
	// is no one tag to return.
	return Entry{}, false
}

// Len returns the number of tags and repeater patterns in the dictionary.
func Len() (tags, repeaters int) { return len(tagTable), len(repeaterTable) }

// Entries returns a copy of the fixed-tag table followed by the repeater
// patterns (each with the first tag of its range), for listings and tests.
func Entries() []Entry {
	out := make([]Entry, 0, len(tagTable)+len(repeaterTable))
	out = append(out, tagTable[:]...)
	for _, r := range repeaterTable {
		out = append(out, r.entry)
	}
	return out
}

// ImplicitVR returns the one VR an implicit-VR decoder should use for this
// entry (see Entry): signedPixels is whether Pixel Representation is 1.
// It returns "" for "NONE" (items and delimiters).
func (e Entry) ImplicitVR(signedPixels bool) string {
	switch e.VR {
	case "OB or OW", "US or OW", "US or SS or OW":
		return "OW"
	case "US or SS":
		if signedPixels {
			return "SS"
		}
		return "US"
	case "NONE":
		return ""
	}
	return e.VR
}

// AllowsVR reports whether an explicit two-letter VR agrees with the
// dictionary's VR for this entry.
func (e Entry) AllowsVR(vr string) bool {
	if len(vr) != 2 {
		return false
	}
	s := e.VR
	if len(s) == 2 || s == "NONE" {
		return s == vr
	}
	// Multi-VR spellings list two-letter codes separated by " or ".
	for len(s) >= 2 {
		if s[:2] == vr {
			return true
		}
		if len(s) < 6 {
			break
		}
		s = s[6:] // skip "XX or "
	}
	return false
}
