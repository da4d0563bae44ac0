package listen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// Config configures a Listener.
type Config struct {
	// Decoder checks and decodes HTTP callback requests.
	Decoder Decoder
	// StateDir holds the journal.
	StateDir string
	// Handlers map event types to commands; without any, each event is
	// written to Out as one JSON line.
	Handlers []Handler
	// Workers bounds handlers running at once (default 4).
	Workers int
	// HandlerTimeout kills a handler that runs longer (default 5m).
	HandlerTimeout time.Duration
	// CardTimeout bounds a card.action.trigger handler, which Feishu waits
	// on synchronously for 3 s (default 2.5 s).
	CardTimeout time.Duration
	// MaxAttempts is how many times a failing handler runs before the
	// event is given up on (default 10; 0 means the default).
	MaxAttempts int
	// RetryBackoff is the first wait before a retry; it doubles up to
	// 5 minutes (default 1 s).
	RetryBackoff time.Duration
	// Env is added to each handler's environment (the app's settings).
	Env []string
	// Out receives events as JSON lines when no handler is configured,
	// and handlers' stdout; ErrOut receives handlers' stderr.
	Out, ErrOut io.Writer
	// Log receives one JSON line per event and per refused request.
	Log zerolog.Logger
	// Now replaces time.Now.
	Now func() time.Time
}

// Listener receives events and runs their handlers.
type Listener struct {
	cfg     Config
	journal *Journal
	metrics *Metrics
	outMu   sync.Mutex

	wake chan struct{}
	mu   sync.Mutex
	// queue holds events waiting for a worker, in arrival order.
	queue []*task
	// cardResp remembers answers to card callbacks for redeliveries.
	cardResp map[string][]byte
	cardIDs  []string
}

type task struct {
	ev        *Event
	attempt   int // runs so far
	notBefore time.Time
}

