package delivery

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	errOut := &bytes.Buffer{}
	o := &Output{Out: io.Discard, ErrOut: errOut}
	// Not a terminal: nothing at all.
	quiet := o.startProgress(100)
	quiet.done(true)
	quiet.clear()
	quiet.stop()
	if errOut.Len() != 0 {
		t.Fatalf("progress off a terminal wrote %q", errOut)
	}
	p := &progress{w: errOut, total: 10, start: time.Now().Add(-2 * time.Second), quit: make(chan struct{})}
	for i := 0; i < 4; i++ {
		p.done(true)
	}
	p.done(false)
	p.draw()
	line := errOut.String()
	if !strings.HasPrefix(line, "\r\033[Ksent 4/10 · failed 1 · 2.5 msg/s · ETA 2s") {
		t.Errorf("progress line %q", line)
	}
}

// TestEmitterClearsProgress: on a terminal, a result line first wipes the
// progress line, so the two never run together.
func TestEmitterClearsProgress(t *testing.T) {
	errOut := &bytes.Buffer{}
	p := &progress{w: errOut, total: 2, start: time.Now(), quit: make(chan struct{})}
	out := newEmitter(2, p)
	out.done(1, func() { fmt.Fprintln(errOut, "second") })
	out.done(0, func() { fmt.Fprintln(errOut, "first") })
	if got := errOut.String(); got != "\r\033[Kfirst\n\r\033[Ksecond\n" {
		t.Errorf("stderr %q", got)
	}
}
