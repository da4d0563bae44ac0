package inbox_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/internal/browser"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
	"github.com/feishu-push/feishu-push/pkg/inbox"
	"github.com/feishu-push/feishu-push/pkg/render"
)

// Multilingual cards: 1.0 with i18n_header + i18n_elements, 2.0 with
// config.locales and i18n_content.
const (
	v1Trilingual = `{"msg_type":"interactive","card":{"i18n_header":{
		"zh_cn":{"template":"blue","title":{"tag":"plain_text","content":"发布完成"}},
		"en_us":{"template":"blue","title":{"tag":"plain_text","content":"Release done"}},
		"ja_jp":{"template":"blue","title":{"tag":"plain_text","content":"リリース完了"}}},
		"i18n_elements":{
		"zh_cn":[{"tag":"markdown","content":"**版本** 1.2"}],
		"en_us":[{"tag":"markdown","content":"**Version** 1.2"}],
		"ja_jp":[{"tag":"markdown","content":"**バージョン** 1.2"}]}}}`
	v2Bilingual = `{"msg_type":"interactive","card":{"schema":"2.0","config":{"locales":["zh_cn","en_us"]},
		"header":{"title":{"tag":"plain_text","content":"日报","i18n_content":{"en_us":"Daily report"}}},
		"body":{"elements":[{"tag":"markdown","content":"今日**收入**","i18n_content":{"en_us":"Today's **revenue**"}}]}}}`
	plainText = `{"msg_type":"text","content":{"text":"只有中文"}}`
)

