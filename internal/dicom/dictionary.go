package dicom

import "github.com/pacsguard/pacsguard/internal/dicom/dict"

// dictEntry is what the codec needs from the data dictionary.
type dictEntry struct {
	VR      string // as the dictionary spells it, e.g. "US or SS"
	Keyword string
	Name    string
}

// lookupDict finds a tag in the generated data dictionary (package dict).
func lookupDict(t Tag) (dictEntry, bool) {
	e, ok := dict.Lookup(uint32(t))
	if !ok {
		return dictEntry{}, false
	}
	return dictEntry{VR: e.VR, Keyword: e.Keyword, Name: e.Name}, true
}

// implicitVR is the VR an implicit-VR element gets from the dictionary.
// Ambiguous VRs resolve as PS3.5 Annex A says for implicit VR: OW for
// pixel data-like "OB or OW", US or SS from Pixel Representation for
// "US or SS" (pixelSigned), and UN for tags the dictionary does not know.
func implicitVR(t Tag, pixelSigned bool) VR {
	el := t.Element()
	if el == 0 {
		return VRUL // group length
	}
	if t.IsPrivate() {
		if t.IsPrivateCreator() {
			return VRLO
		}
		return VRUN
	}
	e, ok := lookupDict(t)
	if !ok {
		return VRUN
	}
	return resolveDictVR(e.VR, pixelSigned)
}

// resolveDictVR picks one VR from a dictionary VR specification that may
// list alternatives ("US or SS", "OB or OW", or DCMTK's xs/ox/lt/up/px/na).
func resolveDictVR(spec string, pixelSigned bool) VR {
	if len(spec) == 2 {
		if vr, ok := vrFromBytes(spec[0], spec[1]); ok {
			return vr
		}
		switch spec {
		case "xs":
			if pixelSigned {
				return VRSS
			}
			return VRUS
		case "ox", "px", "lt":
			return VROW
		case "up":
			return VRUL
		}
		return VRUN
	}
	switch {
	case contains(spec, "OW"):
		return VROW
	case contains(spec, "US") && contains(spec, "SS"):
		if pixelSigned {
			return VRSS
		}
		return VRUS
	}
	if len(spec) >= 2 {
		if vr, ok := vrFromBytes(spec[0], spec[1]); ok {
			return vr
		}
	}
	return VRUN
}

// dictAllowsVR reports whether an explicit VR agrees with the dictionary.
func dictAllowsVR(spec string, vr VR) bool {
	if contains(spec, string(vr)) {
		return true
	}
	switch spec {
	case "xs":
		return vr == VRUS || vr == VRSS
	case "ox", "px":
		return vr == VROB || vr == VROW
	case "lt":
		return vr == VRUS || vr == VRSS || vr == VROW
	case "up":
		return vr == VRUL
	}
	return false
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
