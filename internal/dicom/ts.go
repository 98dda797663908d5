package dicom

// Transfer syntaxes with their own encoding rules. Every other known transfer
// syntax is explicit VR little endian with encapsulated pixel data.
const (
	ImplicitVRLittleEndian         = "1.2.840.10008.1.2"
	ExplicitVRLittleEndian         = "1.2.840.10008.1.2.1"
	DeflatedExplicitVRLittleEndian = "1.2.840.10008.1.2.1.99"
	ExplicitVRBigEndian            = "1.2.840.10008.1.2.2"
)

// tsKind says how a transfer syntax encodes the data set.
type tsKind uint8

const (
	tsExplicitLE tsKind = iota
	tsImplicitLE
	tsExplicitBE
	tsDeflated     // explicit VR LE after raw DEFLATE
	tsEncapsulated // explicit VR LE, pixel data in fragments
)

// transferSyntaxes lists the transfer syntaxes of PS3.6 Table A-1 (2024
// editions, retired ones included) by how their data set is encoded.
// Source: DICOM PS3.6 Annex A; JPIP "Referenced" syntaxes carry no pixel
// data and are plain explicit VR LE (or deflated).
var transferSyntaxes = map[string]tsKind{
	ImplicitVRLittleEndian:         tsImplicitLE,
	"1.2.840.10008.1.20":           tsImplicitLE, // Papyrus 3 Implicit VR Little Endian (retired)
	ExplicitVRLittleEndian:         tsExplicitLE,
	"1.2.840.10008.1.2.1.98":       tsEncapsulated, // Encapsulated Uncompressed Explicit VR LE
	DeflatedExplicitVRLittleEndian: tsDeflated,
	ExplicitVRBigEndian:            tsExplicitBE,
	"1.2.840.10008.1.2.4.50":       tsEncapsulated,
	"1.2.840.10008.1.2.4.51":       tsEncapsulated,
	"1.2.840.10008.1.2.4.52":       tsEncapsulated,
	"1.2.840.10008.1.2.4.53":       tsEncapsulated,
	"1.2.840.10008.1.2.4.54":       tsEncapsulated,
	"1.2.840.10008.1.2.4.55":       tsEncapsulated,
	"1.2.840.10008.1.2.4.56":       tsEncapsulated,
	"1.2.840.10008.1.2.4.57":       tsEncapsulated,
	"1.2.840.10008.1.2.4.58":       tsEncapsulated,
	"1.2.840.10008.1.2.4.59":       tsEncapsulated,
	"1.2.840.10008.1.2.4.60":       tsEncapsulated,
	"1.2.840.10008.1.2.4.61":       tsEncapsulated,
	"1.2.840.10008.1.2.4.62":       tsEncapsulated,
	"1.2.840.10008.1.2.4.63":       tsEncapsulated,
	"1.2.840.10008.1.2.4.64":       tsEncapsulated,
	"1.2.840.10008.1.2.4.65":       tsEncapsulated,
	"1.2.840.10008.1.2.4.66":       tsEncapsulated,
	"1.2.840.10008.1.2.4.70":       tsEncapsulated,
	"1.2.840.10008.1.2.4.80":       tsEncapsulated,
	"1.2.840.10008.1.2.4.81":       tsEncapsulated,
	"1.2.840.10008.1.2.4.90":       tsEncapsulated,
	"1.2.840.10008.1.2.4.91":       tsEncapsulated,
	"1.2.840.10008.1.2.4.92":       tsEncapsulated,
	"1.2.840.10008.1.2.4.93":       tsEncapsulated,
	"1.2.840.10008.1.2.4.94":       tsExplicitLE, // JPIP Referenced
	"1.2.840.10008.1.2.4.95":       tsDeflated,   // JPIP Referenced Deflate
	"1.2.840.10008.1.2.4.100":      tsEncapsulated,
	"1.2.840.10008.1.2.4.100.1":    tsEncapsulated,
	"1.2.840.10008.1.2.4.101":      tsEncapsulated,
	"1.2.840.10008.1.2.4.101.1":    tsEncapsulated,
	"1.2.840.10008.1.2.4.102":      tsEncapsulated,
	"1.2.840.10008.1.2.4.102.1":    tsEncapsulated,
	"1.2.840.10008.1.2.4.103":      tsEncapsulated,
	"1.2.840.10008.1.2.4.103.1":    tsEncapsulated,
	"1.2.840.10008.1.2.4.104":      tsEncapsulated,
	"1.2.840.10008.1.2.4.104.1":    tsEncapsulated,
	"1.2.840.10008.1.2.4.105":      tsEncapsulated,
	"1.2.840.10008.1.2.4.105.1":    tsEncapsulated,
	"1.2.840.10008.1.2.4.106":      tsEncapsulated,
	"1.2.840.10008.1.2.4.106.1":    tsEncapsulated,
	"1.2.840.10008.1.2.4.107":      tsEncapsulated,
	"1.2.840.10008.1.2.4.108":      tsEncapsulated,
	"1.2.840.10008.1.2.4.110":      tsEncapsulated,
	"1.2.840.10008.1.2.4.111":      tsEncapsulated,
	"1.2.840.10008.1.2.4.112":      tsEncapsulated,
	"1.2.840.10008.1.2.4.201":      tsEncapsulated,
	"1.2.840.10008.1.2.4.202":      tsEncapsulated,
	"1.2.840.10008.1.2.4.203":      tsEncapsulated,
	"1.2.840.10008.1.2.4.204":      tsExplicitLE, // JPIP HTJ2K Referenced
	"1.2.840.10008.1.2.4.205":      tsDeflated,   // JPIP HTJ2K Referenced Deflate
	"1.2.840.10008.1.2.5":          tsEncapsulated,
	"1.2.840.10008.1.2.6.1":        tsEncapsulated, // RFC 2557 MIME encapsulation (retired)
	"1.2.840.10008.1.2.6.2":        tsEncapsulated, // XML encoding (retired)
	"1.2.840.10008.1.2.7.1":        tsExplicitLE,   // SMPTE ST 2110-20 uncompressed progressive
	"1.2.840.10008.1.2.7.2":        tsExplicitLE,
	"1.2.840.10008.1.2.7.3":        tsExplicitLE,
}

