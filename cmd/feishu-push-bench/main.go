// Command feishu-push-bench measures feishu-push against the local fake
// Feishu and writes BENCHMARKS.md:
//
//  1. fan-out with Feishu's documented limits enforced strictly (sliding
//     windows: 50 in any second, 1,000 in any minute) and 5% transient
//     faults: rate against the best any sender can do, each recipient
//     exactly once, and the requests the fake refused for a rate limit;
//  2. three processes sending for one app at once;
//  3. one send as cron does it, a fresh process each time, in interleaved
//     pairs (A B A B) against a stdlib-only Go sender doing the same two
//     requests and against a Python requests script run by the real
//     interpreter; `version` against a hello-world; peak RSS;
//  4. start-up: GODEBUG=inittrace=1;
//  5. one webhook post against curl.
//
// It sends only to the fakes it starts on loopback, and exits non-zero if
// any fan-out request was refused for a rate limit. Run it with make bench.
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
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

//go:embed push.py
var pushPy []byte

type bench struct {
	bin, baseline, dir string
	baselineLabel      string
	pairs              int
	faults             float64
	r                  strings.Builder
	refused            int // rate-limit refusals in fan-out runs
}

func main() {
	b := &bench{}
	flag.StringVar(&b.bin, "bin", "bin/feishu-push", "the feishu-push binary to measure")
	flag.StringVar(&b.baseline, "baseline", "", "an earlier feishu-push binary to compare start-up with (optional)")
	flag.StringVar(&b.baselineLabel, "baseline-label", "baseline", "what the baseline binary is, for the report")
	out := flag.String("out", "BENCHMARKS.md", "where to write the report")
	gobench := flag.String("gobench", "", "go test -bench output to include")
	flag.IntVar(&b.pairs, "pairs", 30, "interleaved pairs per start-up comparison (at least 30 for the report)")
	fanout := flag.String("recipients", "1000", "recipients of each one-process fan-out run, comma-separated (e.g. 1000,2000)")
	procs := flag.Int("procs", 3, "processes in the shared-budget run (0 skips it)")
	perProc := flag.Int("per-proc", 400, "recipients of each process in the shared-budget run")
	flag.Float64Var(&b.faults, "faults", 0.05, "share of fan-out requests that fail transiently")
	clean := flag.Bool("clean", true, "also run 1,000 recipients without faults, which fit one minute's window")
	only := flag.String("only", "", "run only these sections, comma-separated: fanout, shared, startup, init, webhook; the report then goes to stdout only, unless -out is given")
	flag.Parse()
	sections := map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		if s = strings.TrimSpace(s); s != "" {
			sections[s] = true
		}
	}
	want := func(section string) bool { return len(sections) == 0 || sections[section] }
	write := true
	if len(sections) > 0 {
		write = false
		flag.Visit(func(f *flag.Flag) { write = write || f.Name == "out" })
	}
	b.bin = abs(b.bin)
	if b.baseline != "" {
		b.baseline = abs(b.baseline)
	}
	dir, err := os.MkdirTemp("", "feishu-push-bench-")
	check(err)
	defer os.RemoveAll(dir)
	b.dir = dir

	r := &b.r
	fmt.Fprintf(r, "# Benchmarks\n\nMeasured by `make bench` (`go run ./cmd/feishu-push-bench`) on %s against the project's fake Feishu on loopback; nothing leaves the machine.\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(r, "| machine | |\n|---|---|\n| CPU | %s × %d |\n| load average at start | %s |\n| memory | %s |\n| kernel | %s |\n| Go | %s |\n| Python | %s (%s) |\n| curl | %s |\n\n",
		cpuModel(), runtime.NumCPU(), loadAvg(), memTotal(), readTrim("/proc/sys/kernel/osrelease"), runtime.Version(), version(python(), "--version"), python(), firstLine(version("curl", "--version")))
	r.WriteString("Reproduce: `make bench` (it builds `bin/feishu-push`, runs the Go benchmarks, then this driver); `make bench BENCH_RECIPIENTS=1000,2000` adds the two-minute run. Timings on a shared machine are noisy: read the paired ratios, which are measured side by side, rather than single numbers.\n\n")
	r.WriteString(ceilingNote)

	if *clean && want("fanout") {
		b.fanOut(1000, 0, 0)
	}
	for i, n := range strings.Split(*fanout, ",") {
		var count int
		fmt.Sscan(strings.TrimSpace(n), &count)
		if count > 0 && want("fanout") {
			b.fanOut(count, i+1, b.faults)
		}
	}
	if *procs > 0 && want("shared") {
		b.sharedBudget(*procs, *perProc)
	}
	if want("startup") {
		b.startup()
	}
	if want("init") {
		b.initTrace()
	}
	if want("webhook") {
		b.webhook()
	}
	if *gobench != "" {
		raw, err := os.ReadFile(*gobench)
		check(err)
		r.WriteString("## In-process benchmarks (`go test -bench`)\n\n```\n")
		for _, l := range strings.Split(string(raw), "\n") {
			if strings.HasPrefix(l, "Benchmark") || strings.HasPrefix(l, "pkg:") {
				r.WriteString(l + "\n")
			}
		}
		r.WriteString("```\n")
	}
	if write {
		check(os.WriteFile(*out, []byte(r.String()), 0o644))
	}
	fmt.Print(r.String())
	if b.refused > 0 {
		fmt.Fprintf(os.Stderr, "feishu-push-bench: the fake refused %d fan-out requests for a rate limit\n", b.refused)
		os.Exit(1)
	}
}

