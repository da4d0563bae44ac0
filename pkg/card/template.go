package card

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"text/template"
	"text/template/parse"
	"unicode/utf8"
)

// TemplateError is a template that failed to parse or execute, located by
// the template's name and line.
type TemplateError struct {
	Name string
	Line int
	Msg  string
}

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
)

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
	})
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
	}
	return &Template{name: name, t: t}, nil
}

// Execute renders the template with data and checks that the result is
// valid card JSON.
func (t *Template) Execute(data any) ([]byte, error) {
	var buf bytes.Buffer
	if err := t.t.Execute(&buf, data); err != nil {
		return nil, cleanTemplateError(t.name, err)
	}
	out := buf.Bytes()
	if _, err := Parse(out); err != nil {
		return nil, &TemplateError{Name: t.name, Msg: "rendered card is not valid: " + err.Error()}
	}
	return out, nil
}

// Render parses and executes a card template in one step.
func Render(name string, src []byte, data any) ([]byte, error) {
	t, err := ParseTemplate(name, src)
	if err != nil {
		return nil, err
	}
	return t.Execute(data)
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

var execErrRe = regexp.MustCompile(`^template: ([^:]*):(\d+):(?:\d+:)? (?:executing "[^"]*" at <([^>]*)>: )?(.*)$`)
var missingKeyRe = regexp.MustCompile(`map has no entry for key "([^"]*)"`)

// cleanTemplateError turns text/template's errors into "name:line: msg".
func cleanTemplateError(name string, err error) error {
	msg := err.Error()
	m := execErrRe.FindStringSubmatch(msg)
	if m == nil {
		return &TemplateError{Name: name, Msg: strings.TrimPrefix(msg, "template: ")}
	}
	var line int
	fmt.Sscan(m[2], &line)
	detail := m[4]
	if k := missingKeyRe.FindStringSubmatch(detail); k != nil {
		detail = fmt.Sprintf("missing key %q", k[1])
		if m[3] != "" {
			detail += " in {{" + m[3] + "}}"
		}
	} else if m[3] != "" {
		detail += " (in {{" + m[3] + "}})"
	}
	detail = strings.ReplaceAll(detail, escStr, "json")
	detail = strings.ReplaceAll(detail, escVal, "json")
	return &TemplateError{Name: name, Line: line, Msg: detail}
}
