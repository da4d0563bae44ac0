//go:build unix

package spool_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/spool"
)

func TestWriteAhead(t *testing.T) {
	sp := newSpool(t)
	e := appEntry(1)
	p, err := sp.Put(e)
	if err != nil {
		t.Fatal(err)
	}
	if e.FirstAttempt.IsZero() {
		t.Error("Put did not set FirstAttempt")
	}
	st, _ := os.Stat(p)
	dst, _ := os.Stat(sp.Dir)
	if st.Mode().Perm() != 0o600 || dst.Mode().Perm() != 0o700 {
		t.Errorf("modes: file %v, dir %v", st.Mode().Perm(), dst.Mode().Perm())
	}
	b, _ := os.ReadFile(p)
	if !bytes.HasPrefix(b, []byte("feishu-push-spool 2 sha256:")) {
		t.Errorf("no header: %.60q", b)
	}
	paths, err := sp.List()
	if err != nil || len(paths) != 1 || paths[0] != p {
		t.Fatalf("List = %v, %v", paths, err)
	}
	got, err := sp.Load(p)
	if err != nil || got.UUID != "u-1" || !got.FirstAttempt.Equal(e.FirstAttempt) || string(got.Content) != string(e.Content) {
		t.Fatalf("Load = %+v, %v", got, err)
	}
	if err := sp.Done(p); err != nil {
		t.Fatal(err)
	}
	if paths, _ := sp.List(); len(paths) != 0 {
		t.Errorf("after Done: %v", paths)
	}
}

func TestUncertain(t *testing.T) {
	now := time.Now()
	e := appEntry(1)
	e.FirstAttempt = now.Add(-30 * time.Minute)
	if e.Uncertain(now) {
		t.Error("app message inside the dedupe hour is uncertain")
	}
	e.FirstAttempt = now.Add(-2 * time.Hour)
	if !e.Uncertain(now) {
		t.Error("app message two hours after its first attempt is not uncertain")
	}
	e.NotDelivered = true
	if e.Uncertain(now) {
		t.Error("a message known not delivered is uncertain")
	}
	legacy := appEntry(2)
	legacy.Created = now.Add(-61 * time.Minute) // format 1: no FirstAttempt
	if !legacy.Uncertain(now) {
		t.Error("legacy entry past the hour is not uncertain")
	}
	hook := &spool.Entry{Mode: spool.ModeWebhook, MaybeDelivered: true}
	if !hook.Uncertain(now) {
		t.Error("webhook post that may have landed is not uncertain")
	}
}

// A spool that cannot be written is a distinct error, never "kept".
func TestWriteFailureIsDistinct(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	os.WriteFile(blocker, nil, 0o600)
	open := filepath.Join(dir, "open")
	os.Mkdir(open, 0o777)
	os.Chmod(open, 0o777)
	for _, d := range []string{filepath.Join(blocker, "spool"), open} {
		sp := &spool.Spool{Dir: d}
		_, err := sp.Put(appEntry(1))
		var we *spool.WriteError
		if !errors.Is(err, spool.ErrWrite) || !errors.As(err, &we) {
			t.Errorf("%s: %v, want a WriteError", d, err)
		}
	}
	if left, _ := os.ReadDir(open); len(left) != 0 {
		t.Errorf("wrote into a world-writable spool: %v", left)
	}
}

// write plants a spool file with a valid header for body.
func plant(t *testing.T, dir, name, body string, mode os.FileMode) string {
	sum := sha256.Sum256([]byte(body))
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("feishu-push-spool 2 sha256:"+hex.EncodeToString(sum[:])+"\n"+body), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chmod(p, mode)
	return p
}

