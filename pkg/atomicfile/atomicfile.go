// Package atomicfile replaces files so that a reader never sees half of
// one: the spool, the token cache and the metrics textfile all use it.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write writes data to a hidden temporary file beside path with mode,
// flushes it to disk, and renames it over path. On failure path is left as
// it was and the temporary file is removed.
func Write(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
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
	return os.Rename(tmp.Name(), path)
}
