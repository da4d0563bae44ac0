package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/feishu-push/feishu-push/pkg/atomicfile"
	"github.com/feishu-push/feishu-push/pkg/delivery"
)

// Metrics in the textfile, for node_exporter's textfile collector. All are
// gauges labelled by command.
var metricHelp = map[string]string{
	"feishu_push_last_run_timestamp_seconds":     "Unix time the last run of the command ended.",
	"feishu_push_last_success_timestamp_seconds": "Unix time of the command's last run that delivered every message.",
	"feishu_push_last_run_duration_seconds":      "Duration of the command's last run.",
	"feishu_push_last_run_exit_code":             "Exit code of the command's last run.",
	"feishu_push_last_run_messages":              "Messages of the command's last run, by result.",
}

// writeMetrics replaces the metrics file with this run's numbers for
// command, keeping the other commands' series and, when this run failed,
// the previous last-success time. It writes the Prometheus text format with
// Prometheus' own encoder (expfmt), to a temporary file renamed into place.
// Trouble is a warning, never a failure.
func (f *Factory) writeMetrics(m *metricsRun, code int) {
	s, command, start := m.settings, m.command, m.start
	var st delivery.Stats
	if m.engine != nil {
		st = m.engine.Stats()
	}
	end := f.Now()
	fams := map[string]*dto.MetricFamily{}
	set := func(name string, v float64, labels ...string) {
		fam := fams[name]
		if fam == nil {
			fam = &dto.MetricFamily{Name: ptr(name), Help: ptr(metricHelp[name]), Type: dto.MetricType_GAUGE.Enum()}
			fams[name] = fam
		}
		m := &dto.Metric{Gauge: &dto.Gauge{Value: ptr(v)}}
		for i := 0; i+1 < len(labels); i += 2 {
			m.Label = append(m.Label, &dto.LabelPair{Name: ptr(labels[i]), Value: ptr(labels[i+1])})
		}
		fam.Metric = append(fam.Metric, m)
	}

	prev, err := readMetrics(s.MetricsFile)
	if err != nil {
		fmt.Fprintf(f.IO.ErrOut, "feishu-push: warning: metrics file %s unreadable (%v); starting afresh\n", s.MetricsFile, err)
	}
	for name, fam := range prev {
		if _, ours := metricHelp[name]; !ours {
			continue
		}
		for _, m := range fam.GetMetric() {
			var labels []string
			isThis := false
			for _, lp := range m.GetLabel() {
				labels = append(labels, lp.GetName(), lp.GetValue())
				isThis = isThis || (lp.GetName() == "command" && lp.GetValue() == command)
			}
			if isThis && !(name == "feishu_push_last_success_timestamp_seconds" && code != ExitOK) {
				continue // replaced below
			}
			set(name, m.GetGauge().GetValue(), labels...)
		}
	}
	now := float64(end.UnixMilli()) / 1000
	set("feishu_push_last_run_timestamp_seconds", now, "command", command)
	if code == ExitOK {
		set("feishu_push_last_success_timestamp_seconds", now, "command", command)
	}
	set("feishu_push_last_run_duration_seconds", end.Sub(start).Seconds(), "command", command)
	set("feishu_push_last_run_exit_code", float64(code), "command", command)
	for _, r := range []struct {
		result string
		n      int
	}{{"sent", st.Sent}, {"failed", st.Failed}, {"spooled", st.Spooled}} {
		set("feishu_push_last_run_messages", float64(r.n), "command", command, "result", r.result)
	}

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
			fmt.Fprintf(f.IO.ErrOut, "feishu-push: warning: metrics: %v\n", err)
			return
		}
	}
	if err := atomicfile.Write(s.MetricsFile, buf.Bytes(), 0o644); err != nil {
		fmt.Fprintf(f.IO.ErrOut, "feishu-push: warning: metrics file %s not written: %v\n", s.MetricsFile, unwrapPathError(err))
	}
}

// metricsRun is the run of a command that the metrics file records.
type metricsRun struct {
	command  string
	start    time.Time
	settings *Settings
	// engine counts the run's messages; nil when it failed before sending.
	engine *delivery.Engine
}

func ptr[T any](v T) *T { return &v }

func labelKey(m *dto.Metric) string {
	var b strings.Builder
	for _, lp := range m.GetLabel() {
		b.WriteString(lp.GetName() + "=" + lp.GetValue() + ",")
	}
	return b.String()
}

func readMetrics(path string) (map[string]*dto.MetricFamily, error) {
	fh, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, unwrapPathError(err)
	}
	defer fh.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(fh)
}
