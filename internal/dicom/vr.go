package dicom

// The value representations of PS3.5 §6.2. They are constants so that the
// reader hands out these strings instead of allocating one per element.
const (
	VRAE VR = "AE"
	VRAS VR = "AS"
	VRAT VR = "AT"
	VRCS VR = "CS"
	VRDA VR = "DA"
	VRDS VR = "DS"
	VRDT VR = "DT"
	VRFD VR = "FD"
	VRFL VR = "FL"
	VRIS VR = "IS"
	VRLO VR = "LO"
	VRLT VR = "LT"
	VROB VR = "OB"
	VROD VR = "OD"
	VROF VR = "OF"
	VROL VR = "OL"
	VROV VR = "OV"
	VROW VR = "OW"
	VRPN VR = "PN"
	VRSH VR = "SH"
	VRSL VR = "SL"
	VRSQ VR = "SQ"
	VRSS VR = "SS"
	VRST VR = "ST"
	VRSV VR = "SV"
	VRTM VR = "TM"
	VRUC VR = "UC"
	VRUI VR = "UI"
	VRUL VR = "UL"
	VRUN VR = "UN"
	VRUR VR = "UR"
	VRUS VR = "US"
	VRUT VR = "UT"
	VRUV VR = "UV"
)

// vrFromBytes maps the two VR bytes of an explicit-VR header to the VR
// constant, without allocating. ok is false for bytes that are no VR.
func vrFromBytes(a, b byte) (VR, bool) {
	switch uint16(a)<<8 | uint16(b) {
	case 'A'<<8 | 'E':
		return VRAE, true
	case 'A'<<8 | 'S':
		return VRAS, true
	case 'A'<<8 | 'T':
		return VRAT, true
	case 'C'<<8 | 'S':
		return VRCS, true
	case 'D'<<8 | 'A':
		return VRDA, true
	case 'D'<<8 | 'S':
		return VRDS, true
	case 'D'<<8 | 'T':
		return VRDT, true
	case 'F'<<8 | 'D':
		return VRFD, true
	case 'F'<<8 | 'L':
		return VRFL, true
	case 'I'<<8 | 'S':
		return VRIS, true
	case 'L'<<8 | 'O':
		return VRLO, true
	case 'L'<<8 | 'T':
		return VRLT, true
	case 'O'<<8 | 'B':
		return VROB, true
	case 'O'<<8 | 'D':
		return VROD, true
	case 'O'<<8 | 'F':
		return VROF, true
	case 'O'<<8 | 'L':
		return VROL, true
	case 'O'<<8 | 'V':
		return VROV, true
	case 'O'<<8 | 'W':
		return VROW, true
	case 'P'<<8 | 'N':
		return VRPN, true
	case 'S'<<8 | 'H':
		return VRSH, true
	case 'S'<<8 | 'L':
		return VRSL, true
	case 'S'<<8 | 'Q':
		return VRSQ, true
	case 'S'<<8 | 'S':
		return VRSS, true
	case 'S'<<8 | 'T':
		return VRST, true
	case 'S'<<8 | 'V':
		return VRSV, true
	case 'T'<<8 | 'M':
		return VRTM, true
	case 'U'<<8 | 'C':
		return VRUC, true
	case 'U'<<8 | 'I':
		return VRUI, true
	case 'U'<<8 | 'L':
		return VRUL, true
	case 'U'<<8 | 'N':
		return VRUN, true
	case 'U'<<8 | 'R':
		return VRUR, true
	case 'U'<<8 | 'S':
		return VRUS, true
	case 'U'<<8 | 'T':
		return VRUT, true
	case 'U'<<8 | 'V':
		return VRUV, true
	}
	return "", false
}

// Known reports whether vr is one of the VRs of PS3.5.
func (vr VR) Known() bool {
	if len(vr) != 2 {
		return false
	}
	_, ok := vrFromBytes(vr[0], vr[1])
	return ok
}

// HasLongLength reports whether explicit VR encodes this VR with two
// reserved bytes and a 4-byte length (PS3.5 §7.1.2). Unknown VRs are
// treated as UN, which has a long length.
func (vr VR) HasLongLength() bool {
	switch vr {
	case VROB, VROD, VROF, VROL, VROV, VROW, VRSQ, VRSV, VRUC, VRUN, VRUR, VRUT, VRUV:
		return true
	case VRAE, VRAS, VRAT, VRCS, VRDA, VRDS, VRDT, VRFD, VRFL, VRIS, VRLO, VRLT, VRPN, VRSH, VRSL, VRSS, VRST, VRTM, VRUI, VRUL, VRUS:
		return false
	}
	return true
}

// IsText reports whether the value is character data (padded with spaces,
// or NUL for UI).
func (vr VR) IsText() bool {
	switch vr {
	case VRAE, VRAS, VRCS, VRDA, VRDS, VRDT, VRIS, VRLO, VRLT, VRPN, VRSH, VRST, VRTM, VRUC, VRUI, VRUR, VRUT:
		return true
	}
	return false
}

// isMultiValuedText reports whether backslash separates values; LT, ST, UT
// and UR are single-valued and may contain a backslash.
func (vr VR) isMultiValuedText() bool {
	switch vr {
	case VRLT, VRST, VRUT, VRUR:
		return false
	}
	return vr.IsText()
}

// swapSize is the size of the binary units that change with byte order
// (0 for byte and character data). AT is a pair of 16-bit numbers.
func (vr VR) swapSize() int {
	switch vr {
	case VRUS, VRSS, VROW, VRAT:
		return 2
	case VRUL, VRSL, VRFL, VROF, VROL:
		return 4
	case VRFD, VROD, VRSV, VRUV, VROV:
		return 8
	}
	return 0
}

// padByte is the byte that makes a value of this VR even-length.
func (vr VR) padByte() byte {
	if vr.IsText() && vr != VRUI {
		return ' '
	}
	return 0
}
