// Package atomicfile replaces files so that a reader never sees half of
// one: the spool, the token cache and the metrics textfile all use it.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// ErrNotRegular is wrapped by Write when path exists and is not a regular
// file: a symlink, a device such as /dev/null, a FIFO, a socket or a
// directory is never replaced.
var ErrNotRegular = errors.New("not a regular file")

// Write writes data to a hidden temporary file beside path with mode,
// flushes it to disk, renames it over path and flushes the directory, so
// the new file survives a crash once Write returns. On failure path is left
// as it was and the temporary file is removed. A path that exists and is
// not a regular file is refused with an error wrapping ErrNotRegular.
func Write(path string, data []byte, mode os.FileMode) error {
	if err := checkTarget(path); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	err = tmp.Chmod(mode)
	if err == nil {
		_, err = tmp.Write(data)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// Checked again just before the rename: the window in which another
	// process could put a device or symlink there is as short as it gets.
	if err := checkTarget(path); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return SyncDir(dir)
}

func checkTarget(path string) error {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return &fs.PathError{Op: "replace", Path: path, Err: fmt.Errorf("%w (%v); refusing to replace it", ErrNotRegular, kind(st.Mode()))}
	}
	return nil
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return m.Type().String()
}

// SyncDir flushes a directory's entries to disk, so that a rename or a
// removal in it survives a crash. Where directories cannot be opened for
// syncing (Windows) it does nothing.
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