// lookupTransferSyntax classifies a transfer syntax UID; unknown ones are
// read as explicit VR LE with encapsulated pixel data, which is what every
// syntax registered since 1998 is.
func lookupTransferSyntax(uid string) (kind tsKind, known bool) {
	k, ok := transferSyntaxes[uid]
	if !ok {
		return tsEncapsulated, false
	}
	return k, true
}

// IsKnownTransferSyntax reports whether uid is a transfer syntax of PS3.6.
func IsKnownTransferSyntax(uid string) bool {
	_, ok := transferSyntaxes[uid]
	return ok
}

// IsEncapsulated reports whether pixel data in this transfer syntax is
// encapsulated (fragments). Unknown syntaxes count as encapsulated.
func IsEncapsulated(uid string) bool {
	k, _ := lookupTransferSyntax(uid)
	return k == tsEncapsulated
}

// IsDeflated reports whether the data set is DEFLATE-compressed.
func IsDeflated(uid string) bool {
	k, _ := lookupTransferSyntax(uid)
	return k == tsDeflated
}

// syntax is the encoding of one stretch of data set: it changes inside a
// file for group 0002 and for undefined-length UN (always implicit VR LE).
type syntax struct {
	explicit  bool
	bigEndian bool
}

var (
	syntaxExplicitLE = syntax{explicit: true}
	syntaxImplicitLE = syntax{}
	syntaxExplicitBE = syntax{explicit: true, bigEndian: true}
)

func (k tsKind) syntax() syntax {
	switch k {
	case tsImplicitLE:
		return syntaxImplicitLE
	case tsExplicitBE:
		return syntaxExplicitBE
	}
	return syntaxExplicitLE
}
