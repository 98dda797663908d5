package vulndb

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Confidence says how a product and version were learned. The values are the
// ones inventory.Service.Confidence uses.
const (
	// ConfidenceExact: the product reported its own version (Orthanc /system).
	ConfidenceExact = "exact"
	// ConfidenceInferred: the version was read from a toolkit string
	// (implementation version name or class UID); the product embedding the
	// toolkit, or a vendor patch, may differ.
	ConfidenceInferred = "inferred"
	// ConfidenceProductOnly: the product is known, its version is not.
	ConfidenceProductOnly = "product-only"
	// ConfidenceUnknown: nothing is known.
	ConfidenceUnknown = "unknown"
)

// Identity is what a fingerprint says a service runs.
type Identity struct {
	Product    string `json:"product,omitempty"`
	Version    string `json:"version,omitempty"`
	Confidence string `json:"confidence"`
	// Source names the observation the identity rests on, e.g.
	// `implementation version name "OFFIS_DCMTK_367"`.
	Source string `json:"source,omitempty"`
	// Notes explain caveats, e.g. that Orthanc sends DCMTK's identity.
	Notes []string `json:"notes,omitempty"`
}

// Implementation class UID roots of toolkits that embed their version (PS3.7
// sub-item 0x52, dicom-security.md §3).
const (
	dcmtkUIDPrefix      = "1.2.276.0.7230010.3.0."
	pynetdicomUIDPrefix = "1.2.826.0.1.3680043.9.3811."
	gdcmUIDPrefix       = "1.2.826.0.1.3680043.2.1143.107.104.103.115."
	foDicomUID          = "1.3.6.1.4.1.30071.8"
	dcm4cheUID          = "1.2.40.0.13.1.3"
	conquestUID         = "1.2.826.0.1.3680043.2.135.1066.101"
)

// maxUIDLen and maxVersionNameLen are the PS3.5/PS3.7 limits (64 and 16);
// longer strings are not what a conformant peer sends and are not parsed.
const (
	maxUIDLen         = 64
	maxVersionNameLen = 16
)

const orthancNote = "Orthanc has no implementation identity of its own and sends the DCMTK it links; read Orthanc's version from its REST /system answer"

// IdentifyFromAssociation reads the product and version from the
// Implementation Class UID and Implementation Version Name of an
// A-ASSOCIATE-AC (or a Part 10 file's meta header). Either may be empty.
// When both carry a version the dotted UID wins: version names drop the dots,
// which makes multi-digit parts ambiguous (DCMTK "3610").
func IdentifyFromAssociation(implClassUID, versionName string) Identity {
	uid := strings.TrimRight(strings.TrimSpace(implClassUID), "\x00")
	name := strings.TrimRight(strings.TrimSpace(versionName), "\x00")
	if len(uid) > maxUIDLen {
		uid = ""
	}
	if len(name) > maxVersionNameLen {
		name = ""
	}
	switch {
	case strings.HasPrefix(uid, dcmtkUIDPrefix) || strings.HasPrefix(name, "OFFIS_DCMTK_") || strings.HasPrefix(name, "OFFIS_DCMBP_"):
		return identifyDCMTK(uid, name)
	case strings.HasPrefix(uid, pynetdicomUIDPrefix) || strings.HasPrefix(name, "PYNETDICOM_"):
		return identifyDotted("pynetdicom", uid, pynetdicomUIDPrefix, name, "PYNETDICOM_", false)
	case strings.HasPrefix(uid, gdcmUIDPrefix) || strings.HasPrefix(name, "GDCM "):
		return identifyDotted("gdcm", uid, gdcmUIDPrefix, name, "GDCM ", true)
	case uid == foDicomUID || strings.HasPrefix(name, "fo-dicom "):
		id := Identity{Product: "fo-dicom", Confidence: ConfidenceProductOnly, Source: describe(uid, name)}
		if v, ok := versionAfter(name, "fo-dicom "); ok {
			id.Version, id.Confidence = v, ConfidenceInferred
		}
		if uid == foDicomUID && name == "" {
			id.Notes = append(id.Notes, "fo-dicom substitutes its own class UID when a peer sends none; the peer may not be fo-dicom")
		}
		return id
	case uid == dcm4cheUID || strings.HasPrefix(name, "dcm4che-"):
		id := Identity{Product: "dcm4che", Confidence: ConfidenceProductOnly, Source: describe(uid, name)}
		if v, ok := versionAfter(name, "dcm4che-"); ok {
			id.Version, id.Confidence = v, ConfidenceInferred
		}
		id.Notes = append(id.Notes, "the version is the dcm4che toolkit's; a dcm4chee archive built on it has its own version")
		return id
	case uid == conquestUID:
		return Identity{Product: "conquest", Confidence: ConfidenceProductOnly, Source: describe(uid, name),
			Notes: []string{"Conquest sends a fixed version name (" + nameOr(name, "1.5.0/<OS>") + ") that is not its release number"}}
	}
	return Identity{Confidence: ConfidenceUnknown, Source: describe(uid, name)}
}

