package dicom

import (
	"crypto/rand"
	"math/big"
)

// NewUID returns a fresh UUID-derived UID, "2.25." followed by the decimal
// value of a random (version 4) UUID, as PS3.5 §B.2 describes: unique
// without a registered root, at most 44 characters, no leading zeros.
func NewUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on supported platforms; a panic here
		// would be a broken system, not hostile input.
		panic("dicom: no randomness for a UID: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return "2.25." + new(big.Int).SetBytes(b[:]).String()
}
