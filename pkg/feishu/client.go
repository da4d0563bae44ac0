// Package feishu is a small client for the parts of the Feishu/Lark Open
// Platform that a bot needs to push messages: the tenant access token, the
// im/v1 message API and the group custom-bot webhook.
//
// Its shape follows go-github: one Client with a service per API area,
// requests that are prepared (NewXRequest) before they are sent (Do), and
// failures returned as typed errors (*APIError, *NetworkError, *LimitError)
// that carry Feishu's code and log id.
package feishu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"
)

// Base URLs of the two brands. Paths, bodies and codes are the same on both.
const (
	FeishuBaseURL = "https://open.feishu.cn"
	LarkBaseURL   = "https://open.larksuite.com"
)

// Endpoint names used in errors and logs.
const (
	EndpointTenantToken    = "auth.tenant_access_token"
	EndpointMessagesCreate = "im.messages.create"
	EndpointWebhook        = "webhook"
	EndpointBatchSend      = "message.v4.batch_send"
)

// Client talks to one Feishu or Lark tenant, as an app bot, through a group
// custom-bot webhook, or both. The zero value is not usable; call New.
type Client struct {
	http      *resty.Client
	baseURL   string
	userAgent string
	appID     string
	appSecret string
	hook      *webhookConfig
	retry     RetryPolicy
	now       func() time.Time
	sleep     func(context.Context, time.Duration) error
	store     TokenStore
	limiter   *RateLimiter

	tokenMu  sync.Mutex
	token    string
	tokenExp time.Time
	tokenErr error

	// Auth fetches and caches the tenant access token.
	Auth *AuthService
	// Messages sends app-bot messages through im/v1.
	Messages *MessagesService
	// Webhook sends through a group custom bot.
	Webhook *WebhookService
	// Images uploads images for cards.
	Images *ImagesService
	// Files uploads files for file messages.
	Files *FilesService
}

type service struct{ client *Client }

// AuthService handles the tenant access token.
type AuthService service

// MessagesService handles POST /open-apis/im/v1/messages.
type MessagesService service

// WebhookService handles the group custom-bot webhook.
type WebhookService service

// Option configures a Client.
type Option func(*Client)

// WithBaseURL sets the API base URL, as returned by NormalizeBaseURL.
func WithBaseURL(u string) Option { return func(c *Client) { c.baseURL = strings.TrimRight(u, "/") } }

// WithCredentials sets the app id and app secret of an app bot.
func WithCredentials(appID, appSecret string) Option {
	return func(c *Client) { c.appID, c.appSecret = appID, appSecret }
}

// WithWebhook sets the custom-bot webhook URL and its optional signing secret.
// The URL must have been checked with ParseWebhookURL.
func WithWebhook(hookURL, secret string) Option {
	return func(c *Client) { c.hook = &webhookConfig{url: hookURL, secret: secret} }
}

// WithHTTPClient replaces the underlying *http.Client (its Timeout is kept).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) { c.http = resty.NewWithClient(hc) }
}

// WithTimeout bounds each HTTP request.
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.http.SetTimeout(d) } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// WithRetryPolicy sets how transient failures are retried.
func WithRetryPolicy(p RetryPolicy) Option { return func(c *Client) { c.retry = p } }

// WithClock replaces time.Now, for tests and for signing.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithSleep replaces the function that waits between retries; it must return
// early with ctx.Err() when ctx is done.
func WithSleep(sleep func(context.Context, time.Duration) error) Option {
	return func(c *Client) { c.sleep = sleep }
}

// WithTokenStore keeps tenant tokens in store between processes.
func WithTokenStore(store TokenStore) Option { return func(c *Client) { c.store = store } }

// New returns a Client for FeishuBaseURL unless an option says otherwise.
func New(opts ...Option) *Client {
	c := &Client{
		http:      resty.New(),
		baseURL:   FeishuBaseURL,
		userAgent: "feishu-push",
		retry:     DefaultRetryPolicy,
		now:       time.Now,
		sleep:     sleepCtx,
	}
	c.http.SetTimeout(10 * time.Second)
	for _, o := range opts {
		o(c)
	}
	// resty logs warnings to stderr on its own; this client reports through
	// its errors only, and resty's own retries stay off (see Do).
	c.http.SetLogger(discardLogger{})
	c.http.SetRetryCount(0)
	c.Auth = &AuthService{client: c}
	c.Messages = &MessagesService{client: c}
	c.Webhook = &WebhookService{client: c}
	c.Images = &ImagesService{client: c}
	c.Files = &FilesService{client: c}
	return c
}

