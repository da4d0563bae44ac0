package card

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
	"time"
	"unicode/utf8"
)

// TemplateError is a template that failed to parse or execute, located by
// the template's name and line.
type TemplateError struct {
	Name string
	Line int
	Msg  string
	// Err is the cause when there is one to test for: ErrBudget, or the
	// context's error when the rendering was cancelled.
	Err error
}

// Unwrap returns Err.
func (e *TemplateError) Unwrap() error { return e.Err }

func (e *TemplateError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Name, e.Line, e.Msg)
	}
	return e.Name + ": " + e.Msg
}

// Template is a parsed card template: card JSON in which text/template
// actions stand inside JSON strings, e.g. "content": "{{.body}}".
//
// What an action inserts is escaped for its place automatically, as
// html/template does for HTML: inside a JSON string it is escaped as string
// content (quotes, backslashes, newlines, control characters), outside a
// string it is encoded as a JSON value. Authors never call an escaping
// function. A missing key is an error naming the key and the line.
type Template struct {
	name string
	t    *template.Template
}

// escaper names are not valid in templates' own text, so authors cannot
// shadow them.
const (
	escStr = "_feishu_push_json_string"
	escVal = "_feishu_push_json_value"
	tick   = "_feishu_push_tick"
)

// Budget bounds one rendering of a template, so that a runaway template
// (nested {{range}}, a huge printf width, a string doubled in a loop) ends
// in a clear error instead of exhausting time or memory.
type Budget struct {
	// Timeout bounds the time a rendering takes; 0 means no limit.
	Timeout time.Duration
	// MaxOutput bounds the rendered bytes, and any one string a function
	// builds; 0 means DefaultBudget's.
	MaxOutput int
	// MaxSteps bounds loop iterations and template calls; 0 means
	// DefaultBudget's.
	MaxSteps int
}

// DefaultBudget is the budget of Execute and Render: far above what a card
// needs (Feishu takes at most 30 KB), far below what hurts.
var DefaultBudget = Budget{Timeout: 5 * time.Second, MaxOutput: 1 << 20, MaxSteps: 200_000}

// ErrBudget is wrapped by the *TemplateError of a rendering that went over
// its Budget.
var ErrBudget = errors.New("template over budget")

// maxWidth bounds a printf width or precision.
const maxWidth = 1024

// Funcs available in card templates besides text/template's built-ins.
var Funcs = template.FuncMap{
	"default": func(def, v any) any {
		if v == nil || v == "" {
			return def
		}
		return v
	},
	"join": func(sep string, list []any) string {
		parts := make([]string, len(list))
		for i, v := range list {
			parts[i] = fmt.Sprint(v)
		}
		return strings.Join(parts, sep)
	},
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
	"trim":  strings.TrimSpace,
}

// ParseTemplate parses src as a card template called name (usually the file
// name, which errors then repeat).
func ParseTemplate(name string, src []byte) (*Template, error) {
	if !utf8.Valid(src) {
		return nil, &TemplateError{Name: name, Msg: "not UTF-8 text"}
	}
	t := template.New(name).Option("missingkey=error").Funcs(Funcs).Funcs(template.FuncMap{
		escStr: jsonStringContent,
		escVal: jsonValue,
		tick:   func() string { return "" },
	}).Funcs(boundedFuncs(nil))
	if _, err := t.Parse(string(src)); err != nil {
		return nil, cleanTemplateError(name, err)
	}
	for _, tt := range t.Templates() {
		if tt.Tree == nil {
			continue
		}
		e := &escaper{tree: tt.Tree, name: name}
		if _, err := e.list(tt.Tree.Root, false); err != nil {
			return nil, err
		}
		addTicks(tt.Tree, tt.Tree.Root)
	}
	return &Template{name: name, t: t}, nil
}

