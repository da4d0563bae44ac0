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
	"time"

	"github.com/gofrs/flock"

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
	fams := map[string]*Family{}
	for _, fam := range prev {
		if _, ours := help[fam.Name]; !ours {
			continue
		}
		for _, m := range fam.Series {
			if jobOf(m) == r.Job && !(fam.Name == LastSuccess && !r.OK) {
				continue // replaced below
			}
			if fam.Name == LastSuccess && jobOf(m) == r.Job {
				m = withJob(m, r.Job)
			}
			add(fams, fam.Name, m)
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
	if err := Format(&buf, sorted(fams)); err != nil {
		return err
	}
	return atomicfile.Write(path, buf.Bytes(), 0o644)
}

// sorted returns the families by name, each one's series by labels, so
// that the file's text depends only on its content.
func sorted(fams map[string]*Family) []Family {
	out := make([]Family, 0, len(fams))
	for _, f := range fams {
		slices.SortStableFunc(f.Series, func(a, b Series) int { return compareLabels(a.Labels, b.Labels) })
		out = append(out, *f)
	}
	slices.SortFunc(out, func(a, b Family) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func compareLabels(a, b []Label) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := strings.Compare(a[i].Name, b[i].Name); c != 0 {
			return c
		}
		if c := strings.Compare(a[i].Value, b[i].Value); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}

// jobOf returns a series' job: its job label, or, for files written before
// jobs had names, its command.
func jobOf(m Series) string {
	cmd := ""
	for _, l := range m.Labels {
		switch l.Name {
		case jobLabel:
			return l.Value
		case "command":
			cmd = l.Value
		}
	}
	return cmd
}

// withJob gives a series without a job label its job.
func withJob(m Series, job string) Series {
	for _, l := range m.Labels {
		if l.Name == jobLabel {
			return m
		}
	}
	m.Labels = append(slices.Clone(m.Labels), Label{jobLabel, job})
	slices.SortFunc(m.Labels, func(a, b Label) int { return strings.Compare(a.Name, b.Name) })
	return m
}

func add(fams map[string]*Family, name string, m Series) {
	fam := fams[name]
	if fam == nil {
		fam = &Family{Name: name, Help: help[name], Type: "gauge"}
		fams[name] = fam
	}
	fam.Series = append(fam.Series, m)
}

func gauge(v float64, labels ...string) Series {
	m := Series{Value: v}
	for i := 0; i+1 < len(labels); i += 2 {
		m.Labels = append(m.Labels, Label{labels[i], labels[i+1]})
	}
	return m
}

func read(path string) ([]Family, error) {
	fh, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return Parse(fh)
}

func ensureDir(path string) error {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	return os.MkdirAll(dir, 0o700)
}

// lock takes an exclusive lock on path (flock on Unix, LockFileEx on
// Windows), waiting until ctx is done.
func lock(ctx context.Context, path string) (func(), error) {
	l := flock.New(path, flock.SetPermissions(0o644))
	ok, err := l.TryLockContext(ctx, 10*time.Millisecond)
	if err != nil {
		l.Close()
		return nil, err
	}
	if !ok {
		l.Close()
		return nil, ctx.Err()
	}
	return func() { _ = l.Unlock(); l.Close() }, nil
}
