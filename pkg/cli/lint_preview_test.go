package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLintEveryExample: every card, template and dashboard data file in
// examples/ passes lint, offline.
func TestLintEveryExample(t *testing.T) {
	e := newEnv(t)
	var files []string
	for _, pat := range []string{"cards/*.json", "templates/*.tmpl", "dashboard/*.tmpl", "dashboard/*.json", "dashboard/*.csv"} {
		m, _ := filepath.Glob("../../examples/" + pat)
		files = append(files, m...)
	}
	if len(files) < 8 {
		t.Fatalf("only %d example files: %v", len(files), files)
	}
	r := e.Run("", append([]string{"lint"}, files...)...)
	r.Expect(t, 0)
	if r.Out != "" {
		t.Errorf("findings:\n%s", r.Out)
	}
	for _, target := range []string{"app", "webhook"} {
		r = e.Run("", "lint", "--target", target, "--json", "../../examples/cards/v2.json")
		var got struct {
			Files []FileFindings `json:"files"`
		}
		if err := json.Unmarshal([]byte(r.Out), &got); err != nil || len(got.Files) != 1 || len(got.Files[0].Findings) != 0 {
			t.Errorf("--json --target %s: %q", target, r.Out)
		}
	}
	if len(e.Srv.Requests()) != 0 {
		t.Error("lint touched the network")
	}
}

func TestLintFindsAndPoints(t *testing.T) {
	e := newEnv(t)
	bad := e.File("bad.json", `{"schema":"2.0","body":{"elements":[{"tag":"markdown","content":"x"},{"tag":"action","actions":[]}]}}`)
	ok := e.File("ok.json", `{"elements":[]}`)
	r := e.Run("", "lint", ok, bad)
	r.Expect(t, ExitUsage)
	if r.Out != bad+`: body.elements[1].tag: "action" is a 1.0-only tag; schema 2.0 cards reject it (Feishu error 200861) [v2-tag]`+"\n" {
		t.Errorf("stdout %q", r.Out)
	}
	if r.ErrOut != "feishu-push: lint: 1 problem in 2 files\n" {
		t.Errorf("stderr %q", r.ErrOut)
	}
	// The same card is refused before a send.
	r = e.Run("", "send-card", "--to", "oc_a", "--card-file", bad)
	r.Expect(t, ExitUsage)
	if !strings.Contains(r.ErrOut, "body.elements[1].tag") || len(e.Srv.Requests()) != 0 {
		t.Errorf("send: %q", r.ErrOut)
	}
	// A template without data, and a missing file.
	tmpl := e.File("lonely.tmpl", `{"elements":[{"tag":"markdown","content":"{{.x}}"}]}`)
	r = e.Run("", "lint", tmpl, filepath.Join(e.Dir, "nope.json"))
	r.Expect(t, ExitUsage)
	if !strings.Contains(r.Out, "lonely.tmpl: no data to render it with") || !strings.Contains(r.Out, "no such file") {
		t.Errorf("stdout %q", r.Out)
	}
	e.Run("", "lint", tmpl, "--var", "x=1").Expect(t, 0)
	r = e.Run("", "lint", "--target", "mobile", ok)
	r.Expect(t, ExitUsage)
}

