package main

import (
	"encoding/json"
	"errors"
	"io/fs"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/feishu-push/feishu-push/pkg/cli"
	"github.com/feishu-push/feishu-push/pkg/cli/clitest"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
	"github.com/feishu-push/feishu-push/pkg/spool"
)

// Credentials of the scripts' fake Feishu, the test environment's; none
// may appear in any output.
const (
	appSecret  = clitest.AppSecret
	hookToken  = clitest.HookToken
	hookSecret = clitest.HookSecret
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"feishu-push": func() { os.Exit(cli.Main(os.Args[1:], cli.SystemStreams())) },
	})
}

// TestScripts runs testdata/script/*.txtar: feishu-push as a process
// against a fresh fake Feishu per script.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("..", "..", "testdata", "script"),
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			fake := feishutest.New(clitest.FakeOptions(feishutest.WithTemplates("AAqkScript"))...)
			srv := httptest.NewServer(fake)
			env.Defer(srv.Close)
			env.Defer(func() {
				// A scripted fault the script never met is a script that
				// does not test what it says.
				for _, ft := range fake.Unconsumed() {
					env.T().Log("scripted fault not consumed:", ft)
					env.T().FailNow()
				}
			})
			env.Values["fake"] = fake
			env.Values["srv"] = srv
			env.Setenv("FEISHU_BASE_URL", srv.URL)
			env.Setenv("FEISHU_APP_ID", clitest.AppID)
			env.Setenv("FEISHU_APP_SECRET", appSecret)
			env.Setenv("APP_SECRET", appSecret)
			env.Setenv("HOOK", srv.URL+"/open-apis/bot/v2/hook/"+hookToken)
			env.Setenv("HOOK_SECRET", hookSecret)
			env.Setenv("HOME", env.WorkDir)
			// The limiter's shared state: not the user's runtime directory.
			env.Setenv("XDG_RUNTIME_DIR", t.TempDir())
			env.Setenv("EXAMPLES", filepath.Join(mustAbs(t, "../../examples")))
			env.Setenv("TZ", "UTC")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status":    cmdStatus,
			"fake":      cmdFake,
			"nosecrets": cmdNoSecrets,
			"sleep":     cmdSleep,
			"spooled":   cmdSpooled,
		},
	})
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// status N prog args... runs a program and requires exit status N.
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status N program args...")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("status: %v", err)
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("status: %v", err)
	}
	if got != want {
		ts.Fatalf("exit status %d, want %d", got, want)
	}
}

// fake inspects and scripts the fake Feishu:
//
//	fake count N                      N messages stored
//	fake requests ENDPOINT N          N requests to token|messages|webhook
//	fake inject ENDPOINT STATUS CODE TIMES [MSG...]
//	fake reject RECEIVE_ID CODE [MSG...]
//	fake last                         print the last message's content on stdout
//	fake delay ENDPOINT DURATION      delay the next answer
//	fake down                         stop the server
func cmdFake(ts *testscript.TestScript, neg bool, args []string) {
	fake := ts.Value("fake").(*feishutest.Fake)
	atoi := func(s string) int {
		n, err := strconv.Atoi(s)
		if err != nil {
			ts.Fatalf("fake: %v", err)
		}
		return n
	}
	if len(args) == 0 {
		ts.Fatalf("fake: no subcommand")
	}
	switch args[0] {
	case "count":
		if got := len(fake.Messages()); (got == atoi(args[1])) == neg {
			ts.Fatalf("fake has %d messages, want %s%s", got, map[bool]string{true: "not "}[neg], args[1])
		}
	case "requests":
		if got := fake.CountRequests(args[1]); (got == atoi(args[2])) == neg {
			ts.Fatalf("fake had %d %s requests, want %s", got, args[1], args[2])
		}
	case "inject":
		fake.Inject(feishutest.Fault{Endpoint: args[1], Status: atoi(args[2]), Code: atoi(args[3]), Times: atoi(args[4]), Msg: strings.Join(args[5:], " ")})
	case "reject":
		fake.Reject(args[1], feishutest.Fault{Code: atoi(args[2]), Msg: strings.Join(args[3:], " ")})
	case "last":
		msgs := fake.Messages()
		if len(msgs) == 0 {
			ts.Fatalf("fake has no messages")
		}
		m := msgs[len(msgs)-1]
		enc := json.NewEncoder(ts.Stdout())
		enc.SetEscapeHTML(false)
		_ = enc.Encode(map[string]any{"mode": m.Mode, "receive_id_type": m.ReceiveIDType, "receive_id": m.ReceiveID,
			"msg_type": m.MsgType, "uuid": m.UUID, "content": m.Content})
	case "delay":
		d, err := time.ParseDuration(args[2])
		if err != nil {
			ts.Fatalf("fake delay: %v", err)
		}
		fake.Inject(feishutest.Fault{Endpoint: args[1], Action: feishutest.Delay, Delay: d})
	case "down":
		ts.Value("srv").(*httptest.Server).Close()
	default:
		ts.Fatalf("fake: unknown subcommand %q", args[0])
	}
}

// nosecrets fails if a credential or an issued tenant token appears in the
// last stdout/stderr or in any file under $WORK.
func cmdNoSecrets(ts *testscript.TestScript, neg bool, args []string) {
	secrets := clitest.Secrets(ts.Value("fake").(*feishutest.Fake), appSecret, hookToken, hookSecret)
	texts := map[string]string{"stdout": ts.ReadFile("stdout"), "stderr": ts.ReadFile("stderr")}
	_ = filepath.WalkDir(ts.Getenv("WORK"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			b, _ := os.ReadFile(p)
			texts[p] = string(b)
		}
		return nil
	})
	if s, name := clitest.LeakedSecret(secrets, texts); s != "" {
		ts.Fatalf("secret %q found in %s", s, name)
	}
}

// sleep DURATION pauses the script.
func cmdSleep(ts *testscript.TestScript, neg bool, args []string) {
	d, err := time.ParseDuration(args[0])
	if err != nil {
		ts.Fatalf("sleep: %v", err)
	}
	time.Sleep(d)
}

// spooled DIR N requires N messages in the spool directory DIR.
func cmdSpooled(ts *testscript.TestScript, neg bool, args []string) {
	m, _ := (&spool.Spool{Dir: ts.MkAbs(args[0])}).List()
	if strconv.Itoa(len(m)) != args[1] {
		ts.Fatalf("%d messages spooled in %s, want %s", len(m), args[0], args[1])
	}
}