const ceilingNote = `## How the fan-out ceiling is counted

The fake enforces Feishu's tier-4 limits as sliding windows, as strictly as they read: at most 50 requests in any 1 s and 1,000 in any 60 s, counting every request that reaches them (refused ones included), im/v1 and batch_send together. A sender that counts every attempt, as feishu-push does, can at best send the first 50 at once, then one per 1/50 s, and the 1,001st attempt no sooner than a minute after the first. "Best possible" below is that schedule for the attempts the run made; retries after transient faults are attempts too, so a run of 1,000 recipients with faults needs a little over 1,000 attempts and its last few wait for the minute window. The steady-state rate is measured between the 50th and the 1,000th request the fake saw, where only the per-second window binds.

`

// serve starts a fake on a loopback port.
func serve(opts ...feishutest.Option) (*feishutest.Fake, string) {
	fake := feishutest.New(opts...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	go http.Serve(ln, fake)
	return fake, "http://" + ln.Addr().String()
}

func (b *bench) env(base string, extra ...string) []string {
	return append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + b.dir, "XDG_RUNTIME_DIR=" + filepath.Join(b.dir, "run"),
		"FEISHU_BASE_URL=" + base, "FEISHU_APP_ID=" + feishutest.DefaultAppID, "FEISHU_APP_SECRET=" + feishutest.DefaultAppSecret}, extra...)
}

// fanResult is what one send-text --json run reported.
type fanResult struct {
	Results []struct {
		To    string
		OK    bool
		Error *struct{ Code int }
	}
	Summary struct{ Sent, Failed int }
}

func (b *bench) sendList(base, name string, recipients []string) *exec.Cmd {
	list := filepath.Join(b.dir, name+".txt")
	check(os.WriteFile(list, []byte(strings.Join(recipients, "\n")+"\n"), 0o600))
	cmd := exec.Command(b.bin, "send-text", "--to-file", list, "--text", "门店日报已更新", "--json", "--uuid", "bench-"+name)
	cmd.Env = b.env(base)
	return cmd
}

// bestElapsed is the earliest the last of n attempts can leave under 50 in
// any second and 1,000 in any minute, all of a window leaving at once.
func bestElapsed(n int) time.Duration {
	t := make([]time.Duration, n)
	for k := range t {
		if k >= 50 {
			t[k] = max(t[k], t[k-50]+time.Second)
		}
		if k >= 1000 {
			t[k] = max(t[k], t[k-1000]+time.Minute)
		}
	}
	if n == 0 {
		return 0
	}
	return t[n-1]
}

// fanStats summarises what the fake saw of a fan-out.
type fanStats struct {
	attempts, exactlyOnce, dup, lost, faults int
	refused                                  map[int]int
	steady                                   float64
}

