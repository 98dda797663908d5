package dicom

import "sort"

// DataSet is an ordered list of elements, as read (order and duplicates are
// preserved so that anomalies stay visible) or as built.
type DataSet struct {
	Elements []*Element
	// Offset of the data set's first byte (for items, of the item value).
	Offset int64
	// ItemLength is an item's length as on the wire (UndefinedLength when
	// it ends with a delimiter); 0 for a top-level data set.
	ItemLength uint32
}

// Find returns the first element with the tag, or nil.
func (ds *DataSet) Find(t Tag) *Element {
	if ds == nil {
		return nil
	}
	for _, e := range ds.Elements {
		if e.Tag == t {
			return e
		}
	}
	return nil
}

// Set replaces the element with the same tag or inserts it in tag order.
func (ds *DataSet) Set(e *Element) {
	for i, old := range ds.Elements {
		if old.Tag == e.Tag {
			ds.Elements[i] = e
			return
		}
	}
	i := sort.Search(len(ds.Elements), func(i int) bool { return ds.Elements[i].Tag > e.Tag })
	ds.Elements = append(ds.Elements, nil)
	copy(ds.Elements[i+1:], ds.Elements[i:])
	ds.Elements[i] = e
}

// Remove deletes every element with the tag and reports whether any was there.
func (ds *DataSet) Remove(t Tag) bool {
	kept := ds.Elements[:0]
	for _, e := range ds.Elements {
		if e.Tag != t {
			kept = append(kept, e)
		}
	}
	removed := len(kept) != len(ds.Elements)
	ds.Elements = kept
	return removed
}
