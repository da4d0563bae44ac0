package feishu_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

var boundary = regexp.MustCompile(`boundary=[0-9a-f]+`)

// golden compares a prepared request, pretty-printed, with
// testdata/golden/name.json. The im/v1 content string is shown decoded
// beside the body, and the multipart boundary is masked.
func golden(t *testing.T, name string, req *feishu.Request) {
	t.Helper()
	red := req.Redacted()
	out := map[string]any{"method": red.Method, "url": red.URL, "headers": red.Headers, "body": red.Body}
	if ct := red.Headers["Content-Type"]; ct != "" {
		red.Headers["Content-Type"] = boundary.ReplaceAllString(ct, "boundary=…")
	}
	var body map[string]json.RawMessage
	if json.Unmarshal(red.Body, &body) == nil {
		var content string
		if json.Unmarshal(body["content"], &content) == nil {
			out["content (decoded)"] = json.RawMessage(content)
		}
	}
	got, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		_ = os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n got: %s\nwant: %s", path, got, want)
	}
}

var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")

func TestGoldenRequests(t *testing.T) {
	c := feishu.New(feishu.WithBaseURL(feishu.FeishuBaseURL), feishu.WithCredentials("cli_x", "secret"))
	card := json.RawMessage(`{"header":{"title":{"tag":"plain_text","content":"Status"}},"elements":[{"tag":"markdown","content":"all **green**"}]}`)
	upd, err := c.Messages.NewUpdateRequest("om_dc13264520392913993dd051dba21dcf", card)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "update", upd)
	rec, err := c.Messages.NewRecallRequest("om_dc13264520392913993dd051dba21dcf")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "recall", rec)
	rep, err := c.Messages.NewReplyRequest("om_dc13264520392913993dd051dba21dcf", feishu.TextMessage("fixed <b>now</b>"), true, "fix-1")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "reply_in_thread", rep)
	up, err := c.Files.NewUploadRequest(feishu.FileUpload{Name: "nightly.csv", Data: []byte("a,b\n1,2\n")})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "file_upload", up)
	vid, err := c.Files.NewUploadRequest(feishu.FileUpload{Name: "demo.mp4", Data: []byte("\x00\x00\x00\x18ftypmp42"), Duration: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "file_upload_video", vid)
	to := feishu.Recipient{IDType: "chat_id", ID: "oc_1"}
	for name, m := range map[string]feishu.Message{
		"send_file":  feishu.FileMessage("file_v3_0a1b"),
		"send_image": feishu.ImageMessage("img_v3_0a1b"),
	} {
		req, err := c.Messages.NewCreateRequest(to, m, "")
		if err != nil {
			t.Fatal(err)
		}
		golden(t, name, req)
	}
	pm, err := feishu.PostMessage(map[string]feishu.Post{
		feishu.LocaleZhCN: {Title: "夜间报告", Content: feishu.ParsePost("**失败** 2 项，见 [日志](https://ci.example/42)\n@all 请 <at user_id=\"ou_abc\">Tom</at> 处理\n---\n```sh\nmake test\n```")},
		feishu.LocaleEnUS: {Title: "Nightly", Content: feishu.ParsePost("**2 failed**, see [logs](https://ci.example/42)")},
	}, feishu.PostOptions{})
	if err != nil {
		t.Fatal(err)
	}
	req, err := c.Messages.NewCreateRequest(to, pm, "post-1")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "send_post", req)
}

