package feishu_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

// sleeps records the waits of a client instead of sleeping.
type sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	return ctx.Err()
}

func newAppClient(t *testing.T, srv *feishutest.Server, opts ...feishu.Option) (*feishu.Client, *sleeps) {
	t.Helper()
	sl := &sleeps{}
	base := []feishu.Option{
		feishu.WithBaseURL(srv.URL),
		feishu.WithCredentials(feishutest.DefaultAppID, feishutest.DefaultAppSecret),
		feishu.WithSleep(sl.sleep),
		feishu.WithTimeout(2 * time.Second),
	}
	return feishu.New(append(base, opts...)...), sl
}

func send(t *testing.T, c *feishu.Client, to string, m feishu.Message, uuid string) (*feishu.SentMessage, *feishu.Response, error) {
	t.Helper()
	r, err := feishu.ParseRecipient(to)
	if err != nil {
		t.Fatal(err)
	}
	req, err := c.Messages.NewCreateRequest(r, m, uuid)
	if err != nil {
		t.Fatal(err)
	}
	return c.Messages.Create(context.Background(), req)
}

func TestSendTextDoubleEncodesContent(t *testing.T) {
	srv := feishutest.NewServer(t)
	c, _ := newAppClient(t, srv)
	text := "line 1\nline \"2\" <b>&</b> 😀"
	sent, resp, err := send(t, c, "oc_abc", feishu.TextMessage(text), "u-1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sent.MessageID, "om_") || resp.LogID == "" || resp.Attempts != 1 {
		t.Errorf("sent = %+v, resp = %+v", sent, resp)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("stored %d messages, want 1", len(msgs))
	}
	var got struct{ Text string }
	if err := json.Unmarshal(msgs[0].Content, &got); err != nil || got.Text != text {
		t.Errorf("content = %s (%v), want text %q", msgs[0].Content, err, text)
	}
	if msgs[0].ReceiveIDType != "chat_id" || msgs[0].UUID != "u-1" {
		t.Errorf("stored %+v", msgs[0])
	}
}

