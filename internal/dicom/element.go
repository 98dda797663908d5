package dicom

// VR is a value representation, its two upper-case letters ("PN", "OB", ...).
// Values read from hostile input that are not a known VR are kept as read and
// reported as an anomaly; they are then treated as UN.
type VR string

// Element is one data element as read or built. Its value is kept as raw
// bytes (Value), always little-endian: binary values read from explicit VR
// big endian are swapped when read, and swapped back only if written as big
// endian. Sequences keep their items, encapsulated pixel data its fragments. An element whose value was
// skipped (ReadOptions.SkipLargerThan) has Skipped set, Value nil, and its
// position and length so that a caller can read it later.
type Element struct {
	Tag Tag
	VR  VR
	// Length is the value length as on the wire (UndefinedLength for an
	// undefined-length sequence, item or encapsulated value).
	Length uint32
	// Offset is where the element's header starts in the file (or in the
	// byte slice given to ReadDataSet); ValueOffset where its value starts.
	Offset      int64
	ValueOffset int64
	Value       []byte
	Skipped     bool
	// Items are a sequence's items (VR SQ, or UN of undefined length read as one).
	Items []*DataSet
	// Fragments is encapsulated pixel data; Fragments[0] is the Basic Offset Table.
	Fragments []Fragment
}

// Fragment is one item of encapsulated pixel data. Its content is structure
// only: pacsguard never decodes compressed pixel data.
type Fragment struct {
	Offset int64 // of the item's value in the file
	Length uint32
	Value  []byte // nil when skipped
}

// IsSequence reports whether the element holds items.
func (e *Element) IsSequence() bool { return e.VR == "SQ" || e.Items != nil }

// IsEncapsulated reports whether the element is encapsulated pixel data.
func (e *Element) IsEncapsulated() bool { return e.Fragments != nil }
