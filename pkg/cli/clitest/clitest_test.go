package clitest_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/cli/clitest"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

// recorder records failures and cleanups instead of acting on them.
type recorder struct {
	testing.TB
	errors   []string
	cleanups []func()
}

func (r *recorder) Helper()          {}
func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) end() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

// An environment whose scripted fault no command reached fails its test;
// one whose faults were all met does not.
func TestUnconsumedFaultFailsTheTest(t *testing.T) {
	for _, reach := range []bool{false, true} {
		rec := &recorder{TB: t}
		// The runner stands for a command: it asks for a token, or not.
		e := clitest.New(rec, func(e *clitest.Env, inv clitest.Invocation) int {
			if len(inv.Args) == 0 {
				return 0
			}
			resp, err := http.Post(e.Vars["FEISHU_BASE_URL"]+"/open-apis/auth/v3/tenant_access_token/internal", "application/json", strings.NewReader(`{}`))
			if err != nil {
				t.Error(err)
				return 1
			}
			resp.Body.Close()
			return resp.StatusCode
		})
		e.Srv.Inject(feishutest.Fault{Endpoint: feishutest.EndpointToken, Status: 503})
		args := []string{}
		if reach {
			args = append(args, "token")
		}
		r := e.Run("", args...)
		rec.end()
		if reach && r.Code != 503 {
			t.Fatalf("the scripted fault did not answer: %d", r.Code)
		}
		failed := len(rec.errors) == 1 && strings.Contains(rec.errors[0], "scripted fault not consumed")
		if failed == reach || (reach && len(rec.errors) != 0) {
			t.Errorf("reached %v: failures %q", reach, rec.errors)
		}
	}
}

// ServeThrough puts a handler in front of the fake: the commands' base and
// webhook URLs and e.Srv.URL lead to it, requests reach the fake through
// it, and the fake's own listener is closed.
func TestServeThrough(t *testing.T) {
	var mu sync.Mutex
	var through []string
	e := clitest.New(t, func(e *clitest.Env, inv clitest.Invocation) int {
		resp, err := http.Post(inv.Getenv("FEISHU_BASE_URL")+"/open-apis/auth/v3/tenant_access_token/internal", "application/json",
			strings.NewReader(`{"app_id":"`+clitest.AppID+`","app_secret":"`+clitest.AppSecret+`"}`))
		if err != nil {
			t.Error(err)
			return 1
		}
		resp.Body.Close()
		return resp.StatusCode
	}).Webhook()
	own := e.Srv.URL
	e.ServeThrough(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		through = append(through, r.URL.Path)
		mu.Unlock()
		e.Srv.Fake.ServeHTTP(w, r)
	}))
	if e.Srv.URL == own || e.Vars["FEISHU_BASE_URL"] != e.Srv.URL || e.Vars["FEISHU_WEBHOOK_URL"] != e.Srv.URL+"/open-apis/bot/v2/hook/"+clitest.HookToken {
		t.Errorf("own %s, now %s, variables %v", own, e.Srv.URL, e.Vars)
	}
	e.Run("", "token").Expect(t, http.StatusOK)
	mu.Lock()
	defer mu.Unlock()
	if len(through) != 1 || len(e.Srv.IssuedTokens()) != 1 {
		t.Errorf("through the front: %q; tokens issued: %d", through, len(e.Srv.IssuedTokens()))
	}
	if resp, err := http.Get(own); err == nil {
		resp.Body.Close()
		t.Errorf("the fake's own listener still answers: %d", resp.StatusCode)
	}
}
