package dicom

import (
	"encoding/binary"
	"strings"
)

// NewString builds a character-data element: values joined with '\',
// padded to even length (NUL for UI, space otherwise).
func NewString(tag Tag, vr VR, values ...string) *Element {
	s := strings.Join(values, `\`)
	b := make([]byte, len(s), len(s)+1)
	copy(b, s)
	if len(b)%2 == 1 {
		b = append(b, vr.padByte())
	}
	return &Element{Tag: tag, VR: vr, Length: uint32(len(b)), Value: nilIfEmpty(b)}
}

// NewUint16 builds a US element (little-endian).
func NewUint16(tag Tag, values ...uint16) *Element {
	b := make([]byte, 2*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint16(b[2*i:], v)
	}
	return &Element{Tag: tag, VR: VRUS, Length: uint32(len(b)), Value: nilIfEmpty(b)}
}

// NewUint32 builds a 32-bit element (UL, or AT with tags as values).
func NewUint32(tag Tag, vr VR, values ...uint32) *Element {
	b := make([]byte, 4*len(values))
	for i, v := range values {
		if vr == VRAT {
			binary.LittleEndian.PutUint16(b[4*i:], uint16(v>>16))
			binary.LittleEndian.PutUint16(b[4*i+2:], uint16(v))
			continue
		}
		binary.LittleEndian.PutUint32(b[4*i:], v)
	}
	return &Element{Tag: tag, VR: vr, Length: uint32(len(b)), Value: nilIfEmpty(b)}
}

// NewBytes builds an element from raw (little-endian) value bytes, padded
// with a NUL to even length.
func NewBytes(tag Tag, vr VR, b []byte) *Element {
	v := make([]byte, len(b), len(b)+1)
	copy(v, b)
	if len(v)%2 == 1 {
		v = append(v, vr.padByte())
	}
	return &Element{Tag: tag, VR: vr, Length: uint32(len(v)), Value: nilIfEmpty(v)}
}

// NewSequence builds a sequence element of the given items.
func NewSequence(tag Tag, items ...*DataSet) *Element {
	if items == nil {
		items = []*DataSet{}
	}
	return &Element{Tag: tag, VR: VRSQ, Length: UndefinedLength, Items: items}
}

func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// Strings returns the values of a character-data element, split on '\'
// (except for single-valued LT, ST, UT, UR) with padding trimmed. No
// character set conversion is done. Binary elements give nil.
func (e *Element) Strings() []string {
	if e == nil || e.Value == nil {
		return nil
	}
	if !e.VR.IsText() {
		return nil
	}
	s := string(e.Value)
	if !e.VR.isMultiValuedText() {
		return []string{trimPadding(s, e.VR)}
	}
	parts := strings.Split(s, `\`)
	for i, p := range parts {
		parts[i] = trimPadding(p, e.VR)
	}
	return parts
}

// trimPadding removes trailing padding (spaces and NULs) and, for the VRs
// whose leading spaces are insignificant, leading spaces.
func trimPadding(s string, vr VR) string {
	s = strings.TrimRight(s, " \x00")
	switch vr {
	case VRAE, VRCS, VRDS, VRIS, VRDT, VRTM, VRUI, VRSH, VRLO, VRDA, VRAS:
		s = strings.TrimLeft(s, " ")
	}
	return s
}

// String returns the first value of a character-data element (padding
// trimmed, no charset conversion).
func (ds *DataSet) String(t Tag) (string, bool) {
	e := ds.Find(t)
	if e == nil || !e.VR.IsText() {
		return "", false
	}
	v := e.Strings()
	if len(v) == 0 {
		return "", true
	}
	return v[0], true
}

// Strings returns all values of a character-data element.
func (ds *DataSet) Strings(t Tag) []string {
	return ds.Find(t).Strings()
}

// Uint16 returns the first value of a 16-bit element (US, SS, OW, or a
// UN of two bytes or more).
func (ds *DataSet) Uint16(t Tag) (uint16, bool) {
	e := ds.Find(t)
	if e == nil || len(e.Value) < 2 {
		return 0, false
	}
	return binary.LittleEndian.Uint16(e.Value), true
}

// Uint32 returns the first value of a 32-bit element (UL, SL, OL, or UN).
func (ds *DataSet) Uint32(t Tag) (uint32, bool) {
	e := ds.Find(t)
	if e == nil || len(e.Value) < 4 {
		return 0, false
	}
	return binary.LittleEndian.Uint32(e.Value), true
}