func TestUploadLimitsAreCheckedBeforeAnyRequest(t *testing.T) {
	srv := feishutest.NewServer(t)
	c, _ := newAppClient(t, srv)
	var empty *feishu.EmptyUploadError
	var limit *feishu.LimitError
	var format *feishu.FormatError
	for _, tc := range []struct {
		name   string
		upload func() error
		target any
	}{
		{"empty file", func() error {
			_, err := c.Files.NewUploadRequest(feishu.FileUpload{Name: "r.csv"})
			return err
		}, &empty},
		{"file over 30 MB", func() error {
			_, err := c.Files.NewUploadRequest(feishu.FileUpload{Name: "big.bin", Data: make([]byte, feishu.MaxFileSize+1)})
			return err
		}, &limit},
		{"unknown file_type", func() error {
			_, err := c.Files.NewUploadRequest(feishu.FileUpload{Name: "r.csv", Data: []byte("x"), FileType: "csv"})
			return err
		}, &format},
		{"empty image", func() error {
			_, err := c.Images.NewUploadRequest("a.png", nil)
			return err
		}, &empty},
		{"image over 10 MB", func() error {
			_, err := c.Images.NewUploadRequest("a.png", append(append([]byte{}, pngBytes...), make([]byte, feishu.MaxImageSize)...))
			return err
		}, &limit},
		{"not an image", func() error {
			_, err := c.Images.NewUploadRequest("a.png", []byte("%PDF-1.7"))
			return err
		}, &format},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.upload()
			if err == nil || !errors.As(err, tc.target) {
				t.Fatalf("err = %v, want %T", err, tc.target)
			}
		})
	}
	for _, name := range []string{"", "a/b.csv", "x\n.csv"} {
		if _, err := c.Files.NewUploadRequest(feishu.FileUpload{Name: name, Data: []byte("x")}); err == nil {
			t.Errorf("file name %q accepted", name)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests made, want none (not even a token)", n)
	}
}

func TestFileTypeFor(t *testing.T) {
	for name, want := range map[string]string{
		"a.opus": "opus", "A.MP4": "mp4", "r.pdf": "pdf", "r.doc": "doc", "r.xls": "xls", "r.ppt": "ppt",
		"r.docx": "stream", "r.xlsx": "stream", "r.csv": "stream", "Makefile": "stream", "a.tar.gz": "stream",
	} {
		if got := feishu.FileTypeFor(name); got != want {
			t.Errorf("FileTypeFor(%q) = %q, want %q", name, got, want)
		}
	}
	for ft, want := range map[string]string{"opus": "audio", "mp4": "media", "pdf": "file", "stream": "file"} {
		if got := feishu.MsgTypeForFileType(ft); got != want {
			t.Errorf("MsgTypeForFileType(%q) = %q", ft, got)
		}
	}
	if err := feishu.WebhookSupports(feishu.MsgTypeFile); !errors.Is(err, feishu.ErrWebhookUnsupported) {
		t.Errorf("webhook file: %v", err)
	}
	if err := feishu.WebhookSupports(feishu.MsgTypeImage); err != nil {
		t.Errorf("webhook image: %v", err)
	}
}