func fakeStats(fake *feishutest.Fake, recipients []string) fanStats {
	s := fanStats{refused: fake.RateLimited()}
	per := map[string]int{}
	for _, m := range fake.Messages() {
		per[m.ReceiveID]++
	}
	for _, to := range recipients {
		switch c := per[to]; {
		case c == 1:
			s.exactlyOnce++
		case c > 1:
			s.dup++
		default:
			s.lost++
		}
	}
	var times []time.Time
	for _, q := range fake.Requests() {
		if q.Endpoint != feishutest.EndpointMessages {
			continue
		}
		s.attempts++
		times = append(times, q.Time)
		if q.Status == 0 || q.Status >= 500 || q.Code == 230020 || q.Code == 99991400 {
			s.faults++
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	if k := min(len(times), 1000); k > 100 {
		s.steady = float64(k-50) / times[k-1].Sub(times[49]).Seconds()
	}
	return s
}

func (b *bench) fanOut(n, section int, faults float64) {
	opts := []feishutest.Option{feishutest.WithRateLimits(feishutest.DocumentedLimits)}
	what := "no faults"
	if faults > 0 {
		opts = append(opts, feishutest.WithRandomFaults(faults, 42))
		what = fmt.Sprintf("%.0f%% of requests failing transiently (503, 230020, 99991400 with a 1 s reset, which pauses every worker for that second, reset connections, answers lost after the message was stored)", faults*100)
	}
	fake, base := serve(opts...)
	var recipients []string
	for i := 0; i < n; i++ {
		recipients = append(recipients, fmt.Sprintf("ou_bench%05d", i))
	}
	cmd := b.sendList(base, fmt.Sprintf("fanout%d-%d", n, section), recipients)
	start := time.Now()
	outb, err := cmd.Output()
	elapsed := time.Since(start)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fan-out: %v\n", err)
	}
	var res fanResult
	check(json.Unmarshal(outb, &res))
	s := fakeStats(fake, recipients)
	b.refused += total(s.refused)
	rate := float64(res.Summary.Sent) / elapsed.Seconds()
	best := float64(n) / bestElapsed(s.attempts).Seconds()
	fmt.Fprintf(&b.r, "## 1.%d Fan-out to %d recipients, one process\n\n`send-text --to-file` (%d recipients, `--uuid`), against the fake enforcing 50/s and 1000/min per app (sliding windows) and 5/s per recipient, with %s.\n\n", section, n, n, what)
	b.r.WriteString("| measure | result | target |\n|---|---|---|\n")
	fmt.Fprintf(&b.r, "| elapsed (process start to exit) | %.1f s | |\n", elapsed.Seconds())
	fmt.Fprintf(&b.r, "| delivered | %d of %d | all |\n", res.Summary.Sent, n)
	fmt.Fprintf(&b.r, "| **requests refused by the fake for a rate limit** | **%d** %s | 0 |\n", total(s.refused), codes(s.refused))
	fmt.Fprintf(&b.r, "| stored exactly once | %d (duplicated %d, lost %d) | all, 0, 0 |\n", s.exactlyOnce, s.dup, s.lost)
	fmt.Fprintf(&b.r, "| attempts (first tries and retries) | %d, of which %d met a transient fault | |\n", s.attempts, s.faults)
	fmt.Fprintf(&b.r, "| steady-state rate (requests 50 to 1,000) | %.1f req/s = **%.1f%%** of 50/s | ≥ 98%% |\n", s.steady, 2*s.steady)
	if n <= 1000 {
		fmt.Fprintf(&b.r, "| rate, end to end | %.1f msg/s | ≥ 49 msg/s |\n", rate)
	} else {
		// Past one minute's window the minute ceiling (1,000/min) binds.
		fmt.Fprintf(&b.r, "| rate, end to end | %.1f msg/s = **%.1f%%** of the 1,000/min ceiling | ≥ 98%% of it |\n", rate, 100*rate/(1000.0/60))
	}
	fmt.Fprintf(&b.r, "| best possible for %d attempts | %.1f msg/s (rate = **%.1f%%** of it) | |\n\n", s.attempts, best, 100*rate/best)
}

func (b *bench) sharedBudget(procs, each int) {
	fake, base := serve(feishutest.WithRateLimits(feishutest.DocumentedLimits))
	var all []string
	var cmds []*exec.Cmd
	for p := 0; p < procs; p++ {
		var rs []string
		for i := 0; i < each; i++ {
			rs = append(rs, fmt.Sprintf("ou_p%d_%04d", p, i))
		}
		all = append(all, rs...)
		cmds = append(cmds, b.sendList(base, fmt.Sprintf("proc%d", p), rs))
	}
	outs := make([][]byte, procs)
	var wg sync.WaitGroup
	start := time.Now()
	for p, cmd := range cmds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := cmd.Output()
			if err != nil {
				fmt.Fprintf(os.Stderr, "process %d: %v\n", p, err)
			}
			outs[p] = out
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	sent := 0
	for _, out := range outs {
		var res fanResult
		if json.Unmarshal(out, &res) == nil {
			sent += res.Summary.Sent
		}
	}
	s := fakeStats(fake, all)
	b.refused += total(s.refused)
	rate := float64(sent) / elapsed.Seconds()
	best := float64(len(all)) / bestElapsed(s.attempts).Seconds()
	fmt.Fprintf(&b.r, "## 2. %d processes at once, one app\n\n%d `send-text --to-file` processes started together, %d recipients each, for the same app and base URL (they share its budget through a state file in `$XDG_RUNTIME_DIR`), against the strict fake, no faults.\n\n", procs, procs, each)
	b.r.WriteString("| measure | result | target |\n|---|---|---|\n")
	fmt.Fprintf(&b.r, "| elapsed | %.1f s | |\n", elapsed.Seconds())
	fmt.Fprintf(&b.r, "| delivered | %d of %d | all |\n", sent, len(all))
	fmt.Fprintf(&b.r, "| **requests refused by the fake for a rate limit** | **%d** %s | 0 |\n", total(s.refused), codes(s.refused))
	fmt.Fprintf(&b.r, "| stored exactly once | %d (duplicated %d, lost %d) | all, 0, 0 |\n", s.exactlyOnce, s.dup, s.lost)
	fmt.Fprintf(&b.r, "| combined steady-state rate (requests 50 to 1,000) | %.1f req/s = **%.1f%%** of 50/s | ≥ 95%% |\n", s.steady, 2*s.steady)
	fmt.Fprintf(&b.r, "| combined rate, end to end | %.1f msg/s; best possible for %d attempts %.1f msg/s (**%.1f%%** of it) | |\n\n", rate, s.attempts, best, 100*rate/best)
}

func total(m map[int]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func codes(m map[int]int) string {
	if len(m) == 0 {
		return ""
	}
	var parts []string
	for c, n := range m {
		parts = append(parts, fmt.Sprintf("%d× %d", n, c))
	}
	sort.Strings(parts)
	return "(" + strings.Join(parts, ", ") + ")"
}

// pairStats are the wall times of interleaved runs of two commands.
type pairStats struct{ a, b []time.Duration }

// paired runs a then b, pairs times, after two warm-up rounds.
func paired(pairs int, a, b func(i int) *exec.Cmd) pairStats {
	var ps pairStats
	for i := -2; i < pairs; i++ {
		ta, tb := run(a(i+2)), run(b(i+2))
		if i >= 0 {
			ps.a, ps.b = append(ps.a, ta), append(ps.b, tb)
		}
	}
	return ps
}

func run(cmd *exec.Cmd) time.Duration {
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "%v: %v\n%s", cmd.Args, err, out)
		os.Exit(1)
	}
	return time.Since(start)
}

