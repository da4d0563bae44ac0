package feishutest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/feishu-push/feishu-push/pkg/larkws"
)

// LongConn plays Feishu's event long connection: it hands out connection
// URLs at POST /callback/ws/endpoint to the fake's apps, accepts the
// WebSocket at /callback/ws/conn, answers pings with pongs carrying its
// ClientConfig, and delivers events as data frames, waiting for each
// answer.
type LongConn struct {
	fake *Fake
	// Config is sent with each URL and pong. Intervals are in seconds.
	Config larkws.ClientConfig
	// Fragment splits each payload in this many frames (default 1).
	Fragment int

	mu      sync.Mutex
	tickets map[string]string // device id -> app id
	conns   []*lcConn
	seq     uint64
	changed chan struct{}
}

type lcConn struct {
	c       *websocket.Conn
	app     string
	mu      sync.Mutex
	waiting map[string]chan larkws.Response
	pings   int
}

// LongConnection returns the fake's long-connection endpoint, to be served
// at /callback/ws/.
func (f *Fake) LongConnection() *LongConn {
	return &LongConn{fake: f, Config: larkws.ClientConfig{ReconnectCount: -1, ReconnectInterval: 1, ReconnectNonce: 0, PingInterval: 120},
		tickets: map[string]string{}, changed: make(chan struct{})}
}

