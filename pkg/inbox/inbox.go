// Package inbox is the sandbox's web page: every message the fake Feishu
// received, newest first, drawn as the Feishu client shows it, with the
// exact request behind a JSON toggle, updated live. Like Mailpit for mail.
package inbox

import (
	"bytes"
	"embed"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/feishu-push/feishu-push/pkg/chart"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
	"github.com/feishu-push/feishu-push/pkg/render"
)

//go:embed static
var static embed.FS

// Message is a received message as /api/messages returns it.
type Message struct {
	feishutest.Message
	// HTML is the message drawn as the Feishu client shows it.
	HTML string `json:"html"`
	// Toast is what the listener answered to the last button click on
	// this card, if it showed a toast.
	Toast *feishutest.Toast `json:"toast,omitempty"`
	// Locales lists the languages a multilingual card offers, zh_cn
	// first; HTML is drawn in the one asked for with ?locale=.
	Locales []string `json:"locales,omitempty"`
}

// Option configures the inbox.
type Option func(*config)

type config struct{ events *feishutest.EventSender }

// WithListener makes the inbox play Feishu towards an event listener:
// callback buttons in cards become clickable (a click sends a signed,
// encrypted card.action.trigger and applies the answer), and a form sends
// events. POST /api/events and POST /api/callback do the same for scripts.
func WithListener(s *feishutest.EventSender) Option { return func(c *config) { c.events = s } }

// New returns a handler that serves the inbox at /, its JSON at
// /api/messages (?locale=en_us draws multilingual cards in English),
// uploaded images at /api/images/KEY, events and card clicks at
// /api/events and /api/callback, and passes everything else (the Open
// API) to fake.
func New(fake *feishutest.Fake, opts ...Option) http.Handler {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	mux := http.NewServeMux()
	mux.Handle("/open-apis/", fake)
	// The long-connection endpoint is always served; without a callback
	// URL, events and clicks go to the client connected there.
	lc := fake.LongConnection()
	mux.Handle("/callback/ws/", lc)
	if cfg.events == nil {
		cfg.events = &feishutest.EventSender{Via: lc, AppID: feishutest.DefaultAppID}
	}
	events := fake.EventsHandler(cfg.events)
	var toastMu sync.Mutex
	toasts := map[int]*feishutest.Toast{} // seq -> the last click's toast
	mux.Handle("POST /api/events", events)
	mux.HandleFunc("POST /api/callback", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		var req struct {
			MessageID string `json:"message_id"`
			Seq       int    `json:"seq"`
		}
		_ = json.Unmarshal(body, &req)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		events.ServeHTTP(rec, r)
		var res struct {
			Toast  *feishutest.Toast `json:"toast"`
			Result *struct {
				Toast *feishutest.Toast `json:"toast"`
			} `json:"result"`
		}
		if json.Unmarshal(rec.Body.Bytes(), &res) == nil {
			t := res.Toast
			if t == nil && res.Result != nil {
				t = res.Result.Toast
			}
			for _, m := range fake.Messages() {
				if t != nil && ((req.MessageID != "" && m.MessageID == req.MessageID) || (req.MessageID == "" && m.Seq == req.Seq)) {
					toastMu.Lock()
					toasts[m.Seq] = t
					toastMu.Unlock()
				}
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
	mux.HandleFunc("GET /api/listener", func(w http.ResponseWriter, r *http.Request) {
		info := map[string]any{"url": cfg.events.URL, "encrypted": cfg.events.EncryptKey != "", "long_connections": lc.Connected()}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(info)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		b, _ := static.ReadFile("static/index.html")
		page := strings.Replace(string(b), "/*CARD_CSS*/", render.CSS(), 1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", render.CSP)
		_, _ = w.Write([]byte(page))
	})
	mux.Handle("GET /static/", http.FileServerFS(static))
	mux.HandleFunc("GET /static/font.ttf", serveFont)
	mux.Handle("GET /api/files/", http.StripPrefix("/api/files/", fake.FilesHandler()))
	mux.HandleFunc("GET /api/messages", func(w http.ResponseWriter, r *http.Request) {
		msgs := fake.Messages()
		out := make([]Message, len(msgs))
		drawn := draw(fake, msgs, requestLocale(r))
		toastMu.Lock()
		for i, m := range msgs {
			out[i] = Message{Message: m, HTML: drawn[i], Toast: toasts[m.Seq], Locales: messageLocales(m.MsgType, m.Content)}
		}
		toastMu.Unlock()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(map[string]any{"messages": out, "locales": allLocales(out)})
	})
	mux.HandleFunc("GET /api/images/{key}", func(w http.ResponseWriter, r *http.Request) {
		for _, img := range fake.Images() {
			if img.Key == r.PathValue("key") {
				w.Header().Set("Content-Type", http.DetectContentType(img.Data))
				_, _ = w.Write(img.Data)
				return
			}
		}
		http.NotFound(w, r)
	})
	return mux
}

var (
	fontOnce sync.Once
	fontTTF  []byte
)

// serveFont serves the font that draws the charts, so the page shows
// Chinese on machines without a CJK font.
func serveFont(w http.ResponseWriter, r *http.Request) {
	fontOnce.Do(func() { fontTTF, _ = chart.FontTTF() })
	if fontTTF == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "font/ttf")
	w.Header().Set("Cache-Control", "max-age=86400")
	http.ServeContent(w, r, "font.ttf", time.Time{}, strings.NewReader(string(fontTTF)))
}
