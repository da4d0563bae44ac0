//go:build unix

package main

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

// actionFile is what the runner reads of action.yml.
type actionFile struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			ID    string            `yaml:"id"`
			Name  string            `yaml:"name"`
			Uses  string            `yaml:"uses"`
			Shell string            `yaml:"shell"`
			Env   map[string]string `yaml:"env"`
			Run   string            `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

// actionRunner runs action.yml's steps as the GitHub runner does for a
// composite action: expressions evaluated in env only, each run: script in
// `bash --noprofile --norc -eo pipefail`, INPUT_* and GITHUB_*/RUNNER_* in
// the environment, GITHUB_OUTPUT and GITHUB_PATH read back between steps.
type actionRunner struct {
	t       *testing.T
	action  actionFile
	toolDir string // RUNNER_TOOL_CACHE, kept between runs as on a self-hosted runner
	work    string
	masks   []string // values registered with ::add-mask::
	checked bool     // the scripts went through shellcheck (where installed) once
}

func (r *actionRunner) run(inputs map[string]string) (stdout string, err error) {
	t := r.t
	in := map[string]string{}
	for k, v := range r.action.Inputs {
		in[k] = v.Default
	}
	for k, v := range inputs {
		if _, ok := r.action.Inputs[k]; !ok {
			t.Fatalf("action.yml has no input %q", k)
		}
		in[k] = v
	}
	temp := t.TempDir()
	arch := map[string]string{"amd64": "X64", "arm64": "ARM64"}[runtime.GOARCH]
	ctx := map[string]string{"runner.os": "Linux", "runner.arch": arch, "runner.tool_cache": r.toolDir, "runner.temp": temp}
	for k, v := range in {
		ctx["inputs."+k] = v
	}
	expr := regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)
	eval := func(s string) string {
		return expr.ReplaceAllStringFunc(s, func(m string) string {
			key := expr.FindStringSubmatch(m)[1]
			v, ok := ctx[key]
			if !ok && !strings.HasPrefix(key, "steps.") {
				t.Fatalf("action.yml uses %q, which this runner does not know", key)
			}
			return v
		})
	}
	path := os.Getenv("PATH")
	var out strings.Builder
	for i, st := range r.action.Runs.Steps {
		if st.Uses != "" {
			// actions/cache: a miss, as on a fresh runner; the tool cache
			// directory below carries the binary between runs instead.
			continue
		}
		if st.Shell != "bash" {
			t.Fatalf("step %q: shell %q", st.Name, st.Shell)
		}
		if strings.Contains(st.Run, "${{") {
			t.Fatalf("step %q expands an expression into its script; inputs and secrets must come through env", st.Name)
		}
		files := map[string]string{}
		for _, f := range []string{"GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_ENV", "GITHUB_STEP_SUMMARY"} {
			files[f] = filepath.Join(temp, fmt.Sprintf("%s_%d", strings.ToLower(f), i))
			mustWrite(t, files[f], nil, 0o644)
		}
		script := filepath.Join(temp, fmt.Sprintf("step_%d.sh", i))
		mustWrite(t, script, []byte(st.Run), 0o644)
		if sc, err := exec.LookPath("shellcheck"); err == nil && !r.checked {
			if out, err := exec.Command(sc, "-s", "bash", script).CombinedOutput(); err != nil {
				t.Errorf("shellcheck, step %q:\n%s", st.Name, out)
			}
		}
		env := []string{
			"PATH=" + path, "HOME=" + r.work, "LANG=C.UTF-8",
			"CI=true", "GITHUB_ACTIONS=true", "GITHUB_WORKSPACE=" + r.work, "GITHUB_ACTION_PATH=" + mustAbs(t, "../.."),
			"GITHUB_REPOSITORY=example/app", "GITHUB_RUN_ID=42", "GITHUB_SHA=0123456789abcdef",
			"RUNNER_OS=Linux", "RUNNER_ARCH=" + arch, "RUNNER_TEMP=" + temp, "RUNNER_TOOL_CACHE=" + r.toolDir,
		}
		for k, v := range files {
			env = append(env, k+"="+v)
		}
		for k, v := range in {
			env = append(env, "INPUT_"+strings.ToUpper(strings.ReplaceAll(k, " ", "_"))+"="+v)
		}
		for k, v := range st.Env {
			env = append(env, k+"="+eval(v))
		}
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", script)
		cmd.Env, cmd.Dir = env, r.work
		var stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &stderr
		if err := cmd.Run(); err != nil {
			return out.String(), fmt.Errorf("step %q: %v\n%s%s", st.Name, err, out.String(), stderr.String())
		}
		if stderr.Len() != 0 {
			t.Errorf("step %q wrote to stderr: %s", st.Name, stderr.String())
		}
		// $GITHUB_OUTPUT: name=value lines and name<<DELIM heredocs.
		o, _ := os.ReadFile(files["GITHUB_OUTPUT"])
		sc := bufio.NewScanner(strings.NewReader(string(o)))
		for sc.Scan() {
			l := sc.Text()
			if k, delim, ok := strings.Cut(l, "<<"); ok {
				var v []string
				for sc.Scan() && sc.Text() != delim {
					v = append(v, sc.Text())
				}
				ctx["steps."+st.ID+".outputs."+k] = strings.Join(v, "\n")
			} else if k, v, ok := strings.Cut(l, "="); ok {
				ctx["steps."+st.ID+".outputs."+k] = v
			}
		}
		p, _ := os.ReadFile(files["GITHUB_PATH"])
		for _, d := range strings.Fields(string(p)) {
			path = d + string(os.PathListSeparator) + path
		}
	}
	r.checked = true
	// The runner consumes workflow commands: ::add-mask:: lines never reach
	// the log, and what they name is masked in everything after them.
	var log []string
	for _, l := range strings.Split(out.String(), "\n") {
		if v, ok := strings.CutPrefix(l, "::add-mask::"); ok {
			r.masks = append(r.masks, v)
			continue
		}
		for _, m := range r.masks {
			l = strings.ReplaceAll(l, m, "***")
		}
		log = append(log, l)
	}
	return strings.Join(log, "\n"), nil
}

// release writes what a tagged release publishes for this machine: an
// archive holding the feishu-push binary (this test binary, which runs the
// CLI when called feishu-push) and checksums.txt, in goreleaser's names.
func release(t *testing.T, dir, version string) (archive string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := mustRead(t, exe)
	archive = fmt.Sprintf("feishu-push_%s_linux_%s.tar.gz", strings.TrimPrefix(version, "v"), runtime.GOARCH)
	f, err := os.Create(filepath.Join(dir, archive))
	if err != nil {
		t.Fatal(err)
	}
	gz, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	tw := tar.NewWriter(gz)
	for _, e := range []struct {
		name string
		mode int64
		data []byte
	}{{"LICENSE", 0o644, []byte("Apache-2.0\n")}, {"feishu-push", 0o755, bin}} {
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Mode: e.mode, Size: int64(len(e.data))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(mustRead(t, filepath.Join(dir, archive)))
	other := fmt.Sprintf("feishu-push_%s_darwin_arm64.tar.gz", strings.TrimPrefix(version, "v"))
	mustWrite(t, filepath.Join(dir, "checksums.txt"), []byte(fmt.Sprintf("%s  %s\n%s  %s\n", strings.Repeat("0", 64), other, hex.EncodeToString(sum[:]), archive)), 0o644)
	return archive
}

// TestActionSteps runs action.yml's steps as the runner would, against the
// fake and a release served from a local HTTP server: it downloads and
// verifies the archive, caches the binary, and sends through a webhook and
// through an app bot, without a secret in its output; a tampered archive
// stops it before anything is sent.
func TestActionSteps(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "tar", "awk", "sha256sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("SKIP: no %s here to run the Action's steps", tool)
		}
	}
	var act actionFile
	if err := yaml.Unmarshal(mustRead(t, "../../action.yml"), &act); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Log("no shellcheck here: the Action's scripts are run but not linted")
	}
	if act.Runs.Using != "composite" {
		t.Fatalf("runs.using %q", act.Runs.Using)
	}
	for _, st := range act.Runs.Steps {
		for k, v := range st.Env {
			if strings.Contains(v, "secrets.") {
				t.Errorf("step %q env %s reads secrets itself; the caller passes them as inputs", st.Name, k)
			}
		}
	}

	const version = "v9.9.9"
	rel := t.TempDir()
	archive := release(t, rel, version)
	var downloads atomic.Int32
	files := http.FileServer(http.Dir(rel))
	dl := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/download/"+version), "/latest/download")
		if name == r.URL.Path {
			http.NotFound(w, r)
			return
		}
		if strings.HasSuffix(name, ".tar.gz") {
			downloads.Add(1)
		}
		r.URL.Path = name
		files.ServeHTTP(w, r)
	}))
	defer dl.Close()

	const hookSecret = "action-hook-secret-Pq2w"
	srv := feishutest.NewServer(t, feishutest.WithApp("cli_action", appSecret), feishutest.WithWebhook(hookToken, hookSecret))
	r := &actionRunner{t: t, action: act, toolDir: t.TempDir(), work: t.TempDir()}
	secrets := []string{appSecret, hookToken, hookSecret}

	// A webhook, a card from title and text, the latest release.
	out, err := r.run(map[string]string{
		"webhook": srv.WebhookURL(hookToken), "webhook-secret": hookSecret, "base-url": srv.URL,
		"title": "Build failed: example/app", "color": "red", "text": "**Branch:** main\n$(touch pwned) `id`",
		"download-url": dl.URL,
	})
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].Mode != "webhook" || msgs[0].MsgType != "interactive" || !strings.Contains(string(msgs[0].Body), "$(touch pwned)") {
		t.Fatalf("the fake received %+v", msgs)
	}
	if _, err := os.Stat(filepath.Join(r.work, "pwned")); err == nil {
		t.Error("an input was run as shell code")
	}
	// An app bot, a tagged version, two recipients; the binary comes from
	// the tool cache this time.
	out2, err := r.run(map[string]string{
		"app-id": "cli_action", "app-secret": appSecret, "base-url": srv.URL, "version": version, "download-url": dl.URL,
		"to": "oc_a0553eda9014c201e6969b478895c230, ou_7d8a6e6df7621556ce0d21922b676706", "text": "deployed",
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages()); n != 3 || !strings.Contains(out2, "oc_a0553eda9014c201e6969b478895c230\tom_") {
		t.Errorf("the fake holds %d messages, want 3; output %q", n, out2)
	}
	if d := downloads.Load(); d != 1 {
		t.Errorf("the archive was downloaded %d times, want once (then cached)", d)
	}
	if len(r.masks) == 0 {
		t.Error("the webhook URL was not masked")
	}
	for _, s := range secrets {
		if strings.Contains(out+out2, s) {
			t.Errorf("a secret appears in the Action's output")
		}
	}

	// A tampered archive: the checksum stops it, nothing is sent.
	f, err := os.OpenFile(filepath.Join(rel, archive), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(f, "tampered")
	f.Close()
	r.toolDir = t.TempDir()
	_, err = r.run(map[string]string{"app-id": "cli_action", "app-secret": appSecret, "base-url": srv.URL,
		"download-url": dl.URL, "to": "oc_a0553eda9014c201e6969b478895c230", "text": "must not arrive"})
	if err == nil || !strings.Contains(err.Error(), "does not match checksums.txt") {
		t.Errorf("a tampered archive: %v", err)
	}
	if n := len(srv.Messages()); n != 3 {
		t.Errorf("the fake holds %d messages after a tampered download, want 3", n)
	}
}

// TestGitHubActionsExample checks the example workflow uses this
// repository's Action with inputs it declares, and that secrets reach it
// only through `with:`.
func TestGitHubActionsExample(t *testing.T) {
	var act actionFile
	if err := yaml.Unmarshal(mustRead(t, "../../action.yml"), &act); err != nil {
		t.Fatal(err)
	}
	var wf struct {
		Jobs map[string]struct {
			Steps []struct {
				If   string            `yaml:"if"`
				Uses string            `yaml:"uses"`
				Run  string            `yaml:"run"`
				With map[string]string `yaml:"with"`
				Env  map[string]string `yaml:"env"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(mustRead(t, "../../examples/github-actions/notify-on-failure.yml"), &wf); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, job := range wf.Jobs {
		for _, st := range job.Steps {
			if strings.Contains(st.Run, "secrets.") || strings.Contains(fmt.Sprint(st.Env), "secrets.") {
				t.Errorf("a step hands a secret to a script: %q", st.Run)
			}
			if !strings.HasPrefix(st.Uses, "feishu-push/feishu-push@") {
				continue
			}
			found = true
			if st.If != "failure()" {
				t.Errorf("the notify step runs if %q", st.If)
			}
			for k := range st.With {
				if _, ok := act.Inputs[k]; !ok {
					t.Errorf("with: %s is not an input of action.yml", k)
				}
			}
			if !strings.Contains(st.With["webhook"], "secrets.") {
				t.Errorf("the webhook does not come from secrets: %q", st.With["webhook"])
			}
		}
	}
	if !found {
		t.Error("the example does not use the Action")
	}
}