// TestPreviewEveryExample: preview draws each example offline, with no
// credentials, into one self-contained page.
func TestPreviewEveryExample(t *testing.T) {
	e := newEnv(t)
	e.Vars = map[string]string{"HOME": e.Dir} // no credentials, no server
	for name, args := range map[string][]string{
		"v1":        {"send-card", "--card-file", "../../examples/cards/v1.json"},
		"v2":        {"send-card", "--card-file", "../../examples/cards/v2.json"},
		"alert":     {"send-card", "--template", "../../examples/templates/alert.tmpl", "--data", "../../examples/templates/alert.json"},
		"report":    {"send-card", "--template", "../../examples/templates/report.tmpl", "--data", "../../examples/templates/report.json"},
		"text":      {"send-text", "--to", "oc_a", "--text", "hello"},
		"dashboard": {"push-dashboard", "--title", "每日销售看板", "--url", "https://bi.example.com", "--data", "../../examples/dashboard/sales.json"},
		"stores": {"push-dashboard", "--title", "门店", "--url", "https://bi.example.com", "--data", "../../examples/dashboard/stores.csv",
			"--kpi", "销售额=销售额:sum", "--chart", "bar", "--chart-x", "门店", "--chart-y", "销售额"},
		"image":    {"push-dashboard", "--title", "每日销售看板", "--url", "https://bi.example.com", "--data", "../../examples/dashboard/sales.json", "--chart-image"},
		"image-v1": {"push-dashboard", "--title", "每日销售看板", "--url", "https://bi.example.com", "--data", "../../examples/dashboard/sales.json", "--card-version", "1"},
		"summary":  {"push-dashboard", "--title", "看板", "--url", "https://bi.example.com", "--content-file", "../../examples/dashboard/summary.md"},
	} {
		out := filepath.Join(e.Dir, name+".html")
		r := e.Run("", append([]string{"preview", "-o", out}, args...)...)
		r.Expect(t, 0)
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		page := string(b)
		if !strings.HasPrefix(page, "<!doctype html>") || !strings.Contains(page, ".fp-card") || strings.Contains(page, `class="fp-unknown"`) {
			t.Errorf("%s: page %.300s", name, page)
		}
		if strings.HasPrefix(name, "dashboard") || name == "stores" {
			// The native chart, drawn inline from its chart_spec.
			if !strings.Contains(page, `<svg xmlns="http://www.w3.org/2000/svg" class="vchart"`) {
				t.Errorf("%s: chart not drawn", name)
			}
		}
		if strings.HasPrefix(name, "image") && !strings.Contains(page, `src="data:image/png;base64,`) {
			t.Errorf("%s: chart image not embedded", name)
		}
		if strings.Contains(strings.ReplaceAll(page, `xmlns="http://www.w3.org/2000/svg"`, ""), "http://") || strings.Contains(page, "<script src") || strings.Contains(page, "<link") {
			t.Errorf("%s: the page is not self-contained", name)
		}
	}
	// To stdout, and a bad card is still refused.
	r := e.Run("", "preview", "send-card", "--title", "T", "--color", "green")
	r.Expect(t, 0)
	if !strings.Contains(r.Out, `fp-tpl-green`) {
		t.Errorf("stdout %.200s", r.Out)
	}
	e.Run("", "preview", "send-card", "--title", "T", "--color", "pink").Expect(t, ExitUsage)
	// Recipients are parsed as for a send: a pasted webhook URL is refused
	// without being written anywhere.
	r = e.Run("", "preview", "send-text", "--text", "x", "--to", e.Srv.WebhookURL(testHookToken))
	r.Expect(t, ExitUsage)
	r = e.Run("", "preview", "send-text", "--text", "x", "--to", "oc_a,ou_b")
	r.Expect(t, 0)
	if !strings.Contains(r.Out, "send-text → oc_a, ou_b") {
		t.Errorf("preview header: %.400s", r.Out)
	}
}

// TestLintI18nCardIsNotDashboardData: a 1.0 card whose content is only in
// i18n_elements (with the word "table" in it) is linted as a card,
// not read as dashboard data; dashboard data is still the dashboard card.
func TestLintI18nCardIsNotDashboardData(t *testing.T) {
	e := newEnv(t)
	c := e.File("i18n.json", `{"config":{"wide_screen_mode":true},
"i18n_header":{"zh_cn":{"title":{"tag":"plain_text","content":"周报"}}},
"i18n_elements":{"zh_cn":[{"tag":"markdown","content":"table"}]}}`)
	r := e.Run("", "lint", "--json", c)
	r.Expect(t, 0)
	if strings.Contains(r.Out, "dashboard") || strings.Contains(r.Out, `"rule":"input"`) {
		t.Errorf("lint read the card as dashboard data: %s", r.Out)
	}
	r = e.Run("", "lint", "--json", "../../examples/dashboard/sales.json")
	r.Expect(t, 0)
	if !strings.Contains(r.Out, `"findings":[]`) {
		t.Errorf("dashboard data: %s", r.Out)
	}
}
