package filescan

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// WalkOptions shapes a sweep.
type WalkOptions struct {
	// FollowSymlinks follows symbolic links, also out of the given roots
	// (each directory once). Without it links are not followed, except a
	// root named on the command line.
	FollowSymlinks bool
	// Workers scanning in parallel; 0 means GOMAXPROCS.
	Workers int
}

// Entry is one file found by the walk, with the root it was found under.
type Entry struct {
	Root string // absolute, symbolic links resolved
	Path string // absolute
}

// WalkStats counts what the walk saw besides the files it handed out.
type WalkStats struct {
	SymlinksSkipped int64
	Errors          int64 // directories or entries that could not be read
}

// Walk calls visit for every regular file under roots (files or
// directories), depth first in lexical order. Errors on single entries are
// passed to visit with a nil-free Entry and err set, and the walk goes on.
func Walk(ctx context.Context, roots []string, follow bool, visit func(Entry, error)) (WalkStats, error) {
	var st WalkStats
	var resolved []string
	for _, r := range roots {
		abs, err := filepath.Abs(r)
		if err != nil {
			return st, err
		}
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			return st, err
		}
		resolved = append(resolved, real)
	}
	visited := map[string]bool{}
	inRoots := func(p string) bool {
		for _, r := range resolved {
			if p == r || strings.HasPrefix(p, r+string(filepath.Separator)) {
				return true
			}
		}
		return false
	}
	var walk func(root, dir string) error
	walk = func(root, dir string) error {
		return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if cerr := ctx.Err(); cerr != nil {
				return cerr
			}
			if err != nil {
				st.Errors++
				visit(Entry{Root: root, Path: path}, err)
				if d != nil && d.IsDir() && path != dir {
					return fs.SkipDir
				}
				return nil
			}
			switch t := d.Type(); {
			case t.IsDir():
				return nil
			case t&fs.ModeSymlink != 0:
				if !follow {
					st.SymlinksSkipped++
					return nil
				}
				real, err := filepath.EvalSymlinks(path)
				if err != nil {
					st.Errors++
					visit(Entry{Root: root, Path: path}, err)
					return nil
				}
				info, err := os.Stat(real)
				if err != nil {
					st.Errors++
					visit(Entry{Root: root, Path: path}, err)
					return nil
				}
				switch {
				case info.IsDir():
					// Each directory once: inside the roots it is walked anyway,
					// and a link cycle ends at the second visit.
					if inRoots(real) || visited[real] {
						return nil
					}
					visited[real] = true
					return walk(root, real)
				case info.Mode().IsRegular():
					if !inRoots(real) {
						visit(Entry{Root: root, Path: real}, nil)
					}
				}
				return nil
			case t.IsRegular():
				visit(Entry{Root: root, Path: path}, nil)
			}
			return nil
		})
	}
	for _, r := range resolved {
		info, err := os.Stat(r)
		if err != nil {
			return st, err
		}
		if !info.IsDir() {
			if !info.Mode().IsRegular() {
				// Opening a FIFO or a device could block or read for ever.
				st.Errors++
				visit(Entry{Root: filepath.Dir(r), Path: r}, fmt.Errorf("%s is not a regular file or directory", r))
				continue
			}
			visit(Entry{Root: filepath.Dir(r), Path: r}, nil)
			continue
		}
		visited[r] = true
		if err := walk(r, r); err != nil {
			return st, err
		}
	}
	return st, nil
}

// Item is a scanned file with the root it came from.
type Item struct {
	Root string
	Result
}

// Sweep walks roots and scans every file with a bounded pool of workers.
// handle runs on the calling goroutine, once per file, in no set order.
func Sweep(ctx context.Context, s *Scanner, roots []string, opts WalkOptions, handle func(Item)) (WalkStats, error) {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	paths := make(chan Entry, 4*workers)
	results := make(chan Item, 4*workers)
	var walkStats WalkStats
	var walkErr error
	go func() {
		defer close(paths)
		walkStats, walkErr = Walk(ctx, roots, opts.FollowSymlinks, func(e Entry, err error) {
			if err != nil {
				select {
				case results <- Item{Root: e.Root, Result: Result{Path: e.Path, Err: err}}:
				case <-ctx.Done():
				}
				return
			}
			select {
			case paths <- e:
			case <-ctx.Done():
			}
		})
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range paths {
				if ctx.Err() != nil {
					continue
				}
				results <- Item{Root: e.Root, Result: s.ScanFile(e.Path)}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	for it := range results {
		handle(it)
	}
	if walkErr != nil && !errors.Is(walkErr, context.Canceled) {
		return walkStats, walkErr
	}
	return walkStats, ctx.Err()
}
