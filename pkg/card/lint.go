package card

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Finding is one problem found by Lint, located by a JSON path.
type Finding struct {
	// Path is where, e.g. body.elements[3].tag; empty for the whole card.
	Path string `json:"path"`
	// Rule names the rule, e.g. "v2-tag".
	Rule string `json:"rule"`
	Msg  string `json:"msg"`
	// Warning findings do not stop a send; the others do.
	Warning bool `json:"warning,omitempty"`
}

func (f Finding) String() string {
	s := f.Msg
	if f.Path != "" {
		s = f.Path + ": " + s
	}
	if f.Warning {
		s = "warning: " + s
	}
	return s + " [" + f.Rule + "]"
}

// Limits of card JSON, as documented by Feishu.
const (
	MaxTables       = 5
	MaxTableColumns = 50
	maxElementID    = 20
)

// Target says how a card will be sent, which sets its size limit.
type Target int

const (
	// App is im/v1: a card request body is at most 30 KB.
	App Target = iota
	// Webhook is a custom bot: the whole body is at most 20 KB.
	Webhook
)

// ButtonTypes are the button styles Feishu draws.
var ButtonTypes = []string{"default", "primary", "danger", "text", "primary_text", "danger_text", "primary_filled", "danger_filled", "laser"}

var elementIDRe = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// v1-only tags, rejected by schema 2.0 cards with 200861.
var v1OnlyTags = map[string]bool{"note": true, "action": true}

// Lint checks card JSON against the rules Feishu enforces and documents:
// JSON validity; 1.0 versus 2.0 structure and the tags each allows; no
// unknown top-level fields in 2.0; header colours; button types and URLs;
// img elements with img_key (and alt in 1.0); element_id format and
// uniqueness; at most 200 components; table limits (5 per card, 50 columns,
// page_size 1-10, row keys declared as columns); and the size limit of the
// target. A template reference is checked for its template_id only.
func Lint(data []byte, target Target) []Finding {
	obj, err := Parse(data)
	if err != nil {
		return []Finding{{Rule: "json", Msg: err.Error()}}
	}
	l := &linter{ids: map[string]string{}}
	l.card(obj)
	size, limit := requestSize(data, target)
	if size > limit {
		l.add("", "size", fmt.Sprintf("the request would be %.1f KB, over Feishu's limit of %d KB for %s", float64(size)/1024, limit/1024, targetName(target)))
	}
	return l.findings
}

// Validate returns the first finding of Lint that stops a send, as an
// error. It leaves out the size rule: a send checks the exact size of each
// request body, which depends on how it is sent.
func Validate(data []byte) error {
	for _, f := range Lint(data, App) {
		if !f.Warning && f.Rule != "size" {
			if f.Rule == "json" {
				if _, err := Parse(data); err != nil {
					return err
				}
			}
			return &Error{Path: f.Path, Msg: f.Msg}
		}
	}
	return nil
}

func targetName(t Target) string {
	if t == Webhook {
		return "a webhook body"
	}
	return "a card message"
}

// requestSize estimates the request body a card makes: inside im/v1's
// double-encoded content, or as the webhook's "card" object.
func requestSize(data []byte, t Target) (int, int) {
	compact := Compact(data)
	if t == Webhook {
		return len(compact) + len(`{"card":,"msg_type":"interactive","sign":"","timestamp":"1700000000"}`) + 44, 20 * 1024
	}
	quoted, _ := json.Marshal(string(compact))
	return len(quoted) + len(`{"receive_id":"","msg_type":"interactive","content":,"uuid":""}`) + 64 + 50, 30 * 1024
}

type linter struct {
	findings []Finding
	v2       bool
	count    int
	tables   int
	ids      map[string]string // element_id -> first path
}

func (l *linter) add(path, rule, msg string) {
	l.findings = append(l.findings, Finding{Path: path, Rule: rule, Msg: msg})
}

func (l *linter) warn(path, rule, msg string) {
	l.findings = append(l.findings, Finding{Path: path, Rule: rule, Msg: msg, Warning: true})
}

func (l *linter) card(obj map[string]any) {
	if typ, _ := obj["type"].(string); typ == "template" {
		d, _ := obj["data"].(map[string]any)
		if id, _ := d["template_id"].(string); id == "" {
			l.add("data.template_id", "template", "a template card needs a template_id")
		}
		return
	}
	if s, ok := obj["schema"]; ok {
		if s != "2.0" {
			l.add("schema", "schema", fmt.Sprintf("unknown schema %v (want \"2.0\", or none for 1.0)", s))
			return
		}
		l.v2 = true
	}
	if h, ok := obj["header"].(map[string]any); ok {
		if t, ok := h["template"].(string); ok && !ValidColor(t) {
			l.add("header.template", "color", fmt.Sprintf("unknown colour %q (want one of %s)", t, strings.Join(Colors, ", ")))
		}
		if tags, ok := h["text_tag_list"].([]any); ok && len(tags) > 3 {
			l.warn("header.text_tag_list", "header", fmt.Sprintf("%d tags; Feishu shows the first 3", len(tags)))
		}
	}
	var elements any
	path := "elements"
	if l.v2 {
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			if !v2TopLevel[k] {
				l.add(k, "v2-field", "unknown field in a schema 2.0 card (2.0 rejects unknown fields)")
			}
		}
		body, ok := obj["body"].(map[string]any)
		if !ok {
			l.add("body", "v2-body", "a schema 2.0 card keeps its elements in body.elements")
			return
		}
		elements, path = body["elements"], "body.elements"
		if cfg, ok := obj["config"].(map[string]any); ok {
			if um, ok := cfg["update_multi"]; ok && um != true {
				l.add("config.update_multi", "v2-config", "must be true in a schema 2.0 card")
			}
		}
	} else {
		for _, k := range []string{"body"} {
			if _, ok := obj[k]; ok {
				l.warn(k, "v1-field", `ignored: a card without "schema":"2.0" is 1.0 and keeps its elements in "elements"`)
			}
		}
		elements = obj["elements"]
	}
	if elements != nil {
		list, ok := elements.([]any)
		if !ok {
			l.add(path, "elements", "must be an array")
			return
		}
		for i, el := range list {
			l.element(el, fmt.Sprintf("%s[%d]", path, i), true)
		}
	}
	if l.v2 && l.count > MaxElements {
		l.add(path, "count", fmt.Sprintf("%d components, over Feishu's limit of %d", l.count, MaxElements))
	}
	if l.tables > MaxTables {
		l.add(path, "table", fmt.Sprintf("%d tables, over Feishu's limit of %d per card", l.tables, MaxTables))
	}
}

