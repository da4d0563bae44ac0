package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/feishu-push/feishu-push/pkg/card"
	"github.com/feishu-push/feishu-push/pkg/dashboard"
	"github.com/feishu-push/feishu-push/pkg/delivery"
	"github.com/feishu-push/feishu-push/pkg/feishu"
)

// PushDashboardOptions are the options of push-dashboard.
type PushDashboardOptions struct {
	f *Factory
	SendOptions
	Title       string
	URL         string
	Content     string
	ContentFile string
	ButtonText  string
	Color       string

	DataFile    string
	DataFormat  string
	KPIs        []string
	Chart       string
	ChartX      string
	ChartY      string
	MaxRows     int
	Decimals    int
	AsOf        string
	TZ          string
	CardVersion int
	ChartImage  bool
	ChartOut    string
	Template    string
}

// defaultButtonText is the dashboard button's label: "view details".
const defaultButtonText = "查看详情"

func newPushDashboardCmd(f *Factory, preview *previewOptions) *cobra.Command {
	opts := &PushDashboardOptions{f: f}
	opts.preview = preview
	cmd := &cobra.Command{
		Use:   "push-dashboard",
		Short: "Push a scheduled dashboard: KPIs, a table and a chart, with a button to the full board",
		Long: `Push the scheduled-dashboard card, built from a query's output:

  --data F.csv      a header row and rows (psql --csv, mysql -B | tr '\t' ,);
                    --kpi "Label=COLUMN:sum|avg|max|min|last" derives headline
                    numbers, --chart line|bar|area|pie --chart-x COL
                    --chart-y COL[,COL] a chart
  --data F.json     {"kpis":[{"label","value","unit","previous"|"delta",
                    "higher_is_better"}], "table":{"columns","rows"},
                    "chart":{"type","title","x","series":[{"name","values",
                    "axis"}],"unit"}}

The card (JSON 2.0 unless --card-version 1) has the title, coloured green or red
by the first KPI's change (--color overrides), the KPIs with their change, the
table (--max-rows, trimmed further to fit Feishu's size limits, with a note),
the chart, the data time (--as-of, --tz) and a button to --url.
Without --data it is the title, the --content summary and the button.

On a 2.0 card the chart is Feishu's own chart element (a VChart chart_spec):
interactive, following the client's theme, and needing no upload, so a
webhook sends it too. A 1.0 card, or --chart-image, gets a PNG instead,
drawn in process and uploaded through the app (POST /open-apis/im/v1/images).
A webhook cannot upload: with app credentials configured as well they are
used for the upload; otherwise the image chart is left out with a warning.
--chart-out FILE.png saves the PNG in either case. --template renders your
own card from the same data; the
built-in ones are examples/dashboard/dashboard.v2.tmpl and .v1.tmpl.
`,
		Example: `  feishu-push push-dashboard --to oc_xxx --title "每日销售看板" --url https://bi.example.com/sales \
      --data examples/dashboard/sales.json
  psql --csv -f stores.sql | feishu-push push-dashboard --to oc_xxx --title "门店销售" \
      --url https://bi.example.com/stores --data - --kpi "销售额=销售额:sum" \
      --kpi "订单数=订单数:sum" --chart bar --chart-x 门店 --chart-y 销售额`,
		Args: cobra.NoArgs,
		RunE: f.runE(func(cmd *cobra.Command, _ []string) error {
			return runPushDashboard(cmd.Context(), opts)
		}),
	}
	opts.addFlags(cmd)
	opts.addUpdateKeyFlag(cmd)
	fl := cmd.Flags()
	fl.StringVar(&opts.Title, "title", "", "card `TITLE` (required)")
	fl.StringVar(&opts.URL, "url", "", "dashboard `URL` the button opens (required)")
	fl.StringVar(&opts.Content, "content", "", "summary `TEXT`, in Feishu markdown")
	fl.StringVar(&opts.ContentFile, "content-file", "", "read the summary from this `FILE`, - for stdin")
	fl.StringVar(&opts.ButtonText, "button-text", defaultButtonText, "`LABEL` of the dashboard button")
	fl.StringVar(&opts.Color, "color", "", "header `COLOR` (default: green or red by the first KPI, else blue): "+strings.Join(card.Colors, ", "))
	fl.StringVar(&opts.DataFile, "data", "", "`FILE` of CSV or JSON data, - for stdin")
	fl.StringVar(&opts.DataFormat, "data-format", "", "`csv|json` (default: from the file name, then the content)")
	stringArrayVar(fl, &opts.KPIs, "kpi", "KPI from a column: `LABEL=COLUMN:FUNC`, FUNC sum|avg|max|min|last; repeatable")
	fl.StringVar(&opts.Chart, "chart", "", "chart from columns: `TYPE`, line, bar, area or pie")
	fl.StringVar(&opts.ChartX, "chart-x", "", "`COLUMN` of the chart's categories")
	fl.StringVar(&opts.ChartY, "chart-y", "", "`COLUMNS` of the chart's values, comma-separated")
	fl.IntVar(&opts.MaxRows, "max-rows", 10, "most table rows shown, `N`")
	fl.IntVar(&opts.Decimals, "decimals", -1, "`N` decimals of numbers (default: none for whole numbers, else 2)")
	fl.StringVar(&opts.AsOf, "as-of", "", "data `TIME`, \"2006-01-02 15:04\" or RFC 3339 (default: now)")
	fl.StringVar(&opts.TZ, "tz", "", "`ZONE` of the data time, e.g. Asia/Shanghai (default: local)")
	fl.IntVar(&opts.CardVersion, "card-version", 2, "card JSON `VERSION`: 2, or 1 for clients older than 7.20")
	fl.BoolVar(&opts.ChartImage, "chart-image", false, "send the chart as an uploaded PNG instead of Feishu's chart element (always so on a 1.0 card)")
	fl.StringVar(&opts.ChartOut, "chart-out", "", "also save the chart as a PNG to this `FILE`")
	fl.StringVar(&opts.Template, "template", "", "render the card with this template `FILE` instead of the built-in one")
	return cmd
}

