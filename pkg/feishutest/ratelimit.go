package feishutest

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limits are the documented rate limits the fake can enforce.
type Limits struct {
	// AppPerSecond and AppPerMinute bound sends per app (tier 4: 50/s, 1000/min).
	AppPerSecond, AppPerMinute int
	// RecipientPerSecond bounds sends to one user or chat (5/s).
	RecipientPerSecond int
	// WebhookPerSecond and WebhookPerMinute bound one custom bot (5/s, 100/min).
	WebhookPerSecond, WebhookPerMinute int
}

// DocumentedLimits are Feishu's documented limits for sending messages.
var DocumentedLimits = Limits{AppPerSecond: 50, AppPerMinute: 1000, RecipientPerSecond: 5, WebhookPerSecond: 5, WebhookPerMinute: 100}

// WithRateLimits makes the fake enforce l. Over a limit it answers as
// Feishu does: 99991400 with HTTP 429 and x-ogw-ratelimit-* headers for the
// app limit, 230020 with HTTP 400 for one recipient, and 9499 "too many
// request" with HTTP 400 for a webhook.
func WithRateLimits(l Limits) Option {
	return func(f *Fake) { f.limits = &rateLimits{cfg: l, buckets: map[string]*rate.Limiter{}} }
}

type rateLimits struct {
	mu      sync.Mutex
	cfg     Limits
	buckets map[string]*rate.Limiter
}

// limitHit says which limit refused a request and when it frees up.
type limitHit struct {
	code   int
	status int
	msg    string
	limit  int
	reset  time.Duration
}

func (l *rateLimits) bucket(key string, perWindow int, window time.Duration) *rate.Limiter {
	b, ok := l.buckets[key]
	if !ok {
		b = rate.NewLimiter(rate.Limit(float64(perWindow)/window.Seconds()), perWindow)
		l.buckets[key] = b
	}
	return b
}

type check struct {
	key    string
	n      int
	window time.Duration
	hit    limitHit
}

// take reserves one token from every bucket, or from none.
func (l *rateLimits) take(now time.Time, checks []check) (limitHit, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var taken []*rate.Reservation
	for _, c := range checks {
		if c.n <= 0 {
			continue
		}
		r := l.bucket(c.key, c.n, c.window).ReserveN(now, 1)
		if d := r.DelayFrom(now); !r.OK() || d > 0 {
			r.CancelAt(now)
			for _, t := range taken {
				t.CancelAt(now)
			}
			hit := c.hit
			hit.limit = c.n
			hit.reset = d
			return hit, false
		}
		taken = append(taken, r)
	}
	return limitHit{}, true
}

func (l *rateLimits) allowSend(app, recipient string, now time.Time) (limitHit, bool) {
	if l == nil {
		return limitHit{}, true
	}
	appHit := limitHit{code: 99991400, status: http.StatusTooManyRequests, msg: "request trigger frequency limit"}
	rcptHit := limitHit{code: 230020, status: http.StatusBadRequest, msg: "This operation triggers the frequency limit, ext=chat rate limit"}
	return l.take(now, []check{
		{key: "app/s/" + app, n: l.cfg.AppPerSecond, window: time.Second, hit: appHit},
		{key: "app/m/" + app, n: l.cfg.AppPerMinute, window: time.Minute, hit: appHit},
		{key: "rcpt/s/" + app + "/" + recipient, n: l.cfg.RecipientPerSecond, window: time.Second, hit: rcptHit},
	})
}

func (l *rateLimits) allowWebhook(token string, now time.Time) (limitHit, bool) {
	if l == nil {
		return limitHit{}, true
	}
	hit := limitHit{code: 9499, status: http.StatusBadRequest, msg: "too many request"}
	return l.take(now, []check{
		{key: "hook/s/" + token, n: l.cfg.WebhookPerSecond, window: time.Second, hit: hit},
		{key: "hook/m/" + token, n: l.cfg.WebhookPerMinute, window: time.Minute, hit: hit},
	})
}

func (f *Fake) rateLimited(w http.ResponseWriter, r *http.Request, endpoint string, hit limitHit) {
	if hit.code == 99991400 {
		w.Header().Set("x-ogw-ratelimit-limit", strconv.Itoa(hit.limit))
		w.Header().Set("x-ogw-ratelimit-reset", strconv.Itoa(int(math.Ceil(hit.reset.Seconds()))))
	}
	body := errBody(hit.code, hit.msg)
	if endpoint == EndpointWebhook {
		body = webhookErr(hit.code, hit.msg)
	}
	f.reply(w, r, endpoint, hit.status, body)
}
