package feishutest_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

// do sends a raw request with a bearer token and decodes the answer.
// rawRequest is a request do sends: a bearer token, and a body of a type.
type rawRequest struct {
	method, url, tok, ctype string
	body                    []byte
}

func do(t *testing.T, r rawRequest) answer {
	t.Helper()
	method, url, tok, ctype, body := r.method, r.url, r.tok, r.ctype, r.body
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("answer is not JSON: %s", raw)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: m}
}

// part is what upload sends: form fields and, when withFile, a file.
type part struct {
	fields   map[string]string
	data     []byte
	withFile bool
}

func upload(t *testing.T, srv *feishutest.Server, tok string, p part) answer {
	t.Helper()
	fields, data, withFile := p.fields, p.data, p.withFile
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if withFile {
		w, _ := mw.CreateFormFile("file", fields["file_name"])
		_, _ = w.Write(data)
	}
	_ = mw.Close()
	return do(t, rawRequest{http.MethodPost, srv.URL + "/open-apis/im/v1/files", tok, mw.FormDataContentType(), b.Bytes()})
}

func sendJSON(t *testing.T, srv *feishutest.Server, tok, idType string, body map[string]any) answer {
	t.Helper()
	b, _ := json.Marshal(body)
	return do(t, rawRequest{http.MethodPost, srv.URL + "/open-apis/im/v1/messages?receive_id_type=" + idType, tok, "application/json; charset=utf-8", b})
}

func dataField(a answer, k string) string {
	d, _ := a.body["data"].(map[string]any)
	s, _ := d[k].(string)
	return s
}

func TestFileUploadRules(t *testing.T) {
	srv := feishutest.NewServer(t)
	tok := token(t, srv)
	csv := []byte("a,b\n1,2\n")
	for _, tc := range []struct {
		name     string
		fields   map[string]string
		data     []byte
		withFile bool
		status   int
		code     int
	}{
		{"csv as stream", map[string]string{"file_type": "stream", "file_name": "r.csv"}, csv, true, 200, 0},
		{"pdf", map[string]string{"file_type": "pdf", "file_name": "r.pdf"}, []byte("%PDF-1.7 x"), true, 200, 0},
		{"opus with duration", map[string]string{"file_type": "opus", "file_name": "v.opus", "duration": "3000"}, []byte("OggS...."), true, 200, 0},
		{"pdf that is not one", map[string]string{"file_type": "pdf", "file_name": "r.pdf"}, csv, true, 400, 234001},
		{"unknown file_type", map[string]string{"file_type": "csv", "file_name": "r.csv"}, csv, true, 400, 234001},
		{"no file_name", map[string]string{"file_type": "stream"}, csv, true, 400, 234001},
		{"bad duration", map[string]string{"file_type": "stream", "file_name": "r.csv", "duration": "3s"}, csv, true, 400, 234001},
		{"no file part", map[string]string{"file_type": "stream", "file_name": "r.csv"}, nil, false, 400, 234001},
		{"empty", map[string]string{"file_type": "stream", "file_name": "r.csv"}, nil, true, 400, 234010},
		{"over 30 MB", map[string]string{"file_type": "stream", "file_name": "big.bin"}, make([]byte, 30<<20+1), true, 400, 234006},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := upload(t, srv, tok, part{tc.fields, tc.data, tc.withFile})
			if a.status != tc.status || a.code() != tc.code {
				t.Fatalf("HTTP %d %v, want %d code %d", a.status, a.body, tc.status, tc.code)
			}
			if tc.code == 0 && !strings.HasPrefix(dataField(a, "file_key"), "file_") {
				t.Errorf("no file_key: %v", a.body)
			}
		})
	}
	if got := len(srv.Files()); got != 3 {
		t.Errorf("stored %d files, want 3", got)
	}
	if a := do(t, rawRequest{http.MethodPost, srv.URL + "/open-apis/im/v1/files", "t-bogus", "multipart/form-data; boundary=x", nil}); a.code() != 99991663 {
		t.Errorf("bad token: %v", a.body)
	}
}