// element checks one element and, recursively, what it holds. root is true
// for the card's own elements list.
func (l *linter) element(v any, path string, root bool) {
	switch t := v.(type) {
	case map[string]any:
		tag, _ := t["tag"].(string)
		if tag != "" && tag != "plain_text" && tag != "lark_md" {
			l.count++
		}
		switch tag {
		case "note", "action":
			if l.v2 {
				l.add(path+".tag", "v2-tag", fmt.Sprintf("%q is a 1.0-only tag; schema 2.0 cards reject it (Feishu error 200861)", tag))
			}
		case "img":
			if k, _ := t["img_key"].(string); k == "" {
				l.add(path+".img_key", "img", "an img element needs an img_key")
			}
			if _, ok := t["alt"]; !ok && !l.v2 {
				l.add(path+".alt", "img", "an img element needs alt in a 1.0 card (it may be empty)")
			}
		case "button":
			l.button(t, path)
		case "table":
			l.table(t, path, root)
		}
		if id, ok := t["element_id"]; ok {
			s, _ := id.(string)
			switch {
			case !elementIDRe.MatchString(s) || len(s) > maxElementID:
				l.add(path+".element_id", "element-id", fmt.Sprintf("%q: letters, digits and _, starting with a letter, at most %d characters", s, maxElementID))
			case l.ids[s] != "":
				l.add(path+".element_id", "element-id", fmt.Sprintf("%q is already used at %s", s, l.ids[s]))
			default:
				l.ids[s] = path
			}
		}
		for _, k := range slices.Sorted(maps.Keys(t)) {
			if tag == "table" && k == "rows" {
				continue // cell values are data, not elements
			}
			l.element(t[k], path+"."+k, false)
		}
	case []any:
		for i, c := range t {
			l.element(c, fmt.Sprintf("%s[%d]", path, i), false)
		}
	}
}

func (l *linter) button(b map[string]any, path string) {
	if typ, ok := b["type"].(string); ok && !slices.Contains(ButtonTypes, typ) {
		l.add(path+".type", "button", fmt.Sprintf("unknown button type %q (want one of %s)", typ, strings.Join(ButtonTypes, ", ")))
	}
	check := func(p string, v any) {
		if s, ok := v.(string); ok && s != "" {
			if err := CheckURL(s); err != nil {
				l.add(p, "url", err.Error())
			}
		}
	}
	check(path+".url", b["url"])
	if mu, ok := b["multi_url"].(map[string]any); ok {
		for _, k := range slices.Sorted(maps.Keys(mu)) {
			check(path+".multi_url."+k, mu[k])
		}
	}
	if bs, ok := b["behaviors"].([]any); ok {
		for i, bh := range bs {
			m, _ := bh.(map[string]any)
			if m["type"] == "open_url" {
				p := fmt.Sprintf("%s.behaviors[%d].default_url", path, i)
				if s, _ := m["default_url"].(string); s == "" {
					l.add(p, "url", "an open_url behavior needs a default_url")
				}
				check(p, m["default_url"])
			}
		}
	}
}

func (l *linter) table(t map[string]any, path string, root bool) {
	l.tables++
	if !root {
		l.add(path, "table", "a table must sit directly in the card's elements; it cannot be nested")
	}
	if ps, ok := t["page_size"]; ok {
		num, _ := ps.(json.Number)
		if n, err := num.Int64(); err != nil || n < 1 || n > 10 {
			l.add(path+".page_size", "table", fmt.Sprintf("%v: want a whole number from 1 to 10", ps))
		}
	}
	cols, _ := t["columns"].([]any)
	if len(cols) > MaxTableColumns {
		l.add(path+".columns", "table", fmt.Sprintf("%d columns, over Feishu's limit of %d", len(cols), MaxTableColumns))
	}
	names := map[string]bool{}
	for i, c := range cols {
		cm, _ := c.(map[string]any)
		name, _ := cm["name"].(string)
		if name == "" {
			l.add(fmt.Sprintf("%s.columns[%d].name", path, i), "table", "a column needs a name")
		}
		names[name] = true
	}
	rows, _ := t["rows"].([]any)
	for i, r := range rows {
		rm, ok := r.(map[string]any)
		if !ok {
			l.add(fmt.Sprintf("%s.rows[%d]", path, i), "table", "a row is an object keyed by column name (Feishu error 200914)")
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(rm)) {
			if !names[k] {
				l.add(fmt.Sprintf("%s.rows[%d].%s", path, i, k), "table", fmt.Sprintf("%q is not a declared column name (Feishu error 200915)", k))
			}
		}
	}
}

// Compact removes insignificant white space from JSON, so a pretty-printed
// card costs fewer of Feishu's bytes. Invalid JSON is returned as it is.
func Compact(b []byte) []byte {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return b
	}
	return buf.Bytes()
}
