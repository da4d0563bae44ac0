package feishu

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"
)

// fakeClock is a clock that sleeping advances: one goroutine at a time.
// Before it moves past an in-flight attempt's end, it ends the attempt
// (calls done), as another worker would meanwhile.
type fakeClock struct {
	t        time.Time
	inFlight []flight
	done     func(flight)
}

type flight struct {
	req      *Request
	dep, end time.Time
}

func (c *fakeClock) now() time.Time { return c.t }
func (c *fakeClock) sleep(_ context.Context, d time.Duration) error {
	c.advance(c.t.Add(d))
	return nil
}

// advance moves the clock to to, ending in order the attempts due by then.
func (c *fakeClock) advance(to time.Time) {
	for {
		sort.Slice(c.inFlight, func(i, j int) bool { return c.inFlight[i].end.Before(c.inFlight[j].end) })
		if len(c.inFlight) == 0 || c.inFlight[0].end.After(to) {
			break
		}
		f := c.inFlight[0]
		c.inFlight = c.inFlight[1:]
		if f.end.After(c.t) {
			c.t = f.end
		}
		c.done(f)
	}
	if to.After(c.t) {
		c.t = to
	}
}

func newTestLimiter(clk *fakeClock, dir string, app Limits) *RateLimiter {
	l := NewRateLimiter(app, WebhookLimits)
	l.now, l.sleep = clk.now, clk.sleep
	l.SetStateDir(dir)
	l.bind("cli_test", "http://127.0.0.1:1", "")
	return l
}

func sendReq(rcpt string) *Request {
	if rcpt == "" {
		return &Request{Endpoint: EndpointBatchSend}
	}
	return &Request{Endpoint: EndpointMessagesCreate, rateKey: rcpt}
}

// maxInWindow returns the most departures in any window of length span,
// of any alignment: the fullest such window starts at a departure.
func maxInWindow(ts []time.Time, span time.Duration) int {
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	most, j := 0, 0
	for i := range ts {
		for j < len(ts) && ts[j].Before(ts[i].Add(span)) {
			j++
		}
		most = max(most, j-i)
	}
	return most
}

// TestLimiterNeverExceedsAWindow drives the limiter with random arrivals,
// recipients, im/v1 and batch_send mixed, and 429s, and checks that no
// window of any alignment holds more than its limit, that no request leaves
// during a pause, and that each recipient keeps to 5/s.
func TestLimiterNeverExceedsAWindow(t *testing.T) {
	for seed := uint64(1); seed <= 12; seed++ {
		for _, shared := range []bool{false, true} {
			if shared && seed > 3 {
				continue // the state file is slower; a few seeds suffice
			}
			dir := ""
			if shared {
				dir = t.TempDir()
			}
			rng := rand.New(rand.NewPCG(seed, 7))
			clk := &fakeClock{t: time.Date(2026, 11, 21, 18, 0, 0, 0, time.UTC)}
			l := newTestLimiter(clk, dir, AppLimits)
			var all []time.Time
			per := map[string][]time.Time{}
			type span struct{ from, to time.Time }
			var pauses []span
			// Attempts end while others wait, as with 16 workers; Feishu
			// sees each at some moment between its departure and its end.
			clk.done = func(f flight) {
				l.Observe(f.req, nil)
				seen := f.dep.Add(time.Duration(rng.Int64N(int64(f.end.Sub(f.dep)) + 1)))
				all = append(all, seen)
				if f.req.rateKey != "" {
					per[f.req.rateKey] = append(per[f.req.rateKey], seen)
				}
			}
			for i := 0; i < 2500; i++ {
				switch r := rng.IntN(100); {
				case r < 5:
					clk.advance(clk.t.Add(time.Duration(rng.IntN(1500)) * time.Millisecond))
				case r < 6:
					clk.advance(clk.t.Add(time.Duration(rng.IntN(40)) * time.Second))
				case r < 7:
					d := time.Duration(rng.IntN(4)) * time.Second
					l.Observe(sendReq("x"), &APIError{Code: 99991400, HTTPStatus: 429, RetryAfter: d})
					if d == 0 {
						d = time.Second
					}
					pauses = append(pauses, span{clk.t, clk.t.Add(d)})
				}
				if len(clk.inFlight) == 16 { // every worker busy: wait for one
					clk.advance(clk.inFlight[0].end)
				}
				rcpt := ""
				if rng.IntN(10) > 0 {
					rcpt = "chat_id:oc_" + strconv.Itoa(rng.IntN(12))
				}
				req := sendReq(rcpt)
				if err := l.Wait(context.Background(), req, false); err != nil {
					t.Fatal(err)
				}
				dep := clk.t
				for _, p := range pauses {
					if !dep.Before(p.from) && dep.Before(p.to) {
						t.Fatalf("seed %d: a request left at %v, within a pause %v-%v", seed, dep, p.from, p.to)
					}
				}
				lat := time.Duration(1+rng.IntN(5)) * time.Millisecond
				if rng.IntN(10) == 0 {
					lat = time.Duration(rng.IntN(300)) * time.Millisecond
				}
				clk.inFlight = append(clk.inFlight, flight{req: req, dep: dep, end: dep.Add(lat)})
			}
			clk.advance(clk.t.Add(time.Hour))
			if n := maxInWindow(all, time.Second); n > 50 {
				t.Errorf("seed %d shared %v: %d in one second", seed, shared, n)

			}
			if n := maxInWindow(all, time.Minute); n > 1000 {
				t.Errorf("seed %d shared %v: %d in one minute", seed, shared, n)
			}
			for r, ts := range per {
				if n := maxInWindow(ts, time.Second); n > 5 {
					t.Errorf("seed %d: %d to %s in one second", seed, n, r)
				}
			}
		}
	}
}

