// Package safefile guards the files feishu-push reads and writes on its own:
// every read is bounded, and the files it keeps between runs (token cache,
// spool, state, journal, metrics) must be regular files, or absent, in a
// directory that only the running user can write to. Symlinks, devices,
// FIFOs and files planted by someone else are refused with an error that
// names the file.
package safefile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Size limits for the inputs feishu-push reads.
const (
	// MaxConfig bounds a config file.
	MaxConfig = 1 << 20
	// MaxSecret bounds a file holding one secret (app secret, webhook URL).
	MaxSecret = 64 << 10
	// MaxCache bounds the token cache.
	MaxCache = 1 << 20
	// MaxStdin bounds what is read from standard input.
	MaxStdin = 8 << 20
)

// ErrTooLarge is wrapped by reads that hit their size limit.
var ErrTooLarge = errors.New("file too large")

// ErrUnsafe is wrapped by every refusal of CheckFile, CheckDir and
// EnsureDir.
var ErrUnsafe = errors.New("unsafe path")

// Error is a refused or failed file operation, naming the file.
type Error struct {
	// Path is the file, or a name such as "stdin".
	Path string
	// Err says what is wrong; it wraps ErrTooLarge or ErrUnsafe when one
	// applies.
	Err error
}

func (e *Error) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

type tooLarge struct{ limit int64 }

func (t tooLarge) Error() string   { return "larger than " + human(t.limit) }
func (t tooLarge) Is(e error) bool { return e == ErrTooLarge }

type unsafe struct{ msg string }

func (u unsafe) Error() string   { return u.msg }
func (u unsafe) Is(e error) bool { return e == ErrUnsafe }

func unsafef(path, format string, args ...any) error {
	return &Error{Path: path, Err: unsafe{fmt.Sprintf(format, args...)}}
}

func human(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ReadFile reads at most limit bytes of the file at path. A larger file (or
// an endless one such as /dev/zero) is an error wrapping ErrTooLarge; a
// directory is refused. The read ends when ctx is done, so a FIFO that
// never delivers does not hold up a signal.
func ReadFile(ctx context.Context, path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{Path: path, Err: unwrapPath(err)}
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, &Error{Path: path, Err: errors.New("is a directory")}
	}
	return ReadAll(ctx, path, f, limit)
}

// ReadAll reads r to its end, at most limit bytes, naming it name in
// errors. It returns ctx's error as soon as ctx is done, even while a read
// is blocked (the blocked read is abandoned: close r to end it).
func ReadAll(ctx context.Context, name string, r io.Reader, limit int64) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := io.ReadAll(io.LimitReader(r, limit+1))
		done <- result{b, err}
	}()
	select {
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	case res := <-done:
		if res.err != nil {
			return nil, &Error{Path: name, Err: unwrapPath(res.err)}
		}
		if int64(len(res.b)) > limit {
			return nil, &Error{Path: name, Err: tooLarge{limit}}
		}
		return res.b, nil
	}
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// CheckFile checks a path that feishu-push keeps state in before it reads
// or replaces it: the path must be absent or a regular file (not a symlink,
// device, FIFO, socket or directory) owned by the running user and not
// writable by group or others, and its directory must pass CheckDir.
func CheckFile(path string) error {
	if err := CheckDir(filepath.Dir(path)); err != nil {
		return err
	}
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return &Error{Path: path, Err: unwrapPath(err)}
	}
	return checkRegular(path, st)
}

// CheckOpened checks an open file the way CheckFile checks a path, on the
// file actually opened, so that a swap between the check and the open is
// caught too.
func CheckOpened(path string, f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return &Error{Path: path, Err: err}
	}
	return checkRegular(path, st)
}

func checkRegular(path string, st fs.FileInfo) error {
	switch m := st.Mode(); {
	case m&fs.ModeSymlink != 0:
		return unsafef(path, "is a symbolic link; refusing to follow it")
	case m&fs.ModeDevice != 0 || m&fs.ModeCharDevice != 0:
		return unsafef(path, "is a device, not a regular file")
	case m.IsDir():
		return unsafef(path, "is a directory, not a regular file")
	case !m.IsRegular():
		return unsafef(path, "is not a regular file (%v)", m.Type())
	case ownerChecks && m.Perm()&0o022 != 0:
		return unsafef(path, "is writable by group or others (mode %04o)", m.Perm())
	}
	if uid, ok := owner(st); ok && uid != myUID() {
		return unsafef(path, "is owned by uid %d, not by the running user (uid %d)", uid, myUID())
	}
	return nil
}

// CheckDir checks that dir (symlinks to it are followed) is a directory
// owned by the running user and not writable by group or others.
func CheckDir(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return &Error{Path: dir, Err: unwrapPath(err)}
	}
	return checkDirInfo(dir, st)
}

func checkDirInfo(dir string, st fs.FileInfo) error {
	if !st.IsDir() {
		return unsafef(dir, "is not a directory")
	}
	if uid, ok := owner(st); ok && uid != myUID() {
		return unsafef(dir, "directory is owned by uid %d, not by the running user (uid %d)", uid, myUID())
	}
	if ownerChecks && st.Mode().Perm()&0o022 != 0 {
		return unsafef(dir, "directory is writable by group or others (mode %04o); others could plant or replace files in it", st.Mode().Perm())
	}
	return nil
}

// EnsureDir creates dir and its missing parents with mode 0700, then checks
// it with CheckDir.
func EnsureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return &Error{Path: dir, Err: unwrapPath(err)}
	}
	return CheckDir(dir)
}

// OpenForRead opens a state file for reading after CheckFile, and checks
// the opened file again. A missing file returns an error wrapping
// fs.ErrNotExist.
func OpenForRead(path string) (*os.File, error) {
	return openChecked(path, os.O_RDONLY, 0)
}

// OpenAppend opens a state file, such as a log, for appending, creating it
// with perm when missing: like OpenForRead, the path is checked before and
// the opened file after, and a symlink is never followed.
func OpenAppend(path string, perm os.FileMode) (*os.File, error) {
	return openChecked(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, perm)
}

// openChecked opens path with flag after CheckFile, never through a
// symlink, and checks the opened file again.
func openChecked(path string, flag int, perm os.FileMode) (*os.File, error) {
	if err := CheckFile(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, flag|noFollow, perm)
	if err != nil {
		return nil, &Error{Path: path, Err: unwrapPath(err)}
	}
	if err := CheckOpened(path, f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// ReadState reads a state file checked by OpenForRead, at most limit bytes.
func ReadState(path string, limit int64) ([]byte, error) {
	f, err := OpenForRead(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadAll(context.Background(), path, f, limit)
}
