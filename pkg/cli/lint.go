package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/feishu-push/feishu-push/pkg/card"
	"github.com/feishu-push/feishu-push/pkg/chart"
	"github.com/feishu-push/feishu-push/pkg/dashboard"
	"github.com/feishu-push/feishu-push/pkg/delivery"
)

// LintOptions are the options of the lint command.
type LintOptions struct {
	f        *Factory
	Files    []string
	Target   string
	DataFile string
	Vars     []string
}

// FileFindings are the findings of one file, as printed with --json.
type FileFindings struct {
	File     string         `json:"file"`
	Findings []card.Finding `json:"findings"`
}

func newLintCmd(f *Factory) *cobra.Command {
	opts := &LintOptions{f: f}
	cmd := &cobra.Command{
		Use:   "lint FILE...",
		Short: "Check cards against Feishu's rules, offline",
		Long: `Check cards against the rules Feishu applies when a message is sent, before
a cron job meets them at 18:00: JSON validity, 1.0 versus 2.0 structure, the
tags each allows (2.0 rejects note and action, and unknown fields), header
colours, button types and URLs, images (img_key, and alt in 1.0), element_id
format and uniqueness, at most 200 components, table limits (5 per card, 50
columns, page_size 1-10, row keys declared as columns) and the size limit
(30 KB by app, 20 KB by webhook: --target).

Each FILE is card JSON; a template (.tmpl), rendered with --data/--var or
the .json file of the same name, or, for a dashboard template, sample
dashboard data; or dashboard data (.csv, or JSON with kpis/table/chart),
checked as the built-in dashboard card. - reads card JSON from stdin.

Findings go to stdout, one a line, "FILE: PATH: message [rule]", or as JSON
with --json. Every send applies the same checks, except the size estimate
(it measures the real request instead).
A problem found, or a file unreadable, exits 2; warnings alone exit 0.`,
		Annotations: map[string]string{exitAnnotation: "0 1 2"},
		Example: `  feishu-push lint examples/cards/*.json
  feishu-push lint --target webhook my-card.json
  feishu-push lint examples/templates/alert.tmpl --json`,
		Args: cobra.MinimumNArgs(1),
		RunE: f.runE(func(cmd *cobra.Command, args []string) error {
			opts.Files = args
			return runLint(cmd.Context(), opts)
		}),
	}
	cmd.Flags().StringVar(&opts.Target, "target", "app", "how the card will be sent, for its size limit: `app|webhook`")
	cmd.Flags().StringVar(&opts.DataFile, "data", "", "`FILE` of JSON data for templates")
	stringArrayVar(cmd.Flags(), &opts.Vars, "var", "template variable `KEY=VALUE`; repeatable")
	return cmd
}

func runLint(_ context.Context, opts *LintOptions) error {
	f := opts.f
	target := card.App
	switch opts.Target {
	case "app":
	case "webhook":
		target = card.Webhook
	default:
		return usageErrorf("--target %q: want app or webhook", opts.Target)
	}
	var all []FileFindings
	problems := 0
	for _, file := range opts.Files {
		cardJSON, err := opts.cardOf(file)
		var fs []card.Finding
		if err != nil {
			fs = []card.Finding{{Rule: "input", Msg: err.Error()}}
		} else {
			fs = card.Lint(cardJSON, target)
		}
		if fs == nil {
			fs = []card.Finding{}
		}
		for _, x := range fs {
			if !x.Warning {
				problems++
			}
		}
		all = append(all, FileFindings{File: file, Findings: fs})
	}
	if f.flags.bool("json") {
		if err := writeJSON(f.IO.Out, map[string]any{"files": all}); err != nil {
			return err
		}
	} else {
		for _, ff := range all {
			for _, x := range ff.Findings {
				fmt.Fprintf(f.IO.Out, "%s: %s\n", ff.File, x)
			}
		}
	}
	if problems > 0 {
		return &delivery.ReportedError{Err: usageErrorf("lint found %s", plural(problems, "problem")),
			Summary: fmt.Sprintf("lint: %s in %s", plural(problems, "problem"), plural(len(opts.Files), "file"))}
	}
	return nil
}

