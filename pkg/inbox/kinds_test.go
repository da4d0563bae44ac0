package inbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/internal/browser"
	"github.com/feishu-push/feishu-push/pkg/cli/clitest"
	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/inbox"
)

// kinds is what seedKinds sent: the keys it uploaded and, per message
// kind, the message id.
type kinds struct {
	imageKey, coverKey, xlsxKey, pdfKey, opusKey, mp4Key string
	xlsx                                                 []byte
	ids                                                  map[string]string
}

func testPNG(t *testing.T, w, h int, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			cc := c
			if (x/40+y/40)%2 == 0 {
				cc.A = 160
			}
			img.Set(x, y, cc)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// seedKinds sends one message of every kind through the Open API, as the
// commands do, and then updates, recalls and replies to some of them.
func seedKinds(t *testing.T, e *clitest.Env) kinds {
	t.Helper()
	ctx := context.Background()
	c := apiClient(e)
	to := feishu.Recipient{IDType: "chat_id", ID: "oc_demo"}
	k := kinds{ids: map[string]string{}}
	uploadImage := func(name string, data []byte) string {
		req, err := c.Images.NewUploadRequest(name, data)
		if err != nil {
			t.Fatal(err)
		}
		key, _, err := c.Images.Upload(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return key
	}
	uploadFile := func(u feishu.FileUpload) string {
		req, err := c.Files.NewUploadRequest(u)
		if err != nil {
			t.Fatal(err)
		}
		key, _, err := c.Files.Upload(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return key
	}
	send := func(name string, m feishu.Message) string {
		req, err := c.Messages.NewCreateRequest(to, m, "")
		if err != nil {
			t.Fatal(err)
		}
		sent, _, err := c.Messages.Create(ctx, req)
		if err != nil {
			t.Fatalf("send %s: %v", name, err)
		}
		k.ids[name] = sent.MessageID
		return sent.MessageID
	}
	reply := func(name, parent string, m feishu.Message, inThread bool) {
		req, err := c.Messages.NewReplyRequest(parent, m, inThread, "")
		if err != nil {
			t.Fatal(err)
		}
		sent, _, err := c.Messages.Reply(ctx, req)
		if err != nil {
			t.Fatalf("reply %s: %v", name, err)
		}
		k.ids[name] = sent.MessageID
	}
	raw := func(msgType, content string) feishu.Message {
		return feishu.Message{MsgType: msgType, Content: json.RawMessage(content)}
	}

	k.imageKey = uploadImage("shot.png", testPNG(t, 640, 400, color.RGBA{51, 109, 244, 255}))
	k.coverKey = uploadImage("cover.png", testPNG(t, 480, 270, color.RGBA{37, 136, 50, 255}))
	k.xlsx = []byte("PK\x03\x04 not really a workbook, but a file to download")
	k.xlsxKey = uploadFile(feishu.FileUpload{Name: `日报 <img src=x onerror=alert(1)> 2026-11-21.xlsx`, Data: k.xlsx})
	k.pdfKey = uploadFile(feishu.FileUpload{Name: "report.pdf", Data: append([]byte("%PDF-1.4\n"), make([]byte, 3000)...)})
	k.opusKey = uploadFile(feishu.FileUpload{Name: "note.opus", Data: []byte("OggS voice"), Duration: 7 * time.Second})
	k.mp4Key = uploadFile(feishu.FileUpload{Name: "demo.mp4", Data: []byte("\x00\x00\x00\x18ftypmp42 video"), Duration: 75 * time.Second})

	send("text", feishu.TextMessage("disk 91% full on db-1"))
	send("image", raw("image", `{"image_key":"`+k.imageKey+`"}`))
	send("file", feishu.FileMessage(k.xlsxKey))
	send("pdf", feishu.FileMessage(k.pdfKey))
	send("audio", raw("audio", `{"file_key":"`+k.opusKey+`"}`))
	send("media", raw("media", `{"file_key":"`+k.mp4Key+`","image_key":"`+k.coverKey+`"}`))
	post, err := feishu.PostMessage(map[string]feishu.Post{
		"zh_cn": {Title: "夜间报告", Content: [][]feishu.PostElement{
			{{Tag: "text", Text: "构建 ", Style: []string{"bold"}}, {Tag: "text", Text: "通过", Style: []string{"italic", "underline"}},
				{Tag: "text", Text: " 旧值", Style: []string{"lineThrough"}}, {Tag: "text", Text: " <script>alert(1)</script>"}},
			{{Tag: "a", Text: "详情", Href: "https://ci.example.com/42"}, {Tag: "at", UserID: "all"}, {Tag: "emotion", EmojiType: "THUMBSUP"}},
			{{Tag: "img", ImageKey: k.coverKey}},
			{{Tag: "media", FileKey: k.mp4Key, ImageKey: k.coverKey}},
			{{Tag: "hr"}},
			{{Tag: "code_block", Language: "GO", Text: "fmt.Println(\"ok\")"}},
			{{Tag: "md", Text: "**md** 列表:\n- 一\n- 二"}},
		}},
		"en_us": {Title: "Nightly report", Content: [][]feishu.PostElement{{{Tag: "text", Text: "English"}}}},
	}, feishu.PostOptions{})
	if err != nil {
		t.Fatal(err)
	}
	send("post", post)

	card := func(at string) json.RawMessage {
		return json.RawMessage(`{"config":{"update_multi":true},"header":{"template":"green","title":{"tag":"plain_text","content":"Status ` + at + `"}},"elements":[{"tag":"markdown","content":"all **green** at ` + at + `"}]}`)
	}
	id := send("card", feishu.CardMessage(card("09:00")))
	for _, at := range []string{"09:05", "09:10"} {
		req, err := c.Messages.NewUpdateRequest(id, card(at))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Messages.Update(ctx, req); err != nil {
			t.Fatalf("update: %v", err)
		}
	}
	id = send("recalled", feishu.TextMessage("a wrong push"))
	req, err := c.Messages.NewRecallRequest(id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Messages.Recall(ctx, req); err != nil {
		t.Fatalf("recall: %v", err)
	}
	reply("quote", k.ids["card"], feishu.TextMessage("card looks right"), false)
	user := e.Srv.AddUserMessage("oc_demo", "who is on call?")
	k.ids["user"] = user.MessageID
	reply("thread1", user.MessageID, feishu.TextMessage("on it"), true)
	reply("thread2", k.ids["thread1"], feishu.TextMessage("fixed, see the file"), true)
	return k
}

// TestInboxMessageKinds: the inbox shows every message kind and a
// message's life, and serves uploaded files for download.
func TestInboxMessageKinds(t *testing.T) {
	e := inboxEnv(t)
	k := seedKinds(t, e)

	code, _, body := get(t, e.Srv.URL+"/api/messages")
	var got struct{ Messages []inbox.Message }
	if code != 200 || json.Unmarshal([]byte(body), &got) != nil {
		t.Fatalf("/api/messages: %d %s", code, body)
	}
	byID := map[string]inbox.Message{}
	for _, m := range got.Messages {
		byID[m.MessageID] = m
	}
	check := func(name string, wants ...string) {
		t.Helper()
		h := byID[k.ids[name]].HTML
		for _, w := range wants {
			if !strings.Contains(h, w) {
				t.Errorf("%s lacks %q:\n%s", name, w, h)
			}
		}
	}
	check("image", `<img class="fp-photo" src="/api/images/`+k.imageKey+`"`)
	check("file", `href="/api/files/`+k.xlsxKey+`"`, `日报 &lt;img src=x onerror=alert(1)&gt; 2026-11-21.xlsx`, `>X</text>`, `50 B`)
	check("pdf", `>PDF</text>`, `2.9 KB`)
	check("audio", `7&#34;`)
	check("media", `/api/images/`+k.coverKey, `1:15`)
	check("post", `夜间报告`, `<b>构建 </b>`, `<u><i>通过</i></u>`, `<s> 旧值</s>`, `&lt;script&gt;`, `href="https://ci.example.com/42"`, `@所有人`, `👍`,
		`<hr class="fp-hr">`, `data-lang="GO"`, `<strong>md</strong>`, `<a class="fp-video" href="/api/files/`+k.mp4Key)
	check("card", `Status 09:10`, `<span class="fp-edited">Edited</span>`, `2 earlier versions`, `Status 09:05`, `Status 09:00`)
	check("recalled", `This message was recalled`)
	check("quote", `<span class="fp-quote-who">Bot</span>: [Card] Status 09:10</a>`)
	check("user", `<span class="fp-thread-count">2 replies</span>`, `on it`, `fixed, see the file`)
	check("thread1", `<span>Thread</span> · <a href="#msg-`, `who is on call?`)
	check("thread2", `<a class="fp-quote" href="#msg-`, `: on it</a>`)
	if h := byID[k.ids["recalled"]].HTML; strings.Contains(h, "a wrong push") {
		t.Errorf("the recalled message still shows its text: %s", h)
	}
	for _, m := range got.Messages {
		if strings.Contains(m.HTML, "<script") || strings.Contains(m.HTML, "<img src=x") {
			t.Errorf("message %d: markup from its content reached the page: %s", m.Seq, m.HTML)
		}
	}

	// ?locale=en_us draws posts (and cards) in English.
	_, _, body = get(t, e.Srv.URL+"/api/messages?locale=en_us")
	var en struct{ Messages []inbox.Message }
	_ = json.Unmarshal([]byte(body), &en)
	for _, m := range en.Messages {
		if m.MessageID == k.ids["post"] && (!strings.Contains(m.HTML, `<div class="fp-post-title">Nightly report</div>`) || strings.Contains(m.HTML, "夜间报告")) {
			t.Errorf("?locale=en_us did not draw the English post: %s", m.HTML)
		}
	}

	// The file downloads under its name; ?meta=1 describes it.
	resp, err := http.Get(e.Srv.URL + "/api/files/" + k.xlsxKey)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(data, k.xlsx) || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "filename*=utf-8''%E6%97%A5%E6%8A%A5") {
		t.Errorf("download: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Disposition"), data)
	}
	if code, _, meta := get(t, e.Srv.URL+"/api/files/"+k.pdfKey+"?meta=1"); code != 200 || !strings.Contains(meta, `"file_name":"report.pdf"`) {
		t.Errorf("meta: %d %s", code, meta)
	}
	if code, _, _ := get(t, e.Srv.URL+"/api/files/file_v3_none"); code != 404 {
		t.Errorf("unknown file: %d", code)
	}
}

// TestInboxMessageKindsInBrowser draws every kind in headless Chromium:
// the page shows them all and the images load. With $FP_SCREENSHOT it
// saves a screenshot there. It skips where no Chromium is installed.
func TestInboxMessageKindsInBrowser(t *testing.T) {
	bin := browser.Find(t)
	e := inboxEnv(t)
	seedKinds(t, e)

	dom := string(headless(t, bin, e.Srv.URL+"/", "--dump-dom"))
	if !strings.Contains(dom, `data-ready="true"`) {
		t.Fatalf("the page never drew the messages:\n%.2000s", dom)
	}
	for _, want := range []string{`class="fp-bubble fp-file"`, `class="fp-bubble fp-voice"`, `class="fp-video"`, `class="fp-bubble fp-post"`,
		`class="fp-edits"`, `This message was recalled`, `class="fp-thread"`, `class="fp-quote"`, `<img class="fp-photo"`} {
		if !strings.Contains(dom, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(dom, "<script>alert") || strings.Contains(dom, "<img src=") {
		t.Error("a script from a message reached the page")
	}
	if out := os.Getenv("FP_SCREENSHOT"); out != "" {
		abs, _ := filepath.Abs(out)
		headless(t, bin, e.Srv.URL+"/", "--window-size=1200,4000", "--screenshot="+abs)
	}
}
