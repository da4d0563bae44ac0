package cli

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// emitter prints per-message results in the order of the recipients,
// whatever order the workers finish in.
type emitter struct {
	f       *Factory
	json    bool
	mu      sync.Mutex
	next    int
	pending map[int]func()
	prog    *progress
}

// newEmitter returns an emitter for n results; prog's line is cleared
// before each result is printed.
func newEmitter(f *Factory, n int, json bool, prog *progress) *emitter {
	return &emitter{f: f, json: json, pending: make(map[int]func(), n), prog: prog}
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

// data prints a stdout line, unless results go out as JSON at the end.
func (e *emitter) data(line string) {
	if !e.json {
		fmt.Fprintln(e.f.IO.Out, line)
	}
}

// stderrIsTerminal reports whether people watch stderr, which is when a
// progress line and a closing summary are worth printing.
func (f *Factory) stderrIsTerminal() bool {
	fh, ok := f.IO.ErrOut.(*os.File)
	if !ok {
		return false
	}
	st, err := fh.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress draws "sent 340/1000 · failed 2 · 49.8 msg/s · ETA 13s" on a
// terminal's stderr, and nothing elsewhere (cron, CI, a file).
type progress struct {
	f            *Factory
	total        int
	start        time.Time
	sent, failed atomic.Int64
	mu           sync.Mutex
	quit         chan struct{}
	wg           sync.WaitGroup
}

func (f *Factory) startProgress(total int) *progress {
	p := &progress{f: f, total: total, start: time.Now()}
	if total < 2 || !f.stderrIsTerminal() {
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
	fmt.Fprintf(p.f.IO.ErrOut, "\r\033[Ksent %d/%d · failed %d · %.1f msg/s · ETA %s", sent, p.total, failed, rate, eta)
}

// clear wipes the progress line before other output.
func (p *progress) clear() {
	if p.quit == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.f.IO.ErrOut, "\r\033[K")
}

func (p *progress) stop() {
	if p.quit == nil {
		return
	}
	close(p.quit)
	p.wg.Wait()
	p.clear()
}
