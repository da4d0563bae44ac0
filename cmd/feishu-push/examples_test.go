package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/feishu-push/feishu-push/pkg/cli"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

// unitFile is a systemd unit's [Service] settings, in order (a key may repeat).
type unitFile map[string][]string

func readUnit(t *testing.T, path string) unitFile {
	t.Helper()
	u := unitFile{}
	for _, l := range strings.Split(string(mustRead(t, path)), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, ";") || strings.HasPrefix(l, "[") {
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			t.Fatalf("%s: %q", path, l)
		}
		u[k] = append(u[k], v)
	}
	return u
}

// systemdWords splits a command line as systemd does for ExecStart= (quotes
// group words; specifiers are expanded first: %% is %).
func systemdWords(t *testing.T, s string) []string {
	t.Helper()
	s = strings.ReplaceAll(s, "%%", "\x00")
	if strings.Contains(s, "%") {
		t.Fatalf("ExecStart uses a specifier this test does not know: %s", s)
	}
	s = strings.ReplaceAll(s, "\x00", "%")
	var words []string
	var w strings.Builder
	in, quote := false, byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			w.WriteByte(c)
		case c == '\'' || c == '"':
			quote, in = c, true
		case c == ' ' || c == '\t':
			if in {
				words, in = append(words, w.String()), false
				w.Reset()
			}
		default:
			w.WriteByte(c)
			in = true
		}
	}
	if in {
		words = append(words, w.String())
	}
	return words
}

