package dicom

import "fmt"

// AnomalyKind names a kind of damage or oddity that did not stop the read.
// The names are stable: the file scanner and reports key on them.
type AnomalyKind string

const (
	AnomalyNonZeroPreamble        AnomalyKind = "non-zero-preamble"
	AnomalyMissingGroupLength     AnomalyKind = "missing-group-length"
	AnomalyWrongGroupLength       AnomalyKind = "wrong-group-length"
	AnomalyMetaNotExplicitLE      AnomalyKind = "meta-not-explicit-le"
	AnomalyMissingTransferSyntax  AnomalyKind = "missing-transfer-syntax"
	AnomalyUnknownTransferSyntax  AnomalyKind = "unknown-transfer-syntax"
	AnomalyOddLength              AnomalyKind = "odd-length"
	AnomalyUnknownVR              AnomalyKind = "unknown-vr"
	AnomalyVRMismatch             AnomalyKind = "vr-mismatch"
	AnomalyOutOfOrder             AnomalyKind = "out-of-order"
	AnomalyDuplicate              AnomalyKind = "duplicate-element"
	AnomalyIllegalUndefinedLength AnomalyKind = "illegal-undefined-length"
	AnomalyMissingDelimiter       AnomalyKind = "missing-delimiter"
	AnomalyStrayDelimiter         AnomalyKind = "stray-delimiter"
	AnomalyLengthBeyondEnd        AnomalyKind = "length-beyond-end"
	AnomalyTruncated              AnomalyKind = "truncated"
	AnomalyTrailingData           AnomalyKind = "trailing-data"
	AnomalyCharsetDecode          AnomalyKind = "charset-decode"
	AnomalyDeflate                AnomalyKind = "deflate"
	AnomalyPixelDataLength        AnomalyKind = "pixel-data-length"
	AnomalyBadFragment            AnomalyKind = "bad-fragment"
	AnomalyLimit                  AnomalyKind = "limit-reached"
	AnomalyMissingPreamble        AnomalyKind = "missing-preamble"
	AnomalySyntaxMismatch         AnomalyKind = "transfer-syntax-mismatch"
	AnomalyNotAnItem              AnomalyKind = "not-an-item"
)

// Anomaly is one thing wrong with the input, where it is, and a short
// description. Detail never holds element values (they may be patient data).
type Anomaly struct {
	Kind   AnomalyKind
	Offset int64 // byte offset in the file
	Tag    Tag   // the element concerned, 0 when none
	Detail string
}

func (a Anomaly) String() string {
	if a.Tag != 0 {
		return fmt.Sprintf("%s at offset %d %s: %s", a.Kind, a.Offset, a.Tag, a.Detail)
	}
	return fmt.Sprintf("%s at offset %d: %s", a.Kind, a.Offset, a.Detail)
}