func TestFileKeysAreCheckedWhenUsed(t *testing.T) {
	srv := feishutest.NewServer(t)
	tok := token(t, srv)
	csvKey := dataField(upload(t, srv, tok, part{map[string]string{"file_type": "stream", "file_name": "r.csv"}, []byte("a,b"), true}), "file_key")
	opusKey := dataField(upload(t, srv, tok, part{map[string]string{"file_type": "opus", "file_name": "v.opus"}, []byte("OggS...."), true}), "file_key")
	content := func(k, v string) string { b, _ := json.Marshal(map[string]string{k: v}); return string(b) }
	for _, tc := range []struct {
		name, msgType, content string
		code                   int
	}{
		{"file", "file", content("file_key", csvKey), 0},
		{"unknown file key", "file", content("file_key", "file_v3_nope"), 230001},
		{"no file key", "file", `{}`, 230001},
		{"opus as file", "file", content("file_key", opusKey), 230055},
		{"opus as audio", "audio", content("file_key", opusKey), 0},
		{"csv as media", "media", content("file_key", csvKey), 230055},
		{"unknown image key", "image", content("image_key", "img_v3_nope"), 230001},
		{"post with unknown img", "post", `{"zh_cn":{"title":"t","content":[[{"tag":"img","image_key":"img_v3_nope"}]]}}`, 230001},
		{"post img not alone", "post", `{"zh_cn":{"title":"t","content":[[{"tag":"text","text":"x"},{"tag":"hr"},{"tag":"md","text":"**x**"}]]}}`, 230001},
		{"post unknown tag", "post", `{"zh_cn":{"content":[[{"tag":"blink","text":"x"}]]}}`, 230001},
		{"post bad style", "post", `{"zh_cn":{"content":[[{"tag":"text","text":"x","style":["shout"]}]]}}`, 230001},
		{"post link not http", "post", `{"zh_cn":{"content":[[{"tag":"a","text":"x","href":"javascript:x"}]]}}`, 230001},
		{"post at without id", "post", `{"en_us":{"content":[[{"tag":"at"}]]}}`, 230001},
		{"post ok", "post", `{"zh_cn":{"title":"t","content":[[{"tag":"text","text":"x","style":["bold"]},{"tag":"a","text":"l","href":"https://x.example"},{"tag":"at","user_id":"all"}],[{"tag":"md","text":"**m**"}]]}}`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := sendJSON(t, srv, tok, "chat_id", map[string]any{"receive_id": "oc_1", "msg_type": tc.msgType, "content": tc.content})
			if a.code() != tc.code {
				t.Fatalf("code %d %v, want %d", a.code(), a.body, tc.code)
			}
		})
	}
	// A webhook cannot send files, nor md or styles in a post.
	hook := feishutest.NewServer(t, feishutest.WithWebhook("tok", ""))
	for _, body := range []map[string]any{
		{"msg_type": "file", "content": map[string]string{"file_key": csvKey}},
		{"msg_type": "post", "content": map[string]any{"post": map[string]any{"zh_cn": map[string]any{"content": [][]any{{map[string]string{"tag": "md", "text": "x"}}}}}}},
		{"msg_type": "post", "content": map[string]any{"post": map[string]any{"zh_cn": map[string]any{"content": [][]any{{map[string]any{"tag": "text", "text": "x", "style": []string{"bold"}}}}}}}},
	} {
		if a := post(t, hook.WebhookURL("tok"), "", body); a.code() != 9499 {
			t.Errorf("webhook %v: %v", body["msg_type"], a.body)
		}
	}
}

func TestFilesHandlerServesDownloads(t *testing.T) {
	srv := feishutest.NewServer(t)
	tok := token(t, srv)
	key := dataField(upload(t, srv, tok, part{map[string]string{"file_type": "stream", "file_name": "周报 1.csv"}, []byte("a,b\n"), true}), "file_key")
	h := httptest.NewServer(http.StripPrefix("/api/files/", srv.FilesHandler()))
	defer h.Close()
	resp, err := http.Get(h.URL + "/api/files/" + key)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if string(body) != "a,b\n" || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "filename*=utf-8''%E5%91%A8") {
		t.Errorf("download: %q %v", body, resp.Header)
	}
	resp, err = http.Get(h.URL + "/api/files/" + key + "?meta=1")
	if err != nil {
		t.Fatal(err)
	}
	var meta feishutest.File
	err = json.NewDecoder(resp.Body).Decode(&meta)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("meta: %v", err)
	}
	if meta.Name != "周报 1.csv" || meta.Size != 4 || meta.Type != "stream" {
		t.Errorf("meta = %+v", meta)
	}
	resp, err = http.Get(h.URL + "/api/files/file_none")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("unknown key: %d", resp.StatusCode)
	}
}

const sharedCard = `{"config":{"update_multi":true},"elements":[{"tag":"markdown","content":"v1"}]}`

func patch(t *testing.T, srv *feishutest.Server, tok, id, card string) answer {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"content": card})
	return do(t, rawRequest{http.MethodPatch, srv.URL + "/open-apis/im/v1/messages/" + id, tok, "application/json; charset=utf-8", b})
}

