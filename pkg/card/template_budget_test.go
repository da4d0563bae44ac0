package card_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/card"
)

func TestTemplateBudgets(t *testing.T) {
	list := make([]any, 100)
	for i := range list {
		list[i] = i
	}
	data := map[string]any{"l": list, "x": "abc"}
	for name, src := range map[string]string{
		"nested range output":   `{"elements":[{"tag":"markdown","content":"{{range .l}}{{range $.l}}{{range $.l}}{{.}}{{end}}{{end}}{{end}}"}]}`,
		"nested range silent":   `{"elements":[{"tag":"markdown","content":"{{range .l}}{{range $.l}}{{range $.l}}{{range $.l}}{{end}}{{end}}{{end}}{{end}}x"}]}`,
		"range over an integer": `{"elements":[{"tag":"markdown","content":"{{range 2000000000}}{{end}}x"}]}`,
		"huge printf width":     `{"elements":[{"tag":"markdown","content":"{{printf "%999999999d" 1}}"}]}`,
		"huge precision":        `{"elements":[{"tag":"markdown","content":"{{printf "%.99999999f" 1.0}}"}]}`,
		"star width":            `{"elements":[{"tag":"markdown","content":"{{printf "%*d" 999999999 1}}"}]}`,
		"doubling string":       `{"elements":[{"tag":"markdown","content":"{{$s := "ab"}}{{range .l}}{{$s = printf "%s%s" $s $s}}{{end}}{{len $s}}"}]}`,
		"doubling print":        `{"elements":[{"tag":"markdown","content":"{{$s := "ab"}}{{range .l}}{{$s = print $s $s}}{{end}}{{len $s}}"}]}`,
		"recursive template":    `{{define "a"}}{{template "a" .}}{{template "a" .}}{{end}}{"elements":[{"tag":"markdown","content":"x"}],"n":{{template "a" .}}1}`,
	} {
		_, err := card.Render("t.tmpl", []byte(src), data)
		var te *card.TemplateError
		if !errors.As(err, &te) {
			t.Errorf("%s: %v, want a TemplateError", name, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "t.tmpl") || strings.Contains(err.Error(), "_feishu_push") {
			t.Errorf("%s: error %q", name, err)
		}
		if !errors.Is(err, card.ErrBudget) && !strings.Contains(err.Error(), "printf:") && !strings.Contains(err.Error(), "exceeded maximum template depth") {
			t.Errorf("%s: %v, want a budget error", name, err)
		}
	}
	// Within budget: the same constructs with modest sizes render.
	out, err := card.Render("t.tmpl", []byte(`{"elements":[{"tag":"markdown","content":"{{range .l}}{{printf "%5d" .}}{{end}}"}]}`), data)
	if err != nil || len(out) < 500 {
		t.Errorf("modest template: %d bytes, %v", len(out), err)
	}
}

func TestTemplateTimeoutAndCancel(t *testing.T) {
	src := []byte(`{"elements":[{"tag":"markdown","content":"{{range 100000000}}{{end}}x"}]}`)
	tmpl, err := card.ParseTemplate("t.tmpl", src)
	if err != nil {
		t.Fatal(err)
	}
	// A timeout already passed at the first step: over budget.
	_, err = tmpl.ExecuteContext(context.Background(), nil, card.Budget{Timeout: time.Nanosecond, MaxSteps: 1 << 30})
	if !errors.Is(err, card.ErrBudget) || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("timeout: %v", err)
	}
	// A cancelled context (SIGINT) ends the rendering with its error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = tmpl.ExecuteContext(ctx, nil, card.Budget{MaxSteps: 1 << 30})
	if !errors.Is(err, context.Canceled) || errors.Is(err, card.ErrBudget) {
		t.Errorf("cancel: %v", err)
	}
	// Cancelled while running.
	ctx, cancel = context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := tmpl.ExecuteContext(ctx, nil, card.Budget{MaxSteps: 1 << 30}); done <- err }()
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Error("no error after cancel")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("rendering did not stop on cancel")
	}
}

// FuzzTemplateBudget renders arbitrary templates under a small budget: the
// output is never larger than the budget, and a rendering that succeeds is
// valid card JSON.
func FuzzTemplateBudget(f *testing.F) {
	for _, s := range []string{
		`{"elements":[{"tag":"markdown","content":"{{range .l}}{{range $.l}}{{.}}{{end}}{{end}}"}]}`,
		`{"elements":[{"tag":"markdown","content":"{{printf "%50d" 1}}"}]}`,
		`{"elements":[{"tag":"markdown","content":"{{.x}}"}]}`,
		`{{define "a"}}{{template "a" .}}{{end}}{"elements":[]}`,
	} {
		f.Add(s)
	}
	list := []any{1, "two", 3.5, map[string]any{"k": "v"}, []any{1, 2}}
	data := map[string]any{"l": list, "x": strings.Repeat("é\"\\", 50)}
	const budget = 4096
	f.Fuzz(func(t *testing.T, src string) {
		out, err := card.RenderContext(context.Background(), "f.tmpl", []byte(src), data, card.Budget{Timeout: time.Second, MaxOutput: budget, MaxSteps: 10000})
		if err != nil {
			var te *card.TemplateError
			if !errors.As(err, &te) {
				t.Fatalf("error %T %v is not a TemplateError", err, err)
			}
			return
		}
		if len(out) > budget {
			t.Fatalf("%d bytes of output over a budget of %d", len(out), budget)
		}
		if _, err := card.Parse(out); err != nil {
			t.Fatalf("rendered an invalid card: %v", err)
		}
	})
}

// BenchmarkExecuteBudget measures a 200-row table under the default budget.
func BenchmarkExecuteBudget(b *testing.B) {
	rows := make([]any, 200)
	for i := range rows {
		rows[i] = map[string]any{"name": "row", "value": i}
	}
	tmpl, err := card.ParseTemplate("b.tmpl", []byte(`{"elements":[{"tag":"markdown","content":"{{range .rows}}**{{.name}}**: {{printf "%6d" .value}}\n{{end}}"}]}`))
	if err != nil {
		b.Fatal(err)
	}
	data := map[string]any{"rows": rows}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tmpl.Execute(data); err != nil {
			b.Fatal(err)
		}
	}
}
