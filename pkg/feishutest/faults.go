package feishutest

import (
	"math/rand/v2"
	"net/http"
	"strings"
	"time"
)

// Action says what a fault does to a request.
type Action int

const (
	// Respond answers with the fault's Status, Code, Msg and Header instead
	// of handling the request.
	Respond Action = iota
	// Reset closes the connection without an answer, before handling.
	Reset
	// Delay waits Delay, then handles the request normally.
	Delay
	// LoseResponse handles the request (a message is stored) and then closes
	// the connection without an answer, as when a response is lost in transit.
	LoseResponse
)

// Fault is a scripted failure for the next Times requests to Endpoint. A
// test scripts exactly the requests it expects to fail (for a send that
// gives up, the attempts its retry setting allows): a fault left over at
// the end fails the test (CheckConsumed).
type Fault struct {
	// Endpoint is EndpointToken, EndpointMessages or EndpointWebhook; empty
	// matches any.
	Endpoint string
	// Times is how many requests the fault applies to; 0 means 1.
	Times  int
	Action Action
	// Status, Code and Msg are the answer of a Respond fault (and of Reject).
	Status int
	Code   int
	Msg    string
	// Header is added to the answer of a Respond fault, e.g.
	// x-ogw-ratelimit-reset.
	Header map[string]string
	// Delay is how long a Delay fault waits.
	Delay time.Duration
	// Outage marks a fault that stands for an outage of no set length,
	// for a run whose number of attempts depends on timing (a shared retry
	// budget): it lasts at most Times requests, and CheckConsumed asks only
	// that it was met.
	Outage bool

	met int
}

// Inject queues faults. Each applies, in order, to the next requests to its
// endpoint until its Times are used up.
func (f *Fake) Inject(faults ...Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ft := range faults {
		ft := ft
		if ft.Times <= 0 {
			ft.Times = 1
		}
		f.faults = append(f.faults, &ft)
	}
}

// WithRandomFaults makes a fraction p of message and webhook requests fail
// transiently, drawn from a fixed seed: HTTP 503, 230020, 99991400 with a
// one-second reset, a reset connection, or an answer lost after the message
// was stored. A load test's faults.
func WithRandomFaults(p float64, seed uint64) Option {
	return func(f *Fake) {
		f.randomP = p
		f.random = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	}
}

var randomFaults = []Fault{
	{Status: http.StatusServiceUnavailable},
	{Status: http.StatusBadRequest, Code: 230020, Msg: "This operation triggers the frequency limit"},
	{Status: http.StatusTooManyRequests, Code: 99991400, Msg: "request trigger frequency limit", Header: map[string]string{"x-ogw-ratelimit-reset": "1"}},
	{Action: Reset},
	{Action: LoseResponse},
}

// takeFault returns the first pending fault for endpoint and uses it once,
// or a random fault when they are on.
func (f *Fake) takeFault(endpoint string) *Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.random != nil && (endpoint == EndpointMessages || endpoint == EndpointWebhook) && f.random.Float64() < f.randomP {
		ft := randomFaults[f.random.IntN(len(randomFaults))]
		if endpoint == EndpointWebhook && ft.Code != 0 {
			ft = Fault{Status: http.StatusBadRequest, Code: 9499, Msg: "too many request"}
		}
		return &ft
	}
	for i, ft := range f.faults {
		if ft.Endpoint != "" && ft.Endpoint != endpoint {
			continue
		}
		ft.Times--
		ft.met++
		if ft.Times == 0 {
			f.faults = append(f.faults[:i], f.faults[i+1:]...)
		}
		cp := *ft
		return &cp
	}
	return nil
}

// begin does what every endpoint does first: it refuses methods other than
// POST and applies a scripted fault. It returns the writer to answer on, a
// function to defer (after a LoseResponse fault it drops the connection
// once the request was handled), and false when the request has been
// answered already.
func (f *Fake) begin(w http.ResponseWriter, r *http.Request, ep string) (http.ResponseWriter, func(), bool) {
	if r.Method != http.MethodPost && ep == EndpointWebhook {
		f.reply(w, r, ep, http.StatusMethodNotAllowed, webhookErr(405, "method not allowed"))
		return nil, nil, false
	}
	return f.beginMethod(w, r, ep, http.MethodPost)
}

