package feishu

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Limits are request rates a sender keeps to, so that Feishu never has to
// refuse: per app (or per webhook) per second and per minute, and per
// recipient per second. Zero means no limit.
type Limits struct {
	PerSecond    float64
	PerMinute    float64
	PerRecipient float64
	// Burst is kept for compatibility and no longer used: a fresh limiter
	// may send a whole window's worth at once, because it counts every
	// departure in a sliding window and so can never exceed one.
	Burst int
	// Margin is added to every window before a slot counts as free again,
	// for clocks and networks to disagree; 0 means DefaultMargin.
	Margin time.Duration
}

// DefaultMargin is how much longer than a window the limiter waits before
// it lets the N+1-th request follow the first of N. Requests count from
// the moment their answer came (see Observe), which bounds when Feishu saw
// them, so the margin only covers clocks that run at slightly different
// rates and timers that fire a little early.
const DefaultMargin = time.Millisecond

// Documented limits of Feishu for sending messages.
var (
	// AppLimits: im/v1 send and batch_send are tier 4, 50/s and 1000/min per
	// app, counted together, and 5/s to one user or chat.
	AppLimits = Limits{PerSecond: 50, PerMinute: 1000, PerRecipient: 5, Burst: 50}
	// WebhookLimits: a custom bot takes 5/s and 100/min.
	WebhookLimits = Limits{PerSecond: 5, PerMinute: 100, Burst: 1}
)

// RateLimiter paces requests so that no window of any alignment holds more
// than a limit allows. It keeps a log of requests: a request leaves only
// when the N-th request before it left more than the window plus a margin
// ago, counting a request whose answer came from that answer (see
// Observe). im/v1 sends and batch_send share one log, as Feishu counts them
// together; the webhook has its own; each recipient has its own 5/s log.
// Every attempt is counted, retries included, and a 429 with
// x-ogw-ratelimit-reset pauses every request of its group until the reset.
//
// Processes on one host that send for the same app (or webhook) share the
// app's log through a small state file (see SetStateDir), so their sum stays
// within the limits. It is safe for concurrent use; one limiter serves a
// whole run.
type RateLimiter struct {
	app, hook Limits

	now   func() time.Time
	sleep func(context.Context, time.Duration) error

	mu       sync.Mutex
	pending  map[*Request]time.Time // departure of each attempt under way
	stateDir string
	appKey   string // app id and base URL, names the shared state
	hookKey  string // webhook URL
	groups   map[string]*group
	rcpts    map[string][]time.Time
}

// NewRateLimiter returns a limiter for app sends and webhook posts. It
// shares the app's budget with other processes on the host through
// DefaultStateDir once a Client tells it which app it serves.
func NewRateLimiter(app, webhook Limits) *RateLimiter {
	return &RateLimiter{app: app, hook: webhook, now: time.Now, sleep: sleepCtx,
		stateDir: DefaultStateDir(), groups: map[string]*group{}, rcpts: map[string][]time.Time{},
		pending: map[*Request]time.Time{}}
}

// WithRateLimiter paces message requests with l, and tells l the app and
// webhook it serves so that it can share their budget on the host.
func WithRateLimiter(l *RateLimiter) Option { return func(c *Client) { c.limiter = l } }

// SetStateDir sets the directory of the state files through which
// processes share a budget; "" keeps the budget within this process. Call
// it before the first request.
func (l *RateLimiter) SetStateDir(dir string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stateDir = dir
}

// bind names the app and webhook whose budgets the limiter keeps, so that
// processes serving the same one share a state file.
func (l *RateLimiter) bind(appID, baseURL, hookURL string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if appID != "" {
		l.appKey = "app\x00" + appID + "\x00" + baseURL
	}
	if hookURL != "" {
		l.hookKey = "hook\x00" + hookURL
	}
}

// Group names: requests in one group share windows.
const (
	groupApp  = "app"
	groupHook = "hook"
)

func groupOf(endpoint string) string {
	switch endpoint {
	case EndpointMessagesCreate, EndpointBatchSend:
		return groupApp
	case EndpointWebhook:
		return groupHook
	}
	return ""
}

// window is one limit: at most n departures in any span.
type window struct {
	n    int
	span time.Duration
}

