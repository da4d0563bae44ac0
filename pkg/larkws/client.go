package larkws

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/rs/zerolog"
)

// EndpointPath is where the connection URL is asked for.
const EndpointPath = "/callback/ws/endpoint"

// Endpoint answer codes.
const (
	codeOK            = 0
	codeSystemBusy    = 1
	codeInternalError = 1000040343
)

// ClientConfig is what the server tells the client, in seconds.
type ClientConfig struct {
	ReconnectCount    int `json:"ReconnectCount,omitempty"`
	ReconnectInterval int `json:"ReconnectInterval,omitempty"`
	ReconnectNonce    int `json:"ReconnectNonce,omitempty"`
	PingInterval      int `json:"PingInterval,omitempty"`
}

// DefaultClientConfig is the SDKs' default until the server says more.
var DefaultClientConfig = ClientConfig{ReconnectCount: -1, ReconnectInterval: 120, ReconnectNonce: 30, PingInterval: 120}

// Response is the payload of the answer to a data frame.
type Response struct {
	Code    int               `json:"code"`
	Headers map[string]string `json:"headers"`
	// Data is the answer to a card callback (JSON, sent as base64).
	Data []byte `json:"data"`
}

// HandleFunc handles one event or card callback payload (plain JSON) and
// returns the HTTP-like status and, for card callbacks, the answer.
type HandleFunc func(typ string, payload []byte) (code int, answer []byte)

// Client holds the long connection's settings.
type Client struct {
	// BaseURL is the Open Platform's base URL (https://open.feishu.cn).
	BaseURL   string
	AppID     string
	AppSecret string
	// HTTPClient asks for the endpoint (default: 10 s timeout).
	HTTPClient *http.Client
	Handle     HandleFunc
	Log        zerolog.Logger
	// OnConnected, when set, is called after each successful connection.
	OnConnected func()
}

// Error is a refusal by the server that retrying will not fix (bad
// credentials, a banned app, too many connections).
type Error struct {
	Code int
	Msg  string
}

func (e *Error) Error() string {
	return fmt.Sprintf("long connection refused: code %d: %s", e.Code, e.Msg)
}

// Run connects and serves until ctx is done, reconnecting as the server
// configures. It returns nil when ctx ends, *Error when the server refuses
// the app, or an error once the configured reconnect attempts are spent.
func (c *Client) Run(ctx context.Context) error {
	cfg := DefaultClientConfig
	failures := 0
	first := true
	for {
		wsURL, cc, err := c.endpoint(ctx)
		if cc != nil {
			cfg = merge(cfg, *cc)
		}
		var conn *websocket.Conn
		if err == nil {
			conn, err = c.dial(ctx, wsURL)
		}
		if ctx.Err() != nil {
			return nil
		}
		var refused *Error
		if errors.As(err, &refused) {
			return err
		}
		if err == nil {
			failures = 0
			c.Log.Info().Str("url", redactURL(wsURL)).Msg("long connection open")
			if c.OnConnected != nil {
				c.OnConnected()
			}
			cfg, err = c.session(ctx, conn, wsURL, cfg)
			if ctx.Err() != nil {
				return nil
			}
			c.Log.Warn().Str("error", err.Error()).Msg("long connection lost; reconnecting")
		} else {
			failures++
			c.Log.Warn().Str("error", err.Error()).Int("failures", failures).Msg("cannot open the long connection")
			if cfg.ReconnectCount >= 0 && failures > cfg.ReconnectCount {
				return fmt.Errorf("long connection: gave up after %d attempts: %w", failures, err)
			}
		}
		wait := time.Duration(cfg.ReconnectInterval) * time.Second
		if first && cfg.ReconnectNonce > 0 {
			// The first reconnect is spread out, so that a fleet of
			// clients does not come back at once.
			wait = time.Duration(rand.Int64N(int64(cfg.ReconnectNonce) * int64(time.Second)))
		}
		first = false
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

func merge(cfg, cc ClientConfig) ClientConfig {
	// The server sends the whole config; zero values are meaningful for
	// the count and jitter, but a zero interval would spin.
	cfg.ReconnectCount, cfg.ReconnectNonce = cc.ReconnectCount, cc.ReconnectNonce
	if cc.ReconnectInterval > 0 {
		cfg.ReconnectInterval = cc.ReconnectInterval
	}
	if cc.PingInterval > 0 {
		cfg.PingInterval = cc.PingInterval
	}
	return cfg
}

// redactURL drops the query, which holds the connection's ticket.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		u.RawQuery = ""
		return u.String()
	}
	return ""
}