func TestTokenIsCachedAcrossSends(t *testing.T) {
	srv := feishutest.NewServer(t)
	c, _ := newAppClient(t, srv)
	for i := 0; i < 3; i++ {
		if _, _, err := send(t, c, "ou_a", feishu.TextMessage("hi"), ""); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.CountRequests(feishutest.EndpointToken); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
}

func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	now := time.Date(2026, 11, 21, 18, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	srv := feishutest.NewServer(t, feishutest.WithClock(clock))
	c, _ := newAppClient(t, srv, feishu.WithClock(clock))
	tok1, err := c.Auth.TenantToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// 1h58m later the token has 2 minutes left, inside the 3-minute margin.
	mu.Lock()
	now = now.Add(118 * time.Minute)
	mu.Unlock()
	tok2, err := c.Auth.TenantToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok1.Value == tok2.Value {
		t.Error("token not renewed inside the refresh margin")
	}
	if n := srv.CountRequests(feishutest.EndpointToken); n != 2 {
		t.Errorf("token requests = %d, want 2", n)
	}
}

func TestExpiredTokenIsFetchedAgainOnce(t *testing.T) {
	srv := feishutest.NewServer(t)
	c, _ := newAppClient(t, srv)
	if _, _, err := send(t, c, "ou_a", feishu.TextMessage("one"), ""); err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens()
	_, resp, err := send(t, c, "ou_a", feishu.TextMessage("two"), "")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Attempts != 2 {
		t.Errorf("attempts = %d, want 2", resp.Attempts)
	}
	if n := srv.CountRequests(feishutest.EndpointToken); n != 2 {
		t.Errorf("token requests = %d, want 2", n)
	}
	if n := len(srv.Messages()); n != 2 {
		t.Errorf("stored %d messages, want 2", n)
	}
}

func TestTokenErrorsAreAuth(t *testing.T) {
	srv := feishutest.NewServer(t)
	for _, tc := range []struct {
		app, secret string
		code        int
	}{
		{"cli_sandbox", "wrong", 10014},
		{"cli_unknown", "x", 10003},
	} {
		c := feishu.New(feishu.WithBaseURL(srv.URL), feishu.WithCredentials(tc.app, tc.secret))
		_, _, err := send(t, c, "ou_a", feishu.TextMessage("x"), "")
		var apiErr *feishu.APIError
		if !errors.As(err, &apiErr) || apiErr.Code != tc.code || apiErr.Kind() != feishu.KindAuth || apiErr.LogID == "" {
			t.Errorf("%s/%s: err = %v, want auth error %d with log id", tc.app, tc.secret, err, tc.code)
		}
		// A second message does not ask for a token again: it fails with
		// the same error.
		_, _, err2 := send(t, c, "ou_b", feishu.TextMessage("x"), "")
		var again *feishu.APIError
		if !errors.As(err2, &again) || again.Code != tc.code || again.Kind() != feishu.KindAuth {
			t.Errorf("%s/%s: second message: err = %v, want the same auth error %d", tc.app, tc.secret, err2, tc.code)
		}
	}
	if n := srv.CountRequests(feishutest.EndpointToken); n != 2 {
		t.Errorf("token requests = %d, want one per client", n)
	}
	if len(srv.Messages()) != 0 {
		t.Error("a message was stored")
	}
}

// TestRetryMatrix drives each transient fault the fake can script and
// checks that exactly one message is stored.
func TestRetryMatrix(t *testing.T) {
	for _, tc := range []struct {
		name     string
		faults   []feishutest.Fault
		attempts int
		minWait  time.Duration
	}{
		{"5xx twice", []feishutest.Fault{{Endpoint: "messages", Times: 2, Status: 503}}, 3, 0},
		{"rate limit with reset", []feishutest.Fault{{Endpoint: "messages", Status: 429, Code: 99991400, Msg: "request trigger frequency limit",
			Header: map[string]string{"x-ogw-ratelimit-reset": "2"}}}, 2, 2 * time.Second},
		{"per-chat limit", []feishutest.Fault{{Endpoint: "messages", Status: 400, Code: 230020, Msg: "This operation triggers the frequency limit"}}, 2, 0},
		{"connection reset", []feishutest.Fault{{Endpoint: "messages", Action: feishutest.Reset}}, 2, 0},
		{"response lost after store", []feishutest.Fault{{Endpoint: "messages", Action: feishutest.LoseResponse}}, 2, 0},
		{"timeout", []feishutest.Fault{{Endpoint: "messages", Action: feishutest.Delay, Delay: 1500 * time.Millisecond}}, 2, 0},
		{"being sent", []feishutest.Fault{{Endpoint: "messages", Status: 400, Code: 230049, Msg: "The message is being sent"}}, 2, 0},
		{"token endpoint 5xx", []feishutest.Fault{{Endpoint: "token", Status: 502}}, 1, 0},
	} {
		for kind, msg := range map[string]feishu.Message{
			"text": feishu.TextMessage("hi"),
			"card": feishu.CardMessage(json.RawMessage(`{"header":{"title":{"tag":"plain_text","content":"t"}},"elements":[]}`)),
		} {
			t.Run(kind+"/"+tc.name, func(t *testing.T) {
				srv := feishutest.NewServer(t)
				srv.Inject(tc.faults...)
				c, sl := newAppClient(t, srv, feishu.WithTimeout(time.Second))
				_, resp, err := send(t, c, "oc_chat", msg, "stable-uuid-1")
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if resp.Attempts != tc.attempts {
					t.Errorf("attempts = %d, want %d", resp.Attempts, tc.attempts)
				}
				if n := len(srv.Messages()); n != 1 {
					t.Errorf("stored %d messages, want exactly 1", n)
				}
				var total time.Duration
				for _, w := range sl.waits {
					total += w
				}
				if total < tc.minWait {
					t.Errorf("waited %v, want at least %v", total, tc.minWait)
				}
			})
		}
	}
}

func TestPermanentErrorsAreNotRetried(t *testing.T) {
	for _, tc := range []struct {
		fault feishutest.Fault
		kind  feishu.Kind
	}{
		{feishutest.Fault{Endpoint: "messages", Status: 429, Code: 99991403, Msg: "This month's API call quota has been exceeded"}, feishu.KindRejected},
		{feishutest.Fault{Endpoint: "messages", Status: 400, Code: 230002, Msg: "Bot is not in the chat"}, feishu.KindRejected},
		{feishutest.Fault{Endpoint: "messages", Status: 400, Code: 99991672, Msg: "Access denied"}, feishu.KindRejected},
	} {
		srv := feishutest.NewServer(t)
		srv.Inject(tc.fault)
		c, sl := newAppClient(t, srv)
		_, resp, err := send(t, c, "oc_chat", feishu.TextMessage("hi"), "u")
		var apiErr *feishu.APIError
		if !errors.As(err, &apiErr) || apiErr.Code != tc.fault.Code || apiErr.Kind() != tc.kind {
			t.Errorf("code %d: err = %v", tc.fault.Code, err)
		}
		if resp.Attempts != 1 || len(sl.waits) != 0 {
			t.Errorf("code %d: attempts = %d, waits = %v; want no retry", tc.fault.Code, resp.Attempts, sl.waits)
		}
	}
}

func TestRetriesStopAtBudget(t *testing.T) {
	srv := feishutest.NewServer(t)
	policy := feishu.RetryPolicy{Retries: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxWait: time.Second}
	// Every attempt the policy allows fails; one more would succeed.
	srv.Inject(feishutest.Fault{Endpoint: "messages", Times: policy.Retries + 1, Status: 500})
	c, sl := newAppClient(t, srv, feishu.WithRetryPolicy(policy))
	_, resp, err := send(t, c, "oc_chat", feishu.TextMessage("hi"), "u")
	if err == nil || resp.Attempts != 3 || len(sl.waits) != 2 {
		t.Errorf("err = %v, attempts = %d, waits = %d; want failure after 3 attempts", err, resp.Attempts, len(sl.waits))
	}
	// A reset time beyond the total budget is not waited for.
	srv = feishutest.NewServer(t)
	srv.Inject(feishutest.Fault{Endpoint: "messages", Status: 429, Code: 99991400, Header: map[string]string{"x-ogw-ratelimit-reset": "120"}})
	c2, sl2 := newAppClient(t, srv)
	_, _, err = send(t, c2, "oc_chat", feishu.TextMessage("hi"), "u2")
	var apiErr *feishu.APIError
	if !errors.As(err, &apiErr) || apiErr.RetryAfter != 120*time.Second || len(sl2.waits) != 0 {
		t.Errorf("err = %v, waits = %v", err, sl2.waits)
	}
}

// TestRateLimitRepeatsWithinMaxWait: 99991400 is waited out and repeated
// while it lasts, beyond the count of retries but within MaxWait.
func TestRateLimitRepeatsWithinMaxWait(t *testing.T) {
	srv := feishutest.NewServer(t)
	srv.Inject(feishutest.Fault{Endpoint: "messages", Times: 6, Status: 429, Code: 99991400, Header: map[string]string{"x-ogw-ratelimit-reset": "1"}})
	c, sl := newAppClient(t, srv, feishu.WithRetryPolicy(feishu.RetryPolicy{Retries: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxWait: 10 * time.Second}))
	_, resp, err := send(t, c, "oc_chat", feishu.TextMessage("hi"), "u")
	if err != nil || resp.Attempts != 7 || len(sl.waits) != 6 {
		t.Errorf("err = %v, attempts = %d, waits = %v; want success on the 7th attempt", err, resp.Attempts, sl.waits)
	}
	// MaxWait still bounds it: 5 s of one-second resets are five waits, so
	// six attempts, all limited; a seventh would succeed.
	policy := feishu.RetryPolicy{Retries: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxWait: 5 * time.Second}
	srv.Inject(feishutest.Fault{Endpoint: "messages", Times: int(policy.MaxWait/time.Second) + 1, Status: 429, Code: 99991400, Header: map[string]string{"x-ogw-ratelimit-reset": "1"}})
	c2, sl2 := newAppClient(t, srv, feishu.WithRetryPolicy(policy))
	if _, _, err := send(t, c2, "oc_chat", feishu.TextMessage("hi"), "u2"); err == nil || len(sl2.waits) != 5 {
		t.Errorf("err = %v, waits = %d; want failure after 5 s of waiting", err, len(sl2.waits))
	}
}

func TestUUIDDeduplicates(t *testing.T) {
	srv := feishutest.NewServer(t)
	c, _ := newAppClient(t, srv)
	a, _, err := send(t, c, "oc_chat", feishu.TextMessage("hi"), "daily-2026-11-21")
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := send(t, c, "oc_chat", feishu.TextMessage("hi"), "daily-2026-11-21")
	if err != nil {
		t.Fatal(err)
	}
	if a.MessageID != b.MessageID || len(srv.Messages()) != 1 {
		t.Errorf("ids %s/%s, stored %d; want one message", a.MessageID, b.MessageID, len(srv.Messages()))
	}
}

func newHookClient(t *testing.T, srv *feishutest.Server, secret string, opts ...feishu.Option) (*feishu.Client, *sleeps) {
	sl := &sleeps{}
	base := []feishu.Option{feishu.WithWebhook(srv.WebhookURL("hook-token-1"), secret), feishu.WithSleep(sl.sleep), feishu.WithTimeout(time.Second)}
	return feishu.New(append(base, opts...)...), sl
}

func hookSend(t *testing.T, c *feishu.Client, m feishu.Message) (*feishu.Response, error) {
	t.Helper()
	req, err := c.Webhook.NewSendRequest(m)
	if err != nil {
		t.Fatal(err)
	}
	return c.Webhook.Send(context.Background(), req)
}

func TestWebhookSignature(t *testing.T) {
	srv := feishutest.NewServer(t, feishutest.WithWebhook("hook-token-1", "s3cret"))
	c, _ := newHookClient(t, srv, "s3cret")
	if _, err := hookSend(t, c, feishu.TextMessage("signed")); err != nil {
		t.Fatal(err)
	}
	card := feishu.CardMessage(json.RawMessage(`{"header":{"title":{"tag":"plain_text","content":"t"}},"elements":[]}`))
	if _, err := hookSend(t, c, card); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 2 || msgs[1].MsgType != "interactive" || !strings.Contains(string(msgs[1].Body), `"card":{`) {
		t.Fatalf("stored %+v", msgs)
	}
	for name, c := range map[string]*feishu.Client{
		"wrong secret": feishu.New(feishu.WithWebhook(srv.WebhookURL("hook-token-1"), "nope")),
		"no secret":    feishu.New(feishu.WithWebhook(srv.WebhookURL("hook-token-1"), "")),
		"clock skew": feishu.New(feishu.WithWebhook(srv.WebhookURL("hook-token-1"), "s3cret"),
			feishu.WithClock(func() time.Time { return time.Now().Add(-61 * time.Minute) })),
	} {
		_, err := hookSend(t, c, feishu.TextMessage("x"))
		var apiErr *feishu.APIError
		if !errors.As(err, &apiErr) || apiErr.Code != 19021 || apiErr.Kind() != feishu.KindAuth {
			t.Errorf("%s: err = %v, want 19021", name, err)
		}
	}
	_, err := hookSend(t, feishu.New(feishu.WithWebhook(srv.WebhookURL("other"), "")), feishu.TextMessage("x"))
	var apiErr *feishu.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 19001 || apiErr.Kind() != feishu.KindAuth {
		t.Errorf("unknown hook: err = %v, want 19001", err)
	}
	if strings.Contains(err.Error(), "other") {
		t.Errorf("error shows the hook token: %v", err)
	}
}

func TestWebhookRetries(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fault    feishutest.Fault
		ok       bool
		attempts int
		stored   int
	}{
		{"too many request", feishutest.Fault{Endpoint: "webhook", Status: 400, Code: 9499, Msg: "too many request"}, true, 2, 1},
		{"congestion", feishutest.Fault{Endpoint: "webhook", Status: 200, Code: 11232, Msg: "create message service trigger rate limit"}, true, 2, 1},
		{"5xx may have landed", feishutest.Fault{Endpoint: "webhook", Status: 502}, false, 1, 0},
		{"reset after write", feishutest.Fault{Endpoint: "webhook", Action: feishutest.Reset}, false, 1, 0},
		{"response lost after store", feishutest.Fault{Endpoint: "webhook", Action: feishutest.LoseResponse}, false, 1, 1},
		{"bad request", feishutest.Fault{Endpoint: "webhook", Status: 400, Code: 9499, Msg: "Bad Request"}, false, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := feishutest.NewServer(t, feishutest.WithWebhook("hook-token-1", ""))
			srv.Inject(tc.fault)
			c, _ := newHookClient(t, srv, "")
			resp, err := hookSend(t, c, feishu.TextMessage("hi"))
			if (err == nil) != tc.ok || resp.Attempts != tc.attempts || len(srv.Messages()) != tc.stored {
				t.Errorf("err = %v, attempts = %d, stored = %d; want ok=%v attempts=%d stored=%d",
					err, resp.Attempts, len(srv.Messages()), tc.ok, tc.attempts, tc.stored)
			}
		})
	}
}