func quantile(ds []time.Duration, q float64) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func ratios(ps pairStats) []float64 {
	var rs []float64
	for i := range ps.a {
		rs = append(rs, float64(ps.a[i])/float64(ps.b[i]))
	}
	sort.Float64s(rs)
	return rs
}

func (b *bench) pairRow(name, ref string, ps pairStats, target string) {
	rs := ratios(ps)
	fmt.Fprintf(&b.r, "| %s | %s | %.2f / %.2f ms | %.2f / %.2f ms | **%.2f×** | %.2f× | %s |\n", name, ref,
		ms(quantile(ps.a, 0.5)), ms(quantile(ps.a, 0.9)), ms(quantile(ps.b, 0.5)), ms(quantile(ps.b, 0.9)),
		rs[len(rs)/2], rs[min(len(rs)-1, len(rs)*9/10)], target)
}

// buildHelper builds one of the bench's helper commands, static like the
// release build.
func (b *bench) buildHelper(name string) string {
	out := filepath.Join(b.dir, name)
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./cmd/feishu-push-bench/"+name)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if o, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build %s: %v\n%s", name, err, o)
		os.Exit(1)
	}
	return out
}

func (b *bench) startup() {
	_, base := serve()
	std := b.buildHelper("stdsender")
	lib := b.buildHelper("libsender")
	hello := b.buildHelper("hello")
	libIdle := b.buildHelper("libidle")
	idle := b.buildHelper("idle")
	py := filepath.Join(b.dir, "push.py")
	check(os.WriteFile(py, pushPy, 0o755))
	cache := filepath.Join(b.dir, "tokens.json")
	to := func(i int) string { return fmt.Sprintf("oc_cron%03d", i%1000) }
	// Runs follow each other faster than 50 a second, which the shared
	// budget would pace: each run of a row gets a budget of its own (its
	// own runtime directory), made once before the rows, so that a row
	// measures start-up and not the limiter.
	fp := func(bin string, extra ...string) func(int) *exec.Cmd {
		return func(i int) *exec.Cmd {
			c := exec.Command(bin, append([]string{"send-text", "--to", to(i), "--text", "backup done"}, extra...)...)
			c.Env = b.env(base, "XDG_RUNTIME_DIR="+filepath.Join(b.dir, "run", strconv.Itoa(i)))
			return c
		}
	}
	for i := 0; i < b.pairs+2; i++ {
		run(fp(b.bin)(i))
	}
	stdCmd := func(i int) *exec.Cmd {
		c := exec.Command(std, to(i), "backup done")
		c.Env = b.env(base)
		return c
	}
	libCmd := func(i int) *exec.Cmd {
		c := exec.Command(lib, "--to", to(i), "--text", "backup done")
		c.Env = b.env(base)
		return c
	}
	pyCmd := func(i int) *exec.Cmd {
		c := exec.Command(python(), py, to(i), "backup done")
		c.Env = b.env(base)
		return c
	}
	ver := func(bin string) func(int) *exec.Cmd {
		return func(int) *exec.Cmd { return exec.Command(bin, "version") }
	}
	fmt.Fprintf(&b.r, "## 3. One send, as cron does it\n\nA fresh process each time, to the fake on loopback, wall time from fork to exit. Each row runs A and B alternately (A B A B …), %d pairs after two warm-up pairs, so both see the same machine; the ratio is taken per pair. The binaries are warm in the page cache. The stdlib-only sender (`cmd/feishu-push-bench/stdsender`) makes the same two requests with the standard library and nothing else; the cobra + resty + zerolog sender (`cmd/feishu-push-bench/libsender`) makes them on the libraries feishu-push is built on, and nothing else: the floor those libraries set. The last two rows are floors for `version`: binaries that run only package initialisation and print a line, one linking cobra, resty and zerolog (`libidle`), one linking every package of feishu-push (`idle`).\n\n", b.pairs)
	b.r.WriteString("| A | B | A median / p90 | B median / p90 | A/B median | A/B p90 | target |\n|---|---|---|---|---|---|---|\n")
	b.pairRow("feishu-push send-text (token + send)", "stdlib-only Go sender (token + send)", paired(b.pairs, fp(b.bin), stdCmd), "≤ 1.2×")
	b.pairRow("feishu-push send-text --token-cache, warm (send)", "stdlib-only Go sender (token + send)", paired(b.pairs, fp(b.bin, "--token-cache", cache), stdCmd), "")
	b.pairRow("cobra + resty + zerolog sender (token + send)", "stdlib-only Go sender (token + send)", paired(b.pairs, libCmd, stdCmd), "")
	b.pairRow("feishu-push send-text (token + send)", "cobra + resty + zerolog sender (token + send)", paired(b.pairs, fp(b.bin), libCmd), "")
	b.pairRow("feishu-push send-text (token + send)", "python3 push.py (requests: token + send)", paired(b.pairs, fp(b.bin), pyCmd), "")
	b.pairRow("feishu-push version", "hello-world (fmt.Println)", paired(b.pairs, ver(b.bin), ver(hello)), "≤ 1.5×")
	b.pairRow("cobra + resty + zerolog linked, nothing run", "hello-world (fmt.Println)", paired(b.pairs, ver(libIdle), ver(hello)), "")
	b.pairRow("every feishu-push package linked, nothing run", "hello-world (fmt.Println)", paired(b.pairs, ver(idle), ver(hello)), "")
	if b.baseline != "" {
		b.pairRow("feishu-push send-text (token + send)", b.baselineLabel+", same", paired(b.pairs, fp(b.bin), fp(b.baseline)), "")
		b.pairRow("feishu-push version", b.baselineLabel+", same", paired(b.pairs, ver(b.bin), ver(b.baseline)), "")
	}
	b.r.WriteString("\nPeak RSS and minor page faults (GNU time, 10 runs each; a Go parent's vfork would count its own memory in a child's rusage). Each first touch of a page of code, data or heap is a fault, so the count follows how much of the binary a run touches:\n\n| command | RSS median | RSS max | page faults, median | target |\n|---|---|---|---|---|\n")
	b.rssRow("feishu-push send-text (token + send)", fp(b.bin), "≤ 11 MiB")
	b.rssRow("stdlib-only Go sender", stdCmd, "")
	b.rssRow("cobra + resty + zerolog sender", libCmd, "")
	b.rssRow("feishu-push version", ver(b.bin), "")
	b.rssRow("hello-world", ver(hello), "")
	b.rssRow("python3 push.py", pyCmd, "")
	b.r.WriteString("\n")
}

