package feishu

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// DefaultStateDir returns where processes of this user keep the state they
// share: $XDG_RUNTIME_DIR/feishu-push, else feishu-push in the user's cache
// directory, else "" (no sharing).
func DefaultStateDir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "feishu-push")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "feishu-push")
	}
	return ""
}

// fileLog is a group's log shared by the processes of one user on a host:
// a small state file, read and rewritten in place under an exclusive lock
// (github.com/gofrs/flock) for every departure. It holds only departure
// times and a pause deadline, so nothing a crashed process left can block
// the others for longer than the windows themselves: its departures did
// count at Feishu, and they drop out of every window in time. A crash
// while the lock is held releases it with the process.
//
// The file is binary: a magic word, an FNV-1a hash of the rest, the pause
// deadline and the departures, as Unix nanoseconds (wall clock: monotonic
// clocks are per process). A torn or damaged file is ignored: the process
// goes on from what it read last, and writes that back. (FNV rather than
// CRC-32: the file is a few hundred bytes, and CRC-32's tables would be
// built on every run for it.)
type fileLog struct {
	path string
	lock *flock.Flock
	file *os.File // the state file, open for reading and writing
	// mem is the log as last read; it carries on within the process if
	// the file cannot be used.
	mem    memLog
	buf    []byte
	broken bool
}

// fileLogMagic names the format. A file of another (FPR1 had a CRC-32)
// reads as damaged: while processes of both formats run, during an
// upgrade, each keeps to its own view of the budget.
const fileLogMagic = uint32(0x46505232) // "FPR2"

// fileLogSum is the file's check: FNV-1a of b.
func fileLogSum(b []byte) uint32 {
	h := fnv.New32a()
	_, _ = h.Write(b)
	return h.Sum32()
}

func newFileLog(dir, key string, g *group) *fileLog {
	sum := sha256.Sum256([]byte(key))
	p := filepath.Join(dir, "ratelimit-"+hex.EncodeToString(sum[:12]))
	return &fileLog{path: p, lock: flock.New(p)}
}

// do runs fn on the shared state under the lock and writes back what fn
// leaves in f.mem when fn says so.
func (f *fileLog) do(fn func() bool) error {
	if f.broken {
		fn()
		return nil
	}
	err := f.locked(fn)
	if err != nil {
		// The process keeps to its own view of the budget.
		f.broken = true
		if f.file != nil {
			_ = f.file.Close()
		}
		fn()
	}
	return nil
}

func (f *fileLog) locked(fn func() bool) error {
	if f.file == nil {
		if err := os.MkdirAll(filepath.Dir(f.path), 0o700); err != nil {
			return err
		}
	}
	if err := f.lockCurrent(); err != nil {
		return err
	}
	defer f.lock.Unlock()
	st, err := f.file.Stat()
	if err != nil {
		return err
	}
	if st.Size() == 0 {
		// A budget new to this host: sweep the files of budgets unused
		// for staleAfter. Sweeping only then spares a cron send a listing
		// of the directory on every run; an abandoned budget's file (at
		// most 8 KB) waits for the next new one. Off the send's path; a
		// process that exits first leaves the sweep to the next.
		cleanOnce.Do(func() { go cleanStateDir(filepath.Dir(f.path), time.Now()) })
	}
	if n := int(st.Size()); cap(f.buf) < n {
		f.buf = make([]byte, n)
	}
	b := f.buf[:st.Size()]
	if _, err := f.file.ReadAt(b, 0); err != nil && len(b) > 0 {
		return err
	}
	// A state file lost or damaged must not reopen a full window: the
	// process then goes on from what it saw last.
	if paused, log, ok := decodeLog(b); ok {
		f.mem.log, f.mem.paused = log, laterOf(f.mem.paused, paused)
	}
	if !fn() {
		return nil
	}
	out := encodeLog(f.buf[:0], f.mem.paused, f.mem.log)
	f.buf = out
	if _, err := f.file.WriteAt(out, 0); err != nil {
		return err
	}
	if int64(len(out)) < st.Size() {
		return f.file.Truncate(int64(len(out)))
	}
	return nil
}