// TestSystemdUnits starts each service of examples/systemd the way systemd
// would, against the fake: its EnvironmentFile= (the shipped env file, values
// pointed at the fake) and Environment=, the directories it declares
// (StateDirectory= and friends) created fresh as systemd creates them, its
// ExecStart= split and %-expanded as systemd does, paths mapped into a temp
// root. A fresh machine has none of the write-access directories: the units
// must not need them to exist.
func TestSystemdUnits(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("SKIP: no /bin/sh")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	repo := mustAbs(t, "../..")
	root := t.TempDir()
	remap := func(s string) string {
		s = strings.ReplaceAll(s, "/usr/bin/feishu-push", filepath.Join(root, "usr/bin/feishu-push"))
		return installed.ReplaceAllString(s, "${1}"+root+"${2}")
	}
	mustWrite(t, filepath.Join(root, "var/lib/reports/sales.json"), mustRead(t, filepath.Join(repo, "examples/dashboard/sales.json")), 0o644)
	if err := os.MkdirAll(filepath.Join(root, "usr/bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(exe, filepath.Join(root, "usr/bin/feishu-push")); err != nil {
		t.Fatal(err)
	}
	// node_exporter's textfile directory, as its package leaves it: the units
	// may write there (ReadWritePaths=-...) but do not create it.
	if err := os.MkdirAll(filepath.Join(root, "var/lib/node_exporter/textfile"), 0o755); err != nil {
		t.Fatal(err)
	}
	srv := feishutest.NewServer(t, feishutest.WithApp("cli_systemd", appSecret))
	fileEnv := map[string]string{}
	for _, l := range strings.Split(string(mustRead(t, filepath.Join(repo, "examples/feishu-push.env"))), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		k, v, _ := strings.Cut(l, "=")
		fileEnv[k] = remap(v)
	}
	fileEnv["FEISHU_BASE_URL"], fileEnv["FEISHU_APP_ID"], fileEnv["FEISHU_APP_SECRET"] = srv.URL, "cli_systemd", appSecret

	units, _ := filepath.Glob(filepath.Join(repo, "examples/systemd/*.service"))
	if len(units) < 2 {
		t.Fatalf("want the sales and flush services, found %v", units)
	}
	for _, path := range units {
		t.Run(filepath.Base(path), func(t *testing.T) {
			u := readUnit(t, path)
			if !slices.Equal(u["EnvironmentFile"], []string{"/etc/feishu-push.env"}) {
				t.Errorf("EnvironmentFile=%q, want /etc/feishu-push.env", u["EnvironmentFile"])
			}
			if len(u["ExecStart"]) != 1 {
				t.Fatalf("ExecStart=%q", u["ExecStart"])
			}
			// The directories systemd makes before the start.
			for k, base := range map[string]string{"StateDirectory": "var/lib", "CacheDirectory": "var/cache", "LogsDirectory": "var/log"} {
				for _, d := range u[k] {
					if err := os.MkdirAll(filepath.Join(root, base, d), 0o700); err != nil {
						t.Fatal(err)
					}
				}
			}
			// Everything the process writes is within what the unit may write.
			writable := []string{}
			for _, k := range []string{"StateDirectory", "CacheDirectory", "LogsDirectory"} {
				base := map[string]string{"StateDirectory": "/var/lib/", "CacheDirectory": "/var/cache/", "LogsDirectory": "/var/log/"}[k]
				for _, d := range u[k] {
					writable = append(writable, base+d)
				}
			}
			for _, p := range u["ReadWritePaths"] {
				writable = append(writable, strings.Fields(strings.TrimPrefix(p, "-"))...)
			}
			for _, k := range []string{"FEISHU_PUSH_SPOOL_DIR", "FEISHU_PUSH_LOG_FILE", "FEISHU_PUSH_TOKEN_CACHE", "FEISHU_PUSH_METRICS_FILE"} {
				p := strings.TrimPrefix(fileEnv[k], root)
				if !slices.ContainsFunc(writable, func(w string) bool { return strings.HasPrefix(p, w+"/") }) {
					t.Errorf("%s=%s is read-only under ProtectSystem=strict: not in %v", k, p, writable)
				}
			}

			env := map[string]string{"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": root, "LANG": "C.UTF-8"}
			for k, v := range fileEnv {
				env[k] = v
			}
			for _, e := range u["Environment"] {
				k, v, _ := strings.Cut(e, "=")
				env[k] = remap(v)
			}
			var envList []string
			for k, v := range env {
				envList = append(envList, k+"="+v)
			}
			words := systemdWords(t, u["ExecStart"][0])
			for i := range words {
				words[i] = remap(words[i])
			}
			before := len(srv.Messages())
			cmd := exec.Command(words[0], words[1:]...)
			cmd.Env, cmd.Dir = envList, "/"
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%v: %v\n%s", words, err, stderr.String())
			}
			if stderr.Len() != 0 {
				t.Errorf("stderr: %s", stderr.String())
			}
			want := 1
			if strings.Contains(u["ExecStart"][0], " flush") {
				want = 0
			}
			if got := len(srv.Messages()) - before; got != want {
				t.Errorf("the fake received %d messages, want %d", got, want)
			}
		})
	}
	timer := readUnit(t, filepath.Join(repo, "examples/systemd/feishu-push-sales.timer"))
	if !slices.Contains(timer["OnCalendar"], "*-*-* 18:00:00 Asia/Shanghai") {
		t.Errorf("the sales timer's OnCalendar=%q", timer["OnCalendar"])
	}
	if _, err := os.Stat(filepath.Join(root, "var/log/feishu-push/push.log")); err != nil {
		t.Errorf("the log was not written where the env file says: %v", err)
	}
}

