package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pacsguard/pacsguard/internal/inventory"
)

// SaveRun records a finished run with its services and findings and returns its ID.
func (s *Store) SaveRun(ctx context.Context, run inventory.Run, services []inventory.Service, findings []inventory.Finding) (int64, error) {
	targets, err := json.Marshal(run.Targets)
	if err != nil {
		return 0, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO runs(kind, mode, started, finished, targets) VALUES (?, ?, ?, ?, ?)`,
		run.Kind, run.Mode, run.Started.UTC().Format(time.RFC3339Nano), run.Finished.UTC().Format(time.RFC3339Nano), string(targets))
	if err != nil {
		return 0, fmt.Errorf("save run: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	for _, sv := range services {
		doc, err := json.Marshal(sv)
		if err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO services(run_id, host, port, transport, doc) VALUES (?, ?, ?, ?, ?)`,
			id, sv.Host, sv.Port, sv.Transport, string(doc)); err != nil {
			return 0, fmt.Errorf("save service: %w", err)
		}
	}
	for _, f := range findings {
		doc, err := json.Marshal(f)
		if err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO findings(run_id, check_id, severity, host, port, path, doc) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, f.CheckID, int(f.Severity), f.Host, f.Port, f.Path, string(doc)); err != nil {
			return 0, fmt.Errorf("save finding: %w", err)
		}
	}
	return id, tx.Commit()
}

// Runs lists the newest runs of a kind ("" for all), newest first.
func (s *Store) Runs(ctx context.Context, kind string, limit int) ([]inventory.Run, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, mode, started, finished, targets FROM runs
		WHERE (? = '' OR kind = ?) ORDER BY id DESC LIMIT ?`, kind, kind, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []inventory.Run
	for rows.Next() {
		var r inventory.Run
		var started, finished, targets string
		if err := rows.Scan(&r.ID, &r.Kind, &r.Mode, &started, &finished, &targets); err != nil {
			return nil, err
		}
		r.Started, _ = time.Parse(time.RFC3339Nano, started)
		r.Finished, _ = time.Parse(time.RFC3339Nano, finished)
		if err := json.Unmarshal([]byte(targets), &r.Targets); err != nil {
			return nil, fmt.Errorf("run %d targets: %w", r.ID, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RunServices returns the services recorded by a run.
func (s *Store) RunServices(ctx context.Context, runID int64) ([]inventory.Service, error) {
	return queryDocs[inventory.Service](ctx, s.db, `SELECT doc FROM services WHERE run_id = ? ORDER BY host, port`, runID)
}

// RunFindings returns the findings recorded by a run.
func (s *Store) RunFindings(ctx context.Context, runID int64) ([]inventory.Finding, error) {
	return queryDocs[inventory.Finding](ctx, s.db, `SELECT doc FROM findings WHERE run_id = ? ORDER BY severity DESC, check_id, host, port, path`, runID)
}

// LatestFindings returns the findings of the newest run of a kind, with that run;
// ok is false when there is none. Engines that cite evidence (assess, mds2) use it.
func (s *Store) LatestFindings(ctx context.Context, kind string) (run inventory.Run, findings []inventory.Finding, ok bool, err error) {
	runs, err := s.Runs(ctx, kind, 1)
	if err != nil || len(runs) == 0 {
		return inventory.Run{}, nil, false, err
	}
	f, err := s.RunFindings(ctx, runs[0].ID)
	return runs[0], f, err == nil, err
}

func queryDocs[T any](ctx context.Context, db *sql.DB, q string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var v T
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
