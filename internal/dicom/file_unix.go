//go:build unix

package dicom

import (
	"errors"
	"io"
	"io/fs"
	"syscall"
)

// rawFile reads a regular file through its descriptor with pread, without
// os.File's poller registration and cleanup: a metadata sweep opens tens of
// thousands of small files, and those costs dominated its profile.
type rawFile struct{ fd int }

func (f rawFile) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) {
		m, err := syscall.Pread(f.fd, p[n:], off+int64(n))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return n, err
		}
		if m == 0 {
			return n, io.EOF
		}
		n += m
	}
	return n, nil
}

// openRegular opens path for reading, reads its first window, and returns
// its size. A file shorter than the window needs no fstat: for the small
// files that fill archives that saves a system call each. Anything but a
// regular file is refused.
func openRegular(path string, window int) (r io.ReaderAt, size int64, head []byte, closeFn func(), err error) {
	var fd int
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, 0, nil, nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	closeFn = func() { syscall.Close(fd) }
	f := rawFile{fd}
	buf := make([]byte, window)
	n, err := f.ReadAt(buf, 0)
	switch {
	case err == syscall.EISDIR:
		closeFn()
		return nil, 0, nil, nil, &fs.PathError{Op: "read", Path: path, Err: ErrIsDirectory}
	case err == syscall.ESPIPE || err == syscall.EAGAIN:
		closeFn()
		return nil, 0, nil, nil, &fs.PathError{Op: "read", Path: path, Err: errNotRegular}
	case err != nil && err != io.EOF:
		closeFn()
		return nil, 0, nil, nil, &fs.PathError{Op: "read", Path: path, Err: err}
	case n < window:
		// The whole file is in buf.
		return f, int64(n), buf[:n], closeFn, nil
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		closeFn()
		return nil, 0, nil, nil, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		closeFn()
		return nil, 0, nil, nil, &fs.PathError{Op: "read", Path: path, Err: errNotRegular}
	}
	return f, st.Size, buf, closeFn, nil
}

var errNotRegular = errors.New("not a regular file")
