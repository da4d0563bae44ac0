// Package card builds and checks Feishu card JSON: simple cards from a few
// fields, cards rendered from templates, and the structural rules Feishu
// enforces at send time.
//
// See https://open.feishu.cn/document/feishu-cards/card-json-structure.
package card

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Colors are the header templates Feishu accepts, "default" being no colour.
var Colors = []string{"blue", "wathet", "turquoise", "green", "yellow", "orange", "red",
	"carmine", "violet", "purple", "indigo", "grey", "default"}

// ValidColor reports whether c is one of Colors.
func ValidColor(c string) bool { return slices.Contains(Colors, c) }

// Button is a link button.
type Button struct {
	Label string
	URL   string
	// Type is "default", "primary" or "danger".
	Type string
}

// ParseButton parses "Label=URL". The label may not contain "=", the URL may.
func ParseButton(s string) (Button, error) {
	label, u, ok := strings.Cut(s, "=")
	label = strings.TrimSpace(label)
	if !ok || label == "" {
		return Button{}, fmt.Errorf("button %q: want Label=URL", s)
	}
	if err := CheckURL(u); err != nil {
		return Button{}, fmt.Errorf("button %q: %v", s, err)
	}
	return Button{Label: label, URL: strings.TrimSpace(u), Type: "default"}, nil
}

// CheckURL accepts absolute http(s) URLs and Feishu applinks.
func CheckURL(s string) error {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Scheme == "" {
		return fmt.Errorf("%q is not an absolute URL", s)
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" {
			return fmt.Errorf("%q has no host", s)
		}
	case "lark", "feishu":
	default:
		return fmt.Errorf("%q: only http, https and lark links open from a card", s)
	}
	return nil
}

// Simple describes a card made from a title, markdown text, buttons and a
// note: what `send-card` builds from its flags.
type Simple struct {
	Title   string
	Color   string // one of Colors; empty means "blue"
	Content string // lark markdown
	Buttons []Button
	Note    string
}

// JSON renders s as card JSON 1.0, which every client version draws and
// which has the note element.
func (s Simple) JSON() (json.RawMessage, error) {
	color := s.Color
	if color == "" {
		color = "blue"
	}
	if !ValidColor(color) {
		return nil, fmt.Errorf("unknown colour %q (want one of %s)", color, strings.Join(Colors, ", "))
	}
	if strings.TrimSpace(s.Title) == "" && strings.TrimSpace(s.Content) == "" {
		return nil, fmt.Errorf("a card needs a title or content")
	}
	type text struct {
		Tag     string `json:"tag"`
		Content string `json:"content"`
	}
	c := map[string]any{"config": map[string]any{"wide_screen_mode": true}}
	if s.Title != "" {
		c["header"] = map[string]any{"template": color, "title": text{"plain_text", s.Title}}
	}
	elements := []any{}
	if s.Content != "" {
		elements = append(elements, map[string]any{"tag": "markdown", "content": s.Content})
	}
	if len(s.Buttons) > 0 {
		actions := make([]any, 0, len(s.Buttons))
		for _, b := range s.Buttons {
			typ := b.Type
			if typ == "" {
				typ = "default"
			}
			actions = append(actions, map[string]any{"tag": "button", "text": text{"plain_text", b.Label}, "type": typ, "url": b.URL})
		}
		elements = append(elements, map[string]any{"tag": "action", "actions": actions})
	}
	if s.Note != "" {
		elements = append(elements, map[string]any{"tag": "note", "elements": []any{text{"plain_text", s.Note}}})
	}
	c["elements"] = elements
	return encode(c), nil
}
