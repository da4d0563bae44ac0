package feishu_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

func deadTokenClient(t *testing.T, opts ...feishu.Option) (*feishu.Client, *feishutest.Server) {
	srv := feishutest.NewServer(t)
	srv.Inject(feishutest.Fault{Endpoint: feishutest.EndpointToken, Times: 1 << 20, Action: feishutest.Respond, Status: 503, Code: 0, Msg: "down"})
	base := []feishu.Option{feishu.WithBaseURL(srv.URL), feishu.WithCredentials(feishutest.DefaultAppID, feishutest.DefaultAppSecret),
		feishu.WithSleep(func(ctx context.Context, d time.Duration) error { return ctx.Err() })}
	return feishu.New(append(base, opts...)...), srv
}

// 300 recipients' worth of concurrent sends against a dead token endpoint
// make one token fetch (with its retries), not one per recipient.
func TestTokenOutageIsShared(t *testing.T) {
	c, srv := deadTokenClient(t)
	var wg sync.WaitGroup
	var failed atomic.Int32
	for i := 0; i < 300; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := c.Messages.NewCreateRequest(feishu.Recipient{IDType: "chat_id", ID: "oc_x"}, feishu.TextMessage("hi"), "")
			if err != nil {
				t.Error(err)
				return
			}
			if _, _, err := c.Messages.Create(context.Background(), req); err != nil {
				failed.Add(1)
			}
		}()
	}
	wg.Wait()
	if failed.Load() != 300 {
		t.Errorf("%d of 300 failed, want all", failed.Load())
	}
	maxReq := feishu.DefaultRetryPolicy.Retries + 1
	if n := srv.CountRequests(feishutest.EndpointToken); n < 1 || n > maxReq {
		t.Errorf("%d token requests for 300 recipients, want 1..%d", n, maxReq)
	}
	if n := srv.CountRequests(feishutest.EndpointMessages); n != 0 {
		t.Errorf("%d message requests without a token", n)
	}
}

// A failure is remembered for TokenFailureHold, then the endpoint is asked
// again; a recovered endpoint gives a token.
func TestTokenFailureHoldExpires(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c, srv := deadTokenClient(t, feishu.WithClock(clock), feishu.WithRetryPolicy(feishu.RetryPolicy{}))
	for i := 0; i < 300; i++ { // sequential callers, as a paced fan-out makes them
		if _, err := c.Auth.TenantToken(context.Background()); err == nil {
			t.Fatal("a token from a dead endpoint")
		}
	}
	if n := srv.CountRequests(feishutest.EndpointToken); n != 1 {
		t.Fatalf("%d token requests, want 1", n)
	}
	mu.Lock()
	now = now.Add(feishu.TokenFailureHold)
	mu.Unlock()
	if _, err := c.Auth.TenantToken(context.Background()); err == nil {
		t.Fatal("a token from a dead endpoint")
	}
	if n := srv.CountRequests(feishutest.EndpointToken); n != 2 {
		t.Fatalf("%d token requests after the hold, want 2", n)
	}
}

// While one caller waits out a backoff, the lock is free: another caller
// whose ctx ends returns at once, and a fresh caller joins the same fetch.
func TestTokenWaitEndsWithContext(t *testing.T) {
	inBackoff := make(chan struct{}, 1)
	release := make(chan struct{})
	sleep := func(ctx context.Context, d time.Duration) error {
		select {
		case inBackoff <- struct{}{}:
		default:
		}
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	c, srv := deadTokenClient(t, feishu.WithSleep(sleep), feishu.WithRetryPolicy(feishu.RetryPolicy{Retries: 1, BaseDelay: time.Hour, MaxDelay: time.Hour, MaxWait: 2 * time.Hour}))
	leader := make(chan error, 1)
	go func() { _, err := c.Auth.TenantToken(context.Background()); leader <- err }()
	<-inBackoff
	ctx, cancel := context.WithCancel(context.Background())
	waiter := make(chan error, 1)
	go func() { _, err := c.Auth.TenantToken(ctx); waiter <- err }()
	cancel()
	select {
	case err := <-waiter:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("waiter: %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a cancelled caller is still waiting for another's backoff")
	}
	close(release)
	if err := <-leader; err == nil {
		t.Error("leader got a token from a dead endpoint")
	}
	if n := srv.CountRequests(feishutest.EndpointToken); n != 2 {
		t.Errorf("%d token requests, want 2 (one try, one retry)", n)
	}
}

// A recovered endpoint: concurrent callers share one successful fetch.
func TestTokenFetchShared(t *testing.T) {
	srv := feishutest.NewServer(t)
	srv.Inject(feishutest.Fault{Endpoint: feishutest.EndpointToken, Action: feishutest.Delay, Delay: 50 * time.Millisecond})
	c := feishu.New(feishu.WithBaseURL(srv.URL), feishu.WithCredentials(feishutest.DefaultAppID, feishutest.DefaultAppSecret))
	var wg sync.WaitGroup
	toks := make([]string, 50)
	for i := range toks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := c.Auth.TenantToken(context.Background())
			if err != nil {
				t.Error(err)
			}
			toks[i] = tok.Value
		}()
	}
	wg.Wait()
	if n := srv.CountRequests(feishutest.EndpointToken); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
	for _, tok := range toks {
		if tok == "" || tok != toks[0] {
			t.Fatalf("tokens differ: %q", toks)
		}
	}
}
