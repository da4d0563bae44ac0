// Command feishu-push-bench measures feishu-push against the local fake
// Feishu, side by side with what it replaces, and writes BENCHMARKS.md:
//
//  1. fan-out to 1,000 recipients with Feishu's documented limits enforced
//     and 5% transient faults: rate against the 50/s ceiling, messages
//     stored per recipient, rate-limit errors left to the caller;
//  2. one send as cron does it, a fresh process each time: feishu-push with
//     and without its token cache against a Python requests script;
//  3. one webhook post: feishu-push against curl.
//
// It sends only to the fake it starts on loopback. Run it with make bench.
package main

import (
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

//go:embed push.py
var pushPy []byte

func main() {
	bin := flag.String("bin", "bin/feishu-push", "the feishu-push binary to measure")
	out := flag.String("out", "BENCHMARKS.md", "where to write the report")
	gobench := flag.String("gobench", "", "go test -bench output to include")
	runs := flag.Int("runs", 50, "fresh processes per single-send measurement")
	fanout := flag.String("recipients", "1000,2000", "recipients of each fan-out run, comma-separated")
	flag.Parse()
	abs, err := filepath.Abs(*bin)
	check(err)
	*bin = abs
	dir, err := os.MkdirTemp("", "feishu-push-bench-")
	check(err)
	defer os.RemoveAll(dir)

	var r strings.Builder
	fmt.Fprintf(&r, "# Benchmarks\n\nMeasured by `make bench` (`go run ./cmd/feishu-push-bench`) on %s against the project's fake Feishu on loopback; nothing leaves the machine.\n\n", time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintf(&r, "| machine | |\n|---|---|\n| CPU | %s × %d |\n| memory | %s |\n| kernel | %s |\n| Go | %s |\n| Python | %s |\n| curl | %s |\n\n",
		cpuModel(), runtime.NumCPU(), memTotal(), readTrim("/proc/sys/kernel/osrelease"), runtime.Version(), version("python3", "--version"), firstLine(version("curl", "--version")))
	r.WriteString("Reproduce: `make bench` (it builds `bin/feishu-push`, runs the Go benchmarks, then this driver).\n\n")

	for i, n := range strings.Split(*fanout, ",") {
		var count int
		fmt.Sscan(n, &count)
		fanOut(&r, *bin, dir, count, i+1)
	}
	cronSend(&r, *bin, dir, *runs)
	webhook(&r, *bin, dir, *runs)
	if *gobench != "" {
		b, err := os.ReadFile(*gobench)
		check(err)
		r.WriteString("## In-process benchmarks (`go test -bench`)\n\n```\n")
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "Benchmark") || strings.HasPrefix(l, "pkg:") {
				r.WriteString(l + "\n")
			}
		}
		r.WriteString("```\n")
	}
	check(os.WriteFile(*out, []byte(r.String()), 0o644))
	fmt.Print(r.String())
}

// serve starts a fake on a loopback port.
func serve(opts ...feishutest.Option) (*feishutest.Fake, string) {
	fake := feishutest.New(opts...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	go http.Serve(ln, fake)
	return fake, "http://" + ln.Addr().String()
}

func env(base string, extra ...string) []string {
	return append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(), "FEISHU_BASE_URL=" + base,
		"FEISHU_APP_ID=" + feishutest.DefaultAppID, "FEISHU_APP_SECRET=" + feishutest.DefaultAppSecret}, extra...)
}

