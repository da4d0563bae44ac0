// Package browser finds and runs headless Chromium for the tests that look
// at pages as a person would: the sandbox inbox, preview and the README's
// pictures. Only tests import it.
package browser

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"testing"
	"time"
)

// Find returns the path of Chromium (or Chrome), $CHROMIUM first. Where
// there is none the test skips, saying why, unless REQUIRE_BROWSER is set
// (CI sets it where it could install Chromium): then it fails, so a
// browser test is never skipped silently where it could run.
func Find(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("REQUIRE_BROWSER") != "" {
		tb.Fatal("REQUIRE_BROWSER is set but no Chromium was found: the browser test cannot be skipped here")
	}
	tb.Skip("no Chromium found (apt-get install chromium, or set $CHROMIUM): the browser test is skipped")
	return ""
}

// Run runs headless Chromium (bin, from Find) on url with extra flags, such
// as --dump-dom or --screenshot=FILE, and returns its stdout. The flags keep
// it off the network: this machine's closed network refuses Chromium's
// background connections.
func Run(tb testing.TB, bin, url string, extra ...string) []byte {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--disable-quic", "--hide-scrollbars", "--user-data-dir=" + tb.TempDir(),
		"--virtual-time-budget=8000"}, extra...)
	cmd := exec.CommandContext(ctx, bin, append(args, url)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		tb.Fatalf("%s: %v\n%s", bin, err, errOut.String())
	}
	return out.Bytes()
}
