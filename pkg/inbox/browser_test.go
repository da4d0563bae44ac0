package inbox_test

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/internal/browser"
	"github.com/feishu-push/feishu-push/pkg/chart"
)

// headless runs Chromium on url with extra flags and returns its stdout.
func headless(t *testing.T, bin, url string, extra ...string) []byte {
	t.Helper()
	return browser.Run(t, bin, url, extra...)
}

// TestInboxInBrowser loads the inbox in headless Chromium and checks what
// it draws: the header colour, the title, the button's link, table cells and
// that uploaded images load. It skips where no Chromium is installed.
func TestInboxInBrowser(t *testing.T) {
	bin := browser.Find(t)
	e := inboxEnv(t)
	e.Vars["TZ"] = "Asia/Shanghai"

	// An image to put in the every-element card.
	c := apiClient(e)
	pngBytes, err := chart.PNG(&chart.Chart{Type: "bar", X: []string{"朝阳", "海淀"}, Series: []chart.Series{{Name: "销售额", Values: []float64{32000, 28650.5}}}})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := c.Images.NewUploadRequest("bar.png", pngBytes)
	key, _, err := c.Images.Upload(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	send(t, e, "send-text", "--to", "oc_demo", "--text", "hello <at user_id=\"all\"></at>")
	send(t, e, "send-card", "--to", "oc_demo", "--card-file", "../../examples/cards/v1.json")
	send(t, e, "send-card", "--to", "oc_demo", "--template", "testdata/every-element.tmpl", "--var", "img="+key)
	send(t, e, "push-dashboard", "--to", "oc_sales", "--title", "每日销售看板", "--url", "https://bi.example.com/sales",
		"--data", "../../examples/dashboard/sales.json", "--as-of", "2026-11-21 18:00", "--tz", "Asia/Shanghai")

	dom := string(headless(t, bin, e.Srv.URL+"/", "--dump-dom"))
	if !strings.Contains(dom, `data-ready="true"`) {
		t.Fatalf("the page never drew the messages:\n%.2000s", dom)
	}
	if n := strings.Count(dom, `<li class="msg"`); n != 4 {
		t.Errorf("%d messages drawn, want 4", n)
	}
	for _, want := range []string{
		`<div class="fp-header fp-tpl-green"><div class="fp-title">Every element</div>`,
		`<div class="fp-subtitle">the renderer's test card</div>`,
		`<a class="fp-btn fp-btn-primary" href="https://example.com/open"`,
		`<td>朝阳</td><td class="fp-num">32,000.0</td>`,
		`<span class="fp-at">@所有人</span>`,
		`<div class="fp-title">Build #42 passed</div>`,
		`<div class="fp-title">每日销售看板</div>`,
		`<strong>¥128,430.50</strong>`,
		`<div class="fp-note"><span>sent by feishu-push</span></div>`,
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	// The uploaded image loaded; the dashboard's native chart is drawn
	// inline from its chart_spec.
	loaded := regexp.MustCompile(`<img class="fp-img" src="/api/images/img_v3_[0-9a-f]+"[^>]*data-loaded="true"`)
	if n := len(loaded.FindAllString(dom, -1)); n != 1 {
		t.Errorf("%d images loaded, want 1", n)
	}
	if !strings.Contains(dom, `class="vchart"`) {
		t.Error("the dashboard's chart is not drawn")
	}

	// A screenshot of the dashboard alone: the README's picture.
	shot := filepath.Join(t.TempDir(), "dashboard.png")
	headless(t, bin, e.Srv.URL+"/?seq="+strconv.Itoa(len(e.Srv.Messages())), "--window-size=800,1000", "--screenshot="+shot)
	b, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Width != 800 || cfg.Height != 1000 {
		t.Fatalf("screenshot: %v %+v", err, cfg)
	}
	if os.Getenv("UPDATE_DOCS") != "" {
		if err := os.WriteFile("../../docs/dashboard.png", b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