// A fresh limiter lets a whole window's worth go at once, and then keeps to
// at least 98% of the per-second ceiling.
func TestLimiterBurstThenSteadyState(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 21, 18, 0, 0, 0, time.UTC)}
	start := clk.t
	l := newTestLimiter(clk, "", Limits{PerSecond: 50})
	for i := 0; i < 50; i++ {
		if err := l.Wait(context.Background(), sendReq(""), false); err != nil {
			t.Fatal(err)
		}
	}
	if !clk.t.Equal(start) {
		t.Fatalf("the first 50 waited %v", clk.t.Sub(start))
	}
	for i := 50; i < 5000; i++ {
		if err := l.Wait(context.Background(), sendReq(""), false); err != nil {
			t.Fatal(err)
		}
	}
	// 5000 departures: 50 at once, then 99 more full seconds.
	rate := 4950 / clk.t.Sub(start).Seconds()
	if rate < 0.98*50 {
		t.Errorf("steady state %.2f/s, want at least 49", rate)
	}
}

// The minute window binds after 1,000: the 1,001st waits for the first to
// be a minute old.
func TestLimiterMinuteWindow(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 11, 21, 18, 0, 0, 0, time.UTC)}
	start := clk.t
	l := newTestLimiter(clk, "", AppLimits)
	for i := 0; i < 1001; i++ {
		if err := l.Wait(context.Background(), sendReq(""), false); err != nil {
			t.Fatal(err)
		}
	}
	if d := clk.t.Sub(start); d < time.Minute {
		t.Errorf("the 1,001st left after %v", d)
	}
}

// A 429 with x-ogw-ratelimit-reset pauses every request of the app, in this
// process and in another sharing the state file; a deadline that the pause
// would outlast fails at once.
func TestLimiterPauseOn429(t *testing.T) {
	dir := t.TempDir()
	clk := &fakeClock{t: time.Date(2026, 11, 21, 18, 0, 0, 0, time.UTC)}
	a := newTestLimiter(clk, dir, AppLimits)
	b := newTestLimiter(clk, dir, AppLimits)
	if err := a.Wait(context.Background(), sendReq("chat_id:oc_1"), false); err != nil {
		t.Fatal(err)
	}
	start := clk.t
	a.Observe(sendReq("chat_id:oc_1"), &APIError{Code: 99991400, HTTPStatus: 429, RetryAfter: 3 * time.Second})
	// Another error does not pause.
	a.Observe(sendReq("chat_id:oc_1"), &APIError{Code: 230020, HTTPStatus: 400})
	if err := b.Wait(context.Background(), sendReq("chat_id:oc_2"), false); err != nil {
		t.Fatal(err)
	}
	if d := clk.t.Sub(start); d < 3*time.Second {
		t.Errorf("the other process's request left %v after the 429", d)
	}
	a.Observe(sendReq(""), &APIError{Code: 99991400, HTTPStatus: 429, RetryAfter: 30 * time.Second})
	ctx, cancel := context.WithDeadline(context.Background(), clk.t.Add(5*time.Second))
	defer cancel()
	if err := a.Wait(ctx, sendReq(""), false); err == nil {
		t.Error("a wait past the deadline succeeded")
	}
}