// beginMethod is begin for an endpoint served with method, which may be
// another than POST.
func (f *Fake) beginMethod(w http.ResponseWriter, r *http.Request, ep, method string) (http.ResponseWriter, func(), bool) {
	if r.Method != method {
		f.reply(w, r, ep, http.StatusMethodNotAllowed, errBody(405, "method not allowed"))
		return nil, nil, false
	}
	handled, lose := f.applyFault(w, r, ep)
	switch {
	case handled:
		return nil, nil, false
	case lose:
		return &lostWriter{ResponseWriter: w, header: http.Header{}}, func() { dropConnection(w) }, true
	}
	return w, func() {}, true
}

// call is a request to an app endpoint that passed the checks every one
// makes first: its method, a scripted fault and the bearer token.
type call struct {
	// w is the writer to answer on; done is to be deferred (see begin).
	w    http.ResponseWriter
	done func()
	// app is the app the token was issued to.
	app string
}

// beginApp is beginMethod followed by the bearer-token check; ok is false
// when the request has been answered already.
func (f *Fake) beginApp(w http.ResponseWriter, r *http.Request, ep, method string) (call, bool) {
	w, done, ok := f.beginMethod(w, r, ep, method)
	if !ok {
		return call{}, false
	}
	app, status, body := f.checkBearer(r)
	if body != nil {
		f.reply(w, r, ep, status, body)
		done()
		return call{}, false
	}
	return call{w: w, done: done, app: app}, true
}

// requireJSON refuses, as im/v1 does, a body that is not declared JSON;
// false means the request has been answered.
func (f *Fake) requireJSON(w http.ResponseWriter, r *http.Request, ep string) bool {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		return true
	}
	f.reply(w, r, ep, http.StatusBadRequest, fieldError(violation{Field: "Content-Type", Description: "must be application/json; charset=utf-8"}))
	return false
}

// applyFault runs the fault for a request, if any. It returns handled=true
// when the request has been answered (or dropped), and lose=true when the
// caller must handle the request and then drop the connection.
func (f *Fake) applyFault(w http.ResponseWriter, r *http.Request, endpoint string) (handled, lose bool) {
	ft := f.takeFault(endpoint)
	if ft == nil {
		return false, false
	}
	switch ft.Action {
	case Reset:
		f.record(r, endpoint, 0, 0)
		dropConnection(w)
		return true, false
	case Delay:
		select {
		case <-time.After(ft.Delay):
		case <-r.Context().Done():
		}
		return false, false
	case LoseResponse:
		return false, true
	}
	for k, v := range ft.Header {
		w.Header().Set(k, v)
	}
	status := ft.Status
	if status == 0 {
		status = http.StatusOK
	}
	body := map[string]any{"code": ft.Code, "msg": ft.Msg}
	if endpoint == EndpointWebhook {
		body["data"] = map[string]any{}
	}
	f.reply(w, r, endpoint, status, body)
	return true, false
}

// record notes a request the fake answered (status 0: dropped).
func (f *Fake) record(r *http.Request, endpoint string, status, code int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, Request{Time: f.now(), Method: r.Method, Path: r.URL.Path, Endpoint: endpoint, Status: status, Code: code})
}

// dropConnection closes the client connection without writing a response.
func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// lostWriter swallows a response so that the connection can be dropped
// after the request was handled.
type lostWriter struct {
	http.ResponseWriter
	header http.Header
}

func (l *lostWriter) Header() http.Header         { return l.header }
func (l *lostWriter) WriteHeader(int)             {}
func (l *lostWriter) Write(b []byte) (int, error) { return len(b), nil }

// Unconsumed returns the scripted faults (Inject) that have requests left
// (an Outage only while it was never met),
// with their Times reduced to what is left: a test whose faults were never
// met did not test what it says.
func (f *Fake) Unconsumed() []Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Fault, 0, len(f.faults))
	for _, ft := range f.faults {
		if ft.Outage && ft.met > 0 {
			continue
		}
		out = append(out, *ft)
	}
	return out
}

// CheckConsumed fails tb for every scripted fault that still has requests
// left: a fault never met means the test did not exercise what it
// scripted, one partly met that fewer requests were made than it expects.
// NewServer calls it at cleanup.
func (f *Fake) CheckConsumed(tb TB) {
	tb.Helper()
	for _, ft := range f.Unconsumed() {
		tb.Errorf("scripted fault not consumed: %d request(s) left of %+v", ft.Times, ft)
	}
}