// rssRow measures peak RSS under /usr/bin/time.
func (b *bench) rssRow(name string, mk func(int) *exec.Cmd, target string) {
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		return
	}
	var kb, faults []int64
	for i := 0; i < 10; i++ {
		cmd := mk(i)
		cmd.Args = append([]string{"/usr/bin/time", "-f", "maxrss=%M minflt=%R"}, cmd.Args...)
		cmd.Path = "/usr/bin/time"
		out, err := cmd.CombinedOutput()
		if err != nil {
			fmt.Fprintf(os.Stderr, "%v: %v\n%s", cmd.Args, err, out)
			os.Exit(1)
		}
		var v, f int64
		if at := strings.LastIndex(string(out), "maxrss="); at >= 0 {
			fmt.Sscanf(string(out[at:]), "maxrss=%d minflt=%d", &v, &f)
		}
		kb, faults = append(kb, v), append(faults, f)
	}
	sort.Slice(kb, func(i, j int) bool { return kb[i] < kb[j] })
	sort.Slice(faults, func(i, j int) bool { return faults[i] < faults[j] })
	fmt.Fprintf(&b.r, "| %s | %.1f MiB | %.1f MiB | %d | %s |\n", name, float64(kb[len(kb)/2])/1024, float64(kb[len(kb)-1])/1024, faults[len(faults)/2], target)
}