func TestWebhookConnectionRefusedIsRetried(t *testing.T) {
	srv := feishutest.NewServer(t, feishutest.WithWebhook("hook-token-1", ""))
	c, sl := newHookClient(t, srv, "")
	srv.Close()
	resp, err := hookSend(t, c, feishu.TextMessage("hi"))
	var netErr *feishu.NetworkError
	if !errors.As(err, &netErr) || netErr.MaybeDelivered {
		t.Fatalf("err = %#v, want a network error that proves nothing was sent", err)
	}
	if resp.Attempts != 4 || len(sl.waits) != 3 {
		t.Errorf("attempts = %d, waits = %d; want 4 and 3", resp.Attempts, len(sl.waits))
	}
	if strings.Contains(err.Error(), "hook-token-1") {
		t.Errorf("error shows the hook token: %v", err)
	}
}

func TestSizeLimits(t *testing.T) {
	c := feishu.New(feishu.WithCredentials("cli_x", "s"), feishu.WithWebhook("https://open.feishu.cn/open-apis/bot/v2/hook/t", ""))
	r := feishu.Recipient{IDType: "chat_id", ID: "oc_x"}
	big := strings.Repeat("字", 51*1024) // 153 KB of UTF-8
	var le *feishu.LimitError
	if _, err := c.Messages.NewCreateRequest(r, feishu.TextMessage(big), ""); !errors.As(err, &le) || le.Limit != feishu.MaxTextBody {
		t.Errorf("text: err = %v", err)
	}
	if _, err := c.Messages.NewCreateRequest(r, feishu.TextMessage(big[:140*1024]), ""); err != nil {
		t.Errorf("140 KB text: %v", err)
	}
	card, _ := json.Marshal(map[string]any{"elements": []any{map[string]string{"tag": "markdown", "content": strings.Repeat("x", 31*1024)}}})
	if _, err := c.Messages.NewCreateRequest(r, feishu.CardMessage(card), ""); !errors.As(err, &le) || le.Limit != feishu.MaxCardBody {
		t.Errorf("card: err = %v", err)
	}
	if _, err := c.Webhook.NewSendRequest(feishu.TextMessage(strings.Repeat("x", 21*1024))); !errors.As(err, &le) || le.Limit != feishu.MaxWebhookBody {
		t.Errorf("webhook: err = %v", err)
	}
}

