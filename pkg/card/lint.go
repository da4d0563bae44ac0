package card

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Finding is one problem found by Lint, located by a JSON path.
type Finding struct {
	// Path is where, e.g. body.elements[3].tag; empty for the whole card.
	Path string `json:"path"`
	// Rule names the rule, e.g. "v2-tag".
	Rule string `json:"rule"`
	Msg  string `json:"msg"`
	// Code is the Feishu error code the problem predicts (a 230099
	// sub-code such as 200621, or 230025 for size), 0 when unknown.
	Code int `json:"code,omitempty"`
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
	if f.Code != 0 {
		s += fmt.Sprintf(" (Feishu error %d)", f.Code)
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

var elementIDRe = lazyRegexp(`^[A-Za-z][A-Za-z0-9_]*$`)

// Lint checks card JSON against the card schema (see schema.go) and the
// rules Feishu enforces and documents: JSON validity; 1.0 versus 2.0
// structure and the tags each allows; unknown properties in 2.0 at any
// depth; text objects where the docs want them; enums such as header
// colours and button types; URLs; element_id format and uniqueness; at most
// 200 components; table limits (5 per card counting markdown tables, 50
// columns, page_size 1-10, row keys declared as columns); the HTML tags
// markdown allows; and the size limit of the target. A template reference
// is checked for its template_id only.
func Lint(data []byte, target Target) []Finding {
	obj, err := Parse(data)
	if err != nil {
		return []Finding{{Rule: "json", Msg: err.Error(), Code: 200621}}
	}
	fs := Check(obj)
	size, limit := requestSize(data, target)
	if size > limit {
		fs = append(fs, Finding{Rule: "size", Code: 230025, Msg: fmt.Sprintf("the request would be %.1f KB, over Feishu's limit of %d KB for %s", float64(size)/1024, limit/1024, targetName(target))})
	}
	return fs
}

// Check applies the card schema to a decoded card (numbers as
// json.Number, as Parse returns them). It does not check the size.
func Check(obj map[string]any) []Finding {
	l := &linter{ids: map[string]string{}}
	l.card(obj)
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
			return &Error{Path: f.Path, Msg: f.Msg, Code: f.Code}
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

// Compact removes insignificant white space from JSON, so a pretty-printed
// card costs fewer of Feishu's bytes. Invalid JSON is returned as it is.
func Compact(b []byte) []byte {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return b
	}
	return buf.Bytes()
}
