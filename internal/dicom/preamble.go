package dicom

// ClassifyPreamble says what a Part 10 preamble holds. A non-zero preamble
// that is not TIFF is how PE-DICOM and ELF-DICOM polyglots (CVE-2019-11687)
// smuggle an executable; the file scanner builds its verdicts on this.
func ClassifyPreamble(p [128]byte) PreambleKind {
	zero := true
	for _, b := range p {
		if b != 0 {
			zero = false
			break
		}
	}
	if zero {
		return PreambleZero
	}
	m4 := string(p[:4])
	switch m4 {
	case "II*\x00", "MM\x00*":
		return PreambleTIFF
	case "\x7fELF":
		return PreambleELF
	case "PK\x03\x04":
		return PreambleZIP
	case "%PDF":
		return PreamblePDF
	// Mach-O thin binaries (32/64-bit, both byte orders) and universal
	// ("fat") binaries, 32 and 64-bit headers, both byte orders.
	case "\xfe\xed\xfa\xce", "\xfe\xed\xfa\xcf", "\xce\xfa\xed\xfe", "\xcf\xfa\xed\xfe",
		"\xca\xfe\xba\xbe", "\xca\xfe\xba\xbf", "\xbe\xba\xfe\xca", "\xbf\xba\xfe\xca":
		return PreambleMachO
	}
	switch string(p[:2]) {
	case "MZ":
		return PreamblePE
	case "#!":
		return PreambleScript
	}
	return PreambleOther
}
