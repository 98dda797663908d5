package filescan

import "math"

// Entropy is the Shannon entropy of b in bits per byte (0 to 8). Encrypted
// or compressed data is close to 8; a DICOM header, with its tags, small
// lengths and text, is far below.
func Entropy(b []byte) float64 {
	if len(b) == 0 {
		return 0
	}
	var counts [256]int
	for _, c := range b {
		counts[c]++
	}
	n := float64(len(b))
	var h float64
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}
