package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pacsguard/pacsguard/internal/inventory"
)

// MDS2Profile is a stored device security profile. Doc is the JSON profile
// written by internal/mds2; the store does not interpret it.
type MDS2Profile struct {
	ID           int64
	Key          string
	Manufacturer string
	Model        string
	Version      string
	DocumentDate string
	SourceName   string
	SourceSHA256 string
	Imported     time.Time
	Doc          []byte
}

// ErrAmbiguous means a device reference matched more than one device.
var ErrAmbiguous = errors.New("ambiguous device reference")

// SaveMDS2Profile stores a profile, replacing an earlier import of the same
// file for the same device, and returns its ID.
func (s *Store) SaveMDS2Profile(ctx context.Context, p MDS2Profile) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `INSERT INTO mds2_profiles
		(device_key, manufacturer, model, version, document_date, source_name, source_sha256, imported, doc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (device_key, source_sha256) DO UPDATE SET
			manufacturer = excluded.manufacturer, model = excluded.model, version = excluded.version,
			document_date = excluded.document_date, source_name = excluded.source_name,
			imported = excluded.imported, doc = excluded.doc
		RETURNING id`,
		p.Key, p.Manufacturer, p.Model, p.Version, p.DocumentDate, p.SourceName, p.SourceSHA256,
		p.Imported.UTC().Format(time.RFC3339Nano), string(p.Doc)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("save MDS2 profile: %w", err)
	}
	return id, nil
}

const mds2Columns = `id, device_key, manufacturer, model, version, document_date, source_name, source_sha256, imported, doc`

func scanMDS2(rows interface{ Scan(...any) error }) (MDS2Profile, error) {
	var p MDS2Profile
	var imported, doc string
	if err := rows.Scan(&p.ID, &p.Key, &p.Manufacturer, &p.Model, &p.Version, &p.DocumentDate, &p.SourceName, &p.SourceSHA256, &imported, &doc); err != nil {
		return p, err
	}
	p.Imported, _ = time.Parse(time.RFC3339Nano, imported)
	p.Doc = []byte(doc)
	return p, nil
}

// MDS2Profiles lists every stored profile, by device then newest form first.
func (s *Store) MDS2Profiles(ctx context.Context) ([]MDS2Profile, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+mds2Columns+` FROM mds2_profiles ORDER BY device_key, document_date DESC, id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []MDS2Profile
	for rows.Next() {
		p, err := scanMDS2(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// FindMDS2Profile finds the newest profile for a device reference: a stored
// ID ("12" or "#12"), a device key ("acme-imaging/ct-9000/2.1"), or a key
// prefix that names one device ("acme-imaging/ct-9000"). ok is false when
// nothing matches; ErrAmbiguous when a prefix names several devices.
func (s *Store) FindMDS2Profile(ctx context.Context, ref string) (p MDS2Profile, ok bool, err error) {
	ref = strings.TrimSpace(ref)
	if n, convErr := strconv.ParseInt(strings.TrimPrefix(ref, "#"), 10, 64); convErr == nil {
		p, err = scanMDS2(s.db.QueryRowContext(ctx, `SELECT `+mds2Columns+` FROM mds2_profiles WHERE id = ?`, n))
		if err == nil {
			return p, true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return p, false, err
		}
	}
	key := strings.ToLower(strings.Trim(ref, "/"))
	p, err = scanMDS2(s.db.QueryRowContext(ctx, `SELECT `+mds2Columns+` FROM mds2_profiles WHERE device_key = ?
		ORDER BY document_date DESC, id DESC LIMIT 1`, key))
	if err == nil {
		return p, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return p, false, err
	}
	// A prefix of whole key parts: "acme-imaging/ct-9000" matches its versions.
	like := strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(key) + "/%"
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT device_key FROM mds2_profiles WHERE device_key LIKE ? ESCAPE '\' LIMIT 1000`, like)
	if err != nil {
		return p, false, err
	}
	devices := map[string]bool{} // manufacturer/model: versions of one device are not ambiguous
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return p, false, err
		}
		parts := strings.SplitN(k, "/", 3)
		devices[strings.Join(parts[:min(2, len(parts))], "/")] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return p, false, err
	}
	switch n := len(devices); {
	case n == 0:
		return MDS2Profile{}, false, nil
	case n > 1:
		return MDS2Profile{}, false, fmt.Errorf("%w: %q matches %d devices; give the full key (pacsguard mds2 list)", ErrAmbiguous, ref, n)
	}
	p, err = scanMDS2(s.db.QueryRowContext(ctx, `SELECT `+mds2Columns+` FROM mds2_profiles WHERE device_key LIKE ? ESCAPE '\'
		ORDER BY document_date DESC, id DESC LIMIT 1`, like))
	if err != nil {
		return p, false, err
	}
	return p, true, nil
}

// LatestRunForHost returns the newest run of a kind that recorded a service
// or a finding on host; ok is false when there is none. mds2 verify uses it
// to compare a device's claims with the last scan that saw the device.
func (s *Store) LatestRunForHost(ctx context.Context, kind, host string) (run inventory.Run, ok bool, err error) {
	var started, finished, targets string
	err = s.db.QueryRowContext(ctx, `SELECT r.id, r.kind, r.mode, r.started, r.finished, r.targets FROM runs r
		WHERE r.kind = ? AND (
			EXISTS (SELECT 1 FROM services sv WHERE sv.run_id = r.id AND sv.host = ?) OR
			EXISTS (SELECT 1 FROM findings f WHERE f.run_id = r.id AND f.host = ?))
		ORDER BY r.id DESC LIMIT 1`, kind, host, host).Scan(&run.ID, &run.Kind, &run.Mode, &started, &finished, &targets)
	if errors.Is(err, sql.ErrNoRows) {
		return inventory.Run{}, false, nil
	}
	if err != nil {
		return inventory.Run{}, false, err
	}
	run.Started, _ = time.Parse(time.RFC3339Nano, started)
	run.Finished, _ = time.Parse(time.RFC3339Nano, finished)
	if err := json.Unmarshal([]byte(targets), &run.Targets); err != nil {
		return inventory.Run{}, false, fmt.Errorf("run %d targets: %w", run.ID, err)
	}
	return run, true, nil
}
