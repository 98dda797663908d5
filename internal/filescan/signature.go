package filescan

import (
	"bytes"
	"encoding/binary"
)

// Kind names what a run of bytes is, from its magic number. The names are
// stable: they appear in evidence and in the JSON output.
type Kind string

const (
	KindNone    Kind = ""
	KindPE      Kind = "pe"        // MZ DOS header leading to a PE header, or a DOS stub
	KindPEHead  Kind = "pe-header" // "PE\0\0" followed by a plausible COFF header
	KindELF     Kind = "elf"
	KindMachO   Kind = "macho"
	KindMachFat Kind = "macho-fat"
	KindJava    Kind = "java-class"
	KindScript  Kind = "script" // #! interpreter line
	KindZIP     Kind = "zip"    // ZIP, JAR, APK, Office
	KindRAR     Kind = "rar"
	Kind7Z      Kind = "7z"
	KindGzip    Kind = "gzip"
	KindCAB     Kind = "cab"
	KindOLE     Kind = "ole" // MSI, legacy Office
	KindPDF     Kind = "pdf"
)

// Class groups kinds by risk.
type Class int

const (
	ClassNone Class = iota
	ClassDocument
	ClassArchive
	ClassScript
	ClassExecutable
)

// Class says how dangerous a kind of content is inside an image file.
func (k Kind) Class() Class {
	switch k {
	case KindPE, KindPEHead, KindELF, KindMachO, KindMachFat, KindJava:
		return ClassExecutable
	case KindScript:
		return ClassScript
	case KindZIP, KindRAR, Kind7Z, KindGzip, KindCAB, KindOLE:
		return ClassArchive
	case KindPDF:
		return ClassDocument
	}
	return ClassNone
}

// dosStub is the text every linker puts in the DOS stub of a PE file.
var dosStub = []byte("This program cannot be run in DOS mode")

// Identify says what b (the start of some content) is. It wants strong
// signatures: pixel data and other binary values start with arbitrary bytes,
// so two-byte magics such as "MZ" count only with corroboration (a PE header
// where e_lfanew points, or the DOS stub text).
func Identify(b []byte) Kind {
	if len(b) < 4 {
		return KindNone
	}
	switch {
	case b[0] == 'M' && b[1] == 'Z':
		if peAt(b, peOffset(b)) || bytes.Contains(b[:min(len(b), 512)], dosStub) {
			return KindPE
		}
	case peAt(b, 0):
		return KindPEHead
	case isELF(b):
		return KindELF
	case isMachO(b):
		return KindMachO
	case isFat(b):
		return KindMachFat
	case isJavaClass(b):
		return KindJava
	case b[0] == '#' && b[1] == '!' && (b[2] == '/' || b[2] == ' '):
		return KindScript
	case string(b[:4]) == "PK\x03\x04" || string(b[:4]) == "PK\x05\x06":
		return KindZIP
	case len(b) >= 7 && string(b[:7]) == "Rar!\x1a\x07\x00", len(b) >= 8 && string(b[:8]) == "Rar!\x1a\x07\x01\x00":
		return KindRAR
	case len(b) >= 6 && string(b[:6]) == "7z\xbc\xaf\x27\x1c":
		return Kind7Z
	case b[0] == 0x1f && b[1] == 0x8b && b[2] == 8:
		return KindGzip
	case string(b[:4]) == "MSCF" && len(b) >= 8 && binary.LittleEndian.Uint32(b[4:]) == 0:
		return KindCAB
	case len(b) >= 8 && string(b[:8]) == "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
		return KindOLE
	case len(b) >= 5 && string(b[:5]) == "%PDF-":
		return KindPDF
	}
	return KindNone
}

// peOffset is e_lfanew of a DOS header, or -1 when b is too short.
func peOffset(b []byte) int64 {
	if len(b) < 64 {
		return -1
	}
	return int64(binary.LittleEndian.Uint32(b[60:]))
}

// peAt reports whether b holds "PE\0\0" and a plausible COFF header at off.
func peAt(b []byte, off int64) bool {
	if off < 0 || off > int64(len(b))-8 {
		return false
	}
	if string(b[off:off+4]) != "PE\x00\x00" {
		return false
	}
	return knownMachine(binary.LittleEndian.Uint16(b[off+4:]))
}

// knownMachine lists COFF machine types a PE header can carry.
func knownMachine(m uint16) bool {
	switch m {
	case 0x0000, // unknown (resource-only images)
		0x014c, 0x0162, 0x0166, 0x0168, 0x0169, // i386, MIPS
		0x01a2, 0x01a3, 0x01a6, 0x01a8, 0x01c0, 0x01c2, 0x01c4, 0x01d3, // SH, ARM, Thumb, AM33
		0x01f0, 0x01f1, 0x0200, 0x0266, 0x0284, 0x0366, 0x0466, // PowerPC, IA64, MIPS16, Alpha64
		0x0ebc, 0x5032, 0x5064, 0x5128, 0x6232, 0x6264, // EFI byte code, RISC-V, LoongArch
		0x8664, 0x9041, 0xaa64, 0xa641, 0xa64e: // x64, M32R, ARM64, ARM64EC, ARM64X
		return true
	}
	return false
}

func isELF(b []byte) bool {
	return len(b) >= 6 && string(b[:4]) == "\x7fELF" && (b[4] == 1 || b[4] == 2) && (b[5] == 1 || b[5] == 2)
}

// Mach-O thin magics, both byte orders, 32 and 64 bit.
func isMachO(b []byte) bool {
	switch string(b[:4]) {
	case "\xfe\xed\xfa\xce", "\xfe\xed\xfa\xcf", "\xce\xfa\xed\xfe", "\xcf\xfa\xed\xfe":
		return true
	}
	return false
}

// isFat recognises a universal binary: 0xcafebabe (or the 64-bit 0xcafebabf,
// and the byte-swapped forms) followed by a small architecture count. Java
// class files share 0xcafebabe; their version field makes the "count" large.
func isFat(b []byte) bool {
	if len(b) < 8 {
		return false
	}
	var n uint32
	switch string(b[:4]) {
	case "\xca\xfe\xba\xbe", "\xca\xfe\xba\xbf":
		n = binary.BigEndian.Uint32(b[4:])
	case "\xbe\xba\xfe\xca", "\xbf\xba\xfe\xca":
		n = binary.LittleEndian.Uint32(b[4:])
	default:
		return false
	}
	return n >= 1 && n <= 30
}

func isJavaClass(b []byte) bool {
	if len(b) < 8 || string(b[:4]) != "\xca\xfe\xba\xbe" {
		return false
	}
	major := binary.BigEndian.Uint16(b[6:])
	return major >= 45 && major <= 100
}
