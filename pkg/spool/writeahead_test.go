//go:build unix

package spool_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
	"github.com/feishu-push/feishu-push/pkg/spool"
)

const waRecipients = 300

func waRecipient(round, i int) feishu.Recipient {
	return feishu.Recipient{IDType: feishu.IDTypeChatID, ID: fmt.Sprintf("oc_r%dx%d", round, i)}
}

func waClient(url string) *feishu.Client {
	return feishu.New(feishu.WithBaseURL(url), feishu.WithCredentials(feishutest.DefaultAppID, feishutest.DefaultAppSecret))
}

// fanOut is the sending run as the engine is to do it: every message of the
// run enters the spool (one batch) before the first attempt, and each
// leaves it once Feishu accepted it.
func fanOut(dir, url string, round int) (staged time.Duration, err error) {
	start := time.Now()
	sp := &spool.Spool{Dir: dir}
	c := waClient(url)
	msg := feishu.TextMessage(fmt.Sprintf("round %d", round))
	b, err := sp.NewBatch()
	if err != nil {
		return 0, err
	}
	defer b.Close()
	paths := make([]string, waRecipients)
	for i := range paths {
		r := waRecipient(round, i)
		paths[i], err = b.Add(&spool.Entry{Command: "send-text", Mode: spool.ModeApp, AppID: feishutest.DefaultAppID, BaseURL: url,
			ReceiveIDType: r.IDType, ReceiveID: r.ID, MsgType: msg.MsgType, Content: msg.Content, UUID: fmt.Sprintf("r%d-%d", round, i)})
		if err != nil {
			b.Abort()
			return 0, err
		}
	}
	if err := b.Commit(); err != nil {
		b.Abort()
		return 0, err
	}
	staged = time.Since(start)
	for i, p := range paths {
		req, err := c.Messages.NewCreateRequest(waRecipient(round, i), msg, fmt.Sprintf("r%d-%d", round, i))
		if err != nil {
			return staged, err
		}
		if _, _, err := c.Messages.Create(context.Background(), req); err != nil {
			continue // stays in the spool for flush
		}
		if err := sp.Done(p); err != nil {
			return staged, err
		}
	}
	return staged, nil
}

// flush is what the flush command does with the spool.
func flush(t *testing.T, dir, url string) int {
	sp := &spool.Spool{Dir: dir}
	c := waClient(url)
	paths, err := sp.List()
	if err != nil {
		t.Fatal(err)
	}
	sent := 0
	for _, p := range paths {
		if sp.Busy(p) {
			t.Fatalf("%s busy after its run died", p)
		}
		e, err := sp.Load(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if e.Uncertain(time.Now()) {
			t.Fatalf("%s uncertain inside the dedupe hour", p)
		}
		req, err := c.Messages.NewCreateRequest(feishu.Recipient{IDType: e.ReceiveIDType, ID: e.ReceiveID}, feishu.Message{MsgType: e.MsgType, Content: e.Content}, e.UUID)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Messages.Create(context.Background(), req); err != nil {
			t.Fatalf("flush send: %v", err)
		}
		if err := sp.Done(p); err != nil {
			t.Fatal(err)
		}
		sent++
	}
	if _, err := sp.Sweep(0); err != nil {
		t.Fatal(err)
	}
	return sent
}

// TestWriteAheadExactlyOnce kills a 300-recipient fan-out at random points,
// many times; after a flush every recipient has the message exactly once,
// or (killed before the batch entered the spool, before any attempt) no
// recipient has it and nothing is left behind.
func TestWriteAheadExactlyOnce(t *testing.T) {
	srv := feishutest.NewServer(t)
	dir := filepath.Join(t.TempDir(), "spool")
	rounds := 8
	if testing.Short() {
		rounds = 2
	}
	// How long the phases of a run take here, to aim the kills: most of
	// them at the sending, some at the spooling.
	start := time.Now()
	staged, err := fanOut(dir, srv.URL, 0)
	if err != nil {
		t.Fatal(err)
	}
	full := time.Since(start)
	outcomes := map[string]int{}
	for round := 1; round <= rounds; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "SPOOL_WA_DIR="+dir, "SPOOL_WA_URL="+srv.URL, "SPOOL_WA_ROUND="+strconv.Itoa(round))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		delay := staged + time.Duration(rand.Int64N(int64(full-staged)+1))
		if round%4 == 0 {
			delay = time.Duration(rand.Int64N(int64(staged) + 1))
		}
		time.Sleep(delay)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		flushed := flush(t, dir, srv.URL)

		counts := map[string]int{}
		for _, m := range srv.Messages() {
			counts[m.ReceiveID]++
		}
		got := 0
		for i := 0; i < waRecipients; i++ {
			switch n := counts[waRecipient(round, i).ID]; n {
			case 0:
			case 1:
				got++
			default:
				t.Errorf("round %d: %s got %d messages", round, waRecipient(round, i).ID, n)
			}
		}
		switch {
		case got == waRecipients && flushed == 0:
			outcomes["finished before the kill"]++
		case got == waRecipients:
			outcomes["killed while sending, flush finished"]++
		case got == 0:
			outcomes["killed before the batch was spooled"]++
		default:
			t.Errorf("round %d: %d of %d recipients have the message", round, got, waRecipients)
		}
		if left, _ := os.ReadDir(dir); len(left) > 1 { // the spool's own .lock stays
			var names []string
			for _, de := range left {
				names = append(names, de.Name())
			}
			t.Errorf("round %d: left in the spool after flush: %v", round, names)
		}
	}
	t.Logf("a run takes %v (%v to spool); %d rounds: %v", full, staged, rounds, outcomes)
}

func init() {
	if dir := os.Getenv("SPOOL_WA_DIR"); dir != "" {
		round, _ := strconv.Atoi(os.Getenv("SPOOL_WA_ROUND"))
		if _, err := fanOut(dir, os.Getenv("SPOOL_WA_URL"), round); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		os.Exit(0)
	}
}
