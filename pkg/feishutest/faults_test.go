package feishutest_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

// recorder is a testing.TB that records failures and cleanups instead of
// acting on them, so that a test can check what a helper reports.
type recorder struct {
	testing.TB
	mu       sync.Mutex
	errors   []string
	cleanups []func()
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

// end runs the recorded cleanups as the testing package does, last first.
func (r *recorder) end() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

// A scripted fault that no request reached, or that fewer requests than
// scripted met, fails the test that scripted it when the server ends; one
// used up does not.
func TestUnconsumedFaultFailsTheTest(t *testing.T) {
	tokenURL := "/open-apis/auth/v3/tenant_access_token/internal"
	creds := map[string]string{"app_id": feishutest.DefaultAppID, "app_secret": feishutest.DefaultAppSecret}
	for _, tc := range []struct {
		name     string
		times    int
		requests int
		want     string // "" for no failure
	}{
		{"never reached", 1, 0, "1 request(s) left"},
		{"partly consumed", 3, 1, "2 request(s) left"},
		{"consumed", 2, 2, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			srv := feishutest.NewServer(rec)
			srv.Inject(feishutest.Fault{Endpoint: feishutest.EndpointToken, Times: tc.times, Status: 503, Msg: "down"})
			for i := 0; i < tc.requests; i++ {
				if a := post(t, srv.URL+tokenURL, "", creds); a.status != 503 {
					t.Fatalf("request %d: status %d, want the scripted 503", i+1, a.status)
				}
			}
			rec.end()
			switch {
			case tc.want == "" && len(rec.errors) != 0:
				t.Errorf("a consumed fault failed the test: %q", rec.errors)
			case tc.want != "" && (len(rec.errors) != 1 || !strings.Contains(rec.errors[0], "not consumed") || !strings.Contains(rec.errors[0], tc.want)):
				t.Errorf("failures %q, want one naming the unconsumed fault with %q", rec.errors, tc.want)
			}
		})
	}
}

// CheckConsumed reports each fault left, and Unconsumed says what is left
// of it.
func TestCheckConsumed(t *testing.T) {
	f := feishutest.New()
	f.Inject(feishutest.Fault{Endpoint: feishutest.EndpointMessages, Times: 2, Status: 500},
		feishutest.Fault{Endpoint: feishutest.EndpointWebhook, Action: feishutest.Reset})
	left := f.Unconsumed()
	if len(left) != 2 || left[0].Times != 2 || left[0].Endpoint != feishutest.EndpointMessages || left[1].Times != 1 {
		t.Fatalf("Unconsumed() = %+v", left)
	}
	rec := &recorder{TB: t}
	f.CheckConsumed(rec)
	if len(rec.errors) != 2 || !strings.Contains(rec.errors[0], "messages") || !strings.Contains(rec.errors[1], "webhook") {
		t.Errorf("CheckConsumed reported %q, want both faults", rec.errors)
	}
}
