package dict

import "strings"

// UID is one entry of the UID registry (PS3.6 Annex A).
type UID struct {
	UID     string
	Name    string // e.g. "CT Image Storage"
	Type    string // one of the Type... constants, or another PS3.6 type
	Keyword string // e.g. "CTImageStorage"
	Retired bool
}

// Values of UID.Type used by pacsguard; the registry has a few more
// ("Coding Scheme", "LDAP OID", "Well-known frame of reference"...).
const (
	TypeTransferSyntax         = "Transfer Syntax"
	TypeSOPClass               = "SOP Class"
	TypeMetaSOPClass           = "Meta SOP Class"
	TypeWellKnownSOPInstance   = "Well-known SOP Instance"
	TypeApplicationContextName = "Application Context Name"
)

// LookupUID finds uid in the registry. A trailing NUL or space, the padding
// DICOM puts on odd-length UI values, is ignored.
func LookupUID(uid string) (UID, bool) {
	uid = strings.TrimRight(uid, "\x00 ")
	lo, hi := 0, len(uidTable)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if compareUID(uidTable[mid].UID, uid) < 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(uidTable) && uidTable[lo].UID == uid {
		return uidTable[lo], true
	}
	return UID{}, false
}

// UIDs returns a copy of the registry, sorted by numeric components.
func UIDs() []UID {
	return append([]UID(nil), uidTable[:]...)
}

// UIDsOfType returns the registry entries of one Type, in registry order.
func UIDsOfType(typ string) []UID {
	var out []UID
	for _, u := range uidTable {
		if u.Type == typ {
			out = append(out, u)
		}
	}
	return out
}

// TransferSyntaxes returns every transfer syntax of the registry, including
// retired ones (check UID.Retired).
func TransferSyntaxes() []UID { return UIDsOfType(TypeTransferSyntax) }

// StorageSOPClasses returns the SOP classes of the Storage service class and
// its relatives (the image, waveform, SR, RT... object storage classes of
// PS3.4 Annex B and the print "Storage" classes), including retired ones.
// Storage Commitment and the DICOMDIR's Media Storage Directory Storage are
// not storage classes a store SCP accepts and are left out.
func StorageSOPClasses() []UID {
	var out []UID
	for _, u := range uidTable {
		if IsStorageSOPClass(u) {
			out = append(out, u)
		}
	}
	return out
}

// IsStorageSOPClass reports whether u is one StorageSOPClasses would list.
func IsStorageSOPClass(u UID) bool {
	if u.Type != TypeSOPClass || !strings.Contains(u.Name, "Storage") {
		return false
	}
	return !strings.HasPrefix(u.Name, "Storage Commitment") && u.Keyword != "MediaStorageDirectoryStorage"
}

// compareUID orders UIDs by numeric components ("1.2.10" after "1.2.9"),
// without allocating. Non-numeric components still order consistently.
func compareUID(a, b string) int {
	for a != "" || b != "" {
		ca, ra := cutDot(a)
		cb, rb := cutDot(b)
		if len(ca) != len(cb) {
			if len(ca) < len(cb) {
				return -1
			}
			return 1
		}
		if c := strings.Compare(ca, cb); c != 0 {
			return c
		}
		a, b = ra, rb
	}
	return 0
}

func cutDot(s string) (string, string) {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}