// New opens the journal in cfg.StateDir and returns a Listener whose
// unfinished events from a previous run are queued again.
func New(cfg Config) (*Listener, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.HandlerTimeout <= 0 {
		cfg.HandlerTimeout = 5 * time.Minute
	}
	if cfg.CardTimeout <= 0 {
		cfg.CardTimeout = 2500 * time.Millisecond
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 10
	}
	if cfg.RetryBackoff <= 0 {
		cfg.RetryBackoff = time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.ErrOut == nil {
		cfg.ErrOut = io.Discard
	}
	j, err := OpenJournal(cfg.StateDir, cfg.Now)
	if err != nil {
		return nil, fmt.Errorf("--state-dir %s: %w", cfg.StateDir, err)
	}
	l := &Listener{cfg: cfg, journal: j, metrics: newMetrics(j), wake: make(chan struct{}, 1), cardResp: map[string][]byte{}}
	for _, ev := range j.Pending() {
		l.queue = append(l.queue, &task{ev: ev})
	}
	if n := len(l.queue); n > 0 {
		l.cfg.Log.Info().Int("pending", n).Msg("resuming unfinished events from the journal")
	}
	return l, nil
}

// Metrics returns the listener's counters.
func (l *Listener) Metrics() *Metrics { return l.metrics }

// ErrDuplicate is returned by Submit for an event id seen before.
var ErrDuplicate = errors.New("duplicate event")

// Submit journals ev and queues its handler. A card callback's handler
// runs before Submit returns and its answer is returned; other events
// return nil at once. A redelivered or duplicate id returns ErrDuplicate
// (and, for a card, the earlier answer when it is known).
func (l *Listener) Submit(ev *Event) ([]byte, error) {
	l.metrics.received(ev.Type)
	added, err := l.journal.Add(ev)
	if err != nil {
		l.cfg.Log.Error().Str("event_type", ev.Type).Str("event_id", ev.ID).Err(err).Msg("cannot record event")
		return nil, err
	}
	if !added {
		l.metrics.duplicates.Add(1)
		l.cfg.Log.Info().Str("event_type", ev.Type).Str("event_id", ev.ID).Msg("duplicate dropped")
		l.mu.Lock()
		resp := l.cardResp[ev.ID]
		l.mu.Unlock()
		if resp == nil && ev.IsCard() {
			resp = []byte("{}")
		}
		return resp, ErrDuplicate
	}
	if ev.IsCard() {
		resp := l.handleCard(ev)
		l.mu.Lock()
		l.cardResp[ev.ID] = resp
		l.cardIDs = append(l.cardIDs, ev.ID)
		if len(l.cardIDs) > 1000 {
			delete(l.cardResp, l.cardIDs[0])
			l.cardIDs = l.cardIDs[1:]
		}
		l.mu.Unlock()
		return resp, nil
	}
	l.mu.Lock()
	l.queue = append(l.queue, &task{ev: ev})
	l.mu.Unlock()
	l.poke()
	return nil, nil
}

func (l *Listener) poke() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// errorToast is the card answer when the handler fails.
func errorToast(msg string) []byte {
	b, _ := json.Marshal(map[string]any{"toast": map[string]string{"type": "error", "content": msg}})
	return b
}

// handleCard runs a card callback's handler synchronously and returns
// the answer: its stdout when that is a JSON object, {} when empty, an
// error toast when it fails or times out.
func (l *Listener) handleCard(ev *Event) []byte {
	command := handlerFor(l.cfg.Handlers, ev.Type)
	if command == "" {
		l.emit(ev)
		_ = l.journal.Finish(ev.ID, false)
		l.logEvent(ev, 1, nil, "")
		return []byte("{}")
	}
	out := &limitedBuffer{max: MaxBody}
	timeout := min(l.cfg.CardTimeout, l.cfg.HandlerTimeout)
	res := run(invocation{command: command, env: handlerEnv(l.cfg.Env, ev, 1), ev: ev, stdout: out, stderr: lockedWriter{&l.outMu, l.cfg.ErrOut}}, timeout)
	var resp []byte
	switch {
	case res.err == errTimeout:
		resp = errorToast("The handler did not answer in time.")
	case res.err != nil:
		resp = errorToast("The handler failed.")
	default:
		body := bytesTrim(out.Bytes())
		var obj map[string]json.RawMessage
		switch {
		case len(body) == 0:
			resp = []byte("{}")
		case out.over || json.Unmarshal(body, &obj) != nil || obj == nil:
			res.err = errors.New("stdout is not a JSON object")
			resp = errorToast("The handler answered with something that is not JSON.")
		default:
			resp = body
		}
	}
	if res.err != nil {
		l.metrics.failures.Add(1)
	}
	// A card callback is answered once: a failure shows the user an error
	// toast and is not retried behind their back.
	_ = l.journal.Finish(ev.ID, res.err != nil)
	l.logRun(ev, 1, res)
	return resp
}

func bytesTrim(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\n' || b[0] == '\r' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// emit writes ev as one JSON line on Out.
func (l *Listener) emit(ev *Event) error {
	var b bytes.Buffer
	if json.Compact(&b, ev.Body) != nil {
		b.Reset()
		b.Write(ev.Body)
	}
	buf := b.Bytes()
	l.outMu.Lock()
	defer l.outMu.Unlock()
	_, err := l.cfg.Out.Write(append(buf, '\n'))
	return err
}

func (l *Listener) logEvent(ev *Event, attempt int, err error, msg string) {
	e := l.cfg.Log.Info()
	if err != nil {
		e = l.cfg.Log.Warn().Err(err)
	}
	if msg == "" {
		msg = "printed"
	}
	e.Str("event_type", ev.Type).Str("event_id", ev.ID).Int("attempt", attempt).Msg(msg)
}

func (l *Listener) logRun(ev *Event, attempt int, res runResult) {
	e := l.cfg.Log.Info()
	msg := "handled"
	if res.err != nil {
		e, msg = l.cfg.Log.Warn().Str("error", res.err.Error()), "handler failed"
	}
	e.Str("event_type", ev.Type).Str("event_id", ev.ID).Int("attempt", attempt).
		Int("exit", res.exit).Int64("duration_ms", res.duration.Milliseconds()).Msg(msg)
}

// Run runs queued handlers until ctx is done, then waits for those
// running to finish; the rest stay in the journal for the next start.
func (l *Listener) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	running := 0
	busy := map[string]bool{}
	done := make(chan *task)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		// Start what may start: in order, at most one per chat, none
		// before its retry time, at most Workers at once.
		now := l.cfg.Now()
		next := time.Time{}
		l.mu.Lock()
		blocked := map[string]bool{}
		for i := 0; i < len(l.queue) && running < l.cfg.Workers && ctx.Err() == nil; i++ {
			t := l.queue[i]
			k := t.ev.Key
			if k != "" && (busy[k] || blocked[k]) {
				continue
			}
			if t.notBefore.After(now) {
				if next.IsZero() || t.notBefore.Before(next) {
					next = t.notBefore
				}
				if k != "" {
					blocked[k] = true
				}
				continue
			}
			l.queue = append(l.queue[:i:i], l.queue[i+1:]...)
			i--
			if k != "" {
				busy[k] = true
			}
			running++
			wg.Add(1)
			go func() {
				defer wg.Done()
				l.runTask(t)
				done <- t
			}()
		}
		l.mu.Unlock()
		if !next.IsZero() {
			timer.Reset(max(next.Sub(now), time.Millisecond))
		}
		if ctx.Err() != nil && running == 0 {
			wg.Wait()
			return l.journal.Close()
		}
		select {
		case <-l.wake:
		case <-timer.C:
		case t := <-done:
			running--
			delete(busy, t.ev.Key)
		case <-ctx.Done():
			if running > 0 {
				l.cfg.Log.Info().Int("running", running).Msg("draining handlers")
			}
			// Keep looping to collect running tasks; nothing new starts.
			for running > 0 {
				t := <-done
				running--
				delete(busy, t.ev.Key)
			}
			wg.Wait()
			l.cfg.Log.Info().Int("pending", l.journal.Depth()).Msg("stopped; unfinished events stay in the journal")
			return l.journal.Close()
		}
	}
}