// NormalizeBaseURL checks an API base URL and strips a trailing "/" or
// "/open-apis", so that "https://open.feishu.cn/open-apis/" is accepted.
func NormalizeBaseURL(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errors.New("want an http(s) URL such as " + FeishuBaseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", errors.New("a base URL has no query or fragment")
	}
	p := strings.TrimRight(u.Path, "/")
	p = strings.TrimSuffix(p, "/open-apis")
	u.Path = strings.TrimRight(p, "/")
	return u.String(), nil
}

// Request is an HTTP request that a service prepared and Do sends. Preparing
// a request checks its size and shape but touches neither the network nor
// the token, so a caller can validate every message before sending any.
type Request struct {
	// Method and URL of the request.
	Method string
	URL    string
	// Header holds the headers except Authorization, which Do adds.
	Header http.Header
	// Body is the exact JSON body.
	Body []byte
	// Endpoint names the API, e.g. EndpointMessagesCreate.
	Endpoint string

	needsToken bool
	// idempotent requests may be repeated after a failure that leaves open
	// whether the server acted on them: token fetches, and messages that carry
	// a uuid.
	idempotent bool
	// shown replaces a body that is not JSON (an upload) in Redacted.
	shown json.RawMessage
	// rateKey names the recipient for per-recipient rate limits.
	rateKey string
}

// Response describes how a request went, whether it succeeded or not.
type Response struct {
	// HTTPStatus of the last attempt, 0 when none got a response.
	HTTPStatus int
	// LogID of the last response (X-Tt-Logid).
	LogID string
	// Attempts counts the HTTP requests made, including retries.
	Attempts int
}

// envelope is the common shape of every Feishu response body.
type envelope struct {
	Code       *int   `json:"code"`
	Msg        string `json:"msg"`
	StatusCode *int   `json:"StatusCode"` // legacy webhook field
	StatusMsg  string `json:"StatusMessage"`
	Error      struct {
		LogID string `json:"log_id"`
	} `json:"error"`
}

// Do sends req, retrying transient failures as the client's RetryPolicy
// allows, and decodes the response body into v when v is not nil and the
// body's code is 0. A tenant token refused as invalid is fetched again and
// the request repeated once.
func (c *Client) Do(ctx context.Context, req *Request, v any) (*Response, error) {
	resp := &Response{}
	var waited time.Duration
	var lastErr error
	tokenRetried := false
	for retries := 0; ; {
		var token string
		if req.needsToken {
			t, err := c.Auth.tenantToken(ctx)
			if err != nil {
				return resp, err
			}
			token = t
		}
		if c.limiter != nil {
			if err := c.limiter.Wait(ctx, req, resp.Attempts == 0 || mayHaveCounted(lastErr)); err != nil {
				// The limiter refuses a wait that would outlast ctx's
				// deadline before the deadline itself comes.
				if err = ctx.Err(); err == nil {
					err = context.DeadlineExceeded
				}
				return resp, err
			}
		}
		resp.Attempts++
		err := c.doOnce(ctx, req, token, resp, v)
		if err == nil {
			return resp, nil
		}
		lastErr = err
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.TokenInvalid() && req.needsToken && !tokenRetried {
			tokenRetried = true
			c.Auth.invalidate(token)
			continue
		}
		if ctx.Err() != nil || !c.shouldRetry(req, err) || retries >= c.retry.Retries {
			return resp, err
		}
		wait := c.retry.backoff(retries)
		if apiErr != nil && apiErr.RetryAfter > wait {
			wait = apiErr.RetryAfter
		}
		if waited+wait > c.retry.MaxWait {
			return resp, err
		}
		if serr := c.sleep(ctx, wait); serr != nil {
			return resp, err
		}
		waited += wait
		// Feishu says to wait out 99991400 and repeat while it lasts: it
		// is bounded by MaxWait, not by the count of retries.
		if apiErr == nil || apiErr.Code != 99991400 {
			retries++
		}
	}
}

// mayHaveCounted reports whether a failed attempt may have reached Feishu
// and counted against its rate limits: the request went out and no answer
// came back.
func mayHaveCounted(err error) bool {
	var netErr *NetworkError
	return errors.As(err, &netErr) && netErr.MaybeDelivered
}

