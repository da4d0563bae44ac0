package delivery

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Output is where a run prints: Out carries data only (result lines, JSON),
// ErrOut what people read. Terminal says whether people watch ErrOut, which
// is when a progress line and a closing summary are worth printing.
type Output struct {
	Out, ErrOut io.Writer
	JSON        bool
	Terminal    bool
}

// data prints a stdout line, unless results go out as JSON at the end.
func (o *Output) data(line string) {
	if !o.JSON {
		fmt.Fprintln(o.Out, line)
	}
}

// ReportFailure prints one line about a failed message on stderr; what
// names it, e.g. "send to oc_x" or "recall of om_x".
func (o *Output) ReportFailure(what string, err error, note string) {
	var b strings.Builder
	fmt.Fprintf(&b, "feishu-push: %s failed: %v", what, err)
	if re := resultError(err); re.Hint != "" {
		b.WriteString("; hint: " + re.Hint)
	}
	b.WriteString(note)
	fmt.Fprintln(o.ErrOut, b.String())
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// WriteJSON writes v as one line of JSON, HTML characters unescaped.
func WriteJSON(w io.Writer, v any) error { return writeJSON(w, v) }

// emitter prints per-job results in the order of the plan, whatever order
// the workers finish in.
type emitter struct {
	mu      sync.Mutex
	next    int
	pending map[int]func()
	prog    *progress
}

// newEmitter returns an emitter for n results; prog's line is cleared
// before each result is printed.
func newEmitter(n int, prog *progress) *emitter {
	return &emitter{pending: make(map[int]func(), n), prog: prog}
}

// done records that result i is ready to print with print.
func (e *emitter) done(i int, print func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pending[i] = print
	for {
		fn, ok := e.pending[e.next]
		if !ok {
			return
		}
		delete(e.pending, e.next)
		e.next++
		if e.prog != nil {
			e.prog.clear()
		}
		fn()
	}
}

// progress draws "sent 340/1000 · failed 2 · 49.8 msg/s · ETA 13s" on a
// terminal's stderr, and nothing elsewhere (cron, CI, a file).
type progress struct {
	w            io.Writer
	total        int
	start        time.Time
	sent, failed atomic.Int64
	mu           sync.Mutex
	quit         chan struct{}
	wg           sync.WaitGroup
}

func (o *Output) startProgress(total int) *progress {
	p := &progress{w: o.ErrOut, total: total, start: time.Now()}
	if total < 2 || !o.Terminal {
		return p
	}
	p.quit = make(chan struct{})
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.quit:
				return
			case <-t.C:
				p.draw()
			}
		}
	}()
	return p
}

func (p *progress) done(ok bool) {
	if ok {
		p.sent.Add(1)
	} else {
		p.failed.Add(1)
	}
}

func (p *progress) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	sent, failed := p.sent.Load(), p.failed.Load()
	secs := time.Since(p.start).Seconds()
	rate := float64(sent+failed) / max(secs, 0.001)
	left := int64(p.total) - sent - failed
	eta := "-"
	if rate > 0 {
		eta = (time.Duration(float64(left)/rate) * time.Second).Round(time.Second).String()
	}
	fmt.Fprintf(p.w, "\r\033[Ksent %d/%d · failed %d · %.1f msg/s · ETA %s", sent, p.total, failed, rate, eta)
}

// clear wipes the progress line before other output.
func (p *progress) clear() {
	if p.quit == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.w, "\r\033[K")
}

func (p *progress) stop() {
	if p.quit == nil {
		return
	}
	close(p.quit)
	p.wg.Wait()
	p.clear()
}