func postHook(t *testing.T, base, body string) {
	t.Helper()
	resp, err := http.Post(base+"/open-apis/bot/v2/hook/langs", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(b, []byte(`"code":0`)) {
		t.Fatalf("webhook: %d %s", resp.StatusCode, b)
	}
}

type apiMessages struct {
	Messages []inbox.Message
	Locales  []string
}

func messages(t *testing.T, base, query string) apiMessages {
	t.Helper()
	code, ctype, body := get(t, base+"/api/messages"+query)
	var got apiMessages
	if code != 200 || !strings.HasPrefix(ctype, "application/json") || json.Unmarshal([]byte(body), &got) != nil {
		t.Fatalf("/api/messages%s: %d %s %.500s", query, code, ctype, body)
	}
	return got
}

// TestInboxLanguages: /api/messages says which languages the messages
// offer and draws multilingual cards in the one asked for, zh_cn by
// default; a message without that language falls back to zh_cn.
func TestInboxLanguages(t *testing.T) {
	srv := inboxEnv(t, feishutest.WithAnyWebhook("")).Srv
	for _, body := range []string{v1Trilingual, v2Bilingual, plainText} {
		postHook(t, srv.URL, body)
	}

	got := messages(t, srv.URL, "")
	if want := []string{"zh_cn", "en_us", "ja_jp"}; !slices.Equal(got.Locales, want) {
		t.Errorf("locales %v, want %v", got.Locales, want)
	}
	if len(got.Messages) != 3 {
		t.Fatalf("%d messages", len(got.Messages))
	}
	if l := got.Messages[0].Locales; !slices.Equal(l, []string{"zh_cn", "en_us", "ja_jp"}) {
		t.Errorf("1.0 card offers %v", l)
	}
	if l := got.Messages[1].Locales; !slices.Equal(l, []string{"zh_cn", "en_us"}) {
		t.Errorf("2.0 card offers %v", l)
	}
	if l := got.Messages[2].Locales; l != nil {
		t.Errorf("text message offers %v", l)
	}

	for _, c := range []struct {
		query   string
		want    [3]string // in each message
		notWant []string
	}{
		{"", [3]string{"发布完成", "<strong>收入</strong>", "只有中文"}, []string{"Release", "revenue", "リリース"}},
		{"?locale=zh_cn", [3]string{"<strong>版本</strong>", "日报", "只有中文"}, []string{"Version", "Daily"}},
		{"?locale=en_us", [3]string{"Release done", "Today&#39;s <strong>revenue</strong>", "只有中文"}, []string{"发布完成", "今日", "日报"}},
		{"?locale=ja_jp", [3]string{"<strong>バージョン</strong>", "日报", "只有中文"}, []string{"Release", "发布完成"}},
		// Not a locale code: the default.
		{"?locale=" + url.QueryEscape(`en_us"><script>`), [3]string{"发布完成", "日报", "只有中文"}, []string{"Release", "<script"}},
	} {
		got := messages(t, srv.URL, c.query)
		for i, want := range c.want {
			if !strings.Contains(got.Messages[i].HTML, want) {
				t.Errorf("%s: message %d lacks %s:\n%s", c.query, got.Messages[i].Seq, want, got.Messages[i].HTML)
			}
		}
		for _, m := range got.Messages {
			for _, bad := range c.notWant {
				if strings.Contains(m.HTML, bad) {
					t.Errorf("%s: message %d shows %s", c.query, m.Seq, bad)
				}
			}
		}
	}
}

// TestInboxPageSecurity: the inbox page has the one policy the preview
// has too, and no inline script or event attribute of its own, so the
// language switch and everything else run from /static/app.js.
func TestInboxPageSecurity(t *testing.T) {
	srv := inboxEnv(t).Srv
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := resp.Header.Get("Content-Security-Policy"); got != render.CSP {
		t.Errorf("Content-Security-Policy %q, want render.CSP %q", got, render.CSP)
	}
	if !bytes.Contains(page, []byte(`<select id="locale">`)) {
		t.Error("the page has no language switch")
	}
	for _, tag := range regexp.MustCompile(`(?i)<script[^>]*>`).FindAll(page, -1) {
		if !bytes.Contains(tag, []byte(` src="/static/`)) {
			t.Errorf("inline script: %s", tag)
		}
	}
	if m := regexp.MustCompile(`(?i)<[^>]+\son[a-z]+\s*=`).Find(page); m != nil {
		t.Errorf("event attribute in the page: %s", m)
	}
}

// TestInboxLanguageSwitchInBrowser picks English in the inbox's language
// switch in headless Chromium: the page redraws the multilingual cards in
// English, keeps the others, and offers the languages the messages carry.
func TestInboxLanguageSwitchInBrowser(t *testing.T) {
	bin := browser.Find(t)
	var h http.Handler
	mux := http.NewServeMux()
	srv := newEnv(t, func(f *feishutest.Fake) http.Handler { h = inbox.New(f); return mux }, feishutest.WithAnyWebhook("")).Srv
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		page, _ := io.ReadAll(rec.Body)
		// Choose English once the page has drawn the messages, as a user
		// picking it from the switch does.
		pick := `<script>(function t(){var s=document.getElementById("locale");if(document.body.dataset.ready&&s.options.length>1){s.value="en_us";s.dispatchEvent(new Event("change"));}else setTimeout(t,100);})();</script></body>`
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		_, _ = w.Write(bytes.Replace(page, []byte("</body>"), []byte(pick), 1))
	})
	mux.Handle("/", h)
	for _, body := range []string{v1Trilingual, v2Bilingual, plainText} {
		postHook(t, srv.URL, body)
	}

	dom := string(headless(t, bin, srv.URL+"/", "--dump-dom"))
	list := between(dom, `<ol id="messages"`, `</ol>`)
	if n := strings.Count(list, `<li class="msg"`); n != 3 {
		t.Fatalf("%d messages drawn, want 3:\n%.3000s", n, dom)
	}
	if !strings.Contains(dom, `data-locale="en_us"`) {
		t.Errorf("the page did not switch to en_us")
	}
	for _, want := range []string{`<div class="fp-title">Release done</div>`, `<strong>Version</strong> 1.2`,
		`<div class="fp-title">Daily report</div>`, `Today's <strong>revenue</strong>`, `只有中文`} {
		if !strings.Contains(list, want) {
			t.Errorf("after choosing English the inbox lacks %s", want)
		}
	}
	drawn := cardsOnly(list)
	for _, bad := range []string{"发布完成", "版本", "日报", "今日"} {
		if strings.Contains(drawn, bad) {
			t.Errorf("after choosing English the inbox still shows %s", bad)
		}
	}
	sw := between(dom, `<label id="lang"`, `</label>`)
	if strings.Contains(sw, "hidden") || !strings.Contains(sw, `<option value="zh_cn">简体中文 (zh_cn)</option><option value="en_us">English (en_us)</option><option value="ja_jp">日本語 (ja_jp)</option>`) {
		t.Errorf("language switch: %s", sw)
	}
}

// cardsOnly is the drawn messages of the list, without the requests under
// their JSON toggles.
func cardsOnly(list string) string {
	var b strings.Builder
	for _, part := range strings.Split(list, `<div class="msg-body">`)[1:] {
		b.WriteString(between(part, "", `<pre class="json"`))
	}
	return b.String()
}
