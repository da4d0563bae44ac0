// Package feishutest is a fake Feishu/Lark Open Platform server for tests
// and for the sandbox command. It behaves like the documented API for what a
// bot pushing messages uses: it issues and checks tenant access tokens,
// accepts im/v1 messages and custom-bot webhook posts, validates them the
// way Feishu does (receive_id_type, the double-encoded content, card JSON
// 1.0/2.0 rules, size limits, uuid de-duplication, webhook signatures), and
// answers with Feishu's bodies and codes. Tests can inject faults and read
// back everything it received.
//
// Where Feishu's behaviour is undocumented the fake chooses the stricter
// reading and says so in a comment.
package feishutest

import (
	"bytes"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Defaults of a Fake: the app credentials it accepts unless told otherwise.
const (
	DefaultAppID     = "cli_sandbox"
	DefaultAppSecret = "sandbox_secret"
)

// Endpoints, as named in faults and request records.
const (
	EndpointToken    = "token"
	EndpointMessages = "messages"
	EndpointWebhook  = "webhook"
	EndpointImages   = "images"
	EndpointBatch    = "batch"
)

// Message is one message the fake accepted.
type Message struct {
	// Seq numbers accepted messages from 1.
	Seq  int       `json:"seq"`
	Time time.Time `json:"time"`
	// Mode is "app" for im/v1 and "webhook" for a custom bot.
	Mode string `json:"mode"`
	// AppID is the sending app (mode app).
	AppID string `json:"app_id,omitempty"`
	// Hook is the webhook token the message came through (mode webhook).
	// It is a credential; print it only in tests.
	Hook          string `json:"-"`
	ReceiveIDType string `json:"receive_id_type,omitempty"`
	ReceiveID     string `json:"receive_id,omitempty"`
	MsgType       string `json:"msg_type"`
	// Content is the content object: for app messages the decoded content
	// string, for webhook messages "content", or "card" for cards.
	Content   json.RawMessage `json:"content"`
	UUID      string          `json:"uuid,omitempty"`
	MessageID string          `json:"message_id,omitempty"`
	// Body is the request body exactly as received.
	Body json.RawMessage `json:"body"`
	// ParentID, RootID and ThreadID place a reply: the message replied to,
	// the first message of the chain, and the omt_ thread it is in.
	ParentID string `json:"parent_id,omitempty"`
	RootID   string `json:"root_id,omitempty"`
	ThreadID string `json:"thread_id,omitempty"`
	// Edits are the updates of a card, oldest first; Content is the latest.
	Edits []Edit `json:"edits,omitempty"`
	// Recalled is set when the sender recalled the message, Deleted when it
	// was deleted (see Fake.DeleteMessage).
	Recalled   bool      `json:"recalled,omitempty"`
	RecalledAt time.Time `json:"recalled_at,omitzero"`
	Deleted    bool      `json:"deleted,omitempty"`
}

// Request records one HTTP request the fake answered.
type Request struct {
	Time     time.Time
	Method   string
	Path     string
	Endpoint string
	// Status and Code are what the fake answered.
	Status int
	Code   int
}

// Fake is the fake server as an http.Handler. Use New for a handler to serve
// yourself, or NewServer for one running on loopback for a test.
type Fake struct {
	mu         sync.Mutex
	now        func() time.Time
	apps       map[string]string // app id -> secret
	tokens     map[string]issuedToken
	expired    []string
	current    map[string]string // app id -> its newest token
	hooks      map[string]string // hook token -> secret
	anyHook    bool
	anySecret  string
	templates  map[string]bool
	rejects    map[string]Fault
	messages   []Message
	byUUID     map[string]int // app|uuid -> index in messages
	requests   []Request
	faults     []*Fault
	onMessage  func(Message)
	limits     *rateLimits
	random     *rand.Rand
	randomP    float64
	images     map[string]Image
	imageOrder []string
	life       lifeState
	mux        *http.ServeMux
}

type issuedToken struct {
	app string
	exp time.Time
}

// Option configures a Fake.
type Option func(*Fake)

// WithApp makes the fake accept an app id and secret. Without any WithApp
// it accepts DefaultAppID and DefaultAppSecret.
func WithApp(appID, secret string) Option { return func(f *Fake) { f.apps[appID] = secret } }

// WithWebhook makes the fake serve a webhook with this token; a non-empty
// secret turns on signature checking for it.
func WithWebhook(token, secret string) Option { return func(f *Fake) { f.hooks[token] = secret } }

// WithAnyWebhook makes the fake accept every hook token, checking signatures
// with secret when it is not empty. It is what the sandbox serves.
func WithAnyWebhook(secret string) Option {
	return func(f *Fake) { f.anyHook, f.anySecret = true, secret }
}

// WithTemplates restricts card-builder template ids to these; without it any
// non-empty id is accepted.
func WithTemplates(ids ...string) Option {
	return func(f *Fake) {
		for _, id := range ids {
			f.templates[id] = true
		}
	}
}

// WithClock replaces time.Now.
func WithClock(now func() time.Time) Option { return func(f *Fake) { f.now = now } }

// WithOnMessage calls fn, outside the fake's lock, for each accepted message.
func WithOnMessage(fn func(Message)) Option { return func(f *Fake) { f.onMessage = fn } }

// New returns a fake as an http.Handler.
func New(opts ...Option) *Fake {
	f := &Fake{
		now:       time.Now,
		apps:      map[string]string{},
		tokens:    map[string]issuedToken{},
		current:   map[string]string{},
		hooks:     map[string]string{},
		templates: map[string]bool{},
		rejects:   map[string]Fault{},
		byUUID:    map[string]int{},
		images:    map[string]Image{},
	}
	for _, o := range opts {
		o(f)
	}
	if len(f.apps) == 0 {
		f.apps[DefaultAppID] = DefaultAppSecret
	}
	f.mux = http.NewServeMux()
	f.mux.HandleFunc("/open-apis/auth/v3/tenant_access_token/internal", f.handleToken)
	f.mux.HandleFunc("/open-apis/im/v1/messages", f.handleMessages)
	f.mux.HandleFunc("/open-apis/im/v1/images", f.handleImages)
	f.mux.HandleFunc("/open-apis/im/v1/files", f.handleFiles)
	f.mux.HandleFunc("/open-apis/im/v1/messages/", f.handleMessageByID)
	f.mux.HandleFunc("/open-apis/message/v4/batch_send/", f.handleBatch)
	f.mux.HandleFunc("/open-apis/bot/v2/hook/", f.handleWebhook)
	f.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		f.reply(w, r, "", http.StatusNotFound, map[string]any{"code": 404, "msg": "404 page not found"})
	})
	return f
}