func identifyDCMTK(uid, name string) Identity {
	id := Identity{Product: "dcmtk", Confidence: ConfidenceProductOnly, Source: describe(uid, name)}
	var fromUID, fromName string
	if rest, ok := strings.CutPrefix(uid, dcmtkUIDPrefix); ok {
		if _, err := ParseVersion(rest); err == nil && !strings.ContainsAny(rest, "-+") {
			fromUID = rest
		}
	}
	if digits, ok := cutAnyPrefix(name, "OFFIS_DCMTK_", "OFFIS_DCMBP_"); ok {
		fromName = dcmtkDigitsToVersion(digits)
	}
	switch {
	case fromUID != "":
		id.Version = fromUID
		if fromName != "" && !sameVersion(fromUID, fromName) {
			id.Notes = append(id.Notes, fmt.Sprintf("class UID says %s but version name says %s; the UID is used", fromUID, fromName))
		}
	case fromName != "":
		id.Version = fromName
	}
	if id.Version != "" {
		id.Confidence = ConfidenceInferred
	}
	id.Notes = append(id.Notes, orthancNote)
	return id
}

// dcmtkDigitsToVersion reads DCMTK's PACKAGE_VERSION_NUMBER, the major,
// minor and build numbers written one after the other without separators
// (367 for 3.6.7). Every DCMTK release so far has a one-digit major and minor,
// so the first two digits are those and the rest is the build: "3610" is
// 3.6.10, not 3.61.0.
func dcmtkDigitsToVersion(d string) string {
	if len(d) < 3 || len(d) > 6 || !allDigits(d) {
		return ""
	}
	build := strings.TrimLeft(d[2:], "0")
	if build == "" {
		build = "0"
	}
	return d[0:1] + "." + d[1:2] + "." + build
}

// identifyDotted handles toolkits whose UID carries a dotted version after a
// prefix and whose version name carries it too, either dotted (GDCM) or with
// the dots dropped (pynetdicom: PYNETDICOM_304 is 3.0.4).
func identifyDotted(product, uid, uidPrefix, name, namePrefix string, nameDotted bool) Identity {
	id := Identity{Product: product, Confidence: ConfidenceProductOnly, Source: describe(uid, name)}
	if rest, ok := strings.CutPrefix(uid, uidPrefix); ok {
		if _, err := ParseVersion(rest); err == nil && allDigitsOrDots(rest) {
			id.Version = rest
		}
	}
	if id.Version == "" {
		if rest, ok := strings.CutPrefix(name, namePrefix); ok {
			switch {
			case nameDotted:
				if _, err := ParseVersion(rest); err == nil {
					id.Version = rest
				}
			case allDigits(rest) && len(rest) >= 3 && len(rest) <= 6:
				// One digit per part unless the UID said otherwise; a
				// multi-digit part cannot be told apart here.
				id.Version = rest[0:1] + "." + rest[1:2] + "." + rest[2:]
				if len(rest) > 3 {
					id.Notes = append(id.Notes, "the version name drops the dots, so a multi-digit part is ambiguous; read as "+id.Version)
				}
			}
		}
	}
	if id.Version != "" {
		id.Confidence = ConfidenceInferred
	}
	return id
}

// IdentifyFromOrthancSystem reads the JSON answer of Orthanc's REST
// GET /system. Orthanc states its own version there, so the confidence is
// exact. The body is bounded by the caller's reader; at most 1 MiB is read.
func IdentifyFromOrthancSystem(body io.Reader) (Identity, error) {
	b, err := io.ReadAll(io.LimitReader(body, 1<<20+1))
	if err != nil {
		return Identity{}, err
	}
	if len(b) > 1<<20 {
		return Identity{}, errors.New("orthanc /system answer larger than 1 MiB")
	}
	var sys struct {
		Version    string `json:"Version"`
		ApiVersion int    `json:"ApiVersion"`
		Name       string `json:"Name"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&sys); err != nil {
		return Identity{}, fmt.Errorf("orthanc /system answer is not JSON: %w", err)
	}
	id := Identity{Product: "orthanc", Confidence: ConfidenceProductOnly, Source: "Orthanc REST /system"}
	v := strings.TrimSpace(sys.Version)
	switch {
	case v == "":
		return id, errors.New("orthanc /system answer has no Version")
	case strings.EqualFold(v, "mainline"):
		id.Notes = append(id.Notes, `Orthanc reports "mainline": a development build between releases`)
		return id, nil
	}
	if _, err := ParseVersion(v); err != nil {
		return id, fmt.Errorf("orthanc /system Version: %w", err)
	}
	id.Version, id.Confidence = v, ConfidenceExact
	id.Source = fmt.Sprintf("Orthanc REST /system Version %q", v)
	return id, nil
}

func versionAfter(name, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return "", false
	}
	if _, err := ParseVersion(rest); err != nil {
		return "", false
	}
	return rest, true
}

func cutAnyPrefix(s string, prefixes ...string) (string, bool) {
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return rest, true
		}
	}
	return "", false
}

func sameVersion(a, b string) bool {
	c, ok := CompareVersions(a, b)
	return ok && c == 0
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func allDigitsOrDots(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && s[i] != '.' {
			return false
		}
	}
	return s != ""
}

func nameOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func describe(uid, name string) string {
	var parts []string
	if name != "" {
		parts = append(parts, fmt.Sprintf("implementation version name %q", name))
	}
	switch {
	case uid == "":
	case allDigitsOrDots(uid):
		parts = append(parts, "implementation class UID "+uid)
	default:
		parts = append(parts, fmt.Sprintf("implementation class UID %q", uid))
	}
	return strings.Join(parts, ", ")
}
