package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/term"

	"github.com/feishu-push/feishu-push/pkg/delivery"
	"github.com/feishu-push/feishu-push/pkg/tokencache"
)

// IOStreams are the standard streams of one invocation. Out carries data
// only (a token, message ids, JSON); ErrOut carries what people read.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// SystemStreams returns the process's standard streams.
func SystemStreams() *IOStreams {
	return &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
}

// TestStreams returns streams backed by buffers, and the buffers.
func TestStreams() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// stderrIsTerminal reports whether people watch stderr, which is when a
// progress line and a closing summary are worth printing.
func (f *Factory) stderrIsTerminal() bool {
	fh, ok := f.IO.ErrOut.(*os.File)
	return ok && term.IsTerminal(int(fh.Fd()))
}

// ensureDir creates the directory of path, 0700, when it is missing: for
// the token cache, the log file and the metrics file alike.
func ensureDir(path string) error {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	return os.MkdirAll(dir, 0o700)
}

// newTokenStore returns the token cache at path, its directory created.
func newTokenStore(path string, warnTo io.Writer) *tokencache.File {
	warn := func(w string) { fmt.Fprintln(warnTo, "feishu-push: warning: "+w) }
	if err := ensureDir(path); err != nil {
		warn(fmt.Sprintf("token cache %s: %v", path, unwrapPathError(err)))
	}
	return &tokencache.File{Path: path, Warn: warn}
}

// Result and Summary are the --json shapes of a run.
type (
	Result  = delivery.Result
	Summary = delivery.Summary
)

// maskWriter hides secrets in what passes through it; every line on
// stderr is written whole, so a secret is never split across writes.
type maskWriter struct {
	w    io.Writer
	mask func(string) string
}

func (m *maskWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(m.w, m.mask(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// stderr is ErrOut with the invocation's secrets masked.
func (f *Factory) stderr() io.Writer {
	return &maskWriter{w: f.IO.ErrOut, mask: f.mask}
}
