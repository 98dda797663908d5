package filescan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pacsguard/pacsguard/internal/dicom"
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
	if p.Reencode != "" {
		return s.sanitizeReencode(rec, abs, dst, p)
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

// maxReencode bounds the files re-encoded whole in memory.
const maxReencode = 256 << 20

// sanitizeReencode makes the clean copy with the codec's writer: the file
// is read whole (up to maxReencode), the planned elements are dropped
// wherever they are nested, and the data set is written again in its
// transfer syntax. Trailing data is not written.
func (s *Scanner) sanitizeReencode(rec SanitizeRecord, abs, dst string, p *CleanPlan) (SanitizeRecord, error) {
	st, err := os.Stat(abs)
	if err != nil {
		return rec, err
	}
	if st.Size() > maxReencode {
		rec.Skipped = fmt.Sprintf("%s and the file is larger than %d MiB", p.Reencode, maxReencode>>20)
		return rec, nil
	}
	raw, err := os.ReadFile(abs)
	if err != nil {
		return rec, err
	}
	f, err := dicom.Read(bytes.NewReader(raw), int64(len(raw)), dicom.ReadOptions{})
	if err != nil {
		rec.Skipped = "the file cannot be read whole for re-encoding: " + err.Error()
		return rec, nil
	}
	rec.Changes = append(rec.Changes, "re-encoded by pacsguard's writer ("+p.Reencode+")")
	if p.ZeroPreamble {
		f.Preamble = [128]byte{}
		rec.Changes = append(rec.Changes, "zeroed the 128-byte preamble")
	}
	drop := map[[2]int64]Removal{}
	for _, r := range p.Remove {
		drop[[2]int64{int64(r.Tag), r.Start}] = r
	}
	var prune func(ds *dicom.DataSet)
	prune = func(ds *dicom.DataSet) {
		if ds == nil {
			return
		}
		kept := ds.Elements[:0]
		for _, e := range ds.Elements {
			if r, ok := drop[[2]int64{int64(e.Tag), e.Offset}]; ok {
				rec.Changes = append(rec.Changes, fmt.Sprintf("removed element %s at offset %d: %s", e.Tag, e.Offset, r.Reason))
				continue
			}
			for _, it := range e.Items {
				prune(it)
			}
			kept = append(kept, e)
		}
		ds.Elements = kept
	}
	prune(f.DataSet)
	if p.TruncateAt >= 0 {
		rec.Changes = append(rec.Changes, "dropped the data after the data set")
	}
	var out bytes.Buffer
	if err := dicom.WriteFile(&out, f); err != nil {
		rec.Changes = nil
		rec.Skipped = "the codec cannot re-encode the file: " + err.Error()
		return rec, nil
	}
	if err := writeAtomic(dst, out.Bytes()); err != nil {
		return rec, err
	}
	srcSum, dstSum := sha256.Sum256(raw), sha256.Sum256(out.Bytes())
	rec.Copy = dst
	rec.SourceSHA256, rec.CopySHA256 = hex.EncodeToString(srcSum[:]), hex.EncodeToString(dstSum[:])
	rec.Residual = checkIDList(s.ScanFile(dst).Findings)
	return rec, nil
}

// writeAtomic writes b to path through a temporary file and a rename.
func writeAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
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
