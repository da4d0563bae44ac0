//go:build unix

package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

// TestSendCardCallbackButtons: --button LABEL=callback:{JSON} is a button
// whose click sends that value, in a 1.0 card (action block, value) and a
// 2.0 card (behaviors callback); link buttons stay links.
func TestSendCardCallbackButtons(t *testing.T) {
	e := newEnv(t)
	for _, v := range []string{"1", "2"} {
		r := e.Run("", "send-card", "--to", "oc_ops", "--title", "Disk 91%", "--color", "red", "--content", "**db-1** /var",
			"--note", "sent by cron", "--card-version", v,
			"--button", `Ack=callback:{"action":"ack","alert":"disk"}`, "--button", "Runbook=url:https://wiki.example/disk",
			"--button", "Grafana=https://grafana.example/d/1")
		r.Expect(t, 0)
		c := lastCard(t, e.Srv)
		if v == "1" {
			act := findTag(c, "action")
			if _, v2 := c["schema"]; v2 || act == nil {
				t.Fatalf("1.0: %v", c)
			}
			ack, runbook, grafana := dig(act, "actions", 0), dig(act, "actions", 1), dig(act, "actions", 2)
			if dig(ack, "value", "action") != "ack" || dig(ack, "value", "alert") != "disk" || dig(ack, "url") != nil {
				t.Errorf("1.0 callback button %v", ack)
			}
			if dig(runbook, "url") != "https://wiki.example/disk" || dig(grafana, "url") != "https://grafana.example/d/1" {
				t.Errorf("1.0 link buttons %v %v", runbook, grafana)
			}
			continue
		}
		if dig(c, "schema") != "2.0" || findTag(c, "note") != nil || findTag(c, "action") != nil {
			t.Fatalf("2.0: %v", c)
		}
		var buttons []map[string]any
		for _, col := range dig(findTag(c, "column_set"), "columns").([]any) {
			buttons = append(buttons, findTag(col, "button"))
		}
		if len(buttons) != 3 {
			t.Fatalf("2.0 buttons %v", buttons)
		}
		if dig(buttons[0], "behaviors", 0, "type") != "callback" || dig(buttons[0], "behaviors", 0, "value", "action") != "ack" {
			t.Errorf("2.0 callback button %v", buttons[0])
		}
		if dig(buttons[1], "behaviors", 0, "type") != "open_url" || dig(buttons[1], "behaviors", 0, "default_url") != "https://wiki.example/disk" {
			t.Errorf("2.0 link button %v", buttons[1])
		}
		if !strings.Contains(string(e.Srv.Messages()[1].Content), "sent by cron") {
			t.Error("2.0: the note is lost")
		}
	}
	sent := len(e.Srv.Requests())
	for _, tc := range []struct{ button, want string }{
		{`Ack=callback:{"action":`, `--button "Ack=callback:{\"action\":": callback: want a JSON object`},
		{`Ack=callback:["ack"]`, `callback: want a JSON object`},
		{`Ack=callback:`, `callback: want a JSON object`},
		{`=callback:{}`, `want Label=URL or Label=callback:{JSON}`},
		{`Ack`, `--button "Ack": want Label=URL or Label=callback:{JSON}`},
		{`Logs=ftp://x`, `--button "Logs=ftp://x": "ftp://x": only http, https and lark links`},
	} {
		r := e.Run("", "send-card", "--to", "oc_ops", "--title", "t", "--button", tc.button)
		if r.Code != ExitUsage || len(lines(r.ErrOut)) != 1 || !strings.Contains(r.ErrOut, tc.want) {
			t.Errorf("--button %s: exit %d, stderr %q; want 2 and %q", tc.button, r.Code, r.ErrOut, tc.want)
		}
	}
	r := e.Run("", "send-card", "--to", "oc_ops", "--card-file", "../../examples/cards/v2.json", "--card-version", "2")
	if r.Code != ExitUsage || !strings.Contains(r.ErrOut, "--card-version goes with the --title/--content flags") {
		t.Errorf("--card-version with --card-file: exit %d, %q", r.Code, r.ErrOut)
	}
	if n := len(e.Srv.Requests()); n != sent {
		t.Errorf("bad --button reached the server: %d requests", n-sent)
	}
}

// TestCallbackButtonRoundTrip: the value of a button send-card made
// reaches the handler of `feishu-push listen` when the button is clicked,
// and the handler's answer replaces the card.
func TestCallbackButtonRoundTrip(t *testing.T) {
	e := newEnv(t)
	e.Run("", "send-card", "--to", "oc_ops", "--title", "Disk 91%", "--color", "red", "--card-version", "2",
		"--button", `Ack=callback:{"action":"ack","alert":"disk"}`).Expect(t, 0)
	c := lastCard(t, e.Srv)
	value, err := json.Marshal(dig(findTag(c, "button"), "behaviors", 0, "value"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	got := filepath.Join(dir, "got.json")
	script := filepath.Join(dir, "ack.sh")
	if err := os.WriteFile(script, []byte(`#!/bin/sh
cat > `+got+`
printf '{"toast":{"type":"success","content":"Acknowledged"},"card":{"type":"raw","data":{"header":{"template":"green","title":{"tag":"plain_text","content":"Acked"}},"elements":[]}}}'
`), 0o755); err != nil {
		t.Fatal(err)
	}
	p := startListen(t, []string{"FEISHU_ENCRYPT_KEY=" + testEncryptKey}, "--state-dir", dir, "--on", "card.action.trigger="+script)
	s := &feishutest.EventSender{URL: p.URL, EncryptKey: testEncryptKey, AppID: "cli_listen"}
	msg := e.Srv.Messages()[0]
	cr, err := e.Srv.Click(s, msg.MessageID, 0, value, "ou_oncall")
	if err != nil || !cr.CardUpdated || cr.Toast == nil || cr.Toast.Content != "Acknowledged" {
		t.Fatalf("click: %+v %v", cr, err)
	}
	p.stop()
	b, err := os.ReadFile(got)
	if err != nil {
		t.Fatal(err)
	}
	var ev struct {
		Event struct {
			Action struct {
				Value map[string]any `json:"value"`
			} `json:"action"`
		} `json:"event"`
	}
	if err := json.Unmarshal(b, &ev); err != nil || ev.Event.Action.Value["action"] != "ack" || ev.Event.Action.Value["alert"] != "disk" {
		t.Errorf("handler got %s (%v)", b, err)
	}
	if !strings.Contains(string(e.Srv.Messages()[0].Content), "Acked") {
		t.Error("the card was not replaced")
	}
}