// cardOf returns the card JSON a file stands for.
func (o *LintOptions) cardOf(file string) ([]byte, error) {
	b, err := o.f.readInput("file", file)
	if err != nil {
		return nil, err
	}
	name := displayName(file)
	switch {
	case strings.HasSuffix(file, ".tmpl"):
		return o.renderTemplate(file, b)
	case strings.HasSuffix(file, ".csv") || (strings.HasSuffix(file, ".json") && isDashboardData(b) && !card.LooksLikeCard(b)):
		data, err := dashboard.Parse(name, dashboard.Format(file, b), b)
		if err != nil {
			return nil, err
		}
		v := sampleView(data)
		return renderDashboard(o.f.context(), "dashboard.v2.tmpl", dashboard.TemplateV2, v)
	}
	return b, nil
}

// renderTemplate renders a card template with --data/--var, else the .json
// file beside it, else (a dashboard template) sample dashboard data.
func (o *LintOptions) renderTemplate(file string, src []byte) ([]byte, error) {
	name := filepath.Base(file)
	dataFile := o.DataFile
	if dataFile == "" {
		if sib := strings.TrimSuffix(file, ".tmpl") + ".json"; fileExists(sib) {
			dataFile = sib
		}
	}
	if dataFile == "" && len(o.Vars) == 0 {
		sample := sampleView(sampleData())
		if out, err := card.RenderContext(o.f.context(), name, src, sample, card.DefaultBudget); err == nil {
			return out, nil
		}
		return nil, fmt.Errorf("%s: no data to render it with: give --data or put %s.json beside it", name, strings.TrimSuffix(name, ".tmpl"))
	}
	sc := &SendCardOptions{f: o.f, DataFile: dataFile, Vars: o.Vars}
	data, err := sc.templateData()
	if err != nil {
		return nil, err
	}
	return card.RenderContext(o.f.context(), name, src, data, card.DefaultBudget)
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

func isDashboardData(b []byte) bool {
	for _, k := range []string{`"kpis"`, `"table"`, `"chart"`} {
		if bytes.Contains(b, []byte(k)) && !bytes.Contains(b, []byte(`"elements"`)) && !bytes.Contains(b, []byte(`"schema"`)) {
			return true
		}
	}
	return false
}

// sampleData is representative dashboard data: KPIs, a table and a chart.
func sampleData() *dashboard.Data {
	prev := 100.0
	return &dashboard.Data{
		KPIs: []dashboard.KPI{{Label: "销售额", Value: 128430.5, Unit: "¥", Previous: &prev}, {Label: "订单数", Value: 1842}},
		Table: &dashboard.Table{Columns: []string{"门店", "销售额"},
			Rows: [][]any{{"朝阳店", json.Number("32000")}, {"海淀店", json.Number("28650.5")}}},
		Chart: &chart.Chart{Type: "line", X: []string{"a", "b"}, Series: []chart.Series{{Name: "销售额", Values: []float64{1, 2}}}},
	}
}

// sampleView is the view a dashboard template is linted with.
func sampleView(d *dashboard.Data) *dashboard.View {
	v := dashboard.NewView(d, dashboard.Options{Title: "lint", URL: "https://example.com", ButtonText: defaultButtonText,
		MaxRows: 10, Decimals: -1, Content: "**summary**"})
	v.Note = "数据时间 2026-01-01 00:00 (UTC)"
	// The native chart for 2.0 templates, and an image key as well for
	// templates (1.0, or custom) that place the chart as an image.
	if v.Chart != nil {
		v.Chart.ImageKey = dashboard.PlaceholderImageKey
	}
	return v
}

// plural writes n and noun, with an s unless n is 1: "1 problem", "3 files".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