// initTrace sums GODEBUG=inittrace=1 of `version`: packages initialised,
// their clock and allocations, and the share of protobuf and prometheus.
func (b *bench) initTrace() {
	b.r.WriteString("## 4. Start-up: package initialisation\n\n`GODEBUG=inittrace=1 feishu-push version`, median of 15 runs; the last column is the offset of the last init from process start, which includes the trace's own writes to stderr (about 8 µs a package).\n\n| binary | size | packages | init clock | init allocs | of which protobuf + prometheus | last init at |\n|---|---|---|---|---|---|---|\n")
	bins := [][2]string{{"feishu-push", b.bin}}
	var tops []string
	if b.baseline != "" {
		bins = append(bins, [2]string{b.baselineLabel, b.baseline})
	}
	for _, nb := range bins {
		var pkgs int
		var clocks, lasts, proms []float64
		var bytes float64
		perPkg := map[string][]float64{}
		allocs := map[string]float64{}
		for i := 0; i < 15; i++ {
			cmd := exec.Command(nb[1], "version")
			cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
			var errb strings.Builder
			cmd.Stderr = &errb
			check(cmd.Run())
			var clock, prom, last float64
			pkgs, bytes = 0, 0
			for _, l := range strings.Split(errb.String(), "\n") {
				f := strings.Fields(l)
				// init PKG @T ms, C ms clock, B bytes, A allocs
				if len(f) < 8 || f[0] != "init" {
					continue
				}
				var at, c, by float64
				fmt.Sscan(strings.TrimPrefix(f[2], "@"), &at)
				fmt.Sscan(f[4], &c)
				fmt.Sscan(f[7], &by)
				pkgs++
				clock += c
				perPkg[f[1]] = append(perPkg[f[1]], c)
				var al float64
				fmt.Sscan(f[9], &al)
				allocs[f[1]] = al
				bytes += by
				last = max(last, at)
				if strings.Contains(f[1], "protobuf") || strings.Contains(f[1], "prometheus") {
					prom += c
				}
			}
			clocks, lasts, proms = append(clocks, clock), append(lasts, last), append(proms, prom)
		}
		fi, _ := os.Stat(nb[1])
		fmt.Fprintf(&b.r, "| %s | %.1f MiB | %d | %.2f ms | %.0f KiB | %.2f ms | %.1f ms |\n", nb[0], float64(fi.Size())/(1<<20), pkgs, med(clocks), bytes/1024, med(proms), med(lasts))
		tops = append(tops, topInits(nb[0], perPkg, allocs))
	}
	b.r.WriteString("\n")
	for _, t := range tops {
		b.r.WriteString(t)
	}
}