// runTask runs one attempt of t's handler and records the outcome.
func (l *Listener) runTask(t *task) {
	t.attempt++
	ev := t.ev
	command := handlerFor(l.cfg.Handlers, ev.Type)
	var res runResult
	if command == "" {
		start := time.Now()
		err := l.emit(ev)
		res = runResult{err: err, duration: time.Since(start)}
		if err == nil {
			_ = l.journal.Finish(ev.ID, false)
		}
		l.logEvent(ev, t.attempt, err, "")
		if err == nil {
			return
		}
	} else {
		res = run(invocation{command: command, env: handlerEnv(l.cfg.Env, ev, t.attempt), ev: ev,
			stdout: lockedWriter{&l.outMu, l.cfg.Out}, stderr: lockedWriter{&l.outMu, l.cfg.ErrOut}}, l.cfg.HandlerTimeout)
		l.logRun(ev, t.attempt, res)
		if res.err == nil {
			if err := l.journal.Finish(ev.ID, false); err != nil {
				l.cfg.Log.Error().Err(err).Str("event_id", ev.ID).Msg("cannot record success; the handler may run again after a restart")
			}
			return
		}
	}
	l.metrics.failures.Add(1)
	if t.attempt >= l.cfg.MaxAttempts {
		_ = l.journal.Finish(ev.ID, true)
		l.cfg.Log.Error().Str("event_type", ev.Type).Str("event_id", ev.ID).Int("attempts", t.attempt).Msg("giving up on event")
		return
	}
	wait := l.cfg.RetryBackoff << min(t.attempt-1, 20)
	if wait > 5*time.Minute || wait <= 0 {
		wait = 5 * time.Minute
	}
	t.notBefore = l.cfg.Now().Add(wait)
	l.mu.Lock()
	// Back at its place in arrival order, so later events of its chat wait.
	l.queue = insertOrdered(l.queue, t, l.journal)
	l.mu.Unlock()
	l.poke()
}