// ServeHTTP serves the endpoint and the socket.
func (lc *LongConn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case larkws.EndpointPath:
		lc.serveEndpoint(w, r)
	case "/callback/ws/conn":
		lc.serveConn(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (lc *LongConn) serveEndpoint(w http.ResponseWriter, r *http.Request) {
	var req struct{ AppID, AppSecret string }
	if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&req) != nil {
		writeAPI(w, http.StatusBadRequest, map[string]any{"code": 400, "msg": "bad request"})
		return
	}
	lc.fake.mu.Lock()
	secret, ok := lc.fake.apps[req.AppID]
	lc.fake.mu.Unlock()
	if !ok || secret != req.AppSecret || req.AppSecret == "" {
		// UNCONFIRMED: the code Feishu uses for bad credentials here; any
		// code other than 0, 1 and 1000040343 is final for the SDKs.
		writeAPI(w, http.StatusOK, map[string]any{"code": 10003, "msg": "invalid app_id or app_secret"})
		return
	}
	device := randHex(8)
	lc.mu.Lock()
	lc.tickets[device] = req.AppID
	cfg := lc.Config
	lc.mu.Unlock()
	scheme := "ws"
	if r.TLS != nil {
		scheme = "wss"
	}
	u := fmt.Sprintf("%s://%s/callback/ws/conn?device_id=%s&service_id=%d&ticket=%s", scheme, r.Host, device, 7, randHex(8))
	writeAPI(w, http.StatusOK, map[string]any{"code": 0, "msg": "ok", "data": map[string]any{"URL": u, "ClientConfig": cfg}})
}

func (lc *LongConn) serveConn(w http.ResponseWriter, r *http.Request) {
	device := r.URL.Query().Get("device_id")
	lc.mu.Lock()
	app, ok := lc.tickets[device]
	delete(lc.tickets, device)
	lc.mu.Unlock()
	if !ok {
		w.Header().Set("Handshake-Status", "514")
		w.Header().Set("Handshake-Msg", "unknown device_id")
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	c.SetReadLimit(16 << 20)
	conn := &lcConn{c: c, app: app, waiting: map[string]chan larkws.Response{}}
	lc.mu.Lock()
	lc.conns = append(lc.conns, conn)
	lc.notify()
	lc.mu.Unlock()
	defer func() {
		lc.mu.Lock()
		for i, x := range lc.conns {
			if x == conn {
				lc.conns = append(lc.conns[:i:i], lc.conns[i+1:]...)
				break
			}
		}
		lc.notify()
		lc.mu.Unlock()
		c.CloseNow()
	}()
	ctx := r.Context()
	for {
		_, msg, err := c.Read(ctx)
		if err != nil {
			return
		}
		var f larkws.Frame
		if f.Unmarshal(msg) != nil {
			return // Feishu would drop a client speaking garbage
		}
		switch f.Method {
		case larkws.MethodControl:
			if f.Get(larkws.HeaderType) == larkws.TypePing {
				lc.mu.Lock()
				cfg := lc.Config
				lc.mu.Unlock()
				conn.mu.Lock()
				conn.pings++
				conn.mu.Unlock()
				p, _ := json.Marshal(cfg)
				pong := larkws.Frame{Service: f.Service, Method: larkws.MethodControl, Headers: []larkws.Header{{Key: larkws.HeaderType, Value: larkws.TypePong}}, Payload: p}
				_ = c.Write(ctx, websocket.MessageBinary, pong.Marshal())
			}
		case larkws.MethodData:
			var resp larkws.Response
			if json.Unmarshal(f.Payload, &resp) != nil {
				continue
			}
			conn.mu.Lock()
			ch := conn.waiting[f.Get(larkws.HeaderMessageID)]
			delete(conn.waiting, f.Get(larkws.HeaderMessageID))
			conn.mu.Unlock()
			if ch != nil {
				ch <- resp
			}
		}
	}
}

// notify wakes WaitConnected; lc.mu is held.
func (lc *LongConn) notify() {
	close(lc.changed)
	lc.changed = make(chan struct{})
}

// Connected returns how many clients are connected.
func (lc *LongConn) Connected() int {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	return len(lc.conns)
}

// WaitConnected waits until n clients are connected or ctx ends.
func (lc *LongConn) WaitConnected(ctx context.Context, n int) error {
	for {
		lc.mu.Lock()
		got, ch := len(lc.conns), lc.changed
		lc.mu.Unlock()
		if got == n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d long connections, want %d: %w", got, n, ctx.Err())
		case <-ch:
		}
	}
}

// DropAll closes every connection, as a server restart would.
func (lc *LongConn) DropAll() {
	lc.mu.Lock()
	conns := append([]*lcConn(nil), lc.conns...)
	lc.mu.Unlock()
	for _, c := range conns {
		c.c.Close(websocket.StatusGoingAway, "server restart")
	}
}

// ErrNotConnected is returned by Deliver when no client is connected.
var ErrNotConnected = errors.New("no long-connection client is connected")

// Deliver sends plain (an event or card callback body) to a connected
// client, split into Fragment frames, and waits up to timeout for the
// answer. typ is "event" or "card".
func (lc *LongConn) Deliver(typ string, plain []byte, timeout time.Duration) (larkws.Response, error) {
	lc.mu.Lock()
	if len(lc.conns) == 0 {
		lc.mu.Unlock()
		return larkws.Response{}, ErrNotConnected
	}
	conn := lc.conns[len(lc.conns)-1]
	lc.seq++
	seq := lc.seq
	parts := max(lc.Fragment, 1)
	lc.mu.Unlock()
	id := randHex(8)
	ch := make(chan larkws.Response, 1)
	conn.mu.Lock()
	conn.waiting[id] = ch
	conn.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	size := (len(plain) + parts - 1) / parts
	for i := 0; i < parts; i++ {
		lo, hi := min(i*size, len(plain)), min((i+1)*size, len(plain))
		f := larkws.Frame{SeqID: seq, LogID: seq, Service: 7, Method: larkws.MethodData, Headers: []larkws.Header{
			{Key: larkws.HeaderType, Value: typ}, {Key: larkws.HeaderMessageID, Value: id},
			{Key: larkws.HeaderSum, Value: strconv.Itoa(parts)}, {Key: larkws.HeaderSeq, Value: strconv.Itoa(i)},
			{Key: larkws.HeaderTraceID, Value: randHex(8)}, {Key: "timestamp", Value: strconv.FormatInt(time.Now().UnixMilli(), 10)},
		}, Payload: plain[lo:hi]}
		if err := conn.c.Write(ctx, websocket.MessageBinary, f.Marshal()); err != nil {
			return larkws.Response{}, err
		}
	}
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		conn.mu.Lock()
		delete(conn.waiting, id)
		conn.mu.Unlock()
		return larkws.Response{}, fmt.Errorf("no answer in %s", timeout)
	}
}

// Pings returns how many pings the connected clients have sent.
func (lc *LongConn) Pings() int {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	n := 0
	for _, c := range lc.conns {
		c.mu.Lock()
		n += c.pings
		c.mu.Unlock()
	}
	return n
}
