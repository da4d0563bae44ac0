package msgstate_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/msgstate"
)

// The test binary doubles as a helper process: with MSGSTATE_HELPER_DIR set
// it runs the increment loop and exits, so the tests below can race real
// processes on one state directory.
func TestMain(m *testing.M) {
	if dir := os.Getenv("MSGSTATE_HELPER_DIR"); dir != "" {
		n, _ := strconv.Atoi(os.Getenv("MSGSTATE_HELPER_N"))
		if err := increment(dir, os.Getenv("MSGSTATE_HELPER_ID"), n); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// increment does n read-modify-write rounds: it bumps the counter kept in
// the message id of ("count", "all") and records its own last value under
// ("seen", id). A lost update shows up as a final count below the total.
func increment(dir, id string, n int) error {
	s, err := msgstate.Open(dir)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		err := s.Update(context.Background(), func(tx *msgstate.Tx) error {
			e, _ := tx.Get("count", "all")
			c, _ := strconv.Atoi(strings.TrimPrefix(e.MessageID, "om_"))
			if err := tx.Put("count", "all", msgstate.Entry{MessageID: "om_" + strconv.Itoa(c+1), SentAt: time.Now()}); err != nil {
				return err
			}
			return tx.Put("seen", id, msgstate.Entry{MessageID: "om_" + strconv.Itoa(c+1)})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func count(t *testing.T, dir string) int {
	t.Helper()
	s, err := msgstate.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	e, ok, err := s.Get(context.Background(), "count", "all")
	if err != nil || !ok {
		t.Fatalf("count entry: %v %v", ok, err)
	}
	c, _ := strconv.Atoi(strings.TrimPrefix(e.MessageID, "om_"))
	return c
}

func TestPutGetDeleteAndFileMode(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	s, err := msgstate.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, ok, err := s.Get(ctx, "k", "chat_id:oc_1"); ok || err != nil {
		t.Fatalf("empty store: ok=%v err=%v", ok, err)
	}
	sent := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	err = s.Update(ctx, func(tx *msgstate.Tx) error {
		if err := tx.Put("status-board", "chat_id:oc_1", msgstate.Entry{MessageID: "om_1", SentAt: sent}); err != nil {
			return err
		}
		return tx.Put("status-board", "open_id:ou_2", msgstate.Entry{MessageID: "om_2", SentAt: sent})
	})
	if err != nil {
		t.Fatal(err)
	}
	e, ok, err := s.Get(ctx, "status-board", "chat_id:oc_1")
	if err != nil || !ok || e.MessageID != "om_1" || !e.SentAt.Equal(sent) || !e.UpdatedAt.IsZero() {
		t.Fatalf("Get = %+v %v %v", e, ok, err)
	}
	for name, want := range map[string]os.FileMode{msgstate.FileName: 0o600, msgstate.LockName: 0o600} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s mode = %v, want %v", name, fi.Mode().Perm(), want)
		}
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode = %v", fi.Mode().Perm())
	}
	err = s.Update(ctx, func(tx *msgstate.Tx) error {
		if got := tx.Recipients("status-board"); strings.Join(got, ",") != "chat_id:oc_1,open_id:ou_2" {
			t.Errorf("Recipients = %v", got)
		}
		tx.Delete("status-board", "chat_id:oc_1")
		tx.Delete("status-board", "open_id:ou_2")
		tx.Delete("missing", "x")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(s.Path())
	if strings.Contains(string(b), "status-board") {
		t.Errorf("deleted key still in file: %s", b)
	}
	// No temporary files are left behind.
	ents, _ := os.ReadDir(dir)
	for _, de := range ents {
		if de.Name() != msgstate.FileName && de.Name() != msgstate.LockName {
			t.Errorf("stray file %s", de.Name())
		}
	}
}

func TestFailedUpdateWritesNothing(t *testing.T) {
	s, _ := msgstate.Open(t.TempDir())
	ctx := context.Background()
	boom := errors.New("send failed")
	err := s.Update(ctx, func(tx *msgstate.Tx) error {
		_ = tx.Put("k", "r", msgstate.Entry{MessageID: "om_1"})
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(s.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state file written after a failed update: %v", err)
	}
}

func TestBadFilesAndKeys(t *testing.T) {
	dir := t.TempDir()
	s, _ := msgstate.Open(dir)
	ctx := context.Background()
	for _, tc := range []struct{ body, want string }{
		{"{not json", "not valid JSON"},
		{`{"version":99,"keys":{}}`, "version 99"},
	} {
		if err := os.WriteFile(s.Path(), []byte(tc.body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, _, err := s.Get(ctx, "k", "r")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("body %q: err = %v, want %q", tc.body, err, tc.want)
		}
	}
	// A refused file is not overwritten.
	if b, _ := os.ReadFile(s.Path()); !strings.Contains(string(b), "99") {
		t.Errorf("file changed: %s", b)
	}
	for _, key := range []string{"", " k", "k\n", strings.Repeat("x", msgstate.MaxKeyLen+1)} {
		if msgstate.ValidateKey(key) == nil {
			t.Errorf("ValidateKey(%q) = nil", key)
		}
	}
	if err := msgstate.ValidateKey("状态看板/prod-1"); err != nil {
		t.Errorf("ValidateKey: %v", err)
	}
	if _, err := msgstate.Open(" "); err == nil {
		t.Error("Open of an empty dir name succeeded")
	}
}

func TestBeginWaitsForTheLockUntilContextEnds(t *testing.T) {
	s, _ := msgstate.Open(t.TempDir())
	tx, err := s.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := s.Begin(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second Begin while locked: %v", err)
	}
	_ = tx.Close()
	_ = tx.Close()
	tx2, err := s.Begin(context.Background())
	if err != nil {
		t.Fatalf("Begin after Close: %v", err)
	}
	_ = tx2.Close()
	if err := tx2.Commit(); err == nil {
		t.Error("Commit after Close succeeded")
	}
}

func TestConcurrentGoroutinesLoseNoUpdate(t *testing.T) {
	dir := t.TempDir()
	const workers, rounds = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			// Each worker has its own Store and so its own lock file handle,
			// as separate processes would.
			errs <- increment(dir, "g"+strconv.Itoa(w), rounds)
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := count(t, dir); got != workers*rounds {
		t.Errorf("count = %d, want %d", got, workers*rounds)
	}
}

func TestConcurrentProcessesLoseNoUpdate(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := t.TempDir()
	const procs, rounds = 4, 20
	cmds := make([]*exec.Cmd, procs)
	for i := range cmds {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "MSGSTATE_HELPER_DIR="+dir, "MSGSTATE_HELPER_N="+strconv.Itoa(rounds), "MSGSTATE_HELPER_ID=p"+strconv.Itoa(i))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[i] = cmd
		t.Cleanup(func() {
			if stderr.Len() > 0 {
				t.Logf("helper stderr: %s", stderr.String())
			}
		})
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("helper: %v", err)
		}
	}
	if got := count(t, dir); got != procs*rounds {
		t.Errorf("count = %d, want %d", got, procs*rounds)
	}
	s, _ := msgstate.Open(dir)
	tx, err := s.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	if got := len(tx.Recipients("seen")); got != procs {
		t.Errorf("seen %d processes, want %d", got, procs)
	}
	if got := tx.Keys(); strings.Join(got, ",") != "count,seen" {
		t.Errorf("Keys = %v", got)
	}
}
