package feishutest

import (
	"strings"

	"github.com/feishu-push/feishu-push/pkg/card"
)

// checkCard applies the card rules Feishu enforces at send time and returns
// a 230099 sub-code and the rest of Feishu's message ("ErrPath: ...;
// ErrMsg: ..."), or 0. The rules are pkg/card's schema, the one lint and
// every send use, so the fake refuses exactly what they refuse; warnings
// (rules whose truth is uncertain) pass. On top, image keys must have been
// uploaded to the fake (200570), wherever the card uses them.
func (f *Fake) checkCard(content []byte) (int, string) {
	obj, err := card.Parse(content)
	if err != nil {
		return 200621, "ErrMsg: card json is invalid: " + err.Error()
	}
	if obj["type"] == "template" {
		d, _ := obj["data"].(map[string]any)
		id, _ := d["template_id"].(string)
		if id == "" {
			return 200621, "ErrPath: ROOT -> data -> template_id; ErrMsg: template card needs data.template_id"
		}
		f.mu.Lock()
		restricted, known := len(f.templates) > 0, f.templates[id]
		f.mu.Unlock()
		if restricted && !known {
			return 200380, "ErrMsg: template does not exist or is not published"
		}
		return 0, ""
	}
	for _, x := range card.Check(obj) {
		if x.Warning {
			continue
		}
		code := x.Code
		if code == 0 {
			code = 200621
		}
		if el, detail, ok := strings.Cut(x.Path, ".chart_spec"); ok && code == 200550 {
			// Feishu's documented form: the chart element's path, then the
			// fault as the error value.
			return code, "ErrPath: " + errPath(el) + "(tag: chart); ErrMsg: chart spec is invalid; ErrorValue: chart_spec" + detail + ": " + x.Msg
		}
		return code, "ErrPath: " + errPath(x.Path) + "; ErrMsg: " + x.Msg
	}
	for _, ref := range card.ImageKeys(obj) {
		if !f.knownImage(ref.Key) {
			return 200570, "ErrPath: " + errPath(ref.Path) + "; ErrMsg: invalid image keys: " + ref.Key
		}
	}
	return 0, ""
}

// errPath writes a JSON path the way Feishu's errors do: ROOT -> a -> [2].
func errPath(p string) string {
	out := "ROOT"
	for _, part := range splitPath(p) {
		out += " -> " + part
	}
	return out
}

func splitPath(p string) []string {
	var parts []string
	cur := ""
	for _, r := range p {
		switch r {
		case '.':
			if cur != "" {
				parts = append(parts, cur)
			}
			cur = ""
		case '[':
			if cur != "" {
				parts = append(parts, cur)
			}
			cur = "["
		default:
			cur += string(r)
		}
	}
	if cur != "" {
		parts = append(parts, cur)
	}
	return parts
}

// WithImages makes the fake know these image keys as if they had been
// uploaded, e.g. the published keys of documentation examples.
func WithImages(keys ...string) Option {
	return func(f *Fake) {
		for _, k := range keys {
			if _, ok := f.images[k]; !ok {
				f.images[k] = Image{Key: k}
				f.imageOrder = append(f.imageOrder, k)
			}
		}
	}
}
