// Package metrics keeps feishu-push's Prometheus textfile: one set of
// gauges per job, for node_exporter's textfile collector. Runs that share
// a file take turns under a lock and merge their series into it, so
// overlapping jobs never lose each other's numbers.
package metrics

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/feishu-push/feishu-push/pkg/atomicfile"
)

// jobLabel names a series' job. It is not "job", which Prometheus sets to
// the scrape job and would rename the file's label to exported_job.
const jobLabel = "job_name"

// Names of the gauges, each labelled by job and command.
const (
	LastRun      = "feishu_push_last_run_timestamp_seconds"
	LastSuccess  = "feishu_push_last_success_timestamp_seconds"
	LastDuration = "feishu_push_last_run_duration_seconds"
	LastExitCode = "feishu_push_last_run_exit_code"
	LastMessages = "feishu_push_last_run_messages"
)

var help = map[string]string{
	LastRun:      "Unix time the job's last run ended.",
	LastSuccess:  "Unix time of the job's last run that delivered every message.",
	LastDuration: "Duration of the job's last run.",
	LastExitCode: "Exit code of the job's last run.",
	LastMessages: "Messages of the job's last run, by result.",
}

// Run is one run of a job.
type Run struct {
	// Job names the series; Command is the command that ran.
	Job, Command string
	Start, End   time.Time
	// OK says every message was delivered; ExitCode is the process's.
	OK       bool
	ExitCode int
	Sent     int
	Failed   int
	Spooled  int
}

// LockTimeout bounds the wait for another run's write.
const LockTimeout = 10 * time.Second

// Write merges r into the file at path: the job's series are replaced,
// its last-success time kept when r failed, and every other job's series
// kept. Writers take an exclusive lock on path+".lock" and replace the
// file atomically. A missing directory is created 0700. warn receives
// non-fatal trouble (an unreadable file, started afresh).
func Write(path string, r Run, warn func(string)) error {
	if err := ensureDir(path); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), LockTimeout)
	defer cancel()
	unlock, err := lock(ctx, path+".lock")
	if err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	defer unlock()

	prev, err := read(path)
	if err != nil {
		warn(fmt.Sprintf("metrics file %s unreadable (%v); starting afresh", path, err))
	}
	fams := map[string]*dto.MetricFamily{}
	for name, fam := range prev {
		if _, ours := help[name]; !ours {
			continue
		}
		for _, m := range fam.GetMetric() {
			if jobOf(m) == r.Job && !(name == LastSuccess && !r.OK) {
				continue // replaced below
			}
			if name == LastSuccess && jobOf(m) == r.Job {
				m = withJob(m, r.Job)
			}
			add(fams, name, m)
		}
	}
	now := float64(r.End.UnixMilli()) / 1000
	labels := []string{"command", r.Command, jobLabel, r.Job}
	set := func(name string, v float64, extra ...string) {
		add(fams, name, gauge(v, append(slices.Clone(labels), extra...)...))
	}
	set(LastRun, now)
	if r.OK {
		set(LastSuccess, now)
	}
	set(LastDuration, r.End.Sub(r.Start).Seconds())
	set(LastExitCode, float64(r.ExitCode))
	set(LastMessages, float64(r.Sent), "result", "sent")
	set(LastMessages, float64(r.Failed), "result", "failed")
	set(LastMessages, float64(r.Spooled), "result", "spooled")

	var buf bytes.Buffer
	names := make([]string, 0, len(fams))
	for n := range fams {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fam := fams[n]
		slices.SortFunc(fam.Metric, func(a, b *dto.Metric) int { return strings.Compare(labelKey(a), labelKey(b)) })
		if _, err := expfmt.MetricFamilyToText(&buf, fam); err != nil {
			return err
		}
	}
	return atomicfile.Write(path, buf.Bytes(), 0o644)
}

// jobOf returns a series' job: its job label, or, for files written before
// jobs had names, its command.
func jobOf(m *dto.Metric) string {
	cmd := ""
	for _, lp := range m.GetLabel() {
		switch lp.GetName() {
		case jobLabel:
			return lp.GetValue()
		case "command":
			cmd = lp.GetValue()
		}
	}
	return cmd
}

// withJob gives a series without a job label its job.
func withJob(m *dto.Metric, job string) *dto.Metric {
	for _, lp := range m.GetLabel() {
		if lp.GetName() == jobLabel {
			return m
		}
	}
	m.Label = append(m.Label, &dto.LabelPair{Name: ptr(jobLabel), Value: ptr(job)})
	slices.SortFunc(m.Label, func(a, b *dto.LabelPair) int { return strings.Compare(a.GetName(), b.GetName()) })
	return m
}

func add(fams map[string]*dto.MetricFamily, name string, m *dto.Metric) {
	fam := fams[name]
	if fam == nil {
		fam = &dto.MetricFamily{Name: ptr(name), Help: ptr(help[name]), Type: dto.MetricType_GAUGE.Enum()}
		fams[name] = fam
	}
	fam.Metric = append(fam.Metric, m)
}

func gauge(v float64, labels ...string) *dto.Metric {
	m := &dto.Metric{Gauge: &dto.Gauge{Value: ptr(v)}}
	for i := 0; i+1 < len(labels); i += 2 {
		m.Label = append(m.Label, &dto.LabelPair{Name: ptr(labels[i]), Value: ptr(labels[i+1])})
	}
	return m
}

func ptr[T any](v T) *T { return &v }

func labelKey(m *dto.Metric) string {
	var b strings.Builder
	for _, lp := range m.GetLabel() {
		b.WriteString(lp.GetName() + "=" + lp.GetValue() + ",")
	}
	return b.String()
}

func read(path string) (map[string]*dto.MetricFamily, error) {
	fh, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(fh)
}

func ensureDir(path string) error {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	return os.MkdirAll(dir, 0o700)
}

// lock takes an exclusive flock on path, waiting until ctx is done.
func lock(ctx context.Context, path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, err
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}