// lockCurrent locks the state file, making sure the lock and the open file
// are the file at the path, and not one that a clean-up (which removes it
// while holding its lock) unlinked meanwhile.
func (f *fileLog) lockCurrent() error {
	for try := 0; ; try++ {
		if f.file == nil {
			fh, err := os.OpenFile(f.path, os.O_RDWR|os.O_CREATE, 0o600)
			if err != nil {
				return err
			}
			f.file = fh
		}
		if err := f.lock.Lock(); err != nil {
			return err
		}
		held, err1 := f.file.Stat()
		atPath, err2 := os.Stat(f.path)
		if err1 == nil && err2 == nil && os.SameFile(held, atPath) {
			return nil
		}
		_ = f.lock.Unlock()
		_ = f.file.Close()
		f.file = nil
		if try == 3 {
			return errors.New("state file keeps disappearing")
		}
	}
}

// staleAfter is how long a state file may go unwritten before it can only
// hold departures and a pause that no longer matter: far longer than the
// longest window or reset.
const staleAfter = 10 * time.Minute

var cleanOnce sync.Once

// cleanStateDir removes the state files of budgets nobody has used for
// staleAfter, each under its own lock.
func cleanStateDir(dir string, now time.Time) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, "ratelimit-") {
			continue
		}
		p := filepath.Join(dir, name)
		if fi, err := e.Info(); err != nil || now.Sub(fi.ModTime()) < staleAfter {
			continue
		}
		lk := flock.New(p)
		if ok, err := lk.TryLock(); err != nil || !ok {
			continue
		}
		if fi, err := os.Stat(p); err == nil && now.Sub(fi.ModTime()) >= staleAfter {
			_ = os.Remove(p)
		}
		_ = lk.Close()
	}
}

func (f *fileLog) take(now func() time.Time, g *group) (time.Time, time.Duration, error) {
	var t time.Time
	var wait time.Duration
	err := f.do(func() bool {
		f.mem.log = g.trim(f.mem.log)
		// Wall clock only: it is compared with other processes'.
		t, wait, _ = f.mem.take(func() time.Time { return now().Round(0) }, g)
		return wait == 0
	})
	return t, wait, err
}

func (f *fileLog) raise(dep, to time.Time) error {
	to = to.Round(0)
	return f.do(func() bool {
		f.mem.log = raiseIn(f.mem.log, dep, to)
		return true
	})
}

func (f *fileLog) pause(until time.Time) error {
	return f.do(func() bool {
		if !until.After(f.mem.paused) {
			return false
		}
		f.mem.paused = until
		return true
	})
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func encodeLog(b []byte, paused time.Time, log []time.Time) []byte {
	b = binary.LittleEndian.AppendUint32(b, fileLogMagic)
	b = binary.LittleEndian.AppendUint32(b, 0) // the check, below
	p := int64(0)
	if !paused.IsZero() {
		p = paused.UnixNano()
	}
	b = binary.LittleEndian.AppendUint64(b, uint64(p))
	for _, t := range log {
		b = binary.LittleEndian.AppendUint64(b, uint64(t.UnixNano()))
	}
	binary.LittleEndian.PutUint32(b[4:], fileLogSum(b[8:]))
	return b
}

// decodeLog reads a state file: false if it is empty or damaged.
func decodeLog(b []byte) (time.Time, []time.Time, bool) {
	if len(b) < 16 || len(b)%8 != 0 || binary.LittleEndian.Uint32(b) != fileLogMagic ||
		binary.LittleEndian.Uint32(b[4:]) != fileLogSum(b[8:]) {
		return time.Time{}, nil, false
	}
	var paused time.Time
	if p := int64(binary.LittleEndian.Uint64(b[8:])); p != 0 {
		paused = time.Unix(0, p)
	}
	log := make([]time.Time, 0, (len(b)-16)/8)
	for i := 16; i < len(b); i += 8 {
		log = append(log, time.Unix(0, int64(binary.LittleEndian.Uint64(b[i:]))))
	}
	// Written in order; a wall clock set back can break the order.
	slices.SortFunc(log, time.Time.Compare)
	return paused, log, true
}