// addTicks puts a budget check at the start of l and of every loop body in
// it: loops and template calls are where a rendering can run long without
// writing anything.
func addTicks(tree *parse.Tree, l *parse.ListNode) {
	if l == nil {
		return
	}
	for _, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.IfNode:
			addTicks(tree, n.List)
			addTicks(tree, n.ElseList)
		case *parse.WithNode:
			addTicks(tree, n.List)
			addTicks(tree, n.ElseList)
		case *parse.RangeNode:
			addTicks(tree, n.List)
			addTicks(tree, n.ElseList)
		}
	}
	pos := l.Pos
	id := parse.NewIdentifier(tick).SetTree(tree).SetPos(pos)
	call := &parse.ActionNode{NodeType: parse.NodeAction, Pos: pos, Pipe: &parse.PipeNode{NodeType: parse.NodePipe, Pos: pos,
		Cmds: []*parse.CommandNode{{NodeType: parse.NodeCommand, Pos: pos, Args: []parse.Node{id}}}}}
	l.Nodes = append([]parse.Node{call}, l.Nodes...)
}

// Execute renders the template with data under DefaultBudget and checks
// that the result is valid card JSON.
func (t *Template) Execute(data any) ([]byte, error) {
	return t.ExecuteContext(context.Background(), data, DefaultBudget)
}

// ExecuteContext renders the template with data under budget, stopping
// when ctx is done, and checks that the result is valid card JSON. Going
// over the budget is a *TemplateError wrapping ErrBudget; a cancelled ctx
// one wrapping ctx's error.
func (t *Template) ExecuteContext(ctx context.Context, data any, budget Budget) ([]byte, error) {
	if budget.MaxOutput <= 0 {
		budget.MaxOutput = DefaultBudget.MaxOutput
	}
	if budget.MaxSteps <= 0 {
		budget.MaxSteps = DefaultBudget.MaxSteps
	}
	if budget.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, budget.Timeout, fmt.Errorf("%w: rendering took longer than %v", ErrBudget, budget.Timeout))
		defer cancel()
	}
	st := &execState{ctx: ctx, budget: budget}
	tt, err := t.t.Clone()
	if err != nil {
		return nil, &TemplateError{Name: t.name, Msg: err.Error()}
	}
	tt.Funcs(template.FuncMap{tick: st.tick}).Funcs(boundedFuncs(st))
	w := &budgetWriter{st: st}
	err = tt.Execute(w, data)
	if st.err != nil {
		return nil, &TemplateError{Name: t.name, Msg: st.err.Error(), Err: errors.Unwrap(st.err)}
	}
	if err != nil {
		return nil, cleanTemplateError(t.name, err)
	}
	out := w.buf.Bytes()
	if _, err := Parse(out); err != nil {
		return nil, &TemplateError{Name: t.name, Msg: "rendered card is not valid: " + err.Error()}
	}
	return out, nil
}

// Render parses and executes a card template in one step, under
// DefaultBudget.
func Render(name string, src []byte, data any) ([]byte, error) {
	return RenderContext(context.Background(), name, src, data, DefaultBudget)
}

// RenderContext parses and executes a card template under budget, stopping
// when ctx is done.
func RenderContext(ctx context.Context, name string, src []byte, data any, budget Budget) ([]byte, error) {
	t, err := ParseTemplate(name, src)
	if err != nil {
		return nil, err
	}
	return t.ExecuteContext(ctx, data, budget)
}

// execState is the budget of one rendering. Its err, once set, is why the
// rendering stopped (wrapping ErrBudget or ctx's error).
type execState struct {
	ctx    context.Context
	budget Budget
	steps  int
	err    error
}

func (st *execState) fail(err error) error {
	if st.err == nil {
		st.err = err
	}
	return st.err
}

// check is called at every step and write.
func (st *execState) check() error {
	if st.err != nil {
		return st.err
	}
	if st.ctx.Err() != nil {
		cause := context.Cause(st.ctx)
		if errors.Is(cause, ErrBudget) {
			return st.fail(cause)
		}
		return st.fail(fmt.Errorf("rendering stopped: %w", cause))
	}
	return nil
}