func fanOut(r *strings.Builder, bin, dir string, n, section int) {
	fake, base := serve(feishutest.WithRateLimits(feishutest.DocumentedLimits), feishutest.WithRandomFaults(0.05, 42))
	list := filepath.Join(dir, "recipients.txt")
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "ou_bench%05d\n", i)
	}
	check(os.WriteFile(list, []byte(b.String()), 0o600))
	cmd := exec.Command(bin, "send-text", "--to-file", list, "--text", "门店日报已更新", "--json", "--uuid", "bench-fanout")
	cmd.Env = env(base)
	start := time.Now()
	outb, err := cmd.Output()
	elapsed := time.Since(start)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fan-out: %v\n", err)
	}
	var res struct {
		Results []struct {
			OK    bool
			Error *struct{ Code int }
		}
		Summary struct{ Sent, Failed int }
	}
	check(json.Unmarshal(outb, &res))
	callerRateErrors := 0
	for _, x := range res.Results {
		if x.Error != nil && (x.Error.Code == 99991400 || x.Error.Code == 230020) {
			callerRateErrors++
		}
	}
	per := map[string]int{}
	for _, m := range fake.Messages() {
		per[m.ReceiveID]++
	}
	exactlyOnce, dup, lost := 0, 0, 0
	for i := 0; i < n; i++ {
		switch c := per[fmt.Sprintf("ou_bench%05d", i)]; {
		case c == 1:
			exactlyOnce++
		case c > 1:
			dup++
		default:
			lost++
		}
	}
	faults := 0
	for _, q := range fake.Requests() {
		if q.Endpoint == feishutest.EndpointMessages && (q.Status == 0 || q.Status >= 500 || q.Code == 230020 || q.Code == 99991400) {
			faults++
		}
	}
	rate := float64(res.Summary.Sent) / elapsed.Seconds()
	// The binding ceiling: 50/s up to a minute's 1,000; beyond that the
	// per-minute limit, whose first 1,000 are there from the start.
	ceiling := 50.0
	if n > 1000 {
		ceiling = float64(n) / (float64(n-1000) * 60 / 1000)
		ceiling = min(ceiling, 50)
	}
	fmt.Fprintf(r, "## 1.%d Fan-out to %d recipients\n\nOne process, `send-text --to-file` (%d recipients, `--uuid`), against the fake enforcing 50/s and 1000/min per app and 5/s per recipient, with 5%% of requests failing transiently (503, 230020, 99991400, reset connections, answers lost after the message was stored).\n\n", section, n, n)
	fmt.Fprintf(r, "| measure | result | target |\n|---|---|---|\n")
	fmt.Fprintf(r, "| elapsed | %.1f s | |\n", elapsed.Seconds())
	fmt.Fprintf(r, "| delivered | %d of %d | all |\n", res.Summary.Sent, n)
	fmt.Fprintf(r, "| rate | %.1f msg/s = **%.1f%%** of the %.1f msg/s ceiling | ≥ 95%% |\n", rate, 100*rate/ceiling, ceiling)
	fmt.Fprintf(r, "| stored exactly once | %d (duplicated %d, lost %d) | all, 0, 0 |\n", exactlyOnce, dup, lost)
	fmt.Fprintf(r, "| rate-limit errors seen by the caller | %d | 0 |\n", callerRateErrors)
	fmt.Fprintf(r, "| transient faults met and retried | %d | |\n\n", faults)
}

type sample struct {
	wall time.Duration
	rss  int64 // KB
}

// measure runs a fresh process `runs` times for wall time, then again
// under /usr/bin/time for peak RSS. A child's own rusage is no good here:
// Go starts children with vfork, so their ru_maxrss counts this process's
// memory too; time forks from a process of a megabyte or two.
func measure(runs int, mk func(i int) *exec.Cmd) []sample {
	var ss []sample
	for i := 0; i < runs; i++ {
		cmd := mk(i)
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "%v: %v\n%s", cmd.Args, err, out)
			os.Exit(1)
		}
		ss = append(ss, sample{wall: time.Since(start)})
	}
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		return ss // no RSS column without GNU time
	}
	for i := range ss {
		cmd := mk(i)
		cmd.Args = append([]string{"/usr/bin/time", "-f", "maxrss=%M"}, cmd.Args...)
		cmd.Path = "/usr/bin/time"
		out, err := cmd.CombinedOutput()
		if err != nil {
			fmt.Fprintf(os.Stderr, "%v: %v\n%s", cmd.Args, err, out)
			os.Exit(1)
		}
		if at := strings.LastIndex(string(out), "maxrss="); at >= 0 {
			fmt.Sscan(string(out[at+len("maxrss="):]), &ss[i].rss)
		}
	}
	return ss
}

func stats(ss []sample) (median, p90 time.Duration, rssMedian, rssMax int64) {
	walls := make([]time.Duration, len(ss))
	rss := make([]int64, len(ss))
	for i, s := range ss {
		walls[i], rss[i] = s.wall, s.rss
	}
	sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
	sort.Slice(rss, func(i, j int) bool { return rss[i] < rss[j] })
	return walls[len(walls)/2], walls[len(walls)*9/10], rss[len(rss)/2], rss[len(rss)-1]
}

