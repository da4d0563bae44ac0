package render_test

import (
	"encoding/json"
	"html"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/render"
)

// files is the uploads the options below know.
var files = map[string]render.FileInfo{
	"file_xlsx":  {Name: "日报 2026-11-21.xlsx", Size: 12600, Type: "xls", URL: "/api/files/file_xlsx"},
	"file_pdf":   {Name: "report.pdf", Size: 3 << 20, Type: "pdf", URL: "/api/files/file_pdf"},
	"file_bin":   {Name: "dump", Size: 100, Type: "stream", URL: "/api/files/file_bin"},
	"file_opus":  {Name: "note.opus", Size: 4000, Type: "opus", Duration: 5300, URL: "/api/files/file_opus"},
	"file_long":  {Name: "meeting.opus", Size: 4000, Type: "opus", Duration: 65000},
	"file_mp4":   {Name: "demo.mp4", Size: 1 << 20, Type: "mp4", Duration: 15400, URL: "/api/files/file_mp4"},
	"file_evil":  {Name: `"><script>alert(1)</script><img src=x onerror=alert(2)>.pdf`, Size: 1, URL: "javascript:alert(1)"},
	"file_evil2": {Name: `a" onmouseover="alert(1)`, Size: 1, URL: `/api/files/x" onclick="y`},
}

var opts = render.Options{
	ImageURL: func(k string) string { return "/api/images/" + k },
	File: func(k string) (render.FileInfo, bool) {
		f, ok := files[k]
		return f, ok
	},
}

func mustContain(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, out)
		}
	}
}

func mustNotContain(t *testing.T, what, out string, bads ...string) {
	t.Helper()
	for _, b := range bads {
		if strings.Contains(out, b) {
			t.Errorf("%s contains %q:\n%s", what, b, out)
		}
	}
}

func TestImageMessage(t *testing.T) {
	out := render.Message("image", []byte(`{"image_key":"img_v3_ab"}`), opts)
	mustContain(t, "image", out, `<img class="fp-photo" src="/api/images/img_v3_ab"`, `href="/api/images/img_v3_ab"`)
	mustNotContain(t, "image", out, "onload", "fp-bubble")
	out = render.Message("image", []byte(`{"image_key":"img_v3_ab"}`), render.Options{})
	mustContain(t, "image without URL", out, `fp-photo-missing`, `title="img_v3_ab"`)
	// The client's size: within a 360px box, never enlarged.
	mustContain(t, "CSS", render.CSS(), `.fp-photo{display:block;max-width:360px;max-height:360px;width:auto;height:auto`)
}