func runPushDashboard(ctx context.Context, opts *PushDashboardOptions) error {
	f := opts.f
	view, png, err := opts.view()
	if err != nil {
		return err
	}
	tmplName, tmpl := "dashboard.v2.tmpl", dashboard.TemplateV2
	if opts.CardVersion == 1 {
		tmplName, tmpl = "dashboard.v1.tmpl", dashboard.TemplateV1
	}
	if opts.Template != "" {
		if tmpl, err = f.readInput("--template", opts.Template); err != nil {
			return err
		}
		tmplName = filepath.Base(opts.Template)
	}
	run, err := f.startSend("push-dashboard", &opts.SendOptions)
	if err != nil {
		return err
	}
	defer run.close()
	if png != nil && run.aud.Mode == delivery.ModeWebhook && !run.s.HasApp() && opts.preview == nil {
		fmt.Fprintln(f.IO.ErrOut, "feishu-push: warning: chart left out: a webhook cannot upload images; set FEISHU_APP_ID and FEISHU_APP_SECRET as well to include it")
		view.Chart, png = nil, nil
	}
	d := &dashboardCard{name: tmplName, tmpl: tmpl, view: view}
	// Fit the card within Feishu's limits, with the placeholder key, before
	// anything is uploaded or sent.
	plan, err := d.fit(run)
	if err != nil {
		return err
	}
	if png != nil {
		key, err := run.sender.AttachImage(ctx, "chart.png", png)
		switch {
		case feishu.Classify(err) == feishu.KindUsage:
			return err
		case err != nil:
			fmt.Fprintf(f.IO.ErrOut, "feishu-push: warning: chart left out: upload failed: %v\n", err)
			view.Chart = nil
		default:
			view.Chart.ImageKey = key
		}
		// The placeholder sized the card; the real key (or no chart) is
		// what is sent.
		if plan, err = d.plan(run); err != nil {
			return err
		}
	}
	return run.deliver(ctx, plan)
}

// renderDashboard is dashboard.Render under card.DefaultBudget, ending
// when ctx is cancelled.
func renderDashboard(ctx context.Context, name string, tmpl []byte, v *dashboard.View) ([]byte, error) {
	out, err := card.RenderContext(ctx, name, tmpl, v, card.DefaultBudget)
	if err != nil {
		return nil, err
	}
	if err := card.Validate(out); err != nil {
		return nil, fmt.Errorf("%s: rendered card: %v", name, err)
	}
	return card.Compact(out), nil
}

// templateError is a failed rendering: a signal that cut it short stays an
// interrupt (exit 130); anything else, a template over its budget
// (card.ErrBudget) included, is bad input (exit 2).
func (f *Factory) templateError(err error) error {
	if ctx := f.context(); ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return usageErrorf("--template %v", err)
}

// dashboardCard is a dashboard view and the template that draws it.
type dashboardCard struct {
	name string
	tmpl []byte
	view *dashboard.View
}

// plan renders the card and prepares it for the run's audience.
func (d *dashboardCard) plan(run *sendRun) (*delivery.Plan, error) {
	out, err := renderDashboard(run.f.context(), d.name, d.tmpl, d.view)
	if err != nil {
		return nil, run.f.templateError(err)
	}
	return run.plan(feishu.CardMessage(out))
}

// fit plans the card, trimming table rows until every request fits
// Feishu's size limits. Other problems are returned as they are.
func (d *dashboardCard) fit(run *sendRun) (*delivery.Plan, error) {
	for {
		p, err := d.plan(run)
		var le *feishu.LimitError
		if err == nil || !errors.As(err, &le) || d.view.Table == nil {
			return p, err
		}
		d.view.TrimRows(d.view.Table.Shown - max(1, d.view.Table.Shown/4))
	}
}