func (st *execState) tick() (string, error) {
	st.steps++
	if st.steps > st.budget.MaxSteps {
		return "", st.fail(fmt.Errorf("%w: more than %d loop iterations and template calls", ErrBudget, st.budget.MaxSteps))
	}
	return "", st.check()
}

// sized fails when a function would build a string larger than the output
// budget.
func (st *execState) sized(n int) error {
	if st == nil {
		return nil
	}
	if n > st.budget.MaxOutput {
		return st.fail(fmt.Errorf("%w: a value of more than %d bytes", ErrBudget, st.budget.MaxOutput))
	}
	return st.check()
}

// budgetWriter collects the output up to the budget.
type budgetWriter struct {
	st  *execState
	buf bytes.Buffer
}

func (w *budgetWriter) Write(p []byte) (int, error) {
	if err := w.st.check(); err != nil {
		return 0, err
	}
	if w.buf.Len()+len(p) > w.st.budget.MaxOutput {
		return 0, w.st.fail(fmt.Errorf("%w: output larger than %d bytes", ErrBudget, w.st.budget.MaxOutput))
	}
	return w.buf.Write(p)
}

// boundedFuncs replaces the built-in print functions and join with ones
// that refuse a huge width and a result over the budget (st nil: no
// budget, for parsing).
func boundedFuncs(st *execState) template.FuncMap {
	return template.FuncMap{
		"printf": func(format string, args ...any) (string, error) {
			if err := checkFormat(format); err != nil {
				return "", err
			}
			s := fmt.Sprintf(format, args...)
			return s, st.sized(len(s))
		},
		"print": func(args ...any) (string, error) {
			s := fmt.Sprint(args...)
			return s, st.sized(len(s))
		},
		"println": func(args ...any) (string, error) {
			s := fmt.Sprintln(args...)
			return s, st.sized(len(s))
		},
		"join": func(sep string, list []any) (string, error) {
			s := Funcs["join"].(func(string, []any) string)(sep, list)
			return s, st.sized(len(s))
		},
	}
}

// checkFormat refuses printf widths and precisions above maxWidth, and
// widths taken from arguments ("*"), which could be anything.
func checkFormat(format string) error {
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		for i++; i < len(format); i++ {
			c := format[i]
			if c == '*' {
				return fmt.Errorf("printf: a width or precision from an argument (*) is not allowed")
			}
			if c >= '0' && c <= '9' {
				j := i
				for j < len(format) && format[j] >= '0' && format[j] <= '9' {
					j++
				}
				if n, err := strconv.Atoi(format[i:j]); err != nil || n > maxWidth {
					if j < len(format) && format[j] == ']' {
						i = j
						continue // an argument index, checked by fmt
					}
					return fmt.Errorf("printf: width or precision %s is over %d", format[i:j], maxWidth)
				}
				i = j - 1
				continue
			}
			if strings.IndexByte("+-# .[]", c) >= 0 {
				continue
			}
			break // the verb
		}
	}
	return nil
}

// DecodeData decodes template data from JSON. Numbers keep their literal
// form (1024 stays 1024, not 1.024e+03).
func DecodeData(r io.Reader) (map[string]any, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("unexpected data after the JSON object")
	}
	if m == nil {
		return nil, fmt.Errorf("data must be a JSON object")
	}
	return m, nil
}

// escaper rewrites a parse tree so that each printing action ends with the
// escaper that fits its JSON context.
type escaper struct {
	tree *parse.Tree
	name string
}