func TestUpdateRules(t *testing.T) {
	clock := feishutest.NewClock(time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC))
	srv := feishutest.NewServer(t, feishutest.WithClock(clock.Now), feishutest.WithApp("cli_other", "s2"),
		feishutest.WithApp(feishutest.DefaultAppID, feishutest.DefaultAppSecret))
	tok := token(t, srv)
	send := func(msgType, content string) string {
		a := sendJSON(t, srv, tok, "chat_id", map[string]any{"receive_id": "oc_1", "msg_type": msgType, "content": content})
		if a.code() != 0 {
			t.Fatalf("send: %v", a.body)
		}
		return dataField(a, "message_id")
	}
	card := send("interactive", sharedCard)
	unshared := send("interactive", `{"elements":[]}`)
	text := send("text", `{"text":"hi"}`)
	user := srv.AddUserMessage("oc_1", "from a user").MessageID
	other := post(t, srv.URL+"/open-apis/auth/v3/tenant_access_token/internal", "", map[string]string{"app_id": "cli_other", "app_secret": "s2"}).body["tenant_access_token"].(string)
	v2 := strings.Replace(sharedCard, "v1", "v2", 1)
	for _, tc := range []struct {
		name, tok, id, card string
		status, code        int
	}{
		{"update", tok, card, v2, 200, 0},
		{"unshared before", tok, unshared, v2, 400, 230001},
		{"unshared after", tok, card, `{"elements":[]}`, 400, 230001},
		{"not a card", tok, text, v2, 400, 230054},
		{"a user's message", tok, user, v2, 400, 230027},
		{"another app's message", other, card, v2, 400, 230027},
		{"unknown message", tok, "om_none", v2, 400, 230001},
		{"invalid card", tok, card, `{"schema":"2.0","body":{"elements":[{"tag":"note"}]}}`, 400, 230099},
		{"card not a string", tok, card, "", 400, 99992402},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var a answer
			if tc.card == "" {
				a = do(t, rawRequest{http.MethodPatch, srv.URL + "/open-apis/im/v1/messages/" + tc.id, tc.tok, "application/json", []byte(`{"content":{"elements":[]}}`)})
			} else {
				a = patch(t, srv, tc.tok, tc.id, tc.card)
			}
			if a.status != tc.status || a.code() != tc.code {
				t.Fatalf("HTTP %d %v, want %d code %d", a.status, a.body, tc.status, tc.code)
			}
		})
	}
	m, _ := srv.Message(card)
	if len(m.Edits) != 1 || !strings.Contains(string(m.Content), "v2") || !strings.Contains(string(m.Edits[0].Previous), "v1") {
		t.Errorf("edit history: content %s edits %+v", m.Content, m.Edits)
	}
	// Five updates a second per message, then 230020.
	var last answer
	for i := 0; i < 5; i++ {
		last = patch(t, srv, tok, card, v2)
	}
	if last.code() != 230020 {
		t.Errorf("6th update in a second: %v", last.body)
	}
	clock.Advance(2 * time.Second)
	if a := patch(t, srv, tok, card, v2); a.code() != 0 {
		t.Errorf("after a second: %v", a.body)
	}
	// Within 14 days only.
	clock.Advance(14*24*time.Hour - 3*time.Second)
	tok = token(t, srv) // the old one expired
	if a := patch(t, srv, tok, card, v2); a.code() != 0 {
		t.Errorf("just under 14 days: %v", a.body)
	}
	clock.Advance(time.Minute)
	if a := patch(t, srv, tok, card, v2); a.code() != 230031 {
		t.Errorf("over 14 days: %v", a.body)
	}
	// Recalled and deleted messages.
	fresh := send("interactive", sharedCard)
	if a := do(t, rawRequest{http.MethodDelete, srv.URL + "/open-apis/im/v1/messages/" + fresh, tok, "", nil}); a.code() != 0 {
		t.Fatalf("recall: %v", a.body)
	}
	if a := patch(t, srv, tok, fresh, v2); a.code() != 230011 {
		t.Errorf("recalled: %v", a.body)
	}
	gone := send("interactive", sharedCard)
	srv.DeleteMessage(gone)
	if a := patch(t, srv, tok, gone, v2); a.code() != 230110 {
		t.Errorf("deleted: %v", a.body)
	}
	if a := do(t, rawRequest{http.MethodPut, srv.URL + "/open-apis/im/v1/messages/" + card, tok, "application/json", []byte(`{}`)}); a.status != 405 {
		t.Errorf("PUT: %v", a.body)
	}
}

