package dicom

// dictEntry is what the codec needs from the data dictionary.
type dictEntry struct {
	VR      string // as the dictionary spells it, e.g. "US or SS"
	Keyword string
	Name    string
}

// lookupDict finds a tag in the data dictionary.
// TEMPORARY: a handful of tags until package dict lands.
func lookupDict(t Tag) (dictEntry, bool) {
	switch t {
	case TagSpecificCharacterSet:
		return dictEntry{"CS", "SpecificCharacterSet", "Specific Character Set"}, true
	case TagSOPClassUID:
		return dictEntry{"UI", "SOPClassUID", "SOP Class UID"}, true
	case TagSOPInstanceUID:
		return dictEntry{"UI", "SOPInstanceUID", "SOP Instance UID"}, true
	case TagPatientName:
		return dictEntry{"PN", "PatientName", "Patient's Name"}, true
	case TagPatientID:
		return dictEntry{"LO", "PatientID", "Patient ID"}, true
	case TagPixelData:
		return dictEntry{"OB or OW", "PixelData", "Pixel Data"}, true
	case 0x00280010:
		return dictEntry{"US", "Rows", "Rows"}, true
	case 0x00280011:
		return dictEntry{"US", "Columns", "Columns"}, true
	case 0x00280103:
		return dictEntry{"US", "PixelRepresentation", "Pixel Representation"}, true
	case 0x00081140:
		return dictEntry{"SQ", "ReferencedImageSequence", "Referenced Image Sequence"}, true
	case 0x00080008:
		return dictEntry{"CS", "ImageType", "Image Type"}, true
	case 0x00080060:
		return dictEntry{"CS", "Modality", "Modality"}, true
	case 0x00081150:
		return dictEntry{"UI", "ReferencedSOPClassUID", "Referenced SOP Class UID"}, true
	case 0x00081155:
		return dictEntry{"UI", "ReferencedSOPInstanceUID", "Referenced SOP Instance UID"}, true
	case 0x00082218:
		return dictEntry{"SQ", "AnatomicRegionSequence", "Anatomic Region Sequence"}, true
	case 0x00080100:
		return dictEntry{"SH", "CodeValue", "Code Value"}, true
	case 0x00080102:
		return dictEntry{"SH", "CodingSchemeDesignator", "Coding Scheme Designator"}, true
	case 0x00100030:
		return dictEntry{"DA", "PatientBirthDate", "Patient's Birth Date"}, true
	case 0x00280002:
		return dictEntry{"US", "SamplesPerPixel", "Samples per Pixel"}, true
	case 0x00280004:
		return dictEntry{"CS", "PhotometricInterpretation", "Photometric Interpretation"}, true
	case 0x00280100:
		return dictEntry{"US", "BitsAllocated", "Bits Allocated"}, true
	case 0x00280101:
		return dictEntry{"US", "BitsStored", "Bits Stored"}, true
	case 0x00280102:
		return dictEntry{"US", "HighBit", "High Bit"}, true
	}
	return dictEntry{}, false
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
