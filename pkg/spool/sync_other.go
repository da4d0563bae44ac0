//go:build !linux

package spool

// syncFiles makes the files in dir durable, one fsync each.
func syncFiles(dir string, files []string) error { return syncEach(files) }
