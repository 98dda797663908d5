package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pacsguard/pacsguard/internal/store"
)

// createOutput returns where a command writes its report: stdout when path is
// empty or "-", else a temporary file beside path that commit renames into
// place, so an interrupted run never leaves half a report behind a good name.
// The caller must call commit (on success) or discard (on failure).
func createOutput(env *Env, path string) (w io.Writer, commit func() error, discard func(), err error) {
	if path == "" || path == "-" {
		return env.Stdout, func() error { return nil }, func() {}, nil
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, nil, nil, fmt.Errorf("cannot write %s: %w (check the directory exists and is writable)", path, err)
	}
	commit = func() error {
		if err := f.Close(); err != nil {
			os.Remove(f.Name())
			return err
		}
		if err := os.Rename(f.Name(), path); err != nil {
			os.Remove(f.Name())
			return fmt.Errorf("cannot write %s: %w", path, err)
		}
		return nil
	}
	discard = func() {
		f.Close()
		os.Remove(f.Name())
	}
	return f, commit, discard, nil
}

// openStore opens the database named by --db, or the default one. It returns
// nil, nil when noDB is set, so callers check for a nil store.
func openStore(ctx context.Context, env *Env, path string, noDB bool) (*store.Store, error) {
	if noDB {
		return nil, nil
	}
	if path == "" {
		p, err := store.DefaultPath(env.Getenv)
		if err != nil {
			return nil, err
		}
		path = p
	}
	s, err := store.Open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("%w (use --db PATH for another database, or --no-db)", err)
	}
	return s, nil
}
