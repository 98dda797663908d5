//go:build !unix

package dicom

import (
	"errors"
	"io"
	"io/fs"
	"os"
)

func openRegular(path string) (r io.ReaderAt, size int64, closeFn func(), err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, 0, nil, &fs.PathError{Op: "read", Path: path, Err: ErrIsDirectory}
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, nil, &fs.PathError{Op: "read", Path: path, Err: errNotRegular}
	}
	return f, st.Size(), func() { f.Close() }, nil
}

var errNotRegular = errors.New("not a regular file")
