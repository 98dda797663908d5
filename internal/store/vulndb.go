package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// VulnRecord is one imported advisory record as the vulndb engine normalised
// it. The store keeps the document opaque so that it does not depend on the
// engine's types.
type VulnRecord struct {
	Source   string
	ID       string
	File     string
	Imported time.Time
	Doc      []byte // JSON of vulndb.Advisory
}

// VulnImport summarises one `vulndb import` run.
type VulnImport struct {
	Imported  time.Time `json:"imported"`
	Files     []string  `json:"files"`
	Added     int       `json:"added"`
	Updated   int       `json:"updated"`
	Unchanged int       `json:"unchanged"`
	Ignored   int       `json:"ignored"`
}

// SaveVulnImport stores the records of one import and its summary in one
// transaction: either the whole import is kept or nothing is. A record
// replaces an earlier one with the same source and ID.
func (s *Store) SaveVulnImport(ctx context.Context, recs []VulnRecord, sum VulnImport) error {
	files, err := json.Marshal(sum.Files)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var next int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(ord), 0) + 1 FROM vulndb_records`).Scan(&next); err != nil {
		return err
	}
	for i, r := range recs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO vulndb_records(source, id, file, imported, ord, doc) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT(source, id) DO UPDATE SET file = excluded.file, imported = excluded.imported, ord = excluded.ord, doc = excluded.doc`,
			r.Source, r.ID, r.File, r.Imported.UTC().Format(time.RFC3339Nano), next+int64(i), string(r.Doc)); err != nil {
			return fmt.Errorf("save advisory record %s: %w", r.ID, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO vulndb_imports(imported, files, added, updated, unchanged, ignored) VALUES (?, ?, ?, ?, ?, ?)`,
		sum.Imported.UTC().Format(time.RFC3339Nano), string(files), sum.Added, sum.Updated, sum.Unchanged, sum.Ignored); err != nil {
		return fmt.Errorf("save import summary: %w", err)
	}
	return tx.Commit()
}

// VulnRecords returns every imported record in the order they must be merged:
// the order they were saved in, a re-imported record taking its new place.
func (s *Store) VulnRecords(ctx context.Context) ([]VulnRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT source, id, file, imported, doc FROM vulndb_records ORDER BY ord`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []VulnRecord
	for rows.Next() {
		var r VulnRecord
		var imported, doc string
		if err := rows.Scan(&r.Source, &r.ID, &r.File, &imported, &doc); err != nil {
			return nil, err
		}
		r.Imported, _ = time.Parse(time.RFC3339Nano, imported)
		r.Doc = []byte(doc)
		out = append(out, r)
	}
	return out, rows.Err()
}

// LastVulnImport returns the newest import summary; ok is false when nothing
// was ever imported.
func (s *Store) LastVulnImport(ctx context.Context) (sum VulnImport, ok bool, err error) {
	var imported, files string
	err = s.db.QueryRowContext(ctx, `SELECT imported, files, added, updated, unchanged, ignored FROM vulndb_imports ORDER BY id DESC LIMIT 1`).
		Scan(&imported, &files, &sum.Added, &sum.Updated, &sum.Unchanged, &sum.Ignored)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return VulnImport{}, false, nil
		}
		return VulnImport{}, false, err
	}
	sum.Imported, _ = time.Parse(time.RFC3339Nano, imported)
	if err := json.Unmarshal([]byte(files), &sum.Files); err != nil {
		return VulnImport{}, false, fmt.Errorf("import summary files: %w", err)
	}
	return sum, true, nil
}