// view checks the flags, reads the data and draws the chart.
func (o *PushDashboardOptions) view() (*dashboard.View, []byte, error) {
	f := o.f
	switch {
	case strings.TrimSpace(o.Title) == "":
		return nil, nil, usageErrorf("--title is required")
	case o.URL == "":
		return nil, nil, usageErrorf("--url is required: the dashboard the button opens")
	case strings.TrimSpace(o.ButtonText) == "":
		return nil, nil, usageErrorf("--button-text is empty")
	case o.Color != "" && !card.ValidColor(strings.ToLower(o.Color)):
		return nil, nil, usageErrorf("--color %q: want one of %s", o.Color, strings.Join(card.Colors, ", "))
	case o.CardVersion != 1 && o.CardVersion != 2:
		return nil, nil, usageErrorf("--card-version %d: want 1 or 2", o.CardVersion)
	case o.Content != "" && o.ContentFile != "":
		return nil, nil, usageErrorf("give --content or --content-file, not both")
	case o.DataFormat != "" && o.DataFormat != "csv" && o.DataFormat != "json":
		return nil, nil, usageErrorf("--data-format %q: want csv or json", o.DataFormat)
	case o.DataFile == "" && (len(o.KPIs) > 0 || o.Chart != "" || o.DataFormat != ""):
		return nil, nil, usageErrorf("--kpi, --chart and --data-format go with --data")
	case o.MaxRows < 0:
		return nil, nil, usageErrorf("--max-rows cannot be negative")
	}
	if err := card.CheckURL(o.URL); err != nil {
		return nil, nil, usageErrorf("--url: %v", err)
	}
	if err := oneStdin(map[string]string{"--data": o.DataFile, "--content-file": o.ContentFile, "--template": o.Template, "--to-file": o.ToFile}); err != nil {
		return nil, nil, err
	}
	asOf, err := o.asOf()
	if err != nil {
		return nil, nil, err
	}
	content := o.Content
	if o.ContentFile != "" {
		b, err := f.readInput("--content-file", o.ContentFile)
		if err != nil {
			return nil, nil, err
		}
		content = string(b)
	}
	data := &dashboard.Data{}
	if o.DataFile != "" {
		if data, err = o.readData(); err != nil {
			return nil, nil, err
		}
	}
	mode := dashboard.ChartAuto
	if o.ChartImage {
		mode = dashboard.ChartImage
	}
	do := dashboard.Options{
		Title: o.Title, URL: o.URL, ButtonText: strings.TrimSpace(o.ButtonText), Content: content, Color: strings.ToLower(o.Color),
		MaxRows: o.MaxRows, Decimals: o.Decimals, AsOf: asOf,
		ChartMode: mode, CardVersion: o.CardVersion, ChartOut: o.ChartOut,
	}
	if _, err := dashboard.ResolveChartMode(mode, o.CardVersion); err != nil {
		return nil, nil, usageErrorf("--card-version %d: %v", o.CardVersion, err)
	}
	png, err := dashboard.DrawChart(data, do)
	if err != nil {
		if strings.HasPrefix(err.Error(), "--chart-out") {
			return nil, nil, &UsageError{Err: err}
		}
		return nil, nil, usageErrorf("--data %s: %v", displayName(o.DataFile), err)
	}
	v := dashboard.NewView(data, do)
	return v, png, nil
}

// readData parses --data and applies --kpi and --chart.
func (o *PushDashboardOptions) readData() (*dashboard.Data, error) {
	b, err := o.f.readInput("--data", o.DataFile)
	if err != nil {
		return nil, err
	}
	name := displayName(o.DataFile)
	format := o.DataFormat
	if format == "" {
		format = dashboard.Format(o.DataFile, b)
	}
	data, err := dashboard.Parse(name, format, b)
	if err != nil {
		return nil, usageErrorf("--data %v", err)
	}
	for _, spec := range o.KPIs {
		k, err := dashboard.DeriveKPI(data.Table, spec, name)
		if err != nil {
			return nil, &UsageError{Err: err}
		}
		data.KPIs = append(data.KPIs, k)
	}
	if o.Chart != "" || o.ChartX != "" || o.ChartY != "" {
		var ys []string
		if o.ChartY != "" {
			ys = strings.Split(o.ChartY, ",")
		}
		c, err := dashboard.DeriveChart(data.Table, o.Chart, o.ChartX, ys, name)
		if err != nil {
			return nil, &UsageError{Err: err}
		}
		data.Chart = c
	}
	return data, nil
}

// asOf returns the data time in the --tz zone.
func (o *PushDashboardOptions) asOf() (time.Time, error) {
	loc := time.Local
	if o.TZ != "" {
		l, err := time.LoadLocation(o.TZ)
		if err != nil {
			return time.Time{}, usageErrorf("--tz %q: unknown time zone", o.TZ)
		}
		loc = l
	}
	if o.AsOf == "" {
		return o.f.Now().In(loc), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, o.AsOf, loc); err == nil {
			return t.In(loc), nil
		}
	}
	return time.Time{}, usageErrorf(`--as-of %q: want "2006-01-02 15:04" or RFC 3339`, o.AsOf)
}
