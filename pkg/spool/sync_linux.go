package spool

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncFiles makes the files in dir durable. On Linux one syncfs(2) of the
// file system does it for all of them, far faster than an fsync each.
func syncFiles(dir string, files []string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := unix.Syncfs(int(d.Fd())); err == nil {
		return nil
	}
	return syncEach(files)
}
