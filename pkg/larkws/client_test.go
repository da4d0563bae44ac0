package larkws_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/feishu-push/feishu-push/pkg/feishutest"
	"github.com/feishu-push/feishu-push/pkg/larkws"
)

func TestClientFollowsServerConfigAndAnswers(t *testing.T) {
	fake := feishutest.New(feishutest.WithApp("cli_ws", "s3cret"))
	lc := fake.LongConnection()
	srv := httptest.NewServer(lc)
	defer srv.Close()
	lc.Config.PingInterval = 1 // sent in the first pong: ping every second from then on
	lc.Fragment = 4
	c := &larkws.Client{BaseURL: srv.URL, AppID: "cli_ws", AppSecret: "s3cret", Log: zerolog.Nop(),
		Handle: func(typ string, payload []byte) (int, []byte) {
			if typ != larkws.TypeEvent {
				return http.StatusBadRequest, nil
			}
			return http.StatusOK, append([]byte(`{"echo":`), append(payload, '}')...)
		}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if err := lc.WaitConnected(wctx, 1); err != nil {
		t.Fatal(err)
	}
	resp, err := lc.Deliver("event", []byte(`{"a":"0123456789"}`), 10*time.Second)
	if err != nil || resp.Code != 200 || string(resp.Data) != `{"echo":{"a":"0123456789"}}` {
		t.Fatalf("answer: %+v %v", resp, err)
	}
	for lc.Pings() < 2 {
		if wctx.Err() != nil {
			t.Fatal("the client did not ping again at the interval from the pong")
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
}

func TestClientRefusedCredentials(t *testing.T) {
	fake := feishutest.New(feishutest.WithApp("cli_ws", "s3cret"))
	srv := httptest.NewServer(fake.LongConnection())
	defer srv.Close()
	c := &larkws.Client{BaseURL: srv.URL, AppID: "cli_ws", AppSecret: "nope", Log: zerolog.Nop(),
		Handle: func(string, []byte) (int, []byte) { return 200, nil }}
	err := c.Run(context.Background())
	var refused *larkws.Error
	if !errors.As(err, &refused) {
		t.Fatalf("Run: %v, want *larkws.Error", err)
	}
}
