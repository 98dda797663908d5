package dicom

// File is a Part 10 file (or a raw data set without meta information) as read.
type File struct {
	// Preamble is the 128-byte preamble; HasPreamble is false for a raw data set.
	Preamble    [128]byte
	HasPreamble bool
	// PreambleKind classifies the preamble content (zero, TIFF, PE, ELF, ...).
	PreambleKind PreambleKind
	Meta         *DataSet // group 0002; nil for a raw data set
	DataSet      *DataSet
	// TransferSyntax is the UID the data set was read with.
	TransferSyntax string
	// Size is the number of bytes the reader was given; End where the data set ended.
	Size int64
	End  int64
	// Anomalies lists what was wrong but still readable, in file order.
	Anomalies []Anomaly
}

// PreambleKind says what the 128-byte preamble holds.
type PreambleKind int

const (
	PreambleNone   PreambleKind = iota // no preamble (raw data set)
	PreambleZero                       // all zero: normal
	PreambleTIFF                       // II*\0 or MM\0*: legitimate dual-format file
	PreamblePE                         // MZ: DOS/PE executable header
	PreambleELF                        // \x7fELF
	PreambleMachO                      // any Mach-O or universal-binary magic
	PreambleScript                     // #!
	PreambleZIP                        // PK\x03\x04 (ZIP, JAR, Office)
	PreamblePDF                        // %PDF
	PreambleOther                      // anything else non-zero
)

var preambleKindNames = [...]string{"none", "zero", "tiff", "pe", "elf", "macho", "script", "zip", "pdf", "other"}

func (k PreambleKind) String() string {
	if int(k) < len(preambleKindNames) {
		return preambleKindNames[k]
	}
	return "unknown"
}

// ReadOptions bounds and shapes a read. The zero value reads everything with
// the default limits.
type ReadOptions struct {
	// StopBeforePixelData ends the read at (7FE0,0010) (and float variants) at top level.
	StopBeforePixelData bool
	// SkipLargerThan, when > 0, skips values longer than this many bytes: the
	// element keeps its offset and length, Value is nil, Skipped is true.
	SkipLargerThan uint32
	// Strict turns every anomaly into an error.
	Strict bool
	// TransferSyntax forces the syntax of a raw data set (no meta); empty = detect.
	TransferSyntax string
	// Limits; zero means the default.
	MaxDepth        int   // nesting of sequences (default 32)
	MaxElements     int   // elements in the whole file (default 1,000,000)
	MaxDecodedBytes int64 // total bytes held in values, after inflation (default 1 GiB)
}