func row(r *strings.Builder, name string, ss []sample, ref time.Duration) time.Duration {
	med, p90, rssMed, rssMax := stats(ss)
	speed := ""
	if ref > 0 {
		x := float64(ref) / float64(med)
		speed = fmt.Sprintf("%.0f×", x)
		if x < 10 {
			speed = fmt.Sprintf("%.1f×", x)
		}
	}
	fmt.Fprintf(r, "| %s | %.1f ms | %.1f ms | %.1f MB | %.1f MB | %s |\n", name, ms(med), ms(p90), float64(rssMed)/1024, float64(rssMax)/1024, speed)
	return med
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func cronSend(r *strings.Builder, bin, dir string, runs int) {
	_, base := serve()
	py := filepath.Join(dir, "push.py")
	check(os.WriteFile(py, pushPy, 0o755))
	cache := filepath.Join(dir, "tokens.json")
	to := func(i int) string { return fmt.Sprintf("oc_cron%03d", i) }
	pyS := measure(runs, func(i int) *exec.Cmd {
		c := exec.Command("python3", py, to(i), "backup done")
		c.Env = env(base)
		return c
	})
	cold := measure(runs, func(i int) *exec.Cmd {
		c := exec.Command(bin, "send-text", "--to", to(i), "--text", "backup done")
		c.Env = env(base)
		return c
	})
	warmCmd := func(i int) *exec.Cmd {
		c := exec.Command(bin, "send-text", "--to", to(i), "--text", "backup done", "--token-cache", cache)
		c.Env = env(base)
		return c
	}
	measure(1, warmCmd) // warm the cache
	warm := measure(runs, warmCmd)
	fmt.Fprintf(r, "## 2. One send, as cron does it\n\n%d fresh processes each, token then send (or send alone with a warm token cache), to the fake on loopback. Wall time from fork to exit; peak RSS measured in a second pass under GNU time (a Go parent's vfork would count its own memory in the child's rusage).\n\n", runs)
	r.WriteString("| command | median | p90 | RSS median | RSS max | faster than Python |\n|---|---|---|---|---|---|\n")
	ref := row(r, "python3 push.py (requests: token + send)", pyS, 0)
	row(r, "feishu-push send-text (token + send)", cold, ref)
	row(r, "feishu-push send-text --token-cache (send)", warm, ref)
	r.WriteString("\nTarget: with a warm token cache at least 30× faster than the Python script, peak RSS under 15 MB.\n\n")
}

func webhook(r *strings.Builder, bin, dir string, runs int) {
	_, base := serve(feishutest.WithAnyWebhook(""))
	hook := base + "/open-apis/bot/v2/hook/bench"
	body := `{"msg_type":"text","content":{"text":"deploy ok"}}`
	curlS := measure(runs, func(int) *exec.Cmd {
		return exec.Command("curl", "-sS", "-f", "-X", "POST", "-H", "Content-Type: application/json", "-d", body, hook)
	})
	fp := measure(runs, func(int) *exec.Cmd {
		c := exec.Command(bin, "send-text", "--text", "deploy ok", "--webhook", hook)
		c.Env = env(base)
		return c
	})
	fmt.Fprintf(r, "## 3. One webhook post\n\n%d fresh processes each, the same body to the fake's webhook.\n\n", runs)
	r.WriteString("| command | median | p90 | RSS median | RSS max | vs curl |\n|---|---|---|---|---|---|\n")
	ref := row(r, "curl", curlS, 0)
	row(r, "feishu-push send-text --webhook", fp, ref)
	r.WriteString("\n")
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "model name") {
			_, v, _ := strings.Cut(l, ":")
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func memTotal() string {
	b, _ := os.ReadFile("/proc/meminfo")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "MemTotal:") {
			var kb int64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(l, "MemTotal:"), "kB")), &kb)
			return fmt.Sprintf("%.0f GiB", float64(kb)/1024/1024)
		}
	}
	return "?"
}

func readTrim(p string) string {
	b, _ := os.ReadFile(p)
	return strings.TrimSpace(string(b))
}

func version(name string, args ...string) string {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return "not found"
	}
	return strings.TrimSpace(string(out))
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "feishu-push-bench:", err)
		os.Exit(1)
	}
}