func TestLoadRefusesWhatItDidNotWrite(t *testing.T) {
	sp := newSpool(t)
	good, err := sp.Put(appEntry(1))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(good)
	body := string(raw[bytes.IndexByte(raw, '\n')+1:])
	edit := func(old, new string) string {
		if !strings.Contains(body, old) {
			t.Fatalf("%q not in %s", old, body)
		}
		return strings.Replace(body, old, new, 1)
	}
	cases := map[string]string{
		"mode 0666": plant(t, sp.Dir, "a.json", body, 0o666),
		"bad checksum": func() string {
			p := filepath.Join(sp.Dir, "b.json")
			os.WriteFile(p, append(raw[:len(raw)-3], "x}\n"...), 0o600)
			return p
		}(),
		"version 3":        plant(t, sp.Dir, "c.json", edit(`"version": 2`, `"version": 3`), 0o600),
		"unknown field":    plant(t, sp.Dir, "d.json", edit(`"command"`, `"extra": 1, "command"`), 0o600),
		"post message":     plant(t, sp.Dir, "e.json", edit(`"msg_type": "text"`, `"msg_type": "post"`), 0o600),
		"image message":    plant(t, sp.Dir, "f.json", edit(`"msg_type": "text"`, `"msg_type": "image"`), 0o600),
		"extra text field": plant(t, sp.Dir, "g.json", edit(`"content": {`, `"content": {"x": 1, `), 0o600),
		"zero-width id":    plant(t, sp.Dir, "h.json", edit(`"oc_1"`, `"oc_1\u200b"`), 0o600),
		"webhook + app":    plant(t, sp.Dir, "i.json", edit(`"mode": "app"`, `"mode": "webhook"`), 0o600),
		"truncated": func() string {
			p := filepath.Join(sp.Dir, "j.json")
			os.WriteFile(p, raw[:len(raw)/2], 0o600)
			return p
		}(),
		"symlink":       func() string { p := filepath.Join(sp.Dir, "k.json"); os.Symlink(good, p); return p }(),
		"fifo":          func() string { p := filepath.Join(sp.Dir, "l.json"); syscall.Mkfifo(p, 0o600); return p }(),
		"huge":          plant(t, sp.Dir, "m.json", strings.Repeat(" ", 2<<20)+body, 0o600),
		"plain JSON v2": func() string { p := filepath.Join(sp.Dir, "n.json"); os.WriteFile(p, []byte(body), 0o600); return p }(),
	}
	for name, p := range cases {
		if e, err := sp.Load(p); err == nil {
			t.Errorf("%s: loaded %+v", name, e)
		} else if !strings.HasPrefix(err.Error(), "refused:") && !strings.HasPrefix(err.Error(), "corrupt spool file:") {
			t.Errorf("%s: error %q is neither refused nor corrupt", name, err)
		}
	}
	if _, err := sp.Load(good); err != nil {
		t.Errorf("the good file: %v", err)
	}
	// Format 1 files of earlier versions load under the same checks.
	v1 := filepath.Join(sp.Dir, "v1.json")
	os.WriteFile(v1, []byte(edit(`"version": 2`, `"version": 1`)), 0o600)
	if _, err := sp.Load(v1); err != nil {
		t.Errorf("format 1: %v", err)
	}
	// A spool directory others can write to is refused as a whole.
	os.Chmod(sp.Dir, 0o777)
	if _, err := sp.List(); err == nil || !strings.Contains(err.Error(), "writable by group or others") {
		t.Errorf("List of a world-writable spool: %v", err)
	}
}

func TestLoadRefusesOtherUsersFiles(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a file to another user")
	}
	sp := newSpool(t)
	p, err := sp.Put(appEntry(1))
	if err != nil {
		t.Fatal(err)
	}
	os.Chown(p, 65534, 65534)
	if _, err := sp.Load(p); err == nil || !strings.Contains(err.Error(), "owned by uid 65534") {
		t.Errorf("another user's file: %v", err)
	}
}

func TestLockWaitsForContext(t *testing.T) {
	sp := newSpool(t)
	unlock, err := sp.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := sp.Lock(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("second lock: %v", err)
	}
	unlock()
	unlock2, err := sp.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	unlock2()
}

// TestMain runs the spool writer of TestSIGKILL when asked to.
func TestMain(m *testing.M) {
	if dir := os.Getenv("SPOOL_KILL_WRITER"); dir != "" {
		writer(dir)
		return
	}
	os.Exit(m.Run())
}

// writer puts, updates and removes entries as fast as it can until killed.
func writer(dir string) {
	sp := &spool.Spool{Dir: dir}
	for i := 0; ; i++ {
		e := appEntry(i)
		// A large card, so that a write takes long enough to be cut.
		e.MsgType = "interactive"
		e.Content, _ = json.Marshal(map[string]string{"i": strconv.Itoa(i), "pad": strings.Repeat("x", 64<<10)})
		p, err := sp.Put(e)
		if err != nil {
			os.Exit(3)
		}
		e.Attempts++
		if err := sp.Update(p, e); err != nil {
			os.Exit(3)
		}
		if i%2 == 0 {
			if err := sp.Done(p); err != nil {
				os.Exit(3)
			}
		}
	}
}