func TestFileMessage(t *testing.T) {
	out := render.Message("file", []byte(`{"file_key":"file_xlsx"}`), opts)
	mustContain(t, "xlsx", out, `<a class="fp-bubble fp-file" href="/api/files/file_xlsx" download="日报 2026-11-21.xlsx"`,
		`<span class="fp-file-name">日报 2026-11-21.xlsx</span>`, `<span class="fp-file-size">12.3 KB</span>`, `fill="#258832"`, `>X</text>`, `fp-file-dl`)
	out = render.Message("file", []byte(`{"file_key":"file_pdf"}`), opts)
	mustContain(t, "pdf", out, `>PDF</text>`, `fill="#E22E28"`, `3.0 MB`)
	out = render.Message("file", []byte(`{"file_key":"file_bin"}`), opts)
	mustContain(t, "stream", out, `>FILE</text>`, `100 B`)
	// Unknown to the options: the name the content carries (as messages
	// read back from the API do), no size, no link.
	out = render.Message("file", []byte(`{"file_key":"file_gone","file_name":"old.ppt"}`), opts)
	mustContain(t, "unknown file", out, `<div class="fp-bubble fp-file" title="old.ppt">`, `>P</text>`, `Unknown size`)
	mustNotContain(t, "unknown file", out, "href=")
	long := render.Message("file", []byte(`{"file_key":"x","file_name":"a-very-long-file-name-that-goes-on-and-on-and-on.csv"}`), opts)
	mustContain(t, "long name", long, `a-very-long-file-name-…-and-on.csv</span>`, `title="a-very-long-file-name-that-goes-on-and-on-and-on.csv"`)
}

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KB", 12600: "12.3 KB", 30 << 20: "30.0 MB", 5 << 30: "5.0 GB"} {
		if got := render.HumanSize(n); got != want {
			t.Errorf("HumanSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestAudioAndMedia(t *testing.T) {
	out := render.Message("audio", []byte(`{"file_key":"file_opus"}`), opts)
	mustContain(t, "audio", out, `fp-voice`, `<span class="fp-voice-time">5&#34;</span>`, `style="width:151px"`)
	mustNotContain(t, "audio", out, "<audio", "<script")
	out = render.Message("audio", []byte(`{"file_key":"file_long"}`), opts)
	mustContain(t, "long audio", out, `1&#39;05&#34;`, `style="width:316px"`)
	out = render.Message("audio", []byte(`{"file_key":"nope"}`), opts)
	mustContain(t, "unknown audio", out, `>Voice</span>`)

	out = render.Message("media", []byte(`{"file_key":"file_mp4","image_key":"img_cover"}`), opts)
	mustContain(t, "media", out, `<a class="fp-video" href="/api/files/file_mp4" download="demo.mp4"`,
		`<img class="fp-photo" src="/api/images/img_cover"`, `fp-video-play`, `<span class="fp-video-time">0:15</span>`)
	mustNotContain(t, "media", out, "<video")
	out = render.Message("media", []byte(`{"file_key":"file_mp4"}`), opts)
	mustContain(t, "media without cover", out, `fp-video-blank`)
}

const fullPost = `{"zh_cn":{"title":"周报","content":[
 [{"tag":"text","text":"加粗","style":["bold"]},{"tag":"text","text":"斜体下划线","style":["italic","underline"]},{"tag":"text","text":"删除","style":["lineThrough"]},{"tag":"text","text":"a &amp; b","un_escape":true}],
 [{"tag":"a","text":"文档","href":"https://x.example/doc","style":["bold"]},{"tag":"at","user_id":"all"},{"tag":"at","user_id":"ou_1","user_name":"Tom"},{"tag":"emotion","emoji_type":"THUMBSUP"},{"tag":"emotion","emoji_type":"NOSUCH"}],
 [{"tag":"img","image_key":"img_v3_p"}],
 [{"tag":"media","file_key":"file_mp4","image_key":"img_cover"}],
 [{"tag":"hr"}],
 [{"tag":"code_block","language":"GO","text":"fmt.Println(\"<hi>\")\n"}],
 [{"tag":"md","text":"**md** list:\n- one\n- two"}],
 []
]},"en_us":{"title":"Weekly","content":[[{"tag":"text","text":"English"}]]}}`

func TestPostMessage(t *testing.T) {
	out := render.Message("post", []byte(fullPost), opts)
	mustContain(t, "post", out,
		`<div class="fp-bubble fp-post" lang="zh-cn"><div class="fp-post-title">周报</div>`,
		`<b>加粗</b>`, `<u><i>斜体下划线</i></u>`, `<s>删除</s>`, `a &amp; b`,
		`<a href="https://x.example/doc" target="_blank" rel="noopener"><b>文档</b></a>`,
		`<span class="fp-at">@所有人</span>`, `<span class="fp-at">@Tom</span>`,
		`<span class="fp-emoji" title="THUMBSUP">👍</span>`, `[NOSUCH]`,
		`<div class="fp-post-media"><a class="fp-photo-link" href="/api/images/img_v3_p"`,
		`<div class="fp-post-media"><a class="fp-video" href="/api/files/file_mp4"`,
		`<hr class="fp-hr">`,
		`<pre class="fp-code" data-lang="GO"><code>fmt.Println(&#34;&lt;hi&gt;&#34;)`,
		`<div class="fp-md"><p><strong>md</strong> list:</p><ul><li>one</li><li>two</li></ul></div>`,
		`<div class="fp-post-p"><br></div>`)
	mustNotContain(t, "post", out, "English")

	en := opts
	en.Locale = "en_us"
	out = render.Message("post", []byte(fullPost), en)
	mustContain(t, "en_us post", out, `lang="en-us"`, `Weekly`, `English`)
	mustNotContain(t, "en_us post", out, "周报")
	ja := opts
	ja.Locale = "ja_jp"
	out = render.Message("post", []byte(fullPost), ja)
	mustContain(t, "ja_jp falls back to zh_cn", out, `周报`)

	// The webhook's wrapper, and a post read back from the API (no locale).
	out = render.Message("post", []byte(`{"post":{"en_us":{"title":"Hook","content":[[{"tag":"text","text":"hi"}]]}}}`), opts)
	mustContain(t, "webhook post", out, "Hook", "hi")
	out = render.Message("post", []byte(`{"title":"Read back","content":[[{"tag":"text","text":"x"}]]}`), opts)
	mustContain(t, "read-back post", out, "Read back")

	got := render.Locales([]byte(fullPost))
	if !slices.Equal(got, []string{"zh_cn", "en_us"}) {
		t.Errorf("Locales(post) = %v", got)
	}
	if got := render.Locales([]byte(`{"post":{"en_us":{"title":"x"},"ja_jp":{"title":"y"}}}`)); !slices.Equal(got, []string{"en_us", "ja_jp"}) {
		t.Errorf("Locales(webhook post) = %v", got)
	}
}

// TestHostileFileAndPost: nothing in a file name, a post or a stored
// message's ids becomes markup, script, or a style.
func TestHostileFileAndPost(t *testing.T) {
	bad := []string{"<script", "<img src=x", "javascript:", `style="color`}
	mustNotContain := func(t *testing.T, what, out string, bads ...string) {
		t.Helper()
		mustNotContain(t, what, out, bads...)
		for _, a := range attributes(out) {
			if strings.HasPrefix(a[0], "on") || (a[0] == "style" && !regexp.MustCompile(`^width:\d+px$`).MatchString(a[1])) {
				t.Errorf("%s has the attribute %s=%q", what, a[0], a[1])
			}
		}
	}
	for _, key := range []string{"file_evil", "file_evil2"} {
		for _, kind := range []string{"file", "audio", "media"} {
			out := render.Message(kind, []byte(`{"file_key":"`+key+`"}`), opts)
			mustNotContain(t, kind+" "+key, out, bad...)
		}
	}
	out := render.Message("file", []byte(`{"file_key":"file_evil"}`), opts)
	mustContain(t, "evil file", out, `&lt;script&gt;`)
	mustNotContain(t, "evil file", out, "href=")

	post := `{"zh_cn":{"title":"<script>alert(1)</script>","content":[
	 [{"tag":"text","text":"<img src=x onerror=alert(1)>","style":["bold\" onclick=\"x","color:red"]},{"tag":"text","text":"&lt;script&gt;","un_escape":true}],
	 [{"tag":"a","text":"<b>x</b>","href":"javascript:alert(1)"},{"tag":"at","user_id":"\"><script>","user_name":"<script>"}],
	 [{"tag":"emotion","emoji_type":"<script>"}],[{"tag":"code_block","language":"\"><script>","text":"</code><script>"}],
	 [{"tag":"md","text":"<script>x</script> [a](javascript:alert(1))"}],
	 [{"tag":"img","image_key":"\" onerror=\"alert(1)"}],[{"tag":"media","file_key":"file_evil","image_key":"\"><script>"}],
	 [{"tag":"nosuch","text":"<script>"}]]}}`
	out = render.Message("post", []byte(post), opts)
	mustNotContain(t, "hostile post", out, bad...)
	mustNotContain(t, "hostile post", out, "<b>x</b>", `data-lang=""><script>`)

	list := []render.Stored{
		{Seq: 1, MsgType: "text", Content: json.RawMessage(`{"text":"<script>x</script>"}`), MessageID: "om_1\"><script>", ThreadID: "omt_\" onclick=\"x"},
		{Seq: 2, MsgType: "text", Content: json.RawMessage(`{"text":"r"}`), MessageID: "om_2", ParentID: "om_1\"><script>", ThreadID: "omt_\" onclick=\"x"},
		{Seq: 3, MsgType: "text", Content: json.RawMessage(`{"text":"r"}`), MessageID: "om_3", ParentID: "<script>gone"},
		{Seq: 4, MsgType: "<script>", Content: json.RawMessage(`{"a":1}`), Edits: []render.Edit{{Previous: json.RawMessage(`{"text":"<script>"}`)}}},
	}
	for i, h := range render.Messages(list, opts) {
		mustNotContain(t, "hostile stored message", h, bad...)
		if i == 2 {
			mustContain(t, "reply to an unknown message", h, `Reply to &lt;script&gt;gone`)
		}
	}
}

func stored() []render.Stored {
	t0 := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	card := func(title string) json.RawMessage {
		return json.RawMessage(`{"config":{"update_multi":true},"header":{"template":"blue","title":{"tag":"plain_text","content":"` + title + `"}},"elements":[]}`)
	}
	return []render.Stored{
		{Seq: 1, Time: t0, Mode: "app", MsgType: "interactive", Content: card("Status v3"), MessageID: "om_card",
			Edits: []render.Edit{{Time: t0.Add(5 * time.Minute), Previous: card("Status v1")}, {Time: t0.Add(10 * time.Minute), Previous: card("Status v2")}}},
		{Seq: 2, Time: t0.Add(time.Minute), Mode: "app", MsgType: "text", Content: json.RawMessage(`{"text":"wrong push"}`), MessageID: "om_wrong",
			Recalled: true, RecalledAt: t0.Add(2 * time.Minute)},
		{Seq: 3, Time: t0.Add(3 * time.Minute), Mode: "user", MsgType: "text", Content: json.RawMessage(`{"text":"disk full on <at user_id=\"ou_1\">Tom</at>'s host"}`),
			MessageID: "om_alert", ThreadID: "omt_1"},
		{Seq: 4, Time: t0.Add(4 * time.Minute), Mode: "app", MsgType: "text", Content: json.RawMessage(`{"text":"looking"}`), MessageID: "om_r1",
			ParentID: "om_alert", RootID: "om_alert", ThreadID: "omt_1"},
		{Seq: 5, Time: t0.Add(6 * time.Minute), Mode: "app", MsgType: "text", Content: json.RawMessage(`{"text":"fixed"}`), MessageID: "om_r2",
			ParentID: "om_r1", RootID: "om_alert", ThreadID: "omt_1"},
		{Seq: 6, Time: t0.Add(7 * time.Minute), Mode: "app", MsgType: "image", Content: json.RawMessage(`{"image_key":"img_1"}`), MessageID: "om_q",
			ParentID: "om_card", RootID: "om_card"},
		{Seq: 7, Time: t0.Add(8 * time.Minute), Mode: "app", MsgType: "text", Content: json.RawMessage(`{"text":"late"}`), MessageID: "om_late",
			ParentID: "om_wrong", RootID: "om_wrong"},
		{Seq: 8, Time: t0.Add(9 * time.Minute), Mode: "app", MsgType: "file", Content: json.RawMessage(`{"file_key":"file_pdf"}`), MessageID: "om_del", Deleted: true},
	}
}

func TestStoredMessages(t *testing.T) {
	out := render.Messages(stored(), opts)
	if len(out) != 8 {
		t.Fatalf("%d fragments for 8 messages", len(out))
	}
	// An updated card: the latest version, the mark, the earlier versions
	// newest first with their times.
	mustContain(t, "edited card", out[0], `<div class="fp-title">Status v3</div>`, `<span class="fp-edited">Edited</span> <time datetime="2026-11-21T09:10:00Z">09:10:00</time> · 2 earlier versions`,
		`Version 2 · set <time datetime="2026-11-21T09:05:00Z">09:05:00</time> · replaced <time datetime="2026-11-21T09:10:00Z">`,
		`Version 1 · sent <time datetime="2026-11-21T09:00:00Z">09:00:00</time> · replaced <time datetime="2026-11-21T09:05:00Z">`)
	if i, j := strings.Index(out[0], "Status v2"), strings.Index(out[0], "Status v1"); i < 0 || j < i || strings.Index(out[0], "Status v3") > i {
		t.Errorf("versions out of order:\n%s", out[0])
	}
	// Recalled: the notice instead of the content.
	mustContain(t, "recalled", out[1], `<div class="fp-notice fp-recalled">This message was recalled <span class="fp-notice-time"><time datetime="2026-11-21T09:02:00Z">`)
	mustNotContain(t, "recalled", out[1], "wrong push")
	// A thread: its first message counts the replies and holds them; each
	// reply names the thread; a reply to a reply quotes it.
	mustContain(t, "thread start", out[2], `fp-in-thread fp-thread-c`, `data-thread="omt_1"`, `<span class="fp-thread-count">2 replies</span>`,
		`<a href="#msg-4">#4</a> Bot`, `looking`, `<a href="#msg-5">#5</a>`, `fixed`, `last <time datetime="2026-11-21T09:06:00Z">`)
	hue := regexp.MustCompile(`fp-thread-c\d`).FindString(out[2])
	for _, i := range []int{3, 4} {
		mustContain(t, "thread reply", out[i], hue, `<div class="fp-thread-mark">`, `<span>Thread</span> · <a href="#msg-3">disk full on @Tom&#39;s host</a>`)
		mustNotContain(t, "thread reply", out[i], "fp-thread-count")
	}
	mustNotContain(t, "reply to the thread's start", out[3], "fp-quote")
	mustContain(t, "reply to a reply", out[4], `<a class="fp-quote" href="#msg-4"><span class="fp-quote-who">Bot</span>: looking</a>`)
	// A plain reply quotes its parent: a card by its title, a recalled one
	// as recalled.
	mustContain(t, "reply", out[5], `<a class="fp-quote" href="#msg-1"><span class="fp-quote-who">Bot</span>: [Card] Status v3</a>`, `<img class="fp-photo"`)
	mustNotContain(t, "reply", out[5], "fp-in-thread")
	mustContain(t, "reply to recalled", out[6], `: This message was recalled</a>`)
	mustContain(t, "deleted", out[7], `This message was deleted`)
	mustNotContain(t, "deleted", out[7], "report.pdf")
}

func TestStoredMessagesRecover(t *testing.T) {
	// Broken content in any part draws something, never panics.
	list := []render.Stored{
		{Seq: 1, MsgType: "interactive", Content: json.RawMessage(`{"elements":[{"tag":"column_set","columns":7}]}`), MessageID: "a",
			Edits: []render.Edit{{Previous: json.RawMessage(`not json`)}, {Previous: nil}}},
		{Seq: 2, MsgType: "post", Content: json.RawMessage(`{"zh_cn":{"content":[7,[7,null,{"tag":"at"}],{"x":1}]}}`), ParentID: "a", ThreadID: "t"},
		{Seq: 3, MsgType: "file", Content: json.RawMessage(`[]`), ThreadID: "t", ParentID: "a"},
		{Seq: 4},
	}
	for i, h := range render.Messages(list, render.Options{File: func(string) (render.FileInfo, bool) { panic("boom") }}) {
		if h == "" {
			t.Errorf("message %d drew nothing", i)
		}
	}
}

// attributes lists the attributes of every tag in s, as a browser parses
// them: name (lower case) and value.
func attributes(s string) [][2]string {
	var out [][2]string
	for i := 0; i < len(s); i++ {
		if s[i] != '<' || i+1 >= len(s) || !(s[i+1] >= 'a' && s[i+1] <= 'z' || s[i+1] >= 'A' && s[i+1] <= 'Z') {
			continue
		}
		i++
		for i < len(s) && !strings.ContainsRune(" \t\n\f\r/>", rune(s[i])) {
			i++
		}
		for i < len(s) && s[i] != '>' {
			if strings.ContainsRune(" \t\n\f\r/", rune(s[i])) {
				i++
				continue
			}
			start := i
			for i < len(s) && !strings.ContainsRune(" \t\n\f\r/>=", rune(s[i])) {
				i++
			}
			name, value := strings.ToLower(s[start:i]), ""
			if i < len(s) && s[i] == '=' {
				i++
				if i < len(s) && (s[i] == '"' || s[i] == '\'') {
					q := s[i]
					end := strings.IndexByte(s[i+1:], q)
					if end < 0 {
						end = len(s) - i - 1
					}
					value, i = s[i+1:i+1+end], i+end+2
				} else {
					start := i
					for i < len(s) && !strings.ContainsRune(" \t\n\f\r>", rune(s[i])) {
						i++
					}
					value = s[start:i]
				}
			}
			out = append(out, [2]string{name, value})
		}
	}
	return out
}

func TestAttributes(t *testing.T) {
	got := attributes(`<a href="x&#34; onclick=&#34;y" title='a"b' data-x=1 onload=z><b>t</b> &lt;img onerror=x&gt;`)
	want := [][2]string{{"href", "x&#34; onclick=&#34;y"}, {"title", `a"b`}, {"data-x", "1"}, {"onload", "z"}}
	if !slices.Equal(got, want) {
		t.Errorf("attributes = %q, want %q", got, want)
	}
}

// FuzzPostAndFile: whatever a post's text, link, language or emoji, or a
// file's name holds, the output has no script, no event handler and no
// style beyond the renderer's own.
func FuzzPostAndFile(f *testing.F) {
	f.Add("<script>x</script>", "javascript:alert(1)", `"><img src=x onerror=y>`, "bold")
	f.Add("a\nb &amp; c", "https://x.example/?a=1&b=2", "go", "THUMBSUP")
	f.Fuzz(func(t *testing.T, text, href, lang, extra string) {
		nodes := [][]map[string]any{
			{{"tag": "text", "text": text, "style": []string{extra, "bold"}, "un_escape": true}, {"tag": "a", "text": text, "href": href},
				{"tag": "at", "user_id": extra, "user_name": text}, {"tag": "emotion", "emoji_type": extra}},
			{{"tag": "code_block", "language": lang, "text": text}}, {{"tag": "md", "text": text}},
			{{"tag": "img", "image_key": extra}}, {{"tag": "media", "file_key": "file_fuzz", "image_key": lang}},
		}
		post, _ := json.Marshal(map[string]any{"zh_cn": map[string]any{"title": text, "content": nodes}})
		o := opts
		o.File = func(string) (render.FileInfo, bool) {
			return render.FileInfo{Name: text, Size: int64(len(text)), Duration: len(href) * 1000, URL: href}, true
		}
		list := []render.Stored{{Seq: 1, MsgType: "post", Content: post, MessageID: lang, ThreadID: extra},
			{Seq: 2, MsgType: "file", Content: json.RawMessage(`{"file_key":"k"}`), ParentID: lang, ThreadID: extra}}
		for _, kind := range []string{"audio", "media"} {
			list = append(list, render.Stored{Seq: 3, MsgType: kind, Content: json.RawMessage(`{"file_key":"k"}`)})
		}
		for _, out := range render.Messages(list, o) {
			if strings.Contains(strings.ToLower(out), "<script") {
				t.Fatalf("script in %s", out)
			}
			for _, a := range attributes(out) {
				if strings.HasPrefix(a[0], "on") || (a[0] == "style" && !regexp.MustCompile(`^width:\d+px$`).MatchString(a[1])) {
					t.Fatalf("attribute %s=%q in %s", a[0], a[1], out)
				}
				if (a[0] == "href" || a[0] == "src") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(html.UnescapeString(a[1]))), "javascript:") {
					t.Fatalf("%s=%q in %s", a[0], a[1], out)
				}
			}
		}
	})
}

