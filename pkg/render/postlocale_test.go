package render

import (
	"strings"
	"testing"
	"time"
)

// A post in three languages, sent by an app (the content string) and by
// a group webhook (inside "post").
const (
	trilingualPost = `{"zh_cn":{"title":"周报","content":[[{"tag":"text","text":"本周完成"}]]},` +
		`"en_us":{"title":"Weekly","content":[[{"tag":"text","text":"Done this week"}]]},` +
		`"ja_jp":{"title":"週報","content":[[{"tag":"text","text":"今週の完了"}]]}}`
	japaneseEnglishHook = `{"post":{"ja_jp":{"title":"週報","content":[[{"tag":"text","text":"今週"}]]},` +
		`"en_us":{"title":"Weekly","content":[[{"tag":"text","text":"This week"}]]}}}`
)

// TestPostLocale: a multilingual post is drawn in the chosen locale, any
// locale it carries (not only zh_cn and en_us), with lang naming the
// version drawn; a locale it lacks falls back to zh_cn, en_us, then its
// first locale, as cards do.
func TestPostLocale(t *testing.T) {
	for _, c := range []struct {
		content, locale, want, lang string
		notWant                     []string
	}{
		{trilingualPost, "", "周报", "zh-cn", []string{"Weekly", "週報"}},
		{trilingualPost, "zh_cn", "本周完成", "zh-cn", []string{"Weekly", "週報"}},
		{trilingualPost, "en_us", "Done this week", "en-us", []string{"周报", "週報"}},
		{trilingualPost, "ja_jp", "今週の完了", "ja-jp", []string{"周报", "Weekly"}},
		{trilingualPost, "de_de", "周报", "zh-cn", []string{"Weekly", "週報"}},
		{japaneseEnglishHook, "ja_jp", "今週", "ja-jp", []string{"Weekly"}},
		{japaneseEnglishHook, "", "Weekly", "en-us", []string{"週報"}},
		{japaneseEnglishHook, "zh_hk", "Weekly", "en-us", []string{"週報"}},
		{`{"post":{"ko_kr":{"title":"주간","content":[]},"ja_jp":{"title":"週報","content":[]}}}`, "", "週報", "ja-jp", []string{"주간"}},
	} {
		out := Message("post", []byte(c.content), Options{Locale: c.locale})
		postHas(t, c.locale+" post", out, `<div class="fp-bubble fp-post" lang="`+c.lang+`">`, c.want)
		postLacks(t, c.locale+" post", out, c.notWant...)
	}
	// A post read back from the API is one version, drawn whatever the
	// locale, without a lang of its own.
	out := Message("post", []byte(`{"title":"Read back","content":[[{"tag":"text","text":"x"}]]}`), Options{Locale: "ja_jp"})
	postHas(t, "read-back post", out, `<div class="fp-bubble fp-post">`, "Read back")
}

// TestPostLocaleInQuotesAndHistory: a reply's quote of a multilingual
// post, a thread's mark and an edited message's earlier versions speak
// the chosen locale too.
func TestPostLocaleInQuotesAndHistory(t *testing.T) {
	list := []Stored{
		{Seq: 1, Mode: "app", MsgType: "post", Content: []byte(trilingualPost), MessageID: "om_post", ThreadID: "omt_1"},
		{Seq: 2, Mode: "user", MsgType: "text", Content: []byte(`{"text":"ok"}`), MessageID: "om_r", ParentID: "om_post", RootID: "om_post", ThreadID: "omt_1"},
		{Seq: 3, Mode: "app", MsgType: "text", Content: []byte(`{"text":"quoting"}`), MessageID: "om_q", ParentID: "om_post", RootID: "om_post"},
		{Seq: 4, Mode: "app", MsgType: "post", Content: []byte(`{"title":"now","content":[]}`), MessageID: "om_e",
			Edits: []Edit{{Time: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC), Previous: []byte(trilingualPost)}}},
	}
	for _, c := range []struct{ locale, title string }{{"", "周报"}, {"en_us", "Weekly"}, {"ja_jp", "週報"}} {
		out := Messages(list, Options{Locale: c.locale})
		postHas(t, c.locale+" thread mark", out[1], `<a href="#msg-1">`+c.title+`</a>`)
		postHas(t, c.locale+" quote", out[2], `<span class="fp-quote-who">Bot</span>: `+c.title+`</a>`)
		postHas(t, c.locale+" history", out[3], `<span class="fp-edited">Edited</span>`, `<div class="fp-post-title">`+c.title+`</div>`)
		for _, other := range []string{"周报", "Weekly", "週報"} {
			if other != c.title && (strings.Contains(out[1], other) || strings.Contains(out[2], other)) {
				t.Errorf("%q: a quote shows %s:\n%s\n%s", c.locale, other, out[1], out[2])
			}
		}
	}
}

func postHas(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("%s lacks %s:\n%s", what, w, out)
		}
	}
}

func postLacks(t *testing.T, what, out string, bads ...string) {
	t.Helper()
	for _, b := range bads {
		if strings.Contains(out, b) {
			t.Errorf("%s shows %s:\n%s", what, b, out)
		}
	}
}
