package feishu_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

// sendMany sends n text messages from one client with 16 workers, to
// distinct chats named by prefix, as a fan-out does.
func sendMany(base, prefix string, n int, opts ...feishu.Option) error {
	lim := feishu.NewRateLimiter(feishu.AppLimits, feishu.WebhookLimits)
	c := feishu.New(append([]feishu.Option{feishu.WithBaseURL(base),
		feishu.WithCredentials(feishutest.DefaultAppID, feishutest.DefaultAppSecret),
		feishu.WithRateLimiter(lim)}, opts...)...)
	jobs := make(chan int)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				req, err := c.Messages.NewCreateRequest(feishu.Recipient{IDType: "chat_id", ID: prefix + strconv.Itoa(i)},
					feishu.TextMessage("x"), fmt.Sprintf("%s-%d", prefix, i))
				if err == nil {
					_, _, err = c.Messages.Create(context.Background(), req)
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	return <-errs
}

// TestLimiterHelperProcess is not a test: TestLimiterAcrossProcesses runs
// the test binary with it as one of several sending processes.
func TestLimiterHelperProcess(t *testing.T) {
	base := os.Getenv("FEISHU_PUSH_LIMITER_HELPER")
	if base == "" {
		t.Skip("run by TestLimiterAcrossProcesses")
	}
	n, _ := strconv.Atoi(os.Getenv("FEISHU_PUSH_LIMITER_N"))
	if err := sendMany(base, os.Getenv("FEISHU_PUSH_LIMITER_PREFIX"), n); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
}

// Three processes sending for one app at once share its budget through the
// state file: the strict fake refuses none of their requests.
func TestLimiterAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("sends for a few seconds")
	}
	srv := feishutest.NewServer(t, feishutest.WithRateLimits(feishutest.DocumentedLimits))
	state := t.TempDir()
	const procs, each = 3, 60
	var cmds []*exec.Cmd
	for p := 0; p < procs; p++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLimiterHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+state, "FEISHU_PUSH_LIMITER_HELPER="+srv.URL,
			"FEISHU_PUSH_LIMITER_N="+strconv.Itoa(each), "FEISHU_PUSH_LIMITER_PREFIX=oc_p"+strconv.Itoa(p)+"_")
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("sending process: %v", err)
		}
	}
	if got := srv.RateLimited(); len(got) != 0 {
		t.Errorf("the fake refused requests for rate limits: %v", got)
	}
	if n := len(srv.Messages()); n != procs*each {
		t.Errorf("%d messages arrived, want %d", n, procs*each)
	}
}

// Within one process, 16 workers and a burst of 120 keep to the strict
// fake's windows, while 5% of requests fail and are retried.
func TestLimiterFanOutAgainstStrictFake(t *testing.T) {
	if testing.Short() {
		t.Skip("sends for a few seconds")
	}
	srv := feishutest.NewServer(t, feishutest.WithRateLimits(feishutest.DocumentedLimits), feishutest.WithRandomFaults(0.05, 3))
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	if err := sendMany(srv.URL, "oc_f", 120, feishu.WithRetryPolicy(feishu.RetryPolicy{Retries: 5, BaseDelay: 10 * time.Millisecond,
		MaxDelay: 100 * time.Millisecond, MaxWait: 30 * time.Second})); err != nil {
		t.Fatal(err)
	}
	if got := srv.RateLimited(); len(got) != 0 {
		t.Errorf("the fake refused requests for rate limits: %v", got)
	}
	per := map[string]int{}
	for _, m := range srv.Messages() {
		per[m.ReceiveID]++
	}
	if len(per) != 120 {
		t.Errorf("%d recipients got a message, want 120", len(per))
	}
	for r, n := range per {
		if n != 1 {
			t.Errorf("%s got %d messages", r, n)
		}
	}
}
