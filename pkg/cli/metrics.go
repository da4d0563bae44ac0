package cli

import (
	"fmt"
	"time"

	"github.com/feishu-push/feishu-push/pkg/delivery"
	"github.com/feishu-push/feishu-push/pkg/metrics"
)

// metricsRun is the run of a command that the metrics file records.
type metricsRun struct {
	command  string
	start    time.Time
	settings *Settings
	// engine counts the run's messages; nil when it failed before sending.
	engine *delivery.Engine
}

// writeMetrics records the run in the metrics file under its job (--job,
// default the command), with the run's exit code. Trouble is a warning,
// never a failure.
func (f *Factory) writeMetrics(m *metricsRun, code int) {
	var st delivery.Stats
	if m.engine != nil {
		st = m.engine.Stats()
	}
	s := m.settings
	r := metrics.Run{Job: first(s.Job, m.command), Command: m.command, Start: m.start, End: f.Now(),
		OK: code == ExitOK, ExitCode: code, Sent: st.Sent, Failed: st.Failed, Spooled: st.Spooled}
	warn := func(w string) { fmt.Fprintln(f.IO.ErrOut, "feishu-push: warning: "+w) }
	for _, p := range []string{s.MetricsFile, s.MetricsFile + ".lock"} {
		if err := checkStatePath(p); err != nil {
			warn(fmt.Sprintf("metrics file %s not written: %v", p, unwrapPathError(err)))
			return
		}
	}
	if err := metrics.Write(s.MetricsFile, r, warn); err != nil {
		warn(fmt.Sprintf("metrics file %s not written: %v", s.MetricsFile, unwrapPathError(err)))
	}
}