// ServeHTTP serves the fake API.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Reading the whole body first lets net/http watch the connection, so a
	// Delay fault ends as soon as the client gives up.
	raw, _ := io.ReadAll(io.LimitReader(r.Body, bodyLimit(r.URL.Path)))
	r.Body = io.NopCloser(bytes.NewReader(raw))
	f.mux.ServeHTTP(w, r)
}

// Server is a Fake listening on loopback.
type Server struct {
	*Fake
	// URL is the base URL, e.g. http://127.0.0.1:34567.
	URL  string
	srv  *http.Server
	ln   net.Listener
	mu   sync.RWMutex // held for reading by each request being answered
	once sync.Once
}

// TB is the part of testing.TB that NewServer uses; *testing.T and
// *testing.B satisfy it. The package does not import testing, so that a
// binary serving the fake (the sandbox) does not carry it.
type TB interface {
	Helper()
	Cleanup(func())
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// NewServer starts a fake on a loopback port and stops it when tb ends;
// then a scripted fault left over fails tb (CheckConsumed).
func NewServer(tb TB, opts ...Option) *Server {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("feishutest: listen: %v", err)
	}
	s := &Server{Fake: New(opts...), URL: "http://" + ln.Addr().String(), ln: ln}
	s.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.RLock()
		defer s.mu.RUnlock()
		s.Fake.ServeHTTP(w, r)
	}), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	tb.Cleanup(s.Close)
	tb.Cleanup(func() { s.CheckConsumed(tb) })
	return s
}

// Close stops the server and waits for the requests it was answering.
// Further requests fail with connection refused.
func (s *Server) Close() {
	s.once.Do(func() {
		_ = s.srv.Close()
		// Serve runs in its own goroutine and may not have taken the
		// listener yet; closing it here makes "refused" true on return.
		_ = s.ln.Close()
		s.mu.Lock()   // once every request in flight has been answered
		s.mu.Unlock() //nolint:staticcheck // an empty critical section: a barrier
	})
}

// WebhookURL returns the URL of the webhook with the given token.
func (s *Server) WebhookURL(token string) string {
	return s.URL + "/open-apis/bot/v2/hook/" + token
}

// Messages returns a copy of the accepted messages, oldest first.
func (f *Fake) Messages() []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Message(nil), f.messages...)
}

// Requests returns a copy of the requests answered, oldest first.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

// CountRequests returns how many requests to endpoint were answered.
func (f *Fake) CountRequests(endpoint string) int {
	n := 0
	for _, r := range f.Requests() {
		if r.Endpoint == endpoint {
			n++
		}
	}
	return n
}

// IssuedTokens returns every tenant token the fake has handed out and still
// knows, so tests can check that none leaked.
func (f *Fake) IssuedTokens() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, 0, len(f.tokens))
	for t := range f.tokens {
		out = append(out, t)
	}
	return append(out, f.expired...)
}

// ExpireTokens makes every issued tenant token invalid, as if they had all
// expired: the next use of one gets 99991663.
func (f *Fake) ExpireTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for t := range f.tokens {
		f.expired = append(f.expired, t)
	}
	f.tokens = map[string]issuedToken{}
	f.current = map[string]string{}
}

// Reject makes every message to receiveID fail with the fault's status,
// code and msg, as Feishu does for a chat the bot is not in (230002) or a
// user outside the app's availability (230013).
func (f *Fake) Reject(receiveID string, fault Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rejects[receiveID] = fault
}

// reply writes a JSON answer with a log id and records the request.
func (f *Fake) reply(w http.ResponseWriter, r *http.Request, endpoint string, status int, body map[string]any) {
	code, _ := body["code"].(int)
	f.record(r, endpoint, status, code)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Tt-Logid", newLogID(f.now()))
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func errBody(code int, msg string) map[string]any {
	return map[string]any{"code": code, "msg": msg}
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = crand.Read(b)
	return hex.EncodeToString(b)
}

// newLogID mimics Feishu's log ids: a timestamp followed by random hex.
func newLogID(now time.Time) string {
	return now.UTC().Format("20060102150405") + strings.ToUpper(randHex(10))
}
