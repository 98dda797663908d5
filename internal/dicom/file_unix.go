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

// openRegular opens path for reading and returns its size; it refuses
// anything but a regular file.
func openRegular(path string) (r io.ReaderAt, size int64, closeFn func(), err error) {
	var fd int
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, 0, nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return nil, 0, nil, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	switch st.Mode & syscall.S_IFMT {
	case syscall.S_IFREG:
	case syscall.S_IFDIR:
		syscall.Close(fd)
		return nil, 0, nil, &fs.PathError{Op: "read", Path: path, Err: ErrIsDirectory}
	default:
		syscall.Close(fd)
		return nil, 0, nil, &fs.PathError{Op: "read", Path: path, Err: errNotRegular}
	}
	return rawFile{fd}, st.Size, func() { syscall.Close(fd) }, nil
}

var errNotRegular = errors.New("not a regular file")