// Two limiters sharing a state dir share the budget: together they send 50
// in the first second, not 100. The state is private to the user, and a
// crashed process's departures stop counting once the windows pass.
func TestLimiterSharedState(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	clk := &fakeClock{t: time.Date(2026, 11, 21, 18, 0, 0, 0, time.UTC)}
	start := clk.t
	a := newTestLimiter(clk, dir, AppLimits)
	b := newTestLimiter(clk, dir, AppLimits)
	var ts []time.Time
	for i := 0; i < 100; i++ {
		l := a
		if i%2 == 1 {
			l = b
		}
		if err := l.Wait(context.Background(), sendReq(""), false); err != nil {
			t.Fatal(err)
		}
		ts = append(ts, clk.t)
	}
	if n := maxInWindow(ts, time.Second); n > 50 {
		t.Errorf("%d in one second from two processes", n)
	}
	if d := clk.t.Sub(start); d < time.Second {
		t.Errorf("100 sends from two processes took %v", d)
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("state dir: %v %v", fi.Mode(), err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("state dir holds %d files, want one state file", len(ents))
	}
	for _, e := range ents {
		fi, _ := e.Info()
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v", e.Name(), fi.Mode())
		}
	}
	// a "crashes"; a minute later a new process has the whole window.
	clk.t = clk.t.Add(time.Minute + time.Second)
	c := newTestLimiter(clk, dir, AppLimits)
	before := clk.t
	for i := 0; i < 50; i++ {
		if err := c.Wait(context.Background(), sendReq(""), false); err != nil {
			t.Fatal(err)
		}
	}
	if !clk.t.Equal(before) {
		t.Errorf("stale departures held a new process back %v", clk.t.Sub(before))
	}
	// A damaged state file reads as empty; the process still knows its own
	// departures.
	for _, e := range ents {
		if filepath.Ext(e.Name()) == "" {
			if err := os.WriteFile(filepath.Join(dir, e.Name()), []byte("garbage"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := c.Wait(context.Background(), sendReq(""), false); err != nil {
		t.Fatal(err)
	}
	if clk.t.Sub(before) < time.Second {
		t.Errorf("the 51st after a damaged state file left after %v", clk.t.Sub(before))
	}
}

func TestCleanStateDir(t *testing.T) {
	dir := t.TempDir()
	clk := &fakeClock{t: time.Now()}
	l := newTestLimiter(clk, dir, AppLimits)
	if err := l.Wait(context.Background(), sendReq(""), false); err != nil {
		t.Fatal(err)
	}
	cleanStateDir(dir, time.Now())
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("a fresh state file was cleaned: %d left", len(ents))
	}
	cleanStateDir(dir, time.Now().Add(staleAfter+time.Minute))
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("a stale state file was kept: %d left", len(ents))
	}
}

// BenchmarkSharedTake measures one departure through the shared state
// file with a full minute's log.
func BenchmarkSharedTake(b *testing.B) {
	clk := &fakeClock{t: time.Date(2026, 11, 21, 18, 0, 0, 0, time.UTC)}
	l := newTestLimiter(clk, b.TempDir(), Limits{PerSecond: 1e9, PerMinute: 1000})
	for i := 0; i < b.N; i++ {
		clk.t = clk.t.Add(time.Minute / 1000)
		if err := l.Wait(context.Background(), sendReq(""), false); err != nil {
			b.Fatal(err)
		}
	}
}