func TestUploadAndSendFileAndImage(t *testing.T) {
	srv := feishutest.NewServer(t)
	c, _ := newAppClient(t, srv)
	ctx := context.Background()
	data := []byte("day,count\nmon,3\n")
	req, err := c.Files.NewUploadRequest(feishu.FileUpload{Name: "nightly.csv", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := c.Files.Upload(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	fl, ok := srv.File(key)
	if !ok || fl.Name != "nightly.csv" || fl.Type != "stream" || !bytes.Equal(fl.Data, data) {
		t.Fatalf("stored file %+v", fl)
	}
	// One upload serves every recipient.
	for _, to := range []string{"oc_a", "oc_b", "ou_c"} {
		if _, _, err := send(t, c, to, feishu.FileMessage(key), ""); err != nil {
			t.Fatalf("send file to %s: %v", to, err)
		}
	}
	if n := srv.CountRequests(feishutest.EndpointFiles); n != 1 {
		t.Errorf("%d uploads, want 1", n)
	}
	ireq, _ := c.Images.NewUploadRequest("chart.png", pngBytes)
	ikey, _, err := c.Images.Upload(ctx, ireq)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := send(t, c, "oc_a", feishu.ImageMessage(ikey), ""); err != nil {
		t.Fatal(err)
	}
	// Keys Feishu never issued, and a file sent as the wrong msg_type.
	opus, _ := c.Files.NewUploadRequest(feishu.FileUpload{Name: "v.opus", Data: []byte("OggS....")})
	okey, _, err := c.Files.Upload(ctx, opus)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		m    feishu.Message
		code int
	}{
		{feishu.ImageMessage("img_v3_never"), 230001},
		{feishu.FileMessage("file_v3_never"), 230001},
		{feishu.FileMessage(okey), 230055},
		{feishu.Message{MsgType: feishu.MsgTypeForFileType("opus"), Content: json.RawMessage(`{"file_key":"` + okey + `"}`)}, 0},
	} {
		_, _, err := send(t, c, "oc_a", tc.m, "")
		var apiErr *feishu.APIError
		switch {
		case tc.code == 0 && err != nil:
			t.Errorf("%s: %v", tc.m.Content, err)
		case tc.code != 0 && (!errors.As(err, &apiErr) || apiErr.Code != tc.code || apiErr.Kind() != feishu.KindRejected):
			t.Errorf("%s: err %v, want code %d rejected", tc.m.Content, err, tc.code)
		}
	}
	// A webhook sends an image uploaded by the app, but no file.
	hook := feishutest.NewServer(t, feishutest.WithWebhook("tok", ""))
	wc := feishu.New(feishu.WithWebhook(hook.WebhookURL("tok"), ""))
	wreq, err := wc.Webhook.NewSendRequest(feishu.ImageMessage(ikey))
	if err != nil {
		t.Fatal(err)
	}
	// The hook's fake knows no images: the key check is per fake, so this
	// one is refused, as a key Feishu never issued would be.
	if _, err := wc.Webhook.Send(ctx, wreq); err == nil {
		t.Error("webhook image with an unknown key was accepted")
	}
	srv2 := feishutest.NewServer(t, feishutest.WithWebhook("tok", ""))
	c2, _ := newAppClient(t, srv2)
	ireq2, _ := c2.Images.NewUploadRequest("chart.png", pngBytes)
	ikey2, _, err := c2.Images.Upload(ctx, ireq2)
	if err != nil {
		t.Fatal(err)
	}
	wc2 := feishu.New(feishu.WithWebhook(srv2.WebhookURL("tok"), ""))
	wreq2, _ := wc2.Webhook.NewSendRequest(feishu.ImageMessage(ikey2))
	if _, err := wc2.Webhook.Send(ctx, wreq2); err != nil {
		t.Errorf("webhook image: %v", err)
	}
	freq, _ := wc2.Webhook.NewSendRequest(feishu.FileMessage(key))
	if _, err := wc2.Webhook.Send(ctx, freq); err == nil {
		t.Error("webhook file accepted")
	}
}

func sharedCard(text string) json.RawMessage {
	card, _ := feishu.SharedCard(json.RawMessage(`{"elements":[{"tag":"markdown","content":"` + text + `"}]}`))
	return card
}

func TestUpdateRecallReplyAgainstTheFake(t *testing.T) {
	clock := feishutest.NewClock(time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC))
	srv := feishutest.NewServer(t, feishutest.WithClock(clock.Now))
	c, _ := newAppClient(t, srv, feishu.WithClock(clock.Now))
	ctx := context.Background()
	sendCard := func(card json.RawMessage) string {
		sent, _, err := send(t, c, "oc_board", feishu.CardMessage(card), "")
		if err != nil {
			t.Fatal(err)
		}
		return sent.MessageID
	}
	update := func(id string, card json.RawMessage) error {
		req, err := c.Messages.NewUpdateRequest(id, card)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Messages.Update(ctx, req)
		return err
	}
	recall := func(id string) (*feishu.Response, error) {
		req, err := c.Messages.NewRecallRequest(id)
		if err != nil {
			t.Fatal(err)
		}
		return c.Messages.Recall(ctx, req)
	}
	board := sendCard(sharedCard("v1"))
	// NewUpdateRequest shares the new card itself.
	if err := update(board, json.RawMessage(`{"elements":[{"tag":"markdown","content":"v2"}]}`)); err != nil {
		t.Fatalf("update: %v", err)
	}
	if m, _ := srv.Message(board); len(m.Edits) != 1 || !strings.Contains(string(m.Content), "v2") {
		t.Errorf("fake has %+v", m)
	}
	unshared := sendCard(json.RawMessage(`{"elements":[]}`))
	text, _, _ := send(t, c, "oc_board", feishu.TextMessage("hi"), "")
	user := srv.AddUserMessage("oc_board", "a user's").MessageID
	recalled := sendCard(sharedCard("r"))
	if _, err := recall(recalled); err != nil {
		t.Fatal(err)
	}
	deleted := sendCard(sharedCard("d"))
	srv.DeleteMessage(deleted)

	for _, tc := range []struct {
		name    string
		id      string
		is      error
		sendNew bool
	}{
		{"recalled", recalled, feishu.ErrMessageRecalled, true},
		{"deleted", deleted, feishu.ErrMessageDeleted, true},
		{"not the bot's message", user, feishu.ErrNotOwnMessage, false},
		{"not a card", text.MessageID, feishu.ErrUnsupportedMsgType, false},
		{"sent unshared", unshared, nil, false},
	} {
		t.Run("update "+tc.name, func(t *testing.T) {
			err := update(tc.id, sharedCard("x"))
			var apiErr *feishu.APIError
			if !errors.As(err, &apiErr) || apiErr.Kind() != feishu.KindRejected {
				t.Fatalf("err = %v, want a rejection", err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want %v", err, tc.is)
			}
			if feishu.ShouldSendNew(err) != tc.sendNew {
				t.Errorf("ShouldSendNew = %v", !tc.sendNew)
			}
			if apiErr.Hint() == "" {
				t.Errorf("no hint for %d", apiErr.Code)
			}
		})
	}
	for _, tc := range []struct {
		name string
		id   string
		is   error
	}{
		{"again", recalled, feishu.ErrMessageRecalled},
		{"deleted", deleted, feishu.ErrMessageDeleted},
		{"not the bot's message", user, feishu.ErrNotOwnMessage},
	} {
		t.Run("recall "+tc.name, func(t *testing.T) {
			if _, err := recall(tc.id); !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want %v", err, tc.is)
			}
		})
	}
	// A recall whose answer is lost is retried; finding the message already
	// recalled then means the first attempt worked.
	lost := sendCard(sharedCard("l"))
	srv.Inject(feishutest.Fault{Endpoint: feishutest.EndpointRecall, Action: feishutest.LoseResponse})
	resp, err := recall(lost)
	if err != nil || resp.Attempts != 2 {
		t.Errorf("recall after a lost answer: %v, %+v", err, resp)
	}
	if m, _ := srv.Message(lost); !m.Recalled {
		t.Error("not recalled")
	}

	// Replies, in and out of threads.
	rreq, err := c.Messages.NewReplyRequest(user, feishu.TextMessage("on it"), false, "")
	if err != nil {
		t.Fatal(err)
	}
	r1, _, err := c.Messages.Reply(ctx, rreq)
	if err != nil || r1.ParentID != user || r1.RootID != user || r1.ThreadID != "" || !strings.HasPrefix(r1.MessageID, "om_") {
		t.Fatalf("reply: %+v %v", r1, err)
	}
	treq, _ := c.Messages.NewReplyRequest(r1.MessageID, feishu.TextMessage("done"), true, "done-1")
	r2, _, err := c.Messages.Reply(ctx, treq)
	if err != nil || !strings.HasPrefix(r2.ThreadID, "omt_") || r2.RootID != user {
		t.Fatalf("thread reply: %+v %v", r2, err)
	}
	srv.DisableThreads("oc_flat")
	flat := srv.AddUserMessage("oc_flat", "x").MessageID
	freq, _ := c.Messages.NewReplyRequest(flat, feishu.TextMessage("x"), true, "")
	if _, _, err := c.Messages.Reply(ctx, freq); !errors.Is(err, feishu.ErrThreadUnsupported) {
		t.Errorf("thread in a flat chat: %v", err)
	}
	xreq, _ := c.Messages.NewReplyRequest(recalled, feishu.TextMessage("x"), false, "")
	if _, _, err := c.Messages.Reply(ctx, xreq); !errors.Is(err, feishu.ErrMessageRecalled) {
		t.Errorf("reply to a recalled message: %v", err)
	}

	// Too old: 14 days for an update, the recall window for a recall.
	clock.Advance(25 * time.Hour)
	if _, err := recall(board); !errors.Is(err, feishu.ErrMessageTooOld) {
		t.Errorf("recall after 25 h: %v", err)
	}
	if err := update(board, sharedCard("v3")); err != nil {
		t.Errorf("update after 25 h: %v", err)
	}
	clock.Advance(14 * 24 * time.Hour)
	err = update(board, sharedCard("v4"))
	if !errors.Is(err, feishu.ErrMessageTooOld) || !feishu.ShouldSendNew(err) {
		t.Errorf("update after 15 days: %v", err)
	}
}

func TestLifecycleErrorKinds(t *testing.T) {
	for _, tc := range []struct {
		code     int
		endpoint string
		kind     feishu.Kind
		is       error
	}{
		{230011, feishu.EndpointMessagesUpdate, feishu.KindRejected, feishu.ErrMessageRecalled},
		{230110, feishu.EndpointMessagesRecall, feishu.KindRejected, feishu.ErrMessageDeleted},
		{230031, feishu.EndpointMessagesUpdate, feishu.KindRejected, feishu.ErrMessageTooOld},
		{230009, feishu.EndpointMessagesRecall, feishu.KindRejected, feishu.ErrMessageTooOld},
		{230026, feishu.EndpointMessagesRecall, feishu.KindRejected, feishu.ErrNotOwnMessage},
		{230027, feishu.EndpointMessagesUpdate, feishu.KindRejected, feishu.ErrNotOwnMessage},
		{230050, feishu.EndpointMessagesRecall, feishu.KindRejected, feishu.ErrMessageInvisible},
		{230071, feishu.EndpointMessagesReply, feishu.KindRejected, feishu.ErrThreadUnsupported},
		{230054, feishu.EndpointMessagesUpdate, feishu.KindRejected, feishu.ErrUnsupportedMsgType},
		{230055, feishu.EndpointMessagesCreate, feishu.KindRejected, nil},
		{234006, feishu.EndpointFilesCreate, feishu.KindRejected, nil},
		{234010, feishu.EndpointFilesCreate, feishu.KindRejected, nil},
		{230020, feishu.EndpointMessagesUpdate, feishu.KindTransient, nil},
	} {
		e := &feishu.APIError{Endpoint: tc.endpoint, HTTPStatus: 400, Code: tc.code}
		if e.Kind() != tc.kind {
			t.Errorf("%d: kind %v, want %v", tc.code, e.Kind(), tc.kind)
		}
		if tc.is != nil && !errors.Is(e, tc.is) {
			t.Errorf("%d: not %v", tc.code, tc.is)
		}
	}
	// 230027 on a send is a missing permission, not someone else's message.
	if errors.Is(&feishu.APIError{Endpoint: feishu.EndpointMessagesCreate, Code: 230027}, feishu.ErrNotOwnMessage) {
		t.Error("230027 on create matched ErrNotOwnMessage")
	}
}

func TestSharedCard(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{}`, `{"config":{"update_multi":true}}`},
		{`{"config":{"wide_screen_mode":true},"elements":[]}`, `{"config":{"update_multi":true,"wide_screen_mode":true},"elements":[]}`},
		{`{"schema":"2.0","config":{"update_multi":false},"body":{"elements":[]}}`, `{"body":{"elements":[]},"config":{"update_multi":true},"schema":"2.0"}`},
		{`{"type":"template","data":{"template_id":"AAq"}}`, `{"type":"template","data":{"template_id":"AAq"}}`},
	} {
		got, err := feishu.SharedCard(json.RawMessage(tc.in))
		if err != nil || string(got) != tc.want {
			t.Errorf("SharedCard(%s) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
		if !feishu.IsSharedCard(got) {
			t.Errorf("IsSharedCard(%s) = false", got)
		}
	}
	for _, bad := range []string{`[]`, `null`, `{"config":[]}`, `x`} {
		if _, err := feishu.SharedCard(json.RawMessage(bad)); err == nil {
			t.Errorf("SharedCard(%s) succeeded", bad)
		}
	}
	if feishu.IsSharedCard(json.RawMessage(`{"elements":[]}`)) {
		t.Error("IsSharedCard of an unshared card")
	}
	c := feishu.New()
	for _, id := range []string{"", "om_", "oc_123", "om_a/b", "om_a?b", "om_" + strings.Repeat("a", 200)} {
		if _, err := c.Messages.NewUpdateRequest(id, json.RawMessage(`{}`)); err == nil {
			t.Errorf("update of %q accepted", id)
		}
		if _, err := c.Messages.NewRecallRequest(id); err == nil {
			t.Errorf("recall of %q accepted", id)
		}
	}
	big := `{"elements":[{"tag":"markdown","content":"` + strings.Repeat("x", feishu.MaxCardBody) + `"}]}`
	var limit *feishu.LimitError
	if _, err := c.Messages.NewUpdateRequest("om_1", json.RawMessage(big)); !errors.As(err, &limit) {
		t.Errorf("oversized update: %v", err)
	}
}