func TestRedacted(t *testing.T) {
	c := feishu.New(feishu.WithCredentials("cli_x", "app-s3cret"), feishu.WithWebhook("https://open.feishu.cn/open-apis/bot/v2/hook/hook-t0ken", "hook-s3cret"))
	tokReq, err := c.Auth.NewTenantTokenRequest()
	if err != nil {
		t.Fatal(err)
	}
	hookReq, err := c.Webhook.NewSendRequest(feishu.TextMessage("hi"))
	if err != nil {
		t.Fatal(err)
	}
	msgReq, err := c.Messages.NewCreateRequest(feishu.Recipient{IDType: "chat_id", ID: "oc_x"}, feishu.TextMessage("hi"), "")
	if err != nil {
		t.Fatal(err)
	}
	// Each keeps what is not secret, so the redaction is not of everything.
	for req, keep := range map[*feishu.Request][]string{tokReq: {"cli_x", "****"}, hookReq: {"hi", "****"}, msgReq: {"oc_x", "hi"}} {
		b, err := json.Marshal(req.Redacted())
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"app-s3cret", "hook-t0ken", "hook-s3cret", feishu.Sign("hook-s3cret", time.Now().Unix())} {
			if strings.Contains(string(b), secret) {
				t.Errorf("%s shows %q", b, secret)
			}
		}
		for _, k := range keep {
			if !strings.Contains(string(b), k) {
				t.Errorf("%s lost %q", b, k)
			}
		}
	}
	if got := msgReq.Redacted().Headers["Authorization"]; got != "Bearer ****" {
		t.Errorf("Authorization = %q", got)
	}
}