// TestSystemdAnalyze runs `systemd-analyze verify` on every unit of
// examples/systemd and reports `systemd-analyze security`'s exposure, which
// must stay "OK" (at most 2.0 of 10).
func TestSystemdAnalyze(t *testing.T) {
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("SKIP: no systemd-analyze here (apt-get install systemd): the units are not verified")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	units, _ := filepath.Glob("../../examples/systemd/*")
	var names []string
	for _, u := range units {
		// verify checks that ExecStart's binary exists: point it at this one.
		b := strings.ReplaceAll(string(mustRead(t, u)), "/usr/bin/feishu-push", exe)
		mustWrite(t, filepath.Join(dir, filepath.Base(u)), []byte(b), 0o644)
		names = append(names, "./"+filepath.Base(u))
	}
	cmd := exec.Command(sa, append([]string{"verify", "--man=no"}, names...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) != 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	for _, n := range names {
		if !strings.HasSuffix(n, ".service") {
			continue
		}
		cmd := exec.Command(sa, "security", "--offline=true", "--threshold=20", n)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		m := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+ \S+)`).FindSubmatch(out)
		if err != nil || m == nil {
			t.Errorf("systemd-analyze security %s: %v\n%s", n, err, out)
			continue
		}
		t.Logf("systemd-analyze security %s: exposure %s", strings.TrimPrefix(n, "./"), m[1])
	}
}

// k8sJob is what the tests read of a CronJob.
type k8sJob struct {
	Spec struct {
		ConcurrencyPolicy string `yaml:"concurrencyPolicy"`
		TimeZone          string `yaml:"timeZone"`
		JobTemplate       struct {
			Spec struct {
				PodFailurePolicy struct {
					Rules []struct {
						Action      string `yaml:"action"`
						OnExitCodes *struct {
							ContainerName string `yaml:"containerName"`
							Operator      string `yaml:"operator"`
							Values        []int  `yaml:"values"`
						} `yaml:"onExitCodes"`
					} `yaml:"rules"`
				} `yaml:"podFailurePolicy"`
				Template struct {
					Spec struct {
						RestartPolicy                string `yaml:"restartPolicy"`
						AutomountServiceAccountToken *bool  `yaml:"automountServiceAccountToken"`
						SecurityContext              struct {
							RunAsNonRoot   bool `yaml:"runAsNonRoot"`
							RunAsUser      int  `yaml:"runAsUser"`
							SeccompProfile struct {
								Type string `yaml:"type"`
							} `yaml:"seccompProfile"`
						} `yaml:"securityContext"`
						Containers []struct {
							Name            string   `yaml:"name"`
							Image           string   `yaml:"image"`
							Args            []string `yaml:"args"`
							SecurityContext struct {
								AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
								ReadOnlyRootFilesystem   bool  `yaml:"readOnlyRootFilesystem"`
								Capabilities             struct {
									Drop []string `yaml:"drop"`
								} `yaml:"capabilities"`
							} `yaml:"securityContext"`
						} `yaml:"containers"`
					} `yaml:"spec"`
				} `yaml:"template"`
			} `yaml:"spec"`
		} `yaml:"jobTemplate"`
	} `yaml:"spec"`
}

// TestKubernetesExample checks each CronJob of examples/kubernetes: the
// image this repository builds, podFailurePolicy failing the Job at once on
// exit codes 2, 3 and 4, a restrictive securityContext; then runs its
// container's args against the fake.
func TestKubernetesExample(t *testing.T) {
	files, _ := filepath.Glob("../../examples/kubernetes/*.yaml")
	if len(files) < 2 {
		t.Fatalf("want the push and the flush CronJobs, found %v", files)
	}
	image := regexp.MustCompile(`"tag", "(ghcr\.io/[^:"]+):`).FindStringSubmatch(string(mustRead(t, "../../.ci/image/main.go")))
	if image == nil {
		t.Fatal("no image name in .ci/image")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			var cj k8sJob
			if err := yaml.Unmarshal(mustRead(t, f), &cj); err != nil {
				t.Fatal(err)
			}
			js, ps := cj.Spec.JobTemplate.Spec, cj.Spec.JobTemplate.Spec.Template.Spec
			if cj.Spec.ConcurrencyPolicy != "Forbid" || cj.Spec.TimeZone == "" {
				t.Errorf("concurrencyPolicy %q timeZone %q", cj.Spec.ConcurrencyPolicy, cj.Spec.TimeZone)
			}
			if ps.RestartPolicy != "Never" || len(ps.Containers) != 1 {
				t.Fatalf("restartPolicy %q, %d containers", ps.RestartPolicy, len(ps.Containers))
			}
			c := ps.Containers[0]
			failFast := false
			for _, r := range js.PodFailurePolicy.Rules {
				if r.Action == "FailJob" && r.OnExitCodes != nil && r.OnExitCodes.Operator == "In" &&
					r.OnExitCodes.ContainerName == c.Name && slices.Equal(r.OnExitCodes.Values, []int{2, 3, 4}) {
					failFast = true
				}
			}
			if !failFast {
				t.Error("no podFailurePolicy rule failing the Job on exit codes 2, 3 and 4")
			}
			if !strings.HasPrefix(c.Image, image[1]+":") {
				t.Errorf("image %q is not the one this repository builds (%s)", c.Image, image[1])
			}
			sc := c.SecurityContext
			if !ps.SecurityContext.RunAsNonRoot || ps.SecurityContext.RunAsUser == 0 || ps.SecurityContext.SeccompProfile.Type != "RuntimeDefault" ||
				sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || !sc.ReadOnlyRootFilesystem ||
				!slices.Equal(sc.Capabilities.Drop, []string{"ALL"}) || ps.AutomountServiceAccountToken == nil || *ps.AutomountServiceAccountToken {
				t.Errorf("securityContext is not restrictive: pod %+v, container %+v", ps.SecurityContext, sc)
			}
			args := slices.Clone(c.Args)
			dir := t.TempDir()
			for i, a := range args {
				a = strings.ReplaceAll(a, "$(JOB_UID)", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")
				a = strings.ReplaceAll(a, "=/spool", "="+filepath.Join(dir, "spool"))
				args[i] = strings.ReplaceAll(a, "/data/sales.json", "../../examples/dashboard/sales.json")
			}
			want := 1
			if args[0] == "flush" {
				want = 0
			}
			runExample(t, args, want)
		})
	}
}

// TestDockerfile holds the Dockerfile to what the image promises: a static
// binary on an empty base with CA certificates and zoneinfo, a non-root user.
func TestDockerfile(t *testing.T) {
	df := string(mustRead(t, "../../Dockerfile"))
	stages := strings.Split(df, "\nFROM ")
	last := stages[len(stages)-1]
	for _, want := range []string{"CGO_ENABLED=0", "\nFROM scratch", "/etc/ssl/certs/ca-certificates.crt", "/usr/share/zoneinfo", "\nUSER 65532:65532", `ENTRYPOINT ["/feishu-push"]`} {
		if !strings.Contains(df, want) {
			t.Errorf("the Dockerfile lacks %q", want)
		}
	}
	if !strings.HasPrefix(last, "scratch") || strings.Contains(last, "\nRUN ") {
		t.Errorf("the last stage is not a plain FROM scratch:\n%s", last)
	}
	if !strings.Contains(string(mustRead(t, "main.go")), `_ "time/tzdata"`) {
		t.Error("the binary does not embed time/tzdata: TZ would depend on the image's zoneinfo")
	}
}

func runExample(t *testing.T, args []string, want int) {
	t.Helper()
	srv := feishutest.NewServer(t)
	env := map[string]string{"FEISHU_BASE_URL": srv.URL, "FEISHU_APP_ID": feishutest.DefaultAppID,
		"FEISHU_APP_SECRET": feishutest.DefaultAppSecret, "HOME": t.TempDir()}
	ios, _, stdout, stderr := cli.TestStreams()
	if code := cli.Run(t.Context(), cli.NewFactory(ios, func(k string) string { return env[k] }), args); code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
	if len(srv.Messages()) != want || (want > 0 && !strings.Contains(stdout.String(), "\tom_")) {
		t.Errorf("stored %d (want %d), stdout %q", len(srv.Messages()), want, stdout)
	}
}
