package cli

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes buffer safe for the sandbox's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestSandbox runs the sandbox command, sends to it as a user would, and
// stops it as Ctrl-C does.
func TestSandbox(t *testing.T) {
	out, errOut := &syncBuffer{}, &syncBuffer{}
	f := NewFactory(&IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut}, func(string) string { return "" })
	ready := make(chan string, 1)
	opts := &SandboxOptions{f: f, Addr: "127.0.0.1:0", WebhookSecret: "sandbox-hook-secret", Ready: func(base string) { ready <- base }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runSandbox(ctx, opts) }()
	var base string
	select {
	case base = <-ready:
	case err := <-done:
		t.Fatalf("sandbox ended: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("sandbox did not start")
	}
	banner := errOut.String()
	for _, want := range []string{"FEISHU_BASE_URL=" + base, "FEISHU_APP_ID=cli_sandbox", "FEISHU_APP_SECRET=sandbox_secret", "signature checked with --webhook-secret"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}

	e := newEnv(t)
	e.Vars["FEISHU_BASE_URL"], e.Vars["FEISHU_APP_ID"], e.Vars["FEISHU_APP_SECRET"] = base, "cli_sandbox", "sandbox_secret"
	e.Run("", "send-card", "--to", "oc_demo", "--title", "Backup", "--content", "**42 GB**", "--button", "Logs=https://ci.example.com/42").Expect(t, 0)
	delete(e.Vars, "FEISHU_APP_SECRET")
	e.Vars["FEISHU_WEBHOOK_URL"] = base + "/open-apis/bot/v2/hook/any-token"
	e.Run("", "send-text", "--text", "unsigned").Expect(t, ExitAuth) // the sandbox checks signatures
	e.Vars["FEISHU_WEBHOOK_SECRET"] = "sandbox-hook-secret"
	e.Run("", "send-text", "--text", "signed").Expect(t, 0)

	printed := out.String()
	for _, want := range []string{"app -> chat_id:oc_demo interactive om_", "# Backup [blue]", "**42 GB**", "[Logs] https://ci.example.com/42", "webhook -> webhook text", "signed"} {
		if !strings.Contains(printed, want) {
			t.Errorf("sandbox output lacks %q:\n%s", want, printed)
		}
	}
	resp, err := http.Get(base + "/api/messages")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Count(string(body), `"seq"`) != 2 {
		t.Errorf("/api/messages: %.300s", body)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("sandbox stopped with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("sandbox did not stop")
	}
}
