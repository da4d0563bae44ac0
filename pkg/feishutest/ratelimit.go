package feishutest

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Limits are the documented rate limits the fake can enforce.
type Limits struct {
	// AppPerSecond and AppPerMinute bound sends per app (tier 4: 50/s,
	// 1000/min), im/v1 messages and batch_send counted together.
	AppPerSecond, AppPerMinute int
	// RecipientPerSecond bounds sends to one user or chat (5/s).
	RecipientPerSecond int
	// WebhookPerSecond and WebhookPerMinute bound one custom bot (5/s, 100/min).
	WebhookPerSecond, WebhookPerMinute int
	// Windows says how requests are counted: SlidingWindows (the zero
	// value) or FixedWindows.
	Windows WindowMode
}

// WindowMode is how the fake counts requests against a limit.
type WindowMode int

const (
	// SlidingWindows refuses a request when the window that ends with it,
	// of any alignment, would hold more than the limit: no second, starting
	// at any instant, sees more than 50 sends.
	SlidingWindows WindowMode = iota
	// FixedWindows counts in windows aligned to the Unix epoch (each whole
	// second, each whole minute) that reset at their end, as
	// x-ogw-ratelimit-reset suggests Feishu's gateway does. A sender that
	// keeps to sliding windows keeps to these as well.
	FixedWindows
)

// DocumentedLimits are Feishu's documented limits for sending messages.
var DocumentedLimits = Limits{AppPerSecond: 50, AppPerMinute: 1000, RecipientPerSecond: 5, WebhookPerSecond: 5, WebhookPerMinute: 100}

// WithRateLimits makes the fake enforce l strictly. Every request that
// reaches the limits counts in each window it belongs to, refused ones too
// (Feishu says a refused request still counts; the fake takes the stricter
// reading). Over a limit it answers as Feishu does: 99991400 with HTTP 429
// and x-ogw-ratelimit-* headers for the app limit, 230020 with HTTP 400 for
// one recipient, and 9499 "too many request" with HTTP 400 for a webhook.
// RateLimited counts the refusals.
func WithRateLimits(l Limits) Option {
	return func(f *Fake) { f.limits = &rateLimits{cfg: l, logs: map[string]*winLog{}} }
}

// RateLimited returns how many requests the fake refused for a rate limit,
// by the code it answered with (99991400, 230020, 9499). Faults injected
// with Inject or WithRandomFaults are not counted.
func (f *Fake) RateLimited() map[int]int {
	out := map[int]int{}
	if f.limits == nil {
		return out
	}
	f.limits.mu.Lock()
	defer f.limits.mu.Unlock()
	for k, v := range f.limits.refused {
		out[k] = v
	}
	return out
}

type rateLimits struct {
	mu      sync.Mutex
	cfg     Limits
	logs    map[string]*winLog
	refused map[int]int
}

// winLog counts the requests of one limit: arrival times (sliding) or the
// current fixed window's start and count.
type winLog struct {
	times []time.Time
	start time.Time
	count int
}

// limitHit says which limit refused a request and when it frees up.
type limitHit struct {
	code   int
	status int
	msg    string
	limit  int
	reset  time.Duration
}

type check struct {
	key    string
	n      int
	window time.Duration
	hit    limitHit
}

// over reports whether one more request at now would break the limit, and
// when the window frees up.
func (l *rateLimits) over(w *winLog, c check, now time.Time) (bool, time.Duration) {
	if l.cfg.Windows == FixedWindows {
		start := now.Truncate(c.window)
		if !w.start.Equal(start) {
			w.start, w.count = start, 0
		}
		return w.count >= c.n, start.Add(c.window).Sub(now)
	}
	// Sliding: forget arrivals that left the window ending now.
	cut := 0
	for cut < len(w.times) && !w.times[cut].After(now.Add(-c.window)) {
		cut++
	}
	w.times = append(w.times[:0], w.times[cut:]...)
	if len(w.times) < c.n {
		return false, 0
	}
	// Free again when enough of the oldest have left the window.
	return true, w.times[len(w.times)-c.n].Add(c.window).Sub(now)
}

func (w *winLog) add(now time.Time, fixed bool) {
	if fixed {
		w.count++
		return
	}
	w.times = append(w.times, now)
}

// take counts one request in every window of checks and says whether each
// had room for it.
func (l *rateLimits) take(now time.Time, checks []check) (limitHit, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var hit *limitHit
	for _, c := range checks {
		if c.n <= 0 {
			continue
		}
		w := l.logs[c.key]
		if w == nil {
			w = &winLog{}
			l.logs[c.key] = w
		}
		over, reset := l.over(w, c, now)
		w.add(now, l.cfg.Windows == FixedWindows)
		if over && hit == nil {
			h := c.hit
			h.limit, h.reset = c.n, reset
			hit = &h
		}
	}
	if hit == nil {
		return limitHit{}, true
	}
	if l.refused == nil {
		l.refused = map[int]int{}
	}
	l.refused[hit.code]++
	return *hit, false
}

var appHit = limitHit{code: 99991400, status: http.StatusTooManyRequests, msg: "request trigger frequency limit"}

func (l *rateLimits) appChecks(app string) []check {
	return []check{
		{key: "app/s/" + app, n: l.cfg.AppPerSecond, window: time.Second, hit: appHit},
		{key: "app/m/" + app, n: l.cfg.AppPerMinute, window: time.Minute, hit: appHit},
	}
}

func (l *rateLimits) allowSend(app, recipient string, now time.Time) (limitHit, bool) {
	if l == nil {
		return limitHit{}, true
	}
	rcptHit := limitHit{code: 230020, status: http.StatusBadRequest, msg: "This operation triggers the frequency limit, ext=chat rate limit"}
	return l.take(now, append(l.appChecks(app),
		check{key: "rcpt/s/" + app + "/" + recipient, n: l.cfg.RecipientPerSecond, window: time.Second, hit: rcptHit}))
}

// allowApp counts a request against the app's limits only, as batch_send.
func (l *rateLimits) allowApp(app string, now time.Time) (limitHit, bool) {
	if l == nil {
		return limitHit{}, true
	}
	return l.take(now, l.appChecks(app))
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