func TestRecallRules(t *testing.T) {
	clock := feishutest.NewClock(time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC))
	srv := feishutest.NewServer(t, feishutest.WithClock(clock.Now), feishutest.WithRecallWindow(2*time.Hour))
	tok := token(t, srv)
	send := func() string {
		a := sendJSON(t, srv, tok, "open_id", map[string]any{"receive_id": "ou_1", "msg_type": "text", "content": `{"text":"oops"}`})
		return dataField(a, "message_id")
	}
	recall := func(id string) answer {
		return do(t, rawRequest{http.MethodDelete, srv.URL + "/open-apis/im/v1/messages/" + id, tok, "", nil})
	}
	id := send()
	if a := recall(id); a.status != 200 || a.code() != 0 {
		t.Fatalf("recall: %v", a.body)
	}
	if m, _ := srv.Message(id); !m.Recalled || !m.RecalledAt.Equal(clock.Now()) {
		t.Errorf("not marked recalled: %+v", m)
	}
	if a := recall(id); a.code() != 230011 {
		t.Errorf("second recall: %v", a.body)
	}
	if a := recall(srv.AddUserMessage("oc_1", "x").MessageID); a.code() != 230026 {
		t.Errorf("a user's message: %v", a.body)
	}
	old := send()
	clock.Advance(2*time.Hour + time.Second)
	tok = token(t, srv) // the old one is past its reuse window
	if a := recall(old); a.code() != 230009 {
		t.Errorf("past the window: %v", a.body)
	}
	del := send()
	srv.DeleteMessage(del)
	if a := recall(del); a.code() != 230110 {
		t.Errorf("deleted: %v", a.body)
	}
	if a := recall("om_none"); a.code() != 230001 {
		t.Errorf("unknown: %v", a.body)
	}
}

func TestReplyThreads(t *testing.T) {
	srv := feishutest.NewServer(t)
	tok := token(t, srv)
	reply := func(id string, inThread bool, uuid string) answer {
		b, _ := json.Marshal(map[string]any{"msg_type": "text", "content": `{"text":"re"}`, "reply_in_thread": inThread, "uuid": uuid})
		return do(t, rawRequest{http.MethodPost, srv.URL + "/open-apis/im/v1/messages/" + id + "/reply", tok, "application/json; charset=utf-8", b})
	}
	alert := srv.AddUserMessage("oc_ops", "disk full").MessageID
	a := reply(alert, false, "")
	if a.code() != 0 || dataField(a, "parent_id") != alert || dataField(a, "root_id") != alert || dataField(a, "thread_id") != "" {
		t.Fatalf("plain reply: %v", a.body)
	}
	first := dataField(a, "message_id")
	b := reply(first, true, "u-1")
	thread := dataField(b, "thread_id")
	if b.code() != 0 || !strings.HasPrefix(thread, "omt_") || dataField(b, "root_id") != alert || dataField(b, "parent_id") != first {
		t.Fatalf("thread reply: %v", b.body)
	}
	if m, _ := srv.Message(first); m.ThreadID != thread {
		t.Errorf("parent not placed in the thread: %+v", m)
	}
	if c := reply(first, true, "u-1"); dataField(c, "message_id") != dataField(b, "message_id") {
		t.Errorf("uuid not de-duplicated: %v", c.body)
	}
	if c := reply(dataField(b, "message_id"), true, ""); dataField(c, "thread_id") != thread {
		t.Errorf("reply in thread left it: %v", c.body)
	}
	got, _ := srv.Message(dataField(b, "message_id"))
	if got.ReceiveID != "oc_ops" || got.ParentID != first || got.Mode != "app" {
		t.Errorf("stored reply %+v", got)
	}
	srv.DisableThreads("oc_nothreads")
	if c := reply(srv.AddUserMessage("oc_nothreads", "x").MessageID, true, ""); c.code() != 230071 {
		t.Errorf("no threads: %v", c.body)
	}
	srv.DeleteMessage(alert)
	if c := reply(alert, false, ""); c.code() != 230110 {
		t.Errorf("deleted parent: %v", c.body)
	}
	if c := reply("om_none", false, ""); c.code() != 230001 {
		t.Errorf("unknown parent: %v", c.body)
	}
}

func TestImageUploadsOverOneMegabyte(t *testing.T) {
	srv := feishutest.NewServer(t)
	tok := token(t, srv)
	img := image.NewNRGBA(image.Rect(0, 0, 800, 800))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(rng.Uint32())
	}
	var pngData bytes.Buffer
	_ = png.Encode(&pngData, img)
	if pngData.Len() < 2<<20 {
		t.Fatalf("test image is only %d bytes", pngData.Len())
	}
	up := func(data []byte) answer {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		_ = mw.WriteField("image_type", "message")
		w, _ := mw.CreateFormFile("image", "big.png")
		_, _ = w.Write(data)
		_ = mw.Close()
		return do(t, rawRequest{http.MethodPost, srv.URL + "/open-apis/im/v1/images", tok, mw.FormDataContentType(), b.Bytes()})
	}
	if a := up(pngData.Bytes()); a.code() != 0 {
		t.Errorf("%d-byte PNG: %v", pngData.Len(), a.body)
	}
	if a := up(append(pngData.Bytes(), make([]byte, 10<<20)...)); a.code() != 234006 {
		t.Errorf("over 10 MB: %v", a.body)
	}
}
