//go:build unix

package safefile_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/safefile"
)

func TestReadFileBounded(t *testing.T) {
	ctx := context.Background()
	// An endless device ends in a clear error naming it, not in memory
	// exhaustion.
	_, err := safefile.ReadFile(ctx, "/dev/zero", safefile.MaxSecret)
	if !errors.Is(err, safefile.ErrTooLarge) || !strings.Contains(err.Error(), "/dev/zero: larger than 64 KiB") {
		t.Errorf("/dev/zero: %v", err)
	}
	p := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(p, []byte(strings.Repeat("x", 100)), 0o600)
	if b, err := safefile.ReadFile(ctx, p, 100); err != nil || len(b) != 100 {
		t.Errorf("100 bytes at limit 100: %d, %v", len(b), err)
	}
	if _, err := safefile.ReadFile(ctx, p, 99); !errors.Is(err, safefile.ErrTooLarge) || !strings.Contains(err.Error(), p) {
		t.Errorf("limit 99: %v", err)
	}
	if _, err := safefile.ReadFile(ctx, filepath.Dir(p), 99); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("directory: %v", err)
	}
	if _, err := safefile.ReadFile(ctx, p+".missing", 99); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
}

func TestReadAllEndsOnCancel(t *testing.T) {
	// A FIFO with a writer that never writes: the read blocks, the context
	// ends it.
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := os.OpenFile(fifo, os.O_RDWR, 0) // keeps the FIFO open for writing
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := safefile.ReadFile(ctx, fifo, 1<<10); done <- err }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("read of a silent FIFO did not end on cancel")
	}
}

func TestCheckFile(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	reg := filepath.Join(dir, "cache.json")
	os.WriteFile(reg, []byte("{}"), 0o600)
	if err := safefile.CheckFile(reg); err != nil {
		t.Errorf("own regular file: %v", err)
	}
	if err := safefile.CheckFile(filepath.Join(dir, "absent")); err != nil {
		t.Errorf("absent file: %v", err)
	}
	link := filepath.Join(dir, "link")
	os.Symlink(reg, link)
	fifo := filepath.Join(dir, "fifo")
	syscall.Mkfifo(fifo, 0o600)
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o700)
	gw := filepath.Join(dir, "gw")
	os.WriteFile(gw, nil, 0o600)
	os.Chmod(gw, 0o666)
	devLink := filepath.Join(dir, "null")
	os.Symlink("/dev/null", devLink)
	for p, want := range map[string]string{
		link: "symbolic link", fifo: "not a regular file", sub: "is a directory", gw: "writable by group or others",
		devLink: "symbolic link", "/dev/null": "device",
	} {
		err := safefile.CheckFile(p)
		if !errors.Is(err, safefile.ErrUnsafe) && p != "/dev/null" {
			t.Errorf("CheckFile(%s) = %v, want ErrUnsafe", p, err)
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), p) {
			if p == "/dev/null" && err != nil {
				continue // /dev is root's: refused for its directory when not root
			}
			t.Errorf("CheckFile(%s) = %v, want %q", p, err, want)
		}
	}
	// A directory others can write to: they could plant a file there.
	open := filepath.Join(dir, "open")
	os.Mkdir(open, 0o700)
	os.Chmod(open, 0o777)
	if err := safefile.CheckFile(filepath.Join(open, "x")); !errors.Is(err, safefile.ErrUnsafe) || !strings.Contains(err.Error(), "writable by group or others") {
		t.Errorf("world-writable directory: %v", err)
	}
	if err := safefile.EnsureDir(filepath.Join(dir, "a", "b")); err != nil {
		t.Errorf("EnsureDir: %v", err)
	}
	if st, _ := os.Stat(filepath.Join(dir, "a", "b")); st == nil || st.Mode().Perm() != 0o700 {
		t.Errorf("EnsureDir mode: %v", st)
	}
	if err := safefile.EnsureDir(open); err == nil {
		t.Error("EnsureDir accepted a world-writable directory")
	}
}

func TestOtherUsersFiles(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give files to another user")
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	p := filepath.Join(dir, "planted")
	os.WriteFile(p, []byte("{}"), 0o600)
	os.Chown(p, 65534, 65534)
	if err := safefile.CheckFile(p); !errors.Is(err, safefile.ErrUnsafe) || !strings.Contains(err.Error(), "owned by uid 65534") {
		t.Errorf("planted file: %v", err)
	}
	sub := filepath.Join(dir, "theirs")
	os.Mkdir(sub, 0o700)
	os.Chown(sub, 65534, 65534)
	if err := safefile.CheckDir(sub); !errors.Is(err, safefile.ErrUnsafe) {
		t.Errorf("their directory: %v", err)
	}
}

func TestReadState(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	p := filepath.Join(dir, "s")
	os.WriteFile(p, []byte("abc"), 0o600)
	if b, err := safefile.ReadState(p, 10); err != nil || string(b) != "abc" {
		t.Errorf("ReadState = %q, %v", b, err)
	}
	l := filepath.Join(dir, "l")
	os.Symlink(p, l)
	if _, err := safefile.ReadState(l, 10); !errors.Is(err, safefile.ErrUnsafe) {
		t.Errorf("ReadState through a symlink: %v", err)
	}
}