func windowsOf(l Limits) []window {
	var ws []window
	if l.PerSecond > 0 {
		ws = append(ws, window{n: max(int(l.PerSecond), 1), span: time.Second})
	}
	if l.PerMinute > 0 {
		ws = append(ws, window{n: max(int(l.PerMinute), 1), span: time.Minute})
	}
	return ws
}

// group is the state of one budget: its windows, and either an in-process
// log or a shared one.
type group struct {
	windows []window
	margin  time.Duration
	// turn is held by the one request of this process that is waiting for
	// the group's next free slot; the others queue for it.
	turn  chan struct{}
	state logStore
}

// logStore keeps a group's departures and pause.
type logStore interface {
	// take records a departure at now() and returns 0 if the windows and
	// the pause allow one; otherwise it records nothing and returns how
	// long to wait before trying again. It reads the clock once it holds
	// the state, so that departures are logged in order.
	take(now func() time.Time, g *group) (time.Time, time.Duration, error)
	// pause holds the group until until.
	pause(until time.Time) error
	// raise moves the departure dep to to, when the attempt ended: Feishu
	// saw the request at the latest then.
	raise(dep, to time.Time) error
}

// memLog is a logStore within one process.
type memLog struct {
	log    []time.Time
	paused time.Time
}

func (m *memLog) take(now func() time.Time, g *group) (time.Time, time.Duration, error) {
	t := now()
	wait := g.nextFree(m.log, m.paused, t)
	if wait > 0 {
		return t, wait, nil
	}
	m.log = g.record(m.log, t)
	return t, 0, nil
}

func (m *memLog) raise(dep, to time.Time) error {
	m.log = raiseIn(m.log, dep, to)
	return nil
}

// raiseIn moves the entry dep of a sorted log to to, keeping it sorted; an
// entry the log no longer holds is left alone.
func raiseIn(log []time.Time, dep, to time.Time) []time.Time {
	if !to.After(dep) {
		return log
	}
	i := len(log) - 1
	for i >= 0 && !log[i].Equal(dep) {
		if log[i].Before(dep) {
			return log
		}
		i--
	}
	if i < 0 {
		return log
	}
	for i+1 < len(log) && log[i+1].Before(to) {
		log[i] = log[i+1]
		i++
	}
	log[i] = to
	return log
}

func (m *memLog) pause(until time.Time) error {
	if until.After(m.paused) {
		m.paused = until
	}
	return nil
}

// nextFree returns how long after now the next departure may leave, given
// the departures in log (oldest first) and a pause.
func (g *group) nextFree(log []time.Time, paused, now time.Time) time.Duration {
	free := paused
	for _, w := range g.windows {
		if len(log) >= w.n {
			if t := log[len(log)-w.n].Add(w.span + g.margin); t.After(free) {
				free = t
			}
		}
	}
	if free.After(now) {
		return free.Sub(now)
	}
	return 0
}

// record appends a departure and forgets those no window needs any more.
func (g *group) record(log []time.Time, now time.Time) []time.Time {
	return g.trim(append(log, now))
}

// trim keeps the departures that a window may still need: the last N of
// the largest window.
func (g *group) trim(log []time.Time) []time.Time {
	keep := 0
	for _, w := range g.windows {
		keep = max(keep, w.n)
	}
	if len(log) > keep {
		log = append(log[:0], log[len(log)-keep:]...)
	}
	return log
}

func (l *RateLimiter) group(name string) (*group, []window) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if g := l.groups[name]; g != nil {
		return g, g.windows
	}
	limits, key := l.app, l.appKey
	if name == groupHook {
		limits, key = l.hook, l.hookKey
	}
	g := &group{windows: windowsOf(limits), margin: limits.Margin, turn: make(chan struct{}, 1)}
	if g.margin <= 0 {
		g.margin = DefaultMargin
	}
	g.state = &memLog{}
	if l.stateDir != "" && key != "" && len(g.windows) > 0 {
		g.state = newFileLog(l.stateDir, key, g)
	}
	l.groups[name] = g
	return g, g.windows
}

// errWouldOutlast is returned when the wait for a slot would outlast the
// context's deadline.
var errWouldOutlast = errors.New("rate limit wait would outlast the deadline")