// TestSIGKILL kills a process in the middle of spool writes, many times:
// whatever is left loads whole and intact, or is refused cleanly; nothing
// is ever half-read.
func TestSIGKILL(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "spool")
	rounds := 40
	if testing.Short() {
		rounds = 10
	}
	sp := &spool.Spool{Dir: dir}
	loaded := 0
	for round := 0; round < rounds; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "SPOOL_KILL_WRITER="+dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(5+rand.IntN(40)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("round %d: the writer ended on its own: %v", round, err)
		}
		paths, err := sp.List()
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			e, err := sp.Load(p)
			if err != nil {
				t.Errorf("round %d: %s: %v", round, p, err)
				continue
			}
			var c map[string]string
			if err := json.Unmarshal(e.Content, &c); err != nil || len(c["pad"]) != 64<<10 || e.UUID != "u-"+c["i"] || e.ReceiveID != "oc_"+c["i"] {
				t.Errorf("round %d: %s: entry not intact: %v", round, p, err)
			}
			loaded++
		}
	}
	if loaded == 0 {
		t.Error("no entry survived any round; the test did not exercise the writer")
	}
	// What the kills cut short is swept away; complete entries stay.
	before, _ := sp.List()
	if _, err := sp.Sweep(0); err != nil {
		t.Fatal(err)
	}
	after, _ := sp.List()
	if len(after) != len(before) {
		t.Errorf("Sweep removed entries: %d -> %d", len(before), len(after))
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*.json.*")); len(left) != 0 {
		t.Errorf("temporary files left after Sweep: %v", left)
	}
	t.Logf("%d rounds, %d entries checked", rounds, loaded)
}

// FuzzDecode: no input makes Decode panic; what it accepts passes the
// checks again after a write and read (round trip), with the same fields.
func FuzzDecode(f *testing.F) {
	dir := f.TempDir()
	sp := &spool.Spool{Dir: filepath.Join(dir, "seed")}
	p, err := sp.Put(appEntry(7))
	if err != nil {
		f.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	f.Add(b)
	f.Add(b[bytes.IndexByte(b, '\n')+1:])
	f.Add([]byte("feishu-push-spool 2 sha256:00\n{}"))
	n := 0
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := spool.Decode(data)
		if err != nil {
			return
		}
		n++
		rt := &spool.Spool{Dir: filepath.Join(dir, "rt", strconv.Itoa(n))}
		p, err := rt.Put(e)
		if err != nil {
			t.Fatalf("an accepted entry cannot be written: %v", err)
		}
		again, err := rt.Load(p)
		if err != nil {
			t.Fatalf("round trip refused: %v", err)
		}
		e.Version, again.Version = 0, 0
		a, _ := json.Marshal(e)
		c, _ := json.Marshal(again)
		if !bytes.Equal(a, c) {
			t.Fatalf("round trip changed the entry:\n%s\n%s", a, c)
		}
		os.RemoveAll(rt.Dir)
	})
}

func TestBatch(t *testing.T) {
	sp := newSpool(t)
	b, err := sp.NewBatch()
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for i := 0; i < 3; i++ {
		p, err := b.Add(appEntry(i))
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	// Not committed: invisible to flush, and kept by Sweep while its run lives.
	if l, _ := sp.List(); len(l) != 0 {
		t.Fatalf("uncommitted batch listed: %v", l)
	}
	if n, _ := sp.Sweep(0); n != 0 {
		t.Errorf("Sweep removed %d things of a live batch", n)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	l, _ := sp.List()
	if len(l) != 3 || l[0] != paths[0] || l[2] != paths[2] {
		t.Fatalf("List = %v, want %v", l, paths)
	}
	if !sp.Busy(paths[0]) {
		t.Error("a batch its run still holds is not busy")
	}
	for _, p := range l {
		if e, err := sp.Load(p); err != nil || e.FirstAttempt.IsZero() {
			t.Errorf("%s: %+v, %v", p, e, err)
		}
	}
	if err := sp.Done(paths[0]); err != nil {
		t.Fatal(err)
	}
	b.Close()
	if sp.Busy(paths[1]) {
		t.Error("busy after Close")
	}
	sp.Done(paths[1])
	sp.Done(paths[2])
	if left, _ := os.ReadDir(sp.Dir); len(left) != 0 {
		var names []string
		for _, de := range left {
			names = append(names, de.Name())
		}
		t.Errorf("left after every message was done: %v", names)
	}

	// A batch whose run died before Commit: swept, never sent.
	b2, _ := sp.NewBatch()
	b2.Add(appEntry(9))
	b2.Close()
	if n, _ := sp.Sweep(0); n < 1 {
		t.Error("Sweep kept a dead uncommitted batch")
	}
	sp.Sweep(0) // the lock file goes once its directory is gone
	if left, _ := os.ReadDir(sp.Dir); len(left) != 0 {
		t.Errorf("left after sweeping a dead batch: %d entries", len(left))
	}
}
