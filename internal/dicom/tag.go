// Package dicom is pacsguard's DICOM data model and codec (PS3.5, PS3.10).
// It reads hostile input: every length is checked against the bytes left
// before anything is allocated, depth, counts and totals are capped, and
// damage that still leaves the data readable is reported as an Anomaly
// instead of an error. It does no I/O beyond the reader it is given, and
// never logs.
package dicom

import "fmt"

// Tag is a data element tag: group in the high 16 bits, element in the low.
type Tag uint32

// NewTag builds a tag from its group and element numbers.
func NewTag(group, element uint16) Tag { return Tag(uint32(group)<<16 | uint32(element)) }

// Group is the tag's group number.
func (t Tag) Group() uint16 { return uint16(t >> 16) }

// Element is the tag's element number.
func (t Tag) Element() uint16 { return uint16(t) }

// IsPrivate reports whether the tag is in an odd (private) group.
func (t Tag) IsPrivate() bool { return t.Group()%2 == 1 && t.Group() > 8 }

// IsPrivateCreator reports whether the tag is a private creator, (gggg,0010-00FF) in an odd group.
func (t Tag) IsPrivateCreator() bool {
	return t.IsPrivate() && t.Element() >= 0x10 && t.Element() <= 0xFF
}

// String formats the tag as "(gggg,eeee)".
func (t Tag) String() string { return fmt.Sprintf("(%04X,%04X)", t.Group(), t.Element()) }

// Tags with structural meaning.
const (
	TagItem                  Tag = 0xFFFEE000
	TagItemDelimitation      Tag = 0xFFFEE00D
	TagSequenceDelimitation  Tag = 0xFFFEE0DD
	TagFileMetaGroupLength   Tag = 0x00020000
	TagMediaStorageSOPClass  Tag = 0x00020002
	TagMediaStorageSOPInst   Tag = 0x00020003
	TagTransferSyntaxUID     Tag = 0x00020010
	TagImplementationClass   Tag = 0x00020012
	TagImplementationVersion Tag = 0x00020013
	TagSpecificCharacterSet  Tag = 0x00080005
	TagSOPClassUID           Tag = 0x00080016
	TagSOPInstanceUID        Tag = 0x00080018
	TagPatientName           Tag = 0x00100010
	TagPatientID             Tag = 0x00100020
	TagPixelData             Tag = 0x7FE00010
	TagFloatPixelData        Tag = 0x7FE00008
	TagDoubleFloatPixelData  Tag = 0x7FE00009
)

// UndefinedLength marks a sequence, item or encapsulated value whose end is a delimiter.
const UndefinedLength uint32 = 0xFFFFFFFF
