package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// ErrNoBaseline means no file baseline covers the path asked about.
var ErrNoBaseline = errors.New("no file baseline covers this path")

// FileBaseline describes one recorded baseline of a root directory.
type FileBaseline struct {
	ID       int64
	Root     string // absolute, symbolic links resolved
	Recorded time.Time
	Files    int64
	Bytes    int64
}

// FileBaselineEntry is one file of a baseline.
type FileBaselineEntry struct {
	Path    string // relative to the root, slash-separated
	Size    int64
	ModTime time.Time
	SHA256  string // hex
	IsDICOM bool
}

// FileBaselineWriter records a baseline in one transaction, so that an
// interrupted run leaves the previous baseline of the root in place.
type FileBaselineWriter struct {
	tx     *sql.Tx
	ins    *sql.Stmt
	id     int64
	files  int64
	bytes  int64
	closed bool
}

// BeginFileBaseline starts recording the baseline of root, replacing any
// earlier one when committed.
func (s *Store) BeginFileBaseline(ctx context.Context, root string, recorded time.Time) (*FileBaselineWriter, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM file_baselines WHERE root = ?`, root); err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("replace baseline of %s: %w", root, err)
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO file_baselines(root, recorded) VALUES (?, ?) RETURNING id`,
		root, recorded.UTC().Format(time.RFC3339Nano)).Scan(&id); err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("record baseline of %s: %w", root, err)
	}
	ins, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO file_baseline_entries(baseline_id, path, size, mtime_ns, sha256, is_dicom) VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		tx.Rollback()
		return nil, err
	}
	return &FileBaselineWriter{tx: tx, ins: ins, id: id}, nil
}

// Add records one file.
func (w *FileBaselineWriter) Add(ctx context.Context, e FileBaselineEntry) error {
	dicom := 0
	if e.IsDICOM {
		dicom = 1
	}
	if _, err := w.ins.ExecContext(ctx, w.id, e.Path, e.Size, e.ModTime.UnixNano(), e.SHA256, dicom); err != nil {
		return fmt.Errorf("record %s: %w", e.Path, err)
	}
	w.files++
	w.bytes += e.Size
	return nil
}

// Commit makes the baseline the current one of its root.
func (w *FileBaselineWriter) Commit(ctx context.Context) error {
	w.closed = true
	w.ins.Close()
	if _, err := w.tx.ExecContext(ctx, `UPDATE file_baselines SET files = ?, bytes = ? WHERE id = ?`, w.files, w.bytes, w.id); err != nil {
		w.tx.Rollback()
		return err
	}
	return w.tx.Commit()
}

// Rollback abandons the baseline; the previous one stays. It is a no-op
// after Commit.
func (w *FileBaselineWriter) Rollback() {
	if w.closed {
		return
	}
	w.closed = true
	w.ins.Close()
	w.tx.Rollback()
}

// FileBaselines lists every recorded baseline by root.
func (s *Store) FileBaselines(ctx context.Context) ([]FileBaseline, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, root, recorded, files, bytes FROM file_baselines ORDER BY root`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []FileBaseline
	for rows.Next() {
		var b FileBaseline
		var rec string
		if err := rows.Scan(&b.ID, &b.Root, &rec, &b.Files, &b.Bytes); err != nil {
			return nil, err
		}
		b.Recorded, _ = time.Parse(time.RFC3339Nano, rec)
		out = append(out, b)
	}
	return out, rows.Err()
}

// FileBaselineFor returns the baseline that covers path (absolute, links
// resolved): the one recorded for path itself, else the one of the nearest
// enclosing root. It fails with ErrNoBaseline when none does.
func (s *Store) FileBaselineFor(ctx context.Context, path string) (FileBaseline, error) {
	all, err := s.FileBaselines(ctx)
	if err != nil {
		return FileBaseline{}, err
	}
	best := -1
	for i, b := range all {
		if path == b.Root || strings.HasPrefix(path, strings.TrimSuffix(b.Root, string(filepath.Separator))+string(filepath.Separator)) {
			if best < 0 || len(b.Root) > len(all[best].Root) {
				best = i
			}
		}
	}
	if best < 0 {
		return FileBaseline{}, fmt.Errorf("%s: %w", path, ErrNoBaseline)
	}
	return all[best], nil
}

// FileBaselineEntries calls fn for every file of a baseline whose path is
// under prefix ("" for all; slash-separated, relative to the root), in
// path order, without loading the baseline into memory.
func (s *Store) FileBaselineEntries(ctx context.Context, baselineID int64, prefix string, fn func(FileBaselineEntry) error) error {
	q := `SELECT path, size, mtime_ns, sha256, is_dicom FROM file_baseline_entries WHERE baseline_id = ?`
	args := []any{baselineID}
	if prefix != "" {
		p := strings.TrimSuffix(prefix, "/") + "/"
		q += ` AND substr(path, 1, ?) = ?`
		args = append(args, len(p), p)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY path`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e FileBaselineEntry
		var mtime int64
		var dicom int
		if err := rows.Scan(&e.Path, &e.Size, &mtime, &e.SHA256, &dicom); err != nil {
			return err
		}
		e.ModTime = time.Unix(0, mtime)
		e.IsDICOM = dicom == 1
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}
