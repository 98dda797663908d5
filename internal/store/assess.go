package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SavedAssessment is one saved run of pacsguard assess. Answers and Result
// are the assess package's JSON documents; the store does not interpret them.
type SavedAssessment struct {
	ID       int64
	Name     string
	Created  time.Time
	Complete bool // false while an interactive session is in progress
	Size     string
	Overall  *float64
	Answers  []byte
	Result   []byte // empty for an incomplete session
}

// SaveAssessment records an assessment and returns its ID. An incomplete
// session replaces the previous incomplete one of the same name, so progress
// saves do not pile up.
func (s *Store) SaveAssessment(ctx context.Context, a SavedAssessment) (int64, error) {
	if a.Name == "" {
		return 0, errors.New("save assessment: empty name")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM assessments WHERE name = ? AND complete = 0`, a.Name); err != nil {
		return 0, fmt.Errorf("save assessment: %w", err)
	}
	var overall any
	if a.Overall != nil {
		overall = *a.Overall
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO assessments(name, created, complete, size, overall, answers, result) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		a.Name, a.Created.UTC().Format(time.RFC3339Nano), a.Complete, a.Size, overall, string(a.Answers), string(a.Result))
	if err != nil {
		return 0, fmt.Errorf("save assessment: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	return id, tx.Commit()
}

// Assessments lists saved assessments of a name ("" for all), newest first.
func (s *Store) Assessments(ctx context.Context, name string, limit int) ([]SavedAssessment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, created, complete, size, overall, answers, result FROM assessments
		WHERE (? = '' OR name = ?) ORDER BY id DESC LIMIT ?`, name, name, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SavedAssessment
	for rows.Next() {
		var a SavedAssessment
		var created, answers, result string
		var overall sql.NullFloat64
		if err := rows.Scan(&a.ID, &a.Name, &created, &a.Complete, &a.Size, &overall, &answers, &result); err != nil {
			return nil, err
		}
		a.Created, _ = time.Parse(time.RFC3339Nano, created)
		if overall.Valid {
			v := overall.Float64
			a.Overall = &v
		}
		a.Answers, a.Result = []byte(answers), []byte(result)
		out = append(out, a)
	}
	return out, rows.Err()
}

// LatestAssessment returns the newest saved assessment of a name; with
// completeOnly it skips sessions still in progress. ok is false when there is none.
func (s *Store) LatestAssessment(ctx context.Context, name string, completeOnly bool) (a SavedAssessment, ok bool, err error) {
	list, err := s.Assessments(ctx, name, 50)
	if err != nil {
		return SavedAssessment{}, false, err
	}
	for _, x := range list {
		if x.Complete || !completeOnly {
			return x, true, nil
		}
	}
	return SavedAssessment{}, false, nil
}
