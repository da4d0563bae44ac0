//go:build unix

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

// TestListenHandlersFromProfile: a profile's on: holds the handlers (a
// mapping TYPE: COMMAND, or a list of TYPE=COMMAND); --on adds to them and
// replaces the profile's handler of the same type.
func TestListenHandlersFromProfile(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte(`default_profile: ops
profiles:
  ops:
    on:
      im.message.receive_v1: echo profile-msg >> `+dir+`/msg.txt
      contact.user.created_v3: echo profile-contact >> `+dir+`/contact.txt
  listed:
    on:
      - approval_instance=echo listed >> `+dir+`/appr.txt
`), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startListen(t, []string{"FEISHU_PUSH_CONFIG=" + cfg}, "--state-dir", filepath.Join(dir, "state"),
		"--on", "contact.user.created_v3=echo flag-contact >> "+dir+"/contact.txt",
		"--on", "approval_instance=echo flag-appr >> "+dir+"/appr.txt")
	s := &feishutest.EventSender{URL: p.URL, AppID: "cli_listen"}
	for i, typ := range []string{"im.message.receive_v1", "contact.user.created_v3", "approval_instance"} {
		ev := s.Event2("ev-p-"+typ, typ, feishutest.SampleEvent(typ, nil))
		if typ == "approval_instance" {
			ev = s.Event1("uuid-p-1", typ, feishutest.SampleEvent(typ, nil))
		}
		if res, err := s.Post(ev); err != nil || res.Status != 200 {
			t.Fatalf("event %d: %v %v", i, err, res)
		}
	}
	for file, want := range map[string]string{"msg.txt": "profile-msg", "contact.txt": "flag-contact", "appr.txt": "flag-appr"} {
		if got := waitLines(t, filepath.Join(dir, file), 1); strings.Join(got, "|") != want {
			t.Errorf("%s: %q, want %q", file, got, want)
		}
	}
	p.stop()
	if strings.TrimSpace(p.stdout.String()) != "" {
		t.Errorf("every event had a handler, yet stdout has %q", p.stdout.String())
	}

	// The list form, from another profile.
	p = startListen(t, []string{"FEISHU_PUSH_CONFIG=" + cfg, "FEISHU_PUSH_PROFILE=listed"}, "--state-dir", filepath.Join(dir, "state2"))
	s = &feishutest.EventSender{URL: p.URL, AppID: "cli_listen"}
	if res, err := s.Post(s.Event1("uuid-p-2", "approval_instance", feishutest.SampleEvent("approval_instance", nil))); err != nil || res.Status != 200 {
		t.Fatalf("event: %v %v", err, res)
	}
	if got := waitLines(t, filepath.Join(dir, "appr.txt"), 2); got[1] != "listed" {
		t.Errorf("list form: %q", got)
	}
	p.stop()
}

// TestListenProfileHandlersBad: a bad on: entry is a usage error naming
// the config file, before anything listens.
func TestListenProfileHandlersBad(t *testing.T) {
	e := newEnv(t)
	for name, tc := range map[string]struct{ yaml, want string }{
		"no command": {"on:\n  - approval_instance\n", "on in " + "%s" + `: "approval_instance": want TYPE=COMMAND`},
		"twice":      {"on:\n  - a=x\n  - a=y\n", "on in %s: a given twice"},
		"not scalar": {"on:\n  a: [x]\n", "%s: line 4: on: a: want a command"},
	} {
		cfg := e.File(strings.ReplaceAll(name, " ", "_")+".yaml", "profiles:\n  default:\n    "+strings.ReplaceAll(tc.yaml, "\n  ", "\n      ")+"")
		r := e.Run("", "--config", cfg, "listen", "--state-dir", filepath.Join(e.Dir, "state"), "--addr", "127.0.0.1:0")
		want := strings.ReplaceAll(tc.want, "%s", cfg)
		if r.Code != ExitUsage || len(lines(r.ErrOut)) != 1 || !strings.Contains(r.ErrOut, want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", name, r.Code, r.ErrOut, want)
		}
	}
	r := e.Run("", "listen", "--on", "a=x", "--on", "a=y", "--addr", "127.0.0.1:0")
	if r.Code != ExitUsage || !strings.Contains(r.ErrOut, "--on: a given twice") {
		t.Errorf("--on twice: exit %d, %q", r.Code, r.ErrOut)
	}
}