// shouldRetry decides whether err may be fixed by sending req again without
// risking a second delivery.
func (c *Client) shouldRetry(req *Request, err error) bool {
	var netErr *NetworkError
	if errors.As(err, &netErr) {
		return req.idempotent || !netErr.MaybeDelivered
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || !apiErr.Retryable() {
		return false
	}
	if req.idempotent {
		return true
	}
	// Without a uuid only an answer that says the request was not acted on
	// allows another try: a rate limit or congestion code. A 5xx leaves open
	// whether the message landed.
	return apiErr.Code != 0
}

func (c *Client) doOnce(ctx context.Context, req *Request, token string, resp *Response, v any) error {
	r := c.http.R().SetContext(ctx).SetBody(req.Body).SetDoNotParseResponse(false)
	for k, vs := range req.Header {
		for _, val := range vs {
			r.Header.Add(k, val)
		}
	}
	r.Header.Set("User-Agent", c.userAgent)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	hr, err := r.Execute(req.Method, req.URL)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return newNetworkError(req.Endpoint, err)
	}
	resp.HTTPStatus = hr.StatusCode()
	resp.LogID = hr.Header().Get("X-Tt-Logid")
	if resp.LogID == "" {
		resp.LogID = hr.Header().Get("X-Request-Id")
	}
	body := hr.Body()
	var env envelope
	jsonErr := json.Unmarshal(body, &env)
	if resp.LogID == "" {
		resp.LogID = env.Error.LogID
	}
	code, msg := 0, env.Msg
	switch {
	case env.Code != nil:
		code = *env.Code
	case env.StatusCode != nil:
		code, msg = *env.StatusCode, env.StatusMsg
	}
	if jsonErr != nil || (env.Code == nil && env.StatusCode == nil) || code != 0 || resp.HTTPStatus >= 300 {
		e := &APIError{Endpoint: req.Endpoint, HTTPStatus: resp.HTTPStatus, Code: code, Msg: msg, LogID: resp.LogID}
		if code == 0 && e.Msg == "" {
			e.Msg = http.StatusText(resp.HTTPStatus)
			if resp.HTTPStatus < 300 {
				e.Msg = "response is not a Feishu JSON body"
			}
		}
		if s := hr.Header().Get("X-Ogw-Ratelimit-Reset"); s != "" {
			if n, err := strconv.Atoi(s); err == nil && n >= 0 {
				e.RetryAfter = time.Duration(n) * time.Second
			}
		}
		return e
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			return &APIError{Endpoint: req.Endpoint, HTTPStatus: resp.HTTPStatus, Msg: "cannot decode response: " + err.Error(), LogID: resp.LogID}
		}
	}
	return nil
}

func (c *Client) newJSONRequest(endpoint, method, u string, body any) (*Request, error) {
	b, err := marshalJSON(body)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json; charset=utf-8")
	return &Request{Method: method, URL: u, Header: h, Body: b, Endpoint: endpoint}, nil
}

// marshalJSON encodes v without escaping <, > and &, so that text and card
// content reach Feishu byte for byte as given and sizes are not inflated.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// RetryPolicy bounds how transient failures are retried: at most Retries
// more attempts, with exponential backoff from BaseDelay (with jitter, at
// most MaxDelay each), waiting no more than MaxWait in total. A rate-limit
// reset time sent by Feishu is waited for in full, within MaxWait, and a
// 99991400 rate limit is repeated while it lasts, as Feishu asks, without
// counting against Retries.
type RetryPolicy struct {
	Retries   int
	BaseDelay time.Duration
	MaxDelay  time.Duration
	MaxWait   time.Duration
}

// DefaultRetryPolicy is 3 retries, 500ms doubling to at most 10s each, 60s
// in total.
var DefaultRetryPolicy = RetryPolicy{Retries: 3, BaseDelay: 500 * time.Millisecond, MaxDelay: 10 * time.Second, MaxWait: 60 * time.Second}

// backoff returns the wait before retry number n (0-based): full jitter in
// [d/2, d] where d = BaseDelay * 2^n capped at MaxDelay.
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.BaseDelay << n
	if d > p.MaxDelay || d <= 0 {
		d = p.MaxDelay
	}
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d/2+1)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

type discardLogger struct{}

func (discardLogger) Errorf(string, ...any) {}
func (discardLogger) Warnf(string, ...any)  {}
func (discardLogger) Debugf(string, ...any) {}
