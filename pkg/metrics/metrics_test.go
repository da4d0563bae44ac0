package metrics

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWriteMergesAndKeepsLastSuccess: a failed run replaces its job's
// series but keeps its last success, also from a file written before jobs
// had names; other jobs' series stay.
func TestWriteMergesAndKeepsLastSuccess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "feishu_push.prom")
	old := `# TYPE feishu_push_last_success_timestamp_seconds gauge
feishu_push_last_success_timestamp_seconds{command="send-text"} 1.7e+09
feishu_push_last_success_timestamp_seconds{command="flush"} 1.6e+09
# TYPE feishu_push_last_run_exit_code gauge
feishu_push_last_run_exit_code{command="send-text"} 0
`
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	end := time.Unix(1_800_000_000, 0)
	r := Run{Job: "send-text", Command: "send-text", Start: end.Add(-time.Second), End: end, ExitCode: 5, Failed: 1, Spooled: 1}
	if err := Write(path, r, func(w string) { t.Error(w) }); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	got := string(b)
	for _, want := range []string{
		`feishu_push_last_success_timestamp_seconds{command="send-text",job_name="send-text"} 1.7e+09`,
		`feishu_push_last_success_timestamp_seconds{command="flush"} 1.6e+09`,
		`feishu_push_last_run_exit_code{command="send-text",job_name="send-text"} 5`,
		`feishu_push_last_run_messages{command="send-text",job_name="send-text",result="spooled"} 1`,
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("lacks %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, `feishu_push_last_run_exit_code{command="send-text"} 0`) {
		t.Errorf("the old series of the job stayed:\n%s", got)
	}
	// A success replaces the last success.
	r.OK, r.ExitCode, r.End = true, 0, end.Add(time.Minute)
	if err := Write(path, r, func(w string) { t.Error(w) }); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(path)
	if !strings.Contains(string(b), `feishu_push_last_success_timestamp_seconds{command="send-text",job_name="send-text"} 1.80000006e+09`) {
		t.Errorf("after a success:\n%s", b)
	}
}
