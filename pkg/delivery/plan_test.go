package delivery

import (
	"errors"
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/feishu"
)

// TestResolveAudience: the mode each combination of settings and flags
// selects, and the recipients read once.
func TestResolveAudience(t *testing.T) {
	reads := 0
	read := func(flag, path string) ([]byte, error) {
		reads++
		return []byte("# list\nou_a\nchat:oc_b # 朝阳\nou_a\n"), nil
	}
	for _, tc := range []struct {
		name string
		sel  Selection
		mode Mode
		to   string
		err  string
	}{
		{"app", Selection{To: []string{"oc_a"}, HasApp: true}, ModeApp, "oc_a", ""},
		{"webhook", Selection{Webhook: true}, ModeWebhook, "webhook", ""},
		{"env webhook and --to with app", Selection{To: []string{"oc_a"}, Webhook: true, HasApp: true}, ModeApp, "oc_a", ""},
		{"env webhook and --to-file with app", Selection{ToFile: "x", Webhook: true, HasApp: true}, ModeApp, "ou_a,oc_b", ""},
		{"--webhook and --to", Selection{To: []string{"oc_a"}, Webhook: true, WebhookFlag: true, HasApp: true}, 0, "", "--to is not used with a webhook"},
		{"webhook, --to, no app", Selection{To: []string{"oc_a"}, Webhook: true}, 0, "", "--to is not used with a webhook"},
		{"webhook and --uuid", Selection{Webhook: true, UUID: "k"}, 0, "", "--uuid is not used with a webhook"},
		{"no credentials", Selection{To: []string{"oc_a"}}, 0, "", "no credentials"},
		{"dry run without credentials", Selection{To: []string{"oc_a"}, DryRun: true}, ModeApp, "oc_a", ""},
		{"profile defaults", Selection{Defaults: []string{"oc_d"}, HasApp: true}, ModeApp, "oc_d", ""},
		{"--to-file and --to, de-duplicated", Selection{To: []string{"chat:oc_b"}, ToFile: "x", HasApp: true}, ModeApp, "oc_b,ou_a", ""},
		{"nobody", Selection{HasApp: true}, 0, "", "--to is required"},
		{"preview, nobody", Selection{Preview: true}, ModeApp, "", ""},
		{"batch", Selection{To: []string{"ou_a"}, Batch: true, HasApp: true}, ModeBatch, "ou_a", ""},
		{"batch and uuid", Selection{To: []string{"ou_a"}, Batch: true, UUID: "k", HasApp: true}, 0, "", "--uuid is not used with --batch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.sel.Read = read
			before := reads
			a, err := ResolveAudience(tc.sel)
			if tc.err != "" {
				var ue *feishu.UsageError
				if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.As(err, &ue) {
					t.Fatalf("err %v, want a usage error with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			names := strings.Join(a.Names(), ",")
			if a.Mode != tc.mode || (tc.to != "" || a.Mode != ModeWebhook) && names != tc.to {
				t.Errorf("mode %d to %q, want %d %q", a.Mode, names, tc.mode, tc.to)
			}
			if tc.sel.ToFile != "" && reads != before+1 {
				t.Errorf("--to-file read %d times", reads-before)
			}
		})
	}
}

// TestPlanValidatesEveryRequest: a message over a limit fails the plan
// before anything could be sent, as a LimitError.
func TestPlanValidatesEveryRequest(t *testing.T) {
	c := feishu.New(feishu.WithCredentials("cli_x", "s"))
	a := Audience{Mode: ModeApp, Recipients: []feishu.Recipient{{IDType: "chat_id", ID: "oc_a"}, {IDType: "open_id", ID: "ou_b"}}, UUID: "daily"}
	p, err := NewPlan(c, a, feishu.TextMessage("hi"))
	if err != nil || p.Len() != 2 {
		t.Fatalf("plan %+v %v", p, err)
	}
	j0, _ := p.Job(0)
	j1, _ := p.Job(1)
	if j0.UUID == j1.UUID || !strings.HasPrefix(j0.UUID, "daily-") || j0.Req == nil || j1.Index != 1 {
		t.Fatalf("jobs %+v %+v", j0, j1)
	}
	_, err = NewPlan(c, a, feishu.TextMessage(strings.Repeat("x", 151*1024)))
	var le *feishu.LimitError
	if !errors.As(err, &le) || feishu.Classify(err) != feishu.KindUsage {
		t.Errorf("err %v", err)
	}
}

// TestPlanBuildsTheSameJobAgain: a job built on demand is the same each
// time (the spool writes it ahead, the engine builds it again to send it),
// and without --uuid each recipient still gets its own uuid.
func TestPlanBuildsTheSameJobAgain(t *testing.T) {
	c := feishu.New(feishu.WithCredentials("cli_x", "s"))
	a := Audience{Mode: ModeApp, Recipients: []feishu.Recipient{{IDType: "chat_id", ID: "oc_a"}, {IDType: "open_id", ID: "ou_b"}}}
	p, err := NewPlan(c, a, feishu.TextMessage("hi"))
	if err != nil {
		t.Fatal(err)
	}
	a1, _ := p.Job(0)
	a2, _ := p.Job(0)
	b, _ := p.Job(1)
	if a1.UUID != a2.UUID || a1.UUID == b.UUID || !strings.HasPrefix(a1.UUID, "fp-") || len(a1.UUID) > feishu.MaxUUIDLen {
		t.Errorf("uuids %q %q %q", a1.UUID, a2.UUID, b.UUID)
	}
	q, _ := NewPlan(c, a, feishu.TextMessage("hi"))
	if c1, _ := q.Job(0); c1.UUID == a1.UUID {
		t.Errorf("two runs share uuid %q", c1.UUID)
	}
}
