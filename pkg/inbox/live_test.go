package inbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/internal/browser"
	"github.com/feishu-push/feishu-push/pkg/cli/clitest"
	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
	"github.com/feishu-push/feishu-push/pkg/inbox"
)

// statusCard is a card that can be updated in place: update_multi, as
// Feishu requires both when it is sent and when it is updated.
func statusCard(at string) json.RawMessage {
	return json.RawMessage(`{"config":{"update_multi":true},"header":{"template":"green","title":{"tag":"plain_text","content":"Status ` +
		at + `"}},"elements":[{"tag":"markdown","content":"all **green** at ` + at + `"}]}`)
}

// lifeClient sends, updates and recalls through the Open API as the
// commands do.
type lifeClient struct {
	t *testing.T
	c *feishu.Client
}

func newLifeClient(t *testing.T, e *clitest.Env) lifeClient {
	return lifeClient{t, apiClient(e)}
}

func (l lifeClient) send(m feishu.Message) string {
	l.t.Helper()
	req, err := l.c.Messages.NewCreateRequest(feishu.Recipient{IDType: "chat_id", ID: "oc_ops"}, m, "")
	if err != nil {
		l.t.Fatal(err)
	}
	sent, _, err := l.c.Messages.Create(context.Background(), req)
	if err != nil {
		l.t.Fatalf("send: %v", err)
	}
	return sent.MessageID
}

func (l lifeClient) reply(parent, text string) {
	l.t.Helper()
	req, err := l.c.Messages.NewReplyRequest(parent, feishu.TextMessage(text), true, "")
	if err != nil {
		l.t.Fatal(err)
	}
	if _, _, err := l.c.Messages.Reply(context.Background(), req); err != nil {
		l.t.Fatalf("reply to %s: %v", parent, err)
	}
}

func (l lifeClient) update(id string, card json.RawMessage) {
	l.t.Helper()
	req, err := l.c.Messages.NewUpdateRequest(id, card)
	if err != nil {
		l.t.Fatal(err)
	}
	if _, err := l.c.Messages.Update(context.Background(), req); err != nil {
		l.t.Fatalf("update %s: %v", id, err)
	}
}

func (l lifeClient) recall(id string) {
	l.t.Helper()
	req, err := l.c.Messages.NewRecallRequest(id)
	if err != nil {
		l.t.Fatal(err)
	}
	if _, err := l.c.Messages.Recall(context.Background(), req); err != nil {
		l.t.Fatalf("recall %s: %v", id, err)
	}
}