// BenchmarkMessages draws a chat of every kind, as the inbox does on each
// poll.
func BenchmarkMessages(b *testing.B) {
	list := stored()
	list = append(list, render.Stored{Seq: 9, MsgType: "post", Content: json.RawMessage(fullPost)},
		render.Stored{Seq: 10, MsgType: "media", Content: json.RawMessage(`{"file_key":"file_mp4","image_key":"img_cover"}`)})
	b.ReportAllocs()
	for b.Loop() {
		render.Messages(list, opts)
	}
}

func TestQuoteSummaries(t *testing.T) {
	for content, want := range map[string]string{
		`{"text":"<at user_id=\"all\"></at> deploy at <at user_id=\"ou_9\"></at>\nnow"}`: `: @所有人 deploy at @ou_9 now</a>`,
		`{"text":"` + strings.Repeat("长", 70) + `"}`:                                     `: ` + strings.Repeat("长", 59) + `…</a>`,
	} {
		list := []render.Stored{{Seq: 1, MsgType: "text", Content: json.RawMessage(content), MessageID: "om_p", Mode: "user"},
			{Seq: 2, MsgType: "text", Content: json.RawMessage(`{"text":"ok"}`), ParentID: "om_p"}}
		mustContain(t, "quote", render.Messages(list, opts)[1], `<span class="fp-quote-who">User</span>`+want)
	}
	for typ, want := range map[string]string{
		"post":        `{"en_us":{"content":[[{"tag":"text","text":"only"},{"tag":"at","user_id":"ou_1","user_name":"Ann"}]]}}|: only @Ann</a>`,
		"file":        `{"file_key":"k","file_name":"a.csv"}|: [File] a.csv</a>`,
		"audio":       `{"file_key":"k"}|: [Voice]</a>`,
		"interactive": `{"type":"template","data":{"template_id":"x"}}|: [Card]</a>`,
	} {
		c, w, _ := strings.Cut(want, "|")
		list := []render.Stored{{Seq: 1, MsgType: typ, Content: json.RawMessage(c), MessageID: "om_p", Mode: "webhook"},
			{Seq: 2, MsgType: "text", Content: json.RawMessage(`{"text":"ok"}`), ParentID: "om_p"}}
		mustContain(t, typ+" quote", render.Messages(list, opts)[1], `Webhook bot</span>`+w)
	}
}
