package inbox_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/internal/browser"

	"github.com/rs/zerolog"

	"github.com/feishu-push/feishu-push/pkg/feishutest"
	"github.com/feishu-push/feishu-push/pkg/inbox"
	"github.com/feishu-push/feishu-push/pkg/listen"
)

// TestInboxCallbackClickInBrowser clicks a callback button in headless
// Chromium: the page posts the click, the sandbox sends a signed,
// encrypted card.action.trigger to a listener, whose handler answers with
// a toast and a new card, which the page then draws. The card renderer
// draws a callback button with its value in data-callback.
func TestInboxCallbackClickInBrowser(t *testing.T) {
	bin := browser.Find(t)
	const key = "browser-encrypt-key"
	l, err := listen.New(listen.Config{
		Decoder:  listen.Decoder{EncryptKey: key},
		StateDir: t.TempDir(),
		Handlers: []listen.Handler{{Type: listen.CardAction, Command: `grep -q '"action":"ack"' && printf '%s' '{"toast":{"type":"success","content":"Acked in browser"},"card":{"type":"raw","data":{"header":{"template":"green","title":{"tag":"plain_text","content":"Handled by the listener"}},"elements":[]}}}'`}},
		Log:      zerolog.Nop(),
	})
	if err != nil {
		t.Fatal(err)
	}
	lsrv := httptest.NewServer(l)
	defer lsrv.Close()

	var h http.Handler
	mux := http.NewServeMux()
	e := newEnv(t, func(f *feishutest.Fake) http.Handler {
		h = inbox.New(f, inbox.WithListener(&feishutest.EventSender{URL: lsrv.URL, EncryptKey: key}))
		return mux
	}, feishutest.WithAnyWebhook(""))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		page, _ := io.ReadAll(rec.Body)
		// Click the first callback button once the page has drawn it.
		click := `<script>(function t(){var b=document.querySelector("[data-callback]");if(b&&!window.clicked){window.clicked=1;b.click();}if(!b)setTimeout(t,100);})();</script></body>`
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(bytes.Replace(page, []byte("</body>"), []byte(click), 1))
	})
	mux.Handle("/", h)

	card := `{"msg_type":"interactive","card":{"header":{"template":"red","title":{"tag":"plain_text","content":"Disk full"}},"elements":[{"tag":"action","actions":[{"tag":"button","type":"primary","text":{"tag":"plain_text","content":"Ack"},"value":{"action":"ack"}}]}]}}`
	resp, err := http.Post(e.Srv.URL+"/open-apis/bot/v2/hook/t", "application/json", strings.NewReader(card))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("webhook: %v %v", err, resp)
	}
	resp.Body.Close()

	dom := string(headless(t, bin, e.Srv.URL+"/", "--dump-dom"))
	if !strings.Contains(dom, `<div class="msg-toast toast-success">Acked in browser</div>`) {
		t.Fatalf("the click did not go through:\n%.3000s", dom[strings.Index(dom, "<body"):])
	}
	if !strings.Contains(dom, `<div class="fp-title">Handled by the listener</div>`) {
		t.Errorf("the page does not draw the card the listener answered")
	}
	if c := string(e.Srv.Messages()[0].Content); !strings.Contains(c, "Handled by the listener") {
		t.Errorf("stored card: %s", c)
	}
}