func TestSign(t *testing.T) {
	// Computed independently: printf '' | openssl dgst -sha256 -hmac "$(printf '1599360473\nsecret')" -binary | base64
	if got := feishu.Sign("secret", 1599360473); got != "q4jswNiMy51J5JuQV566yJat0/lQ/c+22kINzUgKsGU=" {
		t.Errorf("Sign = %s", got)
	}
}

func TestNormalizeBaseURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://open.feishu.cn":            "https://open.feishu.cn",
		"https://open.feishu.cn/":           "https://open.feishu.cn",
		"https://open.feishu.cn/open-apis":  "https://open.feishu.cn",
		"https://open.feishu.cn/open-apis/": "https://open.feishu.cn",
		"http://127.0.0.1:9800":             "http://127.0.0.1:9800",
		"https://proxy.example.com/feishu/": "https://proxy.example.com/feishu",
	} {
		if got, err := feishu.NormalizeBaseURL(in); err != nil || got != want {
			t.Errorf("NormalizeBaseURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "open.feishu.cn", "ftp://x", "https://", "https://x?a=b"} {
		if _, err := feishu.NormalizeBaseURL(bad); err == nil {
			t.Errorf("NormalizeBaseURL(%q) accepted", bad)
		}
	}
}

func TestAPIErrorHTTPOnly(t *testing.T) {
	srv := feishutest.NewServer(t)
	srv.Inject(feishutest.Fault{Endpoint: "messages", Times: 4, Status: http.StatusServiceUnavailable})
	c, _ := newAppClient(t, srv)
	_, _, err := send(t, c, "oc_chat", feishu.TextMessage("hi"), "u")
	var apiErr *feishu.APIError
	if !errors.As(err, &apiErr) || apiErr.Kind() != feishu.KindTransient || !strings.Contains(err.Error(), "HTTP 503") {
		t.Errorf("err = %v", err)
	}
}
