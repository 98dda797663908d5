package filescan

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pacsguard/pacsguard/internal/inventory"
)

// SanitizeSchema versions the report written beside sanitized copies.
const SanitizeSchema = "pacsguard.files.sanitize/v1"

// SanitizeRecord says what a clean copy left out, or why none was made.
type SanitizeRecord struct {
	Source       string   `json:"source"`
	Copy         string   `json:"copy,omitempty"`
	SourceSHA256 string   `json:"source_sha256,omitempty"`
	CopySHA256   string   `json:"copy_sha256,omitempty"`
	Changes      []string `json:"changes,omitempty"`
	Skipped      string   `json:"skipped,omitempty"`
	// Residual lists the checks the copy still triggers (damage that no
	// byte removal repairs, for instance).
	Residual []string `json:"residual_checks,omitempty"`
}

// ErrSameFile means a copy would overwrite its original.
var ErrSameFile = errors.New("the sanitized copy would overwrite the original")

// MirrorPath is where a file's copy goes under dir: its absolute path
// re-rooted, so copies of files from different roots never collide.
func MirrorPath(dir, abs string) string {
	rel := strings.TrimPrefix(abs, filepath.VolumeName(abs))
	rel = strings.TrimLeft(rel, `/\`)
	return filepath.Join(dir, rel)
}

// Sanitize writes a clean copy of the scanned file res.Path under dir,
// following res.Plan: preamble zeroed, payload elements and trailing data
// left out. Every kept byte is copied as is. The original is only read.
func (s *Scanner) Sanitize(res Result, dir string) (SanitizeRecord, error) {
	rec := SanitizeRecord{Source: res.Path}
	p := res.Plan
	if p == nil {
		rec.Skipped = "nothing to clean"
		return rec, nil
	}
	if p.Blocked != "" {
		rec.Skipped = p.Blocked
		return rec, nil
	}
	abs, err := filepath.Abs(res.Path)
	if err != nil {
		return rec, err
	}
	dst := MirrorPath(dir, abs)
	if same(abs, dst) {
		return rec, fmt.Errorf("%s: %w (choose a --sanitize directory outside the scanned tree's path)", abs, ErrSameFile)
	}
	src, err := os.Open(abs)
	if err != nil {
		return rec, err
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return rec, err
	}
	end := st.Size()
	if p.TruncateAt >= 0 && p.TruncateAt < end {
		rec.Changes = append(rec.Changes, fmt.Sprintf("dropped %d bytes after the data set (from offset %d)", end-p.TruncateAt, p.TruncateAt))
		end = p.TruncateAt
	}
	removals := append([]Removal(nil), p.Remove...)
	sort.Slice(removals, func(i, j int) bool { return removals[i].Start < removals[j].Start })
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return rec, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.tmp")
	if err != nil {
		return rec, err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	srcHash, dstHash := sha256.New(), sha256.New()
	out := io.MultiWriter(tmp, dstHash)
	// Hash the whole original while copying the kept ranges.
	var pos int64
	copyRange := func(from, to int64, zero bool) error {
		if to <= from {
			return nil
		}
		if zero {
			if _, err := out.Write(make([]byte, to-from)); err != nil {
				return err
			}
			return nil
		}
		_, err := io.Copy(out, io.NewSectionReader(src, from, to-from))
		return err
	}
	var werr error
	if p.ZeroPreamble && end >= 128 {
		rec.Changes = append(rec.Changes, "zeroed the 128-byte preamble")
		werr = copyRange(0, 128, true)
		pos = 128
	}
	for _, r := range removals {
		if werr != nil || r.Start < pos || r.End > end {
			continue
		}
		werr = copyRange(pos, r.Start, false)
		rec.Changes = append(rec.Changes, fmt.Sprintf("removed element %s (%d bytes at offset %d): %s", r.Tag, r.End-r.Start, r.Start, r.Reason))
		pos = r.End
	}
	if werr == nil {
		werr = copyRange(pos, end, false)
	}
	if werr == nil {
		_, werr = io.Copy(srcHash, io.NewSectionReader(src, 0, st.Size()))
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return rec, fmt.Errorf("write clean copy of %s: %w", abs, werr)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return rec, err
	}
	rec.Copy = dst
	rec.SourceSHA256 = hex.EncodeToString(srcHash.Sum(nil))
	rec.CopySHA256 = hex.EncodeToString(dstHash.Sum(nil))
	after := s.ScanFile(dst)
	rec.Residual = checkIDList(after.Findings)
	return rec, nil
}

func checkIDList(fs []inventory.Finding) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range fs {
		if !seen[f.CheckID] {
			seen[f.CheckID] = true
			out = append(out, f.CheckID)
		}
	}
	sort.Strings(out)
	return out
}

// same reports whether two paths name the same file (or would).
func same(a, b string) bool {
	if a == b {
		return true
	}
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}
