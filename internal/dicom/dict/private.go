package dict

import "strings"

// privateEntry is a private tag of DCMTK's private dictionary: element
// offset (the low byte of the element) in the block of creator, in the odd
// groups lo to hi.
type privateEntry struct {
	creator               string
	lo, hi                uint16
	offset                uint8
	vr, vm, keyword, name string
}

// LookupPrivate returns what DCMTK's private dictionary knows of a private
// data element: creator is the value of the Private Creator element that
// reserved the block of tag (trailing spaces and NULs are ignored), and tag
// is the element itself, e.g. (0029,1010) for the tag at offset 0x10 in the
// block reserved by (0029,0010). Private creator elements themselves are
// found by Lookup.
//
// The private dictionary is not part of the standard: its VRs are what
// vendors were seen to use, good for implicit VR data and display, not for
// judging a file.
func LookupPrivate(creator string, tag uint32) (Entry, bool) {
	group, elem := tag>>16, tag&0xFFFF
	if group&1 == 0 || elem < 0x1000 {
		return Entry{}, false
	}
	creator = strings.TrimRight(creator, " \x00")
	offset := uint8(elem)
	lo, hi := 0, len(privateTable)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		p := &privateTable[mid]
		if p.creator < creator || (p.creator == creator && p.offset < offset) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	for i := lo; i < len(privateTable); i++ {
		p := &privateTable[i]
		if p.creator != creator || p.offset != offset {
			break
		}
		if uint16(group) >= p.lo && uint16(group) <= p.hi {
			return Entry{Tag: tag, VR: p.vr, VM: p.vm, Keyword: p.keyword, Name: p.name}, true
		}
	}
	return Entry{}, false
}

// LenPrivate returns the number of entries of the private dictionary.
func LenPrivate() int { return len(privateTable) }
