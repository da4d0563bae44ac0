package main

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/feishu-push/feishu-push/pkg/cli"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

// TestSystemdExample runs the service's ExecStart against the fake.
func TestSystemdExample(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	unit, err := os.ReadFile("../../examples/systemd/feishu-push-sales.service")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^ExecStart=/bin/sh -c 'exec /usr/local/bin/feishu-push (.*)'$`).FindStringSubmatch(string(unit))
	if m == nil {
		t.Fatal("no ExecStart running feishu-push")
	}
	words := strings.ReplaceAll(strings.ReplaceAll(m[1], "%%", "%"), "/var/lib/reports/sales.json", "../../examples/dashboard/sales.json")
	out, err := exec.Command(sh, "-c", `for a in `+words+`; do printf '%s\0' "$a"; done`).Output()
	if err != nil {
		t.Fatal(err)
	}
	args := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	runExample(t, args)
	timer, _ := os.ReadFile("../../examples/systemd/feishu-push-sales.timer")
	if !strings.Contains(string(timer), "OnCalendar=") {
		t.Error("the timer has no OnCalendar")
	}
}

// TestKubernetesExample runs the CronJob's container args against the fake.
func TestKubernetesExample(t *testing.T) {
	raw, err := os.ReadFile("../../examples/kubernetes/cronjob.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cj struct {
		Spec struct {
			ConcurrencyPolicy string `yaml:"concurrencyPolicy"`
			JobTemplate       struct {
				Spec struct {
					Template struct {
						Spec struct {
							Containers []struct {
								Args []string `yaml:"args"`
							} `yaml:"containers"`
						} `yaml:"spec"`
					} `yaml:"template"`
				} `yaml:"spec"`
			} `yaml:"jobTemplate"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(raw, &cj); err != nil {
		t.Fatal(err)
	}
	if cj.Spec.ConcurrencyPolicy != "Forbid" {
		t.Errorf("concurrencyPolicy %q", cj.Spec.ConcurrencyPolicy)
	}
	args := cj.Spec.JobTemplate.Spec.Template.Spec.Containers[0].Args
	for i, a := range args {
		a = strings.ReplaceAll(a, "$(JOB_UID)", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
		args[i] = strings.ReplaceAll(a, "/data/sales.json", "../../examples/dashboard/sales.json")
	}
	runExample(t, args)
}

// TestGitHubActionsExample checks the workflow parses and its step runs
// feishu-push with the webhook secrets.
func TestGitHubActionsExample(t *testing.T) {
	raw, err := os.ReadFile("../../examples/github-actions/notify-on-failure.yml")
	if err != nil {
		t.Fatal(err)
	}
	var wf map[string]any
	if err := yaml.Unmarshal(raw, &wf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "if: failure()") || !strings.Contains(string(raw), "feishu-push send-card") {
		t.Error("the workflow has no failure step")
	}
}

func runExample(t *testing.T, args []string) {
	t.Helper()
	srv := feishutest.NewServer(t)
	env := map[string]string{"FEISHU_BASE_URL": srv.URL, "FEISHU_APP_ID": feishutest.DefaultAppID,
		"FEISHU_APP_SECRET": feishutest.DefaultAppSecret, "HOME": t.TempDir()}
	ios, _, stdout, stderr := cli.TestStreams()
	if code := cli.Run(t.Context(), cli.NewFactory(ios, func(k string) string { return env[k] }), args); code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
	if len(srv.Messages()) != 1 || !strings.Contains(stdout.String(), "\tom_") {
		t.Errorf("stored %d, stdout %q", len(srv.Messages()), stdout)
	}
}
