// Package inbox is the sandbox's web page: every message the fake Feishu
// received, newest first, drawn as the Feishu client shows it, with the
// exact request behind a JSON toggle, updated live. Like Mailpit for mail.
package inbox

import (
	"embed"
	"encoding/json"
	"net/http"
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
}

// New returns a handler that serves the inbox at /, its JSON at
// /api/messages, uploaded images at /api/images/KEY, and passes everything
// else (the Open API) to fake.
func New(fake *feishutest.Fake) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/open-apis/", fake)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		b, _ := static.ReadFile("static/index.html")
		page := strings.Replace(string(b), "/*CARD_CSS*/", render.CSS(), 1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'")
		_, _ = w.Write([]byte(page))
	})
	mux.Handle("GET /static/", http.FileServerFS(static))
	mux.HandleFunc("GET /static/font.ttf", serveFont)
	mux.Handle("GET /api/files/", http.StripPrefix("/api/files/", fake.FilesHandler()))
	mux.HandleFunc("GET /api/messages", func(w http.ResponseWriter, r *http.Request) {
		msgs := fake.Messages()
		out := make([]Message, len(msgs))
		drawn := draw(fake, msgs, r.URL.Query().Get("locale"))
		for i, m := range msgs {
			out[i] = Message{Message: m, HTML: drawn[i]}
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(map[string]any{"messages": out})
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