// topInits lists the packages whose initialisation took longest (median
// clock over the runs), with their allocations.
func topInits(name string, perPkg map[string][]float64, allocs map[string]float64) string {
	type pc struct {
		pkg   string
		clock float64
	}
	var all []pc
	for p, cs := range perPkg {
		all = append(all, pc{p, med(cs)})
	}
	sort.Slice(all, func(i, j int) bool {
		return all[i].clock > all[j].clock || all[i].clock == all[j].clock && all[i].pkg < all[j].pkg
	})
	var w strings.Builder
	fmt.Fprintf(&w, "Largest package initialisations of %s (median clock; allocations of the last run):\n\n| package | clock | allocs |\n|---|---|---|\n", name)
	for _, p := range all[:min(8, len(all))] {
		fmt.Fprintf(&w, "| %s | %.3f ms | %.0f |\n", p.pkg, p.clock, allocs[p.pkg])
	}
	w.WriteString("\n")
	return w.String()
}

func med(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func (b *bench) webhook() {
	_, base := serve(feishutest.WithAnyWebhook(""))
	hook := base + "/open-apis/bot/v2/hook/bench"
	body := `{"msg_type":"text","content":{"text":"deploy ok"}}`
	fmt.Fprintf(&b.r, "## 5. One webhook post\n\nThe same body to the fake's webhook, %d interleaved pairs.\n\n", b.pairs)
	b.r.WriteString("| A | B | A median / p90 | B median / p90 | A/B median | A/B p90 | target |\n|---|---|---|---|---|---|---|\n")
	// A hook per run: processes posting to one hook share its 5/s, and
	// this measures start-up, not that.
	b.pairRow("feishu-push send-text --webhook", "curl", paired(b.pairs, func(i int) *exec.Cmd {
		c := exec.Command(b.bin, "send-text", "--text", "deploy ok", "--webhook", fmt.Sprintf("%s%d", hook, i))
		c.Env = b.env(base)
		return c
	}, func(int) *exec.Cmd {
		return exec.Command("curl", "-sS", "-f", "-X", "POST", "-H", "Content-Type: application/json", "-d", body, hook)
	}), "")
	b.r.WriteString("\n")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

var pythonPath string

// python is the real interpreter behind python3, not a version manager's
// shim, which would add its own start-up to every run.
func python() string {
	if pythonPath == "" {
		out, err := exec.Command("python3", "-c", "import os, sys; print(os.path.realpath(sys.executable))").Output()
		pythonPath = strings.TrimSpace(string(out))
		if err != nil || pythonPath == "" {
			pythonPath = "python3"
		}
	}
	return pythonPath
}

func abs(p string) string {
	a, err := filepath.Abs(p)
	check(err)
	return a
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

func loadAvg() string {
	f := strings.Fields(readTrim("/proc/loadavg"))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
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