func (e *escaper) errorf(n parse.Node, format string, args ...any) error {
	loc, _ := e.tree.ErrorContext(n)
	line := 0
	if parts := strings.Split(loc, ":"); len(parts) >= 2 {
		fmt.Sscan(parts[len(parts)-2], &line)
	}
	return &TemplateError{Name: e.name, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// list walks a node list starting in a JSON string (inStr) or not, and
// returns the context at its end.
func (e *escaper) list(l *parse.ListNode, inStr bool) (bool, error) {
	if l == nil {
		return inStr, nil
	}
	for _, n := range l.Nodes {
		var err error
		switch n := n.(type) {
		case *parse.TextNode:
			inStr = scanJSON(string(n.Text), inStr)
		case *parse.ActionNode:
			if len(n.Pipe.Decl) == 0 {
				fn := escVal
				if inStr {
					fn = escStr
				}
				id := parse.NewIdentifier(fn).SetTree(e.tree).SetPos(n.Pos)
				n.Pipe.Cmds = append(n.Pipe.Cmds, &parse.CommandNode{NodeType: parse.NodeCommand, Pos: n.Pos, Args: []parse.Node{id}})
			}
		case *parse.IfNode:
			err = e.branch(n, &n.BranchNode, inStr)
		case *parse.RangeNode:
			err = e.branch(n, &n.BranchNode, inStr)
		case *parse.WithNode:
			err = e.branch(n, &n.BranchNode, inStr)
		case *parse.TemplateNode:
			if inStr {
				err = e.errorf(n, "{{template}} inside a JSON string is not supported")
			}
		}
		if err != nil {
			return inStr, err
		}
	}
	return inStr, nil
}

// branch requires every branch of an if/range/with to end in the context it
// started in, so the output is valid whichever branch runs, however often.
func (e *escaper) branch(n parse.Node, b *parse.BranchNode, inStr bool) error {
	for _, l := range []*parse.ListNode{b.List, b.ElseList} {
		end, err := e.list(l, inStr)
		if err != nil {
			return err
		}
		if end != inStr {
			return e.errorf(n, "a quote opened inside %s is not closed before its {{end}}", strings.SplitN(n.String(), " ", 2)[0]+"}}")
		}
	}
	return nil
}

// scanJSON follows the JSON text s and reports whether it ends inside a
// string.
func scanJSON(s string, inStr bool) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
		}
	}
	return inStr
}

// jsonStringContent escapes the printed form of v as the inside of a JSON
// string: what json.Marshal would write between the quotes, without the
// HTML escaping.
func jsonStringContent(v any) string {
	s := printed(v)
	b := encode(s)
	return string(b[1 : len(b)-1])
}

// jsonValue encodes v as a JSON value.
func jsonValue(v any) string {
	return string(encode(v))
}

func printed(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func encode(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		buf.Reset()
		_ = enc.Encode(fmt.Sprint(v))
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

var execErrRe = lazyRegexp(`^template: ([^:]*):(\d+):(?:\d+:)? (?:executing "[^"]*" at <([^>]*)>: )?(.*)$`)
var missingKeyRe = lazyRegexp(`map has no entry for key "([^"]*)"`)

// cleanTemplateError turns text/template's errors into "name:line: msg".
func cleanTemplateError(name string, err error) error {
	msg := err.Error()
	m := execErrRe().FindStringSubmatch(msg)
	if m == nil {
		return &TemplateError{Name: name, Msg: strings.TrimPrefix(msg, "template: ")}
	}
	var line int
	fmt.Sscan(m[2], &line)
	detail := m[4]
	m[3] = strings.TrimSuffix(strings.TrimPrefix(m[3], "{{"), "}}")
	if k := missingKeyRe().FindStringSubmatch(detail); k != nil {
		detail = fmt.Sprintf("missing key %q", k[1])
		if m[3] != "" {
			detail += " in {{" + m[3] + "}}"
		}
	} else if m[3] != "" {
		detail += " (in {{" + m[3] + "}})"
	}
	detail = strings.ReplaceAll(detail, escStr, "json")
	detail = strings.ReplaceAll(detail, escVal, "json")
	detail = strings.ReplaceAll(detail, tick, "loop")
	return &TemplateError{Name: name, Line: line, Msg: detail}
}
