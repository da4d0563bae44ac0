package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"image/png"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/internal/browser"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
	"github.com/feishu-push/feishu-push/pkg/inbox"
)

// chromiumRun runs headless Chromium on url with extra flags and returns
// its stdout.
func chromiumRun(t *testing.T, bin, url string, extra ...string) []byte {
	t.Helper()
	return browser.Run(t, bin, url, extra...)
}

// screenshot takes a screenshot of url in a window of size [w, h], checks
// it, and with UPDATE_DOCS=1 saves it as docs/NAME (`make screenshot`).
func screenshot(t *testing.T, bin, url, name string, size [2]int) {
	t.Helper()
	w, h := size[0], size[1]
	shot := filepath.Join(t.TempDir(), name)
	chromiumRun(t, bin, url, "--window-size="+strconv.Itoa(w)+","+strconv.Itoa(h), "--screenshot="+shot)
	b, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil || img.Bounds().Dx() != w || img.Bounds().Dy() != h {
		t.Fatalf("%s: %v", name, err)
	}
	if os.Getenv("UPDATE_DOCS") != "" {
		if err := os.WriteFile(filepath.Join("..", "..", "docs", name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// storeNames are the 20 stores of examples/dashboard/stores.csv.
func storeNames(t *testing.T) []string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(mustRead(t, dashExamples+"stores.csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rows[1:] {
		names = append(names, r[0])
	}
	return names
}

// TestDashboardScreenshots draws the example dashboards (JSON and CSV) in
// the sandbox inbox and in preview with headless Chromium, checks that the
// native charts are drawn with every category label, and takes the
// README's pictures (docs/dashboard-*.png, saved with UPDATE_DOCS=1). It
// skips where no Chromium is installed.
func TestDashboardScreenshots(t *testing.T) {
	bin := browser.Find(t)
	dir := t.TempDir()
	// The limiter reads $XDG_RUNTIME_DIR from the process: keep its state
	// out of the user's runtime and cache directories.
	t.Setenv("XDG_RUNTIME_DIR", filepath.Join(dir, "run"))
	fake := feishutest.New()
	srv := httptest.NewServer(inbox.New(fake))
	defer srv.Close()
	env := map[string]string{"FEISHU_BASE_URL": srv.URL, "FEISHU_APP_ID": feishutest.DefaultAppID,
		"FEISHU_APP_SECRET": feishutest.DefaultAppSecret, "HOME": dir, "TZ": "Asia/Shanghai"}
	run := func(args ...string) {
		t.Helper()
		ios, _, _, errOut := TestStreams()
		if code := Run(context.Background(), NewFactory(ios, func(k string) string { return env[k] }), args); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
	}
	sales := []string{"push-dashboard", "--title", "每日销售看板", "--url", "https://bi.example.com/sales",
		"--data", dashExamples + "sales.json", "--as-of", "2026-11-21 18:00", "--tz", "Asia/Shanghai"}
	stores := []string{"push-dashboard", "--title", "门店销售", "--url", "https://bi.example.com/stores",
		"--data", dashExamples + "stores.csv", "--kpi", "销售额=销售额:sum", "--kpi", "订单数=订单数:sum",
		"--chart", "bar", "--chart-x", "门店", "--chart-y", "销售额", "--max-rows", "5", "--as-of", "2026-11-21 18:00", "--tz", "Asia/Shanghai"}
	run(append(sales, "--to", "oc_sales")...)
	run(append(stores, "--to", "oc_sales")...)
	run(append([]string{"preview", "-o", filepath.Join(dir, "sales.html")}, sales...)...)
	run(append([]string{"preview", "-o", filepath.Join(dir, "stores.html")}, stores...)...)

	names := storeNames(t)
	for _, page := range []struct{ name, url string }{
		{"inbox", srv.URL + "/"},
		{"preview-json", "file://" + filepath.Join(dir, "sales.html")},
		{"preview-csv", "file://" + filepath.Join(dir, "stores.html")},
	} {
		dom := string(chromiumRun(t, bin, page.url, "--dump-dom"))
		if page.name == "inbox" && !strings.Contains(dom, `data-ready="true"`) {
			t.Fatalf("the inbox never drew the messages:\n%.2000s", dom)
		}
		charts := strings.Count(dom, `class="vchart"`)
		want := map[string]int{"inbox": 2, "preview-json": 1, "preview-csv": 1}[page.name]
		if charts != want {
			t.Errorf("%s: %d native charts drawn, want %d", page.name, charts, want)
		}
		if page.name != "preview-json" {
			for _, n := range names {
				if !strings.Contains(dom, ">"+n+"<") {
					t.Errorf("%s: the chart or table lacks the label %s", page.name, n)
				}
			}
		}
		if page.name != "preview-csv" {
			for _, l := range []string{"11-15", "11-21", "近 7 日销售额", "目标"} {
				if !strings.Contains(dom, ">"+l+"<") {
					t.Errorf("%s: the chart lacks %q", page.name, l)
				}
			}
		}
	}
	// The README's pictures.
	screenshot(t, bin, srv.URL+"/?seq=1", "dashboard-inbox.png", [2]int{800, 1020})
	screenshot(t, bin, srv.URL+"/?seq=2", "dashboard-inbox-csv.png", [2]int{800, 1130})
	screenshot(t, bin, "file://"+filepath.Join(dir, "sales.html"), "dashboard-preview.png", [2]int{800, 980})
	screenshot(t, bin, "file://"+filepath.Join(dir, "stores.html"), "dashboard-preview-csv.png", [2]int{800, 1090})
}
