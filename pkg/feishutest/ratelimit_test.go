package feishutest_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

// A sliding window refuses the 51st send in any second, whatever its
// alignment; a fixed window lets a burst straddle its edge. Refusals are
// counted, and count against the window themselves.
func TestRateLimitWindows(t *testing.T) {
	start := time.Date(2026, 11, 21, 18, 0, 0, 0, time.UTC).Add(900 * time.Millisecond)
	for _, tc := range []struct {
		mode feishutest.WindowMode
		// refused of 50 sends at start, then 50 at start+200ms (across
		// the whole second at start+100ms).
		wantRefused int
	}{
		{feishutest.SlidingWindows, 50},
		{feishutest.FixedWindows, 0},
	} {
		now := start
		lim := feishutest.DocumentedLimits
		lim.Windows = tc.mode
		srv := feishutest.NewServer(t, feishutest.WithRateLimits(lim), feishutest.WithClock(func() time.Time { return now }))
		tok := "Bearer " + token(t, srv)
		send := func(i int) answer {
			return post(t, srv.URL+"/open-apis/im/v1/messages?receive_id_type=chat_id", tok,
				map[string]any{"receive_id": "oc_" + strconv.Itoa(i), "msg_type": "text", "content": `{"text":"x"}`})
		}
		for i := 0; i < 50; i++ {
			if a := send(i); a.code() != 0 {
				t.Fatalf("mode %d: send %d: %v", tc.mode, i, a.body)
			}
		}
		now = now.Add(200 * time.Millisecond)
		refused := 0
		for i := 50; i < 100; i++ {
			a := send(i)
			switch {
			case a.code() == 99991400 && a.status == 429:
				refused++
				if r, _ := strconv.Atoi(a.header.Get("x-ogw-ratelimit-reset")); r != 1 {
					t.Errorf("mode %d: reset %q, want 1", tc.mode, a.header.Get("x-ogw-ratelimit-reset"))
				}
			case a.code() != 0:
				t.Fatalf("mode %d: send %d: %v", tc.mode, i, a.body)
			}
		}
		if refused != tc.wantRefused {
			t.Errorf("mode %d: refused %d of the second 50, want %d", tc.mode, refused, tc.wantRefused)
		}
		if got := srv.RateLimited()[99991400]; got != tc.wantRefused {
			t.Errorf("mode %d: RateLimited counts %d, want %d", tc.mode, got, tc.wantRefused)
		}
		// The refusals counted: a second after the first burst the
		// sliding window still holds the refused 50.
		now = start.Add(1100 * time.Millisecond)
		a := send(1000)
		if tc.mode == feishutest.SlidingWindows && a.code() != 99991400 {
			t.Errorf("sliding: a send while refusals fill the window: %v", a.body)
		}
	}
}

// batch_send and im/v1 share the app's window.
func TestRateLimitBatchSharesAppWindow(t *testing.T) {
	now := time.Date(2026, 11, 21, 18, 0, 0, 0, time.UTC)
	srv := feishutest.NewServer(t, feishutest.WithRateLimits(feishutest.DocumentedLimits), feishutest.WithClock(func() time.Time { return now }))
	tok := "Bearer " + token(t, srv)
	for i := 0; i < 50; i++ {
		a := post(t, srv.URL+"/open-apis/im/v1/messages?receive_id_type=chat_id", tok,
			map[string]any{"receive_id": "oc_" + strconv.Itoa(i), "msg_type": "text", "content": `{"text":"x"}`})
		if a.code() != 0 {
			t.Fatalf("send %d: %v", i, a.body)
		}
	}
	a := post(t, srv.URL+"/open-apis/message/v4/batch_send/", tok,
		map[string]any{"msg_type": "text", "content": map[string]string{"text": "x"}, "open_ids": []string{"ou_a"}})
	if a.status != 429 || a.code() != 99991400 {
		t.Errorf("batch_send after 50 sends in a second: HTTP %d %v", a.status, a.body)
	}
}