// Wait blocks until req may be sent, or ctx is done. Every attempt counts
// in every window: Feishu counts each request it receives, refused or not,
// and a retry that skipped a window could be the one that exceeds it. The
// third argument is kept for compatibility and ignored.
func (l *RateLimiter) Wait(ctx context.Context, req *Request, _ bool) error {
	name := groupOf(req.Endpoint)
	if name == "" {
		return nil
	}
	g, ws := l.group(name)
	perRcpt := 0
	if name == groupApp && req.rateKey != "" && l.app.PerRecipient > 0 {
		perRcpt = max(int(l.app.PerRecipient), 1)
	}
	if len(ws) == 0 && perRcpt == 0 {
		return nil
	}
	for {
		// The recipient's own window first, without holding the group's
		// turn: a busy chat must not hold up the others.
		if perRcpt > 0 {
			if d := l.rcptWait(req.rateKey, perRcpt, g.margin); d > 0 {
				if err := l.pause(ctx, d); err != nil {
					return err
				}
				continue
			}
		}
		select {
		case g.turn <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		done, err := l.takeTurn(ctx, g, req, perRcpt)
		<-g.turn
		if done || err != nil {
			return err
		}
	}
}

// takeTurn waits, holding the group's turn, for the group's next free
// slot. It returns false when the recipient's window closed meanwhile.
func (l *RateLimiter) takeTurn(ctx context.Context, g *group, req *Request, perRcpt int) (bool, error) {
	rcpt := req.rateKey
	for {
		if perRcpt > 0 && l.rcptWait(rcpt, perRcpt, g.margin) > 0 {
			return false, nil
		}
		l.mu.Lock()
		now, d, err := g.state.take(l.now, g)
		if err == nil && d == 0 {
			l.pending[req] = now
			if perRcpt > 0 {
				l.rcpts[rcpt] = recordN(l.rcpts[rcpt], now, perRcpt)
			}
		}
		l.mu.Unlock()
		if err != nil {
			return false, err
		}
		if d == 0 {
			return true, nil
		}
		if err := l.pause(ctx, d); err != nil {
			return false, err
		}
	}
}

// rcptWait returns how long the recipient's window stays full.
func (l *RateLimiter) rcptWait(key string, n int, margin time.Duration) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	log := l.rcpts[key]
	if len(log) < n {
		return 0
	}
	if d := log[len(log)-n].Add(time.Second + margin).Sub(l.now()); d > 0 {
		return d
	}
	return 0
}

func recordN(log []time.Time, now time.Time, n int) []time.Time {
	log = append(log, now)
	if len(log) > n {
		log = append(log[:0], log[len(log)-n:]...)
	}
	return log
}

// pause sleeps d, refusing at once a wait that would outlast ctx's deadline.
func (l *RateLimiter) pause(ctx context.Context, d time.Duration) error {
	if dl, ok := ctx.Deadline(); ok && l.now().Add(d).After(dl) {
		return errWouldOutlast
	}
	return l.sleep(ctx, d)
}

// Observe tells the limiter that an attempt of req ended, with err. The
// attempt's departure moves to now in every log: Feishu saw the request
// somewhere between the two, so counting it at the later time keeps the
// windows intact however long the request took to leave this process or
// to cross the network, at the cost of one round trip per window.
// Feishu's 99991400 pauses every request of the group (other processes on
// the host included) until the window resets, as its
// x-ogw-ratelimit-reset header says, or for a second when it says nothing.
func (l *RateLimiter) Observe(req *Request, err error) {
	name := groupOf(req.Endpoint)
	if name == "" {
		return
	}
	g, _ := l.group(name)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if dep, ok := l.pending[req]; ok {
		delete(l.pending, req)
		_ = g.state.raise(dep, now)
		if req.rateKey != "" {
			l.rcpts[req.rateKey] = raiseIn(l.rcpts[req.rateKey], dep, now)
		}
	}
	var apiErr *APIError
	if err == nil || !errors.As(err, &apiErr) || apiErr.Code != 99991400 {
		return
	}
	d := apiErr.RetryAfter
	if d <= 0 {
		d = time.Second
	}
	_ = g.state.pause(now.Add(d))
}
