//go:build !unix

package dicom

import (
	"errors"
	"io"
	"io/fs"
	"os"
)

func openRegular(path string, window int) (r io.ReaderAt, size int64, head []byte, closeFn func(), err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, nil, nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, 0, nil, nil, &fs.PathError{Op: "read", Path: path, Err: ErrIsDirectory}
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, nil, nil, &fs.PathError{Op: "read", Path: path, Err: errNotRegular}
	}
	return f, st.Size(), nil, func() { f.Close() }, nil
}

var errNotRegular = errors.New("not a regular file")