// TestInboxSenders: /api/messages names each message's sender as the
// header line shows it: the app bot (also in a batch send), a group
// webhook, a user writing in a chat.
func TestInboxSenders(t *testing.T) {
	e := inboxEnv(t, feishutest.WithAnyWebhook(""))
	newLifeClient(t, e).send(feishu.TextMessage("from the app"))
	postHook(t, e.Srv.URL, `{"msg_type":"text","content":{"text":"from the hook"}}`)
	e.Srv.AddUserMessage("oc_ops", "from a person")
	l := newLifeClient(t, e)
	req, err := l.c.Messages.NewBatchSendRequest(feishu.TextMessage("to a few"), feishu.BatchRecipients{OpenIDs: []string{"ou_a"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.c.Messages.BatchSend(context.Background(), req); err != nil {
		t.Fatalf("batch: %v", err)
	}

	got := messages(t, e.Srv.URL, "")
	var from []string
	for _, m := range got.Messages {
		from = append(from, m.Mode+"="+m.From)
	}
	if want := []string{"app=app bot", "webhook=group webhook", "user=user", "batch=app bot · batch"}; !slices.Equal(from, want) {
		t.Errorf("senders %v, want %v", from, want)
	}
}

// TestInboxEditHistoryAPI: an updated card carries its history in
// /api/messages, which the JSON toggle shows: every update with its time,
// the version it replaced and the request; its drawing has the edited
// mark. A recalled message says so.
func TestInboxEditHistoryAPI(t *testing.T) {
	e := inboxEnv(t)
	l := newLifeClient(t, e)
	id := l.send(feishu.CardMessage(statusCard("09:00")))
	l.update(id, statusCard("09:05"))
	l.update(id, statusCard("09:10"))
	gone := l.send(feishu.TextMessage("a wrong push"))
	l.recall(gone)

	got := messages(t, e.Srv.URL, "")
	card := got.Messages[0]
	if len(card.Edits) != 2 {
		t.Fatalf("%d edits, want 2", len(card.Edits))
	}
	for i, at := range []string{"09:00", "09:05"} {
		e := card.Edits[i]
		if e.Time.IsZero() || e.Time.Before(card.Time) || !bytes.Contains(e.Previous, []byte("Status "+at)) {
			t.Errorf("edit %d: %s %s", i, e.Time, e.Previous)
		}
		var body struct{ Content string }
		if json.Unmarshal(e.Body, &body) != nil || !strings.Contains(body.Content, "Status "+[]string{"09:05", "09:10"}[i]) {
			t.Errorf("edit %d request: %s", i, e.Body)
		}
	}
	if !strings.Contains(card.HTML, `<span class="fp-edited">Edited</span>`) || !strings.Contains(card.HTML, "Status 09:10") {
		t.Errorf("edited card drawn as %s", card.HTML)
	}
	if r := got.Messages[1]; !r.Recalled || !strings.Contains(r.HTML, "This message was recalled") || strings.Contains(r.HTML, "a wrong push") {
		t.Errorf("recalled message: %v %s", r.Recalled, r.HTML)
	}
}

// trilingualPost is a post in three languages, sent by a group webhook.
const trilingualPost = `{"msg_type":"post","content":{"post":{
	"zh_cn":{"title":"周报","content":[[{"tag":"text","text":"本周完成"}]]},
	"en_us":{"title":"Weekly","content":[[{"tag":"text","text":"Done this week"}]]},
	"ja_jp":{"title":"週報","content":[[{"tag":"text","text":"今週の完了"}]]}}}}`

// TestInboxPostLocales: a multilingual post offers its languages to the
// language switch and is drawn in the one chosen, Japanese too.
func TestInboxPostLocales(t *testing.T) {
	e := inboxEnv(t, feishutest.WithAnyWebhook(""))
	postHook(t, e.Srv.URL, trilingualPost)

	got := messages(t, e.Srv.URL, "")
	if want := []string{"zh_cn", "en_us", "ja_jp"}; !slices.Equal(got.Locales, want) || !slices.Equal(got.Messages[0].Locales, want) {
		t.Errorf("locales %v, the post's %v, want %v", got.Locales, got.Messages[0].Locales, want)
	}
	for _, c := range []struct{ query, want, lang string }{
		{"", "本周完成", "zh-cn"}, {"?locale=en_us", "Done this week", "en-us"}, {"?locale=ja_jp", "今週の完了", "ja-jp"},
	} {
		h := messages(t, e.Srv.URL, c.query).Messages[0].HTML
		if !strings.Contains(h, `lang="`+c.lang+`"`) || !strings.Contains(h, c.want) {
			t.Errorf("%s: post drawn as %s", c.query, h)
		}
	}
}

// TestInboxLiveUpdatesInBrowser loads the inbox in headless Chromium,
// opens a card's JSON view and scrolls to it; then the card is updated
// through the Open API, another message is recalled and a new one
// arrives. Without a reload, the next poll redraws both in place (the
// edited mark and the history behind the JSON toggle, the recall notice,
// a thread's new reply), the card stays in its JSON view, the thread stays
// open, and what was in view stays where it was. The header lines name each sender. It skips where no Chromium is
// installed; with $FP_SCREENSHOT it saves a screenshot of the result there.
func TestInboxLiveUpdatesInBrowser(t *testing.T) {
	bin := browser.Find(t)
	var h http.Handler
	mux := http.NewServeMux()
	e := newEnv(t, func(f *feishutest.Fake) http.Handler { h = inbox.New(f); return mux }, feishutest.WithAnyWebhook(""))
	l := newLifeClient(t, e)
	mux.Handle("/", h)

	// Newest first: older messages below the card, so it can be scrolled
	// to the top of the view; the one to recall above it, out of view.
	for i := 0; i < 8; i++ {
		l.send(feishu.TextMessage("older " + strconv.Itoa(i)))
	}
	cardID := l.send(feishu.CardMessage(statusCard("09:00")))
	postHook(t, e.Srv.URL, `{"msg_type":"text","content":{"text":"from the hook"}}`)
	asked := e.Srv.AddUserMessage("oc_ops", "who is on call?")
	l.reply(asked.MessageID, "on it")
	wrongID := l.send(feishu.TextMessage("a wrong push"))
	for i := 0; i < 8; i++ {
		l.send(feishu.TextMessage("newer " + strconv.Itoa(i)))
	}
	seqOf := func(id string) int {
		for _, m := range e.Srv.Messages() {
			if m.MessageID == id {
				return m.Seq
			}
		}
		t.Fatalf("no message %s", id)
		return 0
	}
	// The new message on top comes after the thread's second reply.
	cardSeq, wrongSeq, askedSeq, newSeq := seqOf(cardID), seqOf(wrongID), asked.Seq, len(e.Srv.Messages())+2

	changed := make(chan struct{}, 1)
	mux.HandleFunc("POST /test/change", func(w http.ResponseWriter, r *http.Request) {
		// Runs once the page has drawn, opened the card's JSON view and
		// scrolled: what a cron job and a person do meanwhile.
		l.update(cardID, statusCard("09:05"))
		l.recall(wrongID)
		l.reply(asked.MessageID, "fixed")
		l.send(feishu.TextMessage("a new message on top"))
		changed <- struct{}{}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		page, _ := io.ReadAll(rec.Body)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		if r.URL.Query().Get("drive") == "" {
			_, _ = w.Write(page)
			return
		}
		// The test's own driver, as a person at the page would act.
		drive := `<script>(function(){
var CARD=` + strconv.Itoa(cardSeq) + `,WRONG=` + strconv.Itoa(wrongSeq) + `,ASKED=` + strconv.Itoa(askedSeq) + `,NEW=` + strconv.Itoa(newSeq) + `,step=0,rec={};
function li(s){return document.getElementById("msg-"+s);}
function tick(){
  if(step===0){
    var c=li(CARD);
    if(!document.body.dataset.ready||!c||!li(WRONG)){setTimeout(tick,100);return;}
    window.notReloaded=true;window.cardEl=c;
    li(ASKED).querySelector("details.fp-thread").open=true;
    c.querySelector(".msg-meta .toggle").click();
    window.scrollTo(0,c.getBoundingClientRect().top+window.scrollY-document.querySelector(".bar").getBoundingClientRect().bottom-10);
    rec.scrolled=window.scrollY;rec.before=c.getBoundingClientRect().top;
    step=1;
    fetch("/test/change",{method:"POST"}).then(function(){step=2;setTimeout(tick,100);});
    return;
  }
  var c=li(CARD),w=li(WRONG);
  if(!(c.dataset.edits&&w.dataset.recalled&&li(NEW))){setTimeout(tick,100);return;}
  rec.after=c.getBoundingClientRect().top;rec.same=c===window.cardEl&&window.notReloaded===true;
  rec.view=c.dataset.view;rec.paneShown=!c.querySelector(".json-pane").hidden;rec.bodyHidden=c.querySelector(".msg-body").hidden;
  rec.button=c.querySelector(".msg-meta .toggle").textContent;
  var th=li(ASKED).querySelector("details.fp-thread");rec.threadOpen=th.open;rec.replies=th.querySelectorAll(".fp-thread-item").length;
  document.body.dataset.check=JSON.stringify(rec);
}
tick();})();</script></body>`
		_, _ = w.Write(bytes.Replace(page, []byte("</body>"), []byte(drive), 1))
	})

	dom := string(headless(t, bin, e.Srv.URL+"/?drive=1", "--window-size=900,700", "--dump-dom"))
	select {
	case <-changed:
	default:
		t.Fatalf("the page never asked for the change:\n%.3000s", dom)
	}
	m := regexp.MustCompile(`data-check="([^"]*)"`).FindStringSubmatch(dom)
	if m == nil {
		t.Fatalf("the page did not redraw the edited card and the recalled message without a reload:\n%.3000s", between(dom, `<ol id="messages"`, `</ol>`))
	}
	var check struct {
		Scrolled, Before, After     float64
		Same, PaneShown, BodyHidden bool
		View, Button                string
		ThreadOpen                  bool
		Replies                     int
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &check); err != nil {
		t.Fatal(err)
	}
	if !check.Same {
		t.Error("the card's element was replaced or the page reloaded")
	}
	if check.View != "json" || !check.PaneShown || !check.BodyHidden || check.Button != "Card" {
		t.Errorf("the card left its JSON view: %+v", check)
	}
	if !check.ThreadOpen || check.Replies != 2 {
		t.Errorf("the thread opened above was closed or not redrawn with its new reply: %+v", check)
	}
	if check.Scrolled <= 0 {
		t.Errorf("the page did not scroll (%v): the page is too short to test keeping the position", check.Scrolled)
	}
	if d := check.After - check.Before; d < -1 || d > 1 {
		t.Errorf("the card moved by %.0fpx on screen when a message arrived above it and others changed", d)
	}

	card := msgHTML(dom, cardSeq)
	for _, want := range []string{
		`<span class="mode app">app bot</span><span class="to">→ chat_id: oc_ops</span>`,
		`<span class="state edited" title="last edited `,
		`<span class="fp-edited">Edited</span>`, `<div class="fp-title">Status 09:05</div>`,
		`<section class="json-version json-current" data-version="2"><div class="json-head">Version 2 · edited `,
		`PATCH /open-apis/im/v1/messages/` + cardID + ` (current)</div>`,
		`<section class="json-version" data-version="1"><div class="json-head">Version 1 · sent `,
		`Status 09:00`,
	} {
		if !strings.Contains(card, want) {
			t.Errorf("the edited card lacks %s:\n%s", want, card)
		}
	}
	if !regexp.MustCompile(`Version 1 · sent [^<]+ · replaced [^<]+</div>`).MatchString(card) {
		t.Errorf("the first version does not say when it was replaced:\n%s", card)
	}
	wrong := msgHTML(dom, wrongSeq)
	for _, want := range []string{`<span class="state recalled"`, `This message was recalled`, `Recalled `, `DELETE /open-apis/im/v1/messages/` + wrongID} {
		if !strings.Contains(wrong, want) {
			t.Errorf("the recalled message lacks %s:\n%s", want, wrong)
		}
	}
	if strings.Contains(between(wrong, `<div class="msg-body"`, `</div></div>`), "a wrong push") {
		t.Errorf("the recalled message still shows its text:\n%s", wrong)
	}
	for _, want := range []string{`<span class="mode webhook">group webhook</span>`, `<span class="mode user">user</span><span class="to">in chat_id: oc_ops</span>`} {
		if !strings.Contains(dom, want) {
			t.Errorf("the page lacks the header %s", want)
		}
	}
	if strings.Count(between(dom, `<ol id="messages"`, `</ol>`), `group webhook`) != 1 {
		t.Error("a message not sent through a group webhook is labelled as one")
	}
	if out := os.Getenv("FP_SCREENSHOT"); out != "" {
		abs, _ := filepath.Abs(out)
		headless(t, bin, e.Srv.URL+"/", "--window-size=900,1400", "--screenshot="+abs)
	}
}

// msgHTML is message seq's element in the page: from its id to the next
// message or the end of the list.
func msgHTML(dom string, seq int) string {
	s := between(dom, `<li class="msg" id="msg-`+strconv.Itoa(seq)+`"`, `</main>`)
	if i := strings.Index(s[min(1, len(s)):], `<li class="msg" id=`); i >= 0 {
		s = s[:i+1]
	}
	return s
}