func (c *Client) endpoint(ctx context.Context) (string, *ClientConfig, error) {
	body, _ := json.Marshal(map[string]string{"AppID": c.AppID, "AppSecret": c.AppSecret})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.BaseURL, "/")+EndpointPath, bytes.NewReader(body))
	if err != nil {
		return "", nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("locale", "zh")
	hc := c.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", nil, fmt.Errorf("endpoint: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var out struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
		Data *struct {
			URL          string        `json:"URL"`
			ClientConfig *ClientConfig `json:"ClientConfig"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return "", nil, fmt.Errorf("endpoint: HTTP %d, not JSON", resp.StatusCode)
	}
	switch {
	case resp.StatusCode != http.StatusOK && out.Code == codeOK:
		return "", nil, fmt.Errorf("endpoint: HTTP %d", resp.StatusCode)
	case out.Code == codeSystemBusy || out.Code == codeInternalError:
		return "", nil, fmt.Errorf("endpoint: code %d: %s", out.Code, out.Msg)
	case out.Code != codeOK:
		return "", nil, &Error{Code: out.Code, Msg: out.Msg}
	case out.Data == nil || out.Data.URL == "":
		return "", nil, errors.New("endpoint: no URL")
	}
	return out.Data.URL, out.Data.ClientConfig, nil
}

func (c *Client) dial(ctx context.Context, wsURL string) (*websocket.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(dctx, wsURL, nil)
	if err != nil {
		if resp != nil {
			code, _ := strconv.Atoi(resp.Header.Get("Handshake-Status"))
			msg := resp.Header.Get("Handshake-Msg")
			// 403: the app is banned; 514 with 1000040350: too many
			// connections. Retrying does not help either.
			if code == 403 || (code == 514 && resp.Header.Get("Handshake-Autherrcode") == "1000040350") {
				return nil, &Error{Code: code, Msg: msg}
			}
			if code != 0 {
				return nil, fmt.Errorf("handshake: %d %s", code, msg)
			}
		}
		return nil, fmt.Errorf("dial: %w", err)
	}
	conn.SetReadLimit(16 << 20)
	return conn, nil
}

// session serves one connection until it breaks or ctx ends, and returns
// the config as the server last set it.
func (c *Client) session(ctx context.Context, conn *websocket.Conn, wsURL string, cfg ClientConfig) (ClientConfig, error) {
	defer conn.CloseNow()
	service := int32(0)
	if u, err := url.Parse(wsURL); err == nil {
		n, _ := strconv.ParseInt(u.Query().Get("service_id"), 10, 32)
		service = int32(n)
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex // guards cfg, which the ping loop reads
	current := func() ClientConfig {
		mu.Lock()
		defer mu.Unlock()
		return cfg
	}
	pingEvery := func() time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return time.Duration(max(cfg.PingInterval, 1)) * time.Second
	}
	write := func(f *Frame) error {
		wctx, cancel := context.WithTimeout(sctx, 10*time.Second)
		defer cancel()
		return conn.Write(wctx, websocket.MessageBinary, f.Marshal())
	}
	ping := func() error {
		return write(&Frame{Service: service, Method: MethodControl, Headers: []Header{{HeaderType, TypePing}}})
	}
	go func() {
		for {
			if ping() != nil {
				return
			}
			select {
			case <-sctx.Done():
				return
			case <-time.After(pingEvery()):
			}
		}
	}()
	parts := newAssembler()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		typ, msg, err := conn.Read(sctx)
		if err != nil {
			if ctx.Err() != nil {
				conn.Close(websocket.StatusNormalClosure, "")
			}
			return current(), err
		}
		if typ != websocket.MessageBinary {
			continue
		}
		var f Frame
		if err := f.Unmarshal(msg); err != nil {
			c.Log.Warn().Msg("long connection: malformed frame ignored")
			continue
		}
		switch f.Method {
		case MethodControl:
			if f.Get(HeaderType) == TypePong && len(f.Payload) > 0 {
				var cc ClientConfig
				if json.Unmarshal(f.Payload, &cc) == nil {
					mu.Lock()
					cfg = merge(cfg, cc)
					mu.Unlock()
				}
			}
		case MethodData:
			payload, complete := parts.add(&f)
			if !complete {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				start := time.Now()
				code, answer := c.Handle(f.Get(HeaderType), payload)
				f.Set(HeaderBizRt, strconv.FormatInt(time.Since(start).Milliseconds(), 10))
				f.Payload, _ = json.Marshal(Response{Code: code, Headers: map[string]string{}, Data: answer})
				if err := write(&f); err != nil {
					c.Log.Warn().Str("message_id", f.Get(HeaderMessageID)).Str("error", err.Error()).Msg("long connection: cannot answer; the server will deliver again")
				}
			}()
		}
	}
}

// assembler joins fragmented payloads.
type assembler struct {
	parts map[string]*pending
}

type pending struct {
	bufs [][]byte
	at   time.Time
}

func newAssembler() *assembler { return &assembler{parts: map[string]*pending{}} }

// maxParts bounds a fragmented message, so a bad sum cannot exhaust memory.
const maxParts = 1024

func (a *assembler) add(f *Frame) ([]byte, bool) {
	sum, seq, id := f.GetInt(HeaderSum), f.GetInt(HeaderSeq), f.Get(HeaderMessageID)
	if sum <= 1 {
		return f.Payload, true
	}
	if sum > maxParts || seq < 0 || seq >= sum {
		return nil, false
	}
	now := time.Now()
	for k, p := range a.parts {
		if now.Sub(p.at) > 5*time.Second {
			delete(a.parts, k) // the SDKs keep parts 5 s
		}
	}
	p := a.parts[id]
	if p == nil || len(p.bufs) != sum {
		p = &pending{bufs: make([][]byte, sum)}
		a.parts[id] = p
	}
	p.at = now
	p.bufs[seq] = f.Payload
	for _, b := range p.bufs {
		if b == nil {
			return nil, false
		}
	}
	delete(a.parts, id)
	return bytes.Join(p.bufs, nil), true
}
