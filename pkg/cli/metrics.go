package cli

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Metric names in the textfile, for node_exporter's textfile collector.
const (
	metricLastRun     = "feishu_push_last_run_timestamp_seconds"
	metricLastSuccess = "feishu_push_last_success_timestamp_seconds"
	metricDuration    = "feishu_push_last_run_duration_seconds"
	metricExitCode    = "feishu_push_last_run_exit_code"
	metricMessages    = "feishu_push_last_run_messages"
)

// writeMetrics replaces the metrics file with this run's numbers for
// command, keeping the other commands' series and, when this run failed,
// the previous last-success time. Trouble is a warning, never a failure.
func (f *Factory) writeMetrics(s *Settings, command string, start time.Time, st runStats, runErr error) {
	end := f.Now()
	code := ExitCode(runErr)
	reg := prometheus.NewRegistry()
	gauge := func(name, help string, labels ...string) *prometheus.GaugeVec {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
		reg.MustRegister(g)
		return g
	}
	lastRun := gauge(metricLastRun, "Unix time the last run of the command ended.", "command")
	lastOK := gauge(metricLastSuccess, "Unix time of the command's last run that delivered every message.", "command")
	dur := gauge(metricDuration, "Duration of the command's last run.", "command")
	exit := gauge(metricExitCode, "Exit code of the command's last run.", "command")
	msgs := gauge(metricMessages, "Messages of the command's last run, by result.", "command", "result")
	byName := map[string]*prometheus.GaugeVec{metricLastRun: lastRun, metricLastSuccess: lastOK,
		metricDuration: dur, metricExitCode: exit, metricMessages: msgs}

	// Carry over what the file says about other commands, and the last
	// success of this one.
	if prev, err := readMetrics(s.MetricsFile); err != nil {
		fmt.Fprintf(f.IO.ErrOut, "feishu-push: warning: metrics file %s unreadable (%v); starting afresh\n", s.MetricsFile, err)
	} else {
		for name, fam := range prev {
			g, ok := byName[name]
			if !ok {
				continue
			}
			for _, m := range fam.GetMetric() {
				labels := prometheus.Labels{}
				for _, lp := range m.GetLabel() {
					labels[lp.GetName()] = lp.GetValue()
				}
				if labels["command"] == command && !(name == metricLastSuccess && code != ExitOK) {
					continue
				}
				if gv, err := g.GetMetricWith(labels); err == nil {
					gv.Set(m.GetGauge().GetValue())
				}
			}
		}
	}
	lastRun.WithLabelValues(command).Set(float64(end.UnixMilli()) / 1000)
	if code == ExitOK {
		lastOK.WithLabelValues(command).Set(float64(end.UnixMilli()) / 1000)
	}
	dur.WithLabelValues(command).Set(end.Sub(start).Seconds())
	exit.WithLabelValues(command).Set(float64(code))
	msgs.WithLabelValues(command, "sent").Set(float64(st.sent))
	msgs.WithLabelValues(command, "failed").Set(float64(st.failed))
	msgs.WithLabelValues(command, "spooled").Set(float64(st.spooled))
	if err := prometheus.WriteToTextfile(s.MetricsFile, reg); err != nil {
		fmt.Fprintf(f.IO.ErrOut, "feishu-push: warning: metrics file %s not written: %v\n", s.MetricsFile, unwrapPathError(err))
	}
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
