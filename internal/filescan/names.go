package filescan

import (
	"path/filepath"
	"regexp"
	"strings"
)

// LooksLikeDICOMName reports whether a file's name says it is DICOM.
func LooksLikeDICOMName(path string) bool {
	base := filepath.Base(path)
	if strings.EqualFold(base, "DICOMDIR") {
		return true
	}
	switch strings.ToLower(filepath.Ext(base)) {
	case ".dcm", ".dicom", ".dic":
		return true
	}
	return false
}

// ransomExtensions are extensions ransomware families append to the files
// they encrypt (public incident reports); lower case, with the dot.
var ransomExtensions = map[string]bool{
	".locked": true, ".encrypted": true, ".enc": true, ".crypt": true, ".crypted": true, ".cry": true,
	".crypto": true, ".cryptor": true, ".locky": true, ".zepto": true, ".odin": true, ".cerber": true,
	".wncry": true, ".wnry": true, ".wcry": true, ".ryk": true, ".ryuk": true, ".conti": true,
	".lockbit": true, ".hive": true, ".akira": true, ".basta": true, ".phobos": true, ".djvu": true,
	".clop": true, ".ransom": true, ".pays": true, ".lck": true, ".kraken": true, ".dharma": true,
	".wallet": true, ".onion": true, ".darkness": true, ".crinf": true, ".r5a": true, ".xtbl": true,
}

// RansomExtension returns the known ransomware extension a name ends with, or "".
func RansomExtension(path string) string {
	ext := strings.ToLower(filepath.Ext(path))
	if ransomExtensions[ext] {
		return ext
	}
	return ""
}

var (
	noteExt = map[string]bool{".txt": true, ".html": true, ".htm": true, ".hta": true, ".rtf": true, ".url": true}
	// A ransom note names what the victim should do. "README.txt" alone is
	// common on patient media, so it needs one of these words with it.
	noteWords = regexp.MustCompile(`(?i)(decrypt|recover|restore|ransom|unlock|encrypt|locked|how[_\- ]?to|your[_\- ]?files|_readme|!readme|readme!|help[_\- ]?(me|files|restore|decrypt))`)
	// Broader: any README-like name. Used by verify for files that appeared
	// since the baseline, where a new README in an archive is itself odd.
	noteBroad = regexp.MustCompile(`(?i)(readme|read[_\- ]me|decrypt|recover|restore|ransom|unlock|how[_\- ]?to|help)`)
)

// IsRansomNote reports whether a file name looks like a ransom note. broad
// also accepts plain README names (for files new since a baseline).
func IsRansomNote(path string, broad bool) bool {
	base := filepath.Base(path)
	if !noteExt[strings.ToLower(filepath.Ext(base))] {
		return false
	}
	stem := strings.TrimSuffix(base, filepath.Ext(base))
	if broad {
		return noteBroad.MatchString(stem)
	}
	return noteWords.MatchString(stem)
}
