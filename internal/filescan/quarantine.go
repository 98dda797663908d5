package filescan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// ManifestSchema versions the quarantine manifest.
const ManifestSchema = "pacsguard.files.quarantine/v1"

// ManifestName is the manifest's file name inside a quarantine directory.
const ManifestName = "manifest.json"

// Manifest lists what a quarantine directory holds and where it came from,
// so that every file can be put back (pacsguard files restore MANIFEST).
type Manifest struct {
	Schema  string            `json:"schema"`
	Entries []QuarantineEntry `json:"entries"`
}

// QuarantineEntry is one quarantined file.
type QuarantineEntry struct {
	Original    string     `json:"original"` // absolute path it was moved from
	Stored      string     `json:"stored"`   // path inside the quarantine directory
	SHA256      string     `json:"sha256"`
	Size        int64      `json:"size"`
	Mode        uint32     `json:"mode"`
	ModTime     time.Time  `json:"mtime"`
	Checks      []string   `json:"checks"`
	Quarantined time.Time  `json:"quarantined"`
	Restored    *time.Time `json:"restored,omitempty"`
}

// Quarantine is an open quarantine directory.
type Quarantine struct {
	dir      string
	manifest Manifest
}

// OpenQuarantine opens (creating) a quarantine directory and its manifest.
func OpenQuarantine(dir string) (*Quarantine, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, err
	}
	q := &Quarantine{dir: abs, manifest: Manifest{Schema: ManifestSchema}}
	b, err := os.ReadFile(filepath.Join(abs, ManifestName))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		m, err := decodeManifest(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(abs, ManifestName), err)
		}
		q.manifest = m
	}
	return q, nil
}

func decodeManifest(b []byte) (Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("not a quarantine manifest: %w", err)
	}
	if m.Schema != ManifestSchema {
		return m, fmt.Errorf("manifest schema %q, want %q", m.Schema, ManifestSchema)
	}
	return m, nil
}

// Dir is the quarantine directory (absolute).
func (q *Quarantine) Dir() string { return q.dir }

// Move moves a file into quarantine and records it in the manifest at
// once, so an interrupted run never loses track of a moved file. The
// stored copy is made read-only.
func (q *Quarantine) Move(path string, checks []string, now time.Time) (QuarantineEntry, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return QuarantineEntry{}, err
	}
	st, err := os.Lstat(abs)
	if err != nil {
		return QuarantineEntry{}, err
	}
	if !st.Mode().IsRegular() {
		return QuarantineEntry{}, fmt.Errorf("%s is not a regular file", abs)
	}
	sum, err := hashFile(abs)
	if err != nil {
		return QuarantineEntry{}, err
	}
	stored := filepath.Join("files", sum[:16]+"-"+fmt.Sprint(now.UnixNano()), filepath.Base(abs))
	dst := filepath.Join(q.dir, stored)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return QuarantineEntry{}, err
	}
	if err := moveFile(abs, dst, sum); err != nil {
		return QuarantineEntry{}, err
	}
	os.Chmod(dst, 0o400) // defuse: never executable from quarantine
	e := QuarantineEntry{
		Original: abs, Stored: stored, SHA256: sum, Size: st.Size(), Mode: uint32(st.Mode().Perm()),
		ModTime: st.ModTime().UTC(), Checks: checks, Quarantined: now.UTC(),
	}
	q.manifest.Entries = append(q.manifest.Entries, e)
	if err := q.save(); err != nil {
		return e, fmt.Errorf("%s moved to %s but the manifest could not be written: %w", abs, dst, err)
	}
	return e, nil
}

func (q *Quarantine) save() error {
	b, err := json.MarshalIndent(q.manifest, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(q.dir, "."+ManifestName+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(q.dir, ManifestName))
}

// RestoreResult says what happened to one entry on restore.
type RestoreResult struct {
	Entry QuarantineEntry
	Err   error
}

// ErrRestoreTargetExists means a file is already where a quarantined file
// would go back; restore never overwrites.
var ErrRestoreTargetExists = errors.New("a file already exists at the original path")

// ErrHashMismatch means the stored file is not the one quarantined.
var ErrHashMismatch = errors.New("stored file does not match the manifest's SHA-256")

// Restore moves every quarantined file of the manifest back to its original
// path (with its mode and modification time), never overwriting, and marks
// it restored in the manifest.
func Restore(manifestPath string, now time.Time) ([]RestoreResult, error) {
	if filepath.Base(manifestPath) != ManifestName {
		return nil, fmt.Errorf("%s: give the %s inside the quarantine directory", manifestPath, ManifestName)
	}
	if _, err := os.Stat(manifestPath); err != nil {
		return nil, err
	}
	q, err := OpenQuarantine(filepath.Dir(manifestPath))
	if err != nil {
		return nil, err
	}
	var out []RestoreResult
	for i := range q.manifest.Entries {
		e := &q.manifest.Entries[i]
		if e.Restored != nil {
			continue
		}
		err := restoreOne(q.dir, *e)
		if err == nil {
			t := now.UTC()
			e.Restored = &t
		}
		out = append(out, RestoreResult{Entry: *e, Err: err})
	}
	return out, q.save()
}

func restoreOne(dir string, e QuarantineEntry) error {
	if !filepath.IsAbs(e.Original) || !filepath.IsLocal(e.Stored) {
		return fmt.Errorf("manifest entry %s: paths must be absolute (original) and inside the quarantine (stored)", e.Stored)
	}
	src := filepath.Join(dir, e.Stored)
	sum, err := hashFile(src)
	if err != nil {
		return err
	}
	if sum != e.SHA256 {
		return fmt.Errorf("%s: %w", src, ErrHashMismatch)
	}
	if _, err := os.Lstat(e.Original); err == nil {
		return fmt.Errorf("%s: %w", e.Original, ErrRestoreTargetExists)
	}
	if err := os.MkdirAll(filepath.Dir(e.Original), 0o755); err != nil {
		return err
	}
	os.Chmod(src, 0o600)
	if err := moveFile(src, e.Original, sum); err != nil {
		os.Chmod(src, 0o400)
		return err
	}
	os.Chmod(e.Original, fs.FileMode(e.Mode).Perm())
	os.Chtimes(e.Original, e.ModTime, e.ModTime)
	return nil
}

// moveFile renames src to dst, or copies, checks and removes across file
// systems. It never replaces an existing dst.
func moveFile(src, dst, sum string) error {
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("%s: %w", dst, fs.ErrExist)
	}
	err := os.Rename(src, dst)
	if err == nil || !errors.Is(err, syscall.EXDEV) {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(out, h), in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && hex.EncodeToString(h.Sum(nil)) != sum {
		err = ErrHashMismatch
	}
	if err != nil {
		os.Remove(dst)
		return err
	}
	return os.Remove(src)
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
