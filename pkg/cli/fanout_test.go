package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

func TestToFile(t *testing.T) {
	e := newEnv(t)
	list := e.File("managers.txt", "# store managers\nou_a\nou_b  # 朝阳\n\nops@example.com,chat:oc_c\nou_a\n")
	r := e.Run("", "send-text", "--to-file", list, "--to", "ou_b", "--text", "hi")
	r.Expect(t, 0)
	got := lines(r.Out)
	if len(got) != 4 || !strings.HasPrefix(got[0], "ou_b\t") || !strings.HasPrefix(got[1], "ou_a\t") || !strings.HasPrefix(got[3], "oc_c\t") {
		t.Errorf("stdout %q: want ou_b, ou_a, ops@, oc_c in order, once each", r.Out)
	}
	if len(e.Srv.Messages()) != 4 {
		t.Errorf("stored %d", len(e.Srv.Messages()))
	}
	// From stdin, and a bad line named.
	e.Run("ou_x\nou_y\n", "send-text", "--to-file", "-", "--text", "hi").Expect(t, 0)
	bad := e.File("bad.txt", "ou_a\n\nchat:ou_b\n")
	r = e.Run("", "send-text", "--to-file", bad, "--text", "hi")
	r.Expect(t, ExitUsage)
	if !strings.Contains(r.ErrOut, bad+":3: recipient \"chat:ou_b\"") {
		t.Errorf("stderr %q", r.ErrOut)
	}
}

// TestFanOutStaysUnderTheLimits: many recipients against a fake that
// enforces Feishu's documented limits; the limiter keeps every request
// within them, so Feishu never refuses one.
func TestFanOutStaysUnderTheLimits(t *testing.T) {
	e := newEnv(t, feishutest.WithRateLimits(feishutest.DocumentedLimits))
	var b strings.Builder
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&b, "ou_store%03d\n", i)
	}
	r := e.Run(b.String(), "send-text", "--to-file", "-", "--text", "日报已更新", "--json")
	r.Expect(t, 0)
	var got struct {
		Results []Result
		Summary Summary
	}
	if err := json.Unmarshal([]byte(r.Out), &got); err != nil || len(got.Results) != 60 || got.Summary.Sent != 60 || got.Summary.Failed != 0 {
		t.Fatalf("--json: %v %+v", err, got.Summary)
	}
	for _, req := range e.Srv.Requests() {
		if req.Code == 99991400 || req.Code == 230020 {
			t.Fatalf("Feishu refused a request: %+v", req)
		}
	}
	if len(e.Srv.Messages()) != 60 {
		t.Errorf("stored %d", len(e.Srv.Messages()))
	}
}

func TestBatch(t *testing.T) {
	e := newEnv(t)
	e.Srv.Reject("ou_gone", feishutest.Fault{Code: 1})
	var b strings.Builder
	for i := 0; i < 450; i++ {
		fmt.Fprintf(&b, "ou_u%03d\n", i)
	}
	b.WriteString("ou_gone\nuser:e1001\n")
	r := e.Run(b.String(), "send-card", "--to-file", "-", "--batch", "--title", "通知", "--content", "系统维护")
	r.Expect(t, ExitRejected)
	batches := e.Srv.CountRequests(feishutest.EndpointBatch)
	if batches != 4 { // 451 open_ids in 200s, then 1 user_id
		t.Errorf("%d batch requests, want 4", batches)
	}
	if n := len(lines(r.Out)); n != 451 || !strings.Contains(r.Out, "\tbm-") {
		t.Errorf("%d stdout lines", n)
	}
	if !strings.Contains(r.ErrOut, "send to ou_gone failed") || !strings.Contains(r.ErrOut, "invalid open_id") {
		t.Errorf("stderr %q", r.ErrOut)
	}
	if n := len(e.Srv.Messages()); n != 451 {
		t.Errorf("stored %d", n)
	}
	for _, args := range [][]string{
		{"--to", "oc_chat", "--batch"},
		{"--to", "a@b.c", "--batch"},
		{"--to", "ou_a", "--batch", "--uuid", "k"},
	} {
		r := e.Run("", append([]string{"send-text", "--text", "x"}, args...)...)
		if r.Code != ExitUsage || !strings.Contains(r.ErrOut, "batch") {
			t.Errorf("%v: exit %d %q", args, r.Code, r.ErrOut)
		}
	}
}

func TestBadFanOutFlags(t *testing.T) {
	e := newEnv(t)
	for _, args := range [][]string{{"--rate", "0"}, {"--workers", "0"}, {"--burst", "0"}, {"--rate-per-minute", "-1"}} {
		r := e.Run("", append([]string{"send-text", "--to", "ou_a", "--text", "x"}, args...)...)
		if r.Code != ExitUsage || !strings.Contains(r.ErrOut, args[0]+" "+args[1]+": want ") {
			t.Errorf("%v: exit %d %q", args, r.Code, r.ErrOut)
		}
	}
	e.Webhook()
	r := e.Run("", "send-text", "--text", "x", "--to-file", "-")
	r.Expect(t, ExitUsage)
}