// insertOrdered puts t back before the events that arrived after it.
func insertOrdered(q []*task, t *task, j *Journal) []*task {
	j.mu.Lock()
	order := map[string]int{}
	for i, e := range j.pending {
		order[e.ID] = i
	}
	j.mu.Unlock()
	pos := len(q)
	for i, o := range q {
		if order[o.ev.ID] > order[t.ev.ID] {
			pos = i
			break
		}
	}
	q = append(q, nil)
	copy(q[pos+1:], q[pos:])
	q[pos] = t
	return q
}

// ServeHTTP answers Feishu's HTTP callbacks.
func (l *Listener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		l.refuse(w, r, &RequestError{Status: http.StatusMethodNotAllowed, Reason: "method " + r.Method})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		l.refuse(w, r, &RequestError{Status: http.StatusBadRequest, Reason: "cannot read body"})
		return
	}
	res, err := l.cfg.Decoder.Decode(r.Header, body)
	if err != nil {
		var re *RequestError
		if !errors.As(err, &re) {
			re = &RequestError{Status: http.StatusBadRequest, Reason: err.Error()}
		}
		l.refuse(w, r, re)
		return
	}
	if res.Challenge != "" {
		l.cfg.Log.Info().Msg("answered url_verification")
		writeJSON(w, http.StatusOK, map[string]string{"challenge": res.Challenge})
		return
	}
	resp, err := l.Submit(res.Event)
	if err != nil && !errors.Is(err, ErrDuplicate) {
		// Not recorded: a 500 makes Feishu deliver it again later.
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "cannot record the event"})
		return
	}
	if resp == nil {
		resp = []byte("{}")
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(resp)
}

func (l *Listener) refuse(w http.ResponseWriter, r *http.Request, re *RequestError) {
	l.metrics.refused.Add(1)
	l.cfg.Log.Warn().Int("status", re.Status).Str("reason", re.Reason).Str("remote", r.RemoteAddr).Msg("refused request")
	writeJSON(w, re.Status, map[string]string{"error": re.Reason})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Serve serves HTTP callbacks at path on ln until ctx is done, and runs
// handlers meanwhile. On ctx done it stops accepting, waits for requests
// in flight, drains running handlers and returns.
func (l *Listener) Serve(ctx context.Context, ln net.Listener, path string) error {
	mux := http.NewServeMux()
	mux.Handle(path, l)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	runCtx, stop := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- l.Run(runCtx) }()
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	shut, cancel := context.WithTimeout(context.Background(), l.cfg.CardTimeout+time.Second)
	_ = srv.Shutdown(shut)
	_ = ln.Close() // Serve may not have taken it yet; Shutdown would miss it
	cancel()
	stop()
	err := <-runDone
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return err
}

// HandleLongConnection handles one payload from the long connection: no
// signature or encryption there, the connection itself is authenticated.
// It returns the status to answer (200, or 500 when the event could not be
// recorded, so that Feishu delivers it again) and a card callback's answer.
func (l *Listener) HandleLongConnection(_ string, payload []byte) (int, []byte) {
	res, err := (&Decoder{}).Decode(nil, payload)
	if err != nil {
		var re *RequestError
		status := http.StatusBadRequest
		if errors.As(err, &re) {
			status = re.Status
		}
		l.metrics.refused.Add(1)
		l.cfg.Log.Warn().Int("status", status).Str("reason", err.Error()).Msg("refused long-connection message")
		return status, nil
	}
	if res.Event == nil {
		return http.StatusOK, nil
	}
	resp, err := l.Submit(res.Event)
	if err != nil && !errors.Is(err, ErrDuplicate) {
		return http.StatusInternalServerError, nil
	}
	return http.StatusOK, resp
}

// ServeWith runs handlers while serve receives events (a long-connection
// client's Run, say) until ctx is done; then it drains running handlers.
func (l *Listener) ServeWith(ctx context.Context, serve func(context.Context) error) error {
	runCtx, stop := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- l.Run(runCtx) }()
	err := serve(ctx)
	stop()
	if rerr := <-runDone; err == nil {
		err = rerr
	}
	return err
}
