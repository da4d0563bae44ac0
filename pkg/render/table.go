package render

import (
	"encoding/json"
	"fmt"
	"html"
	"strings"
)

func (r *renderer) table(el map[string]any) string {
	cols, _ := el["columns"].([]any)
	rows, _ := el["rows"].([]any)
	pageSize := 5
	if ps, ok := el["page_size"].(json.Number); ok {
		if n, err := ps.Int64(); err == nil && n >= 1 && n <= 10 {
			pageSize = int(n)
		}
	}
	hs, _ := el["header_style"].(map[string]any)
	thStyle := ""
	if hs != nil {
		bg := ""
		if hs["background_style"] == "grey" {
			bg = "#F5F6F7"
		} else if hs["background_style"] == "none" {
			bg = "transparent"
		}
		weight := ""
		if hs["bold"] == false {
			weight = "400"
		}
		color := ""
		if c, _ := hs["text_color"].(string); c == "grey" {
			color = "#646A73"
		}
		thStyle = styleOf("background", bg, "font-weight", weight, "color", color)
	}
	var b strings.Builder
	b.WriteString(`<div class="fp-table-wrap"><table class="fp-table"><thead><tr>`)
	for _, c := range cols {
		cm, _ := c.(map[string]any)
		cls := ""
		if cm["data_type"] == "number" {
			cls = ` class="fp-num"`
		}
		b.WriteString(`<th` + cls + thStyle + `>` + html.EscapeString(first(str(cm["display_name"]), str(cm["name"]))) + `</th>`)
	}
	b.WriteString(`</tr></thead><tbody>`)
	for i, row := range rows {
		if i == pageSize {
			break
		}
		rm, _ := row.(map[string]any)
		b.WriteString(`<tr>`)
		for _, c := range cols {
			cm, _ := c.(map[string]any)
			b.WriteString(r.cell(cm, rm[str(cm["name"])]))
		}
		b.WriteString(`</tr>`)
	}
	b.WriteString(`</tbody></table>`)
	if pages := (len(rows) + pageSize - 1) / pageSize; pages > 1 {
		fmt.Fprintf(&b, `<div class="fp-pager">‹ 1/%d ›</div>`, pages)
	}
	b.WriteString(`</div>`)
	return b.String()
}

func (r *renderer) cell(col map[string]any, v any) string {
	switch col["data_type"] {
	case "number":
		n, ok := v.(json.Number)
		f, err := n.Float64()
		if !ok || err != nil {
			return `<td class="fp-num">` + html.EscapeString(str(v)) + `</td>`
		}
		prec, sep := -1, false
		if fm, ok := col["format"].(map[string]any); ok {
			if p, ok := fm["precision"].(json.Number); ok {
				if pi, err := p.Int64(); err == nil && pi >= 0 && pi <= 20 {
					prec = int(pi)
				}
			}
			sep = fm["separator"] == true
			if sym, ok := fm["symbol"].(string); ok {
				return `<td class="fp-num">` + html.EscapeString(sym+number(f, prec, sep)) + `</td>`
			}
		}
		return `<td class="fp-num">` + number(f, prec, sep) + `</td>`
	case "lark_md", "markdown":
		return `<td>` + markdown(str(v), false, r.colors) + `</td>`
	case "options":
		var b strings.Builder
		b.WriteString(`<td>`)
		list, _ := v.([]any)
		for _, o := range list {
			om, _ := o.(map[string]any)
			c := first(str(om["color"]), "blue")
			fmt.Fprintf(&b, `<span class="fp-tag fp-tag-%s">%s</span> `, cssName(c), html.EscapeString(str(om["text"])))
		}
		b.WriteString(`</td>`)
		return b.String()
	case "persons":
		var ids []string
		switch t := v.(type) {
		case string:
			ids = []string{t}
		case []any:
			for _, x := range t {
				if m, ok := x.(map[string]any); ok {
					ids = append(ids, str(m["id"]))
				} else {
					ids = append(ids, str(x))
				}
			}
		}
		var b strings.Builder
		b.WriteString(`<td>`)
		for _, id := range ids {
			b.WriteString(r.person(id, true, true, false))
		}
		b.WriteString(`</td>`)
		return b.String()
	case "date":
		return `<td>` + html.EscapeString(dateCell(v, str(col["date_format"]))) + `</td>`
	}
	return `<td>` + html.EscapeString(str(v)) + `</td>`
}

// iconShapes are line drawings (16x16, stroke currentColor) for the
// families of Feishu's standard icons; a token is matched by the words in
// it. Offline there is no icon font, so these stand in for it.
var iconShapes = []struct {
	words []string
	svg   string
}{
	{[]string{"forbidden", "ban", "stop"}, `<circle cx="8" cy="8" r="6"/><path d="M4 4l8 8"/>`},
	{[]string{"succeed", "done", "check", "yes", "right_"}, `<path d="M3 8.5l3.2 3L13 4.5"/>`},
	{[]string{"close", "error", "cross", "wrong", "delete"}, `<path d="M4 4l8 8M12 4l-8 8"/>`},
	{[]string{"warning", "alert", "risk", "caution"}, `<path d="M8 2l6.5 11.5h-13z"/><path d="M8 6.5v3.5M8 11.8v.2"/>`},
	{[]string{"info", "tips", "help", "question", "hint"}, `<circle cx="8" cy="8" r="6"/><path d="M8 7v4.5M8 4.8v.2"/>`},
	{[]string{"bell", "notice", "notification", "remind"}, `<path d="M4 11V7a4 4 0 018 0v4l1 1.5H3zM6.5 14h3"/>`},
	{[]string{"time", "clock", "alarm", "history", "timer"}, `<circle cx="8" cy="8" r="6"/><path d="M8 4.5V8l2.5 1.5"/>`},
	{[]string{"calendar", "date", "day"}, `<rect x="2.5" y="3.5" width="11" height="10" rx="1.5"/><path d="M2.5 7h11M5.5 2v3M10.5 2v3"/>`},
	{[]string{"chat", "message", "comment", "reply"}, `<path d="M2.5 3.5h11v7.5h-6l-3 2.5v-2.5h-2z"/>`},
	{[]string{"member", "person", "user", "contact", "people", "group"}, `<circle cx="8" cy="5.5" r="2.8"/><path d="M2.8 14a5.2 5.2 0 0110.4 0"/>`},
	{[]string{"link", "url"}, `<path d="M7 9l2-2M6 6.5l-2 2a2.1 2.1 0 003 3l2-2M10 9.5l2-2a2.1 2.1 0 00-3-3l-2 2"/>`},
	{[]string{"file", "doc", "sheet", "page", "report"}, `<path d="M4 2h5.5L12.5 5v9h-8.5zM9.5 2v3h3M6 8.5h4.5M6 11h4.5"/>`},
	{[]string{"setting", "config", "gear"}, `<circle cx="8" cy="8" r="2.2"/><path d="M8 1.8v2M8 12.2v2M1.8 8h2M12.2 8h2M3.6 3.6l1.4 1.4M11 11l1.4 1.4M3.6 12.4L5 11M11 5l1.4-1.4"/>`},
	{[]string{"search", "find"}, `<circle cx="7" cy="7" r="4.2"/><path d="M10.2 10.2l3.3 3.3"/>`},
	{[]string{"star", "collect", "favorite"}, `<path d="M8 2l1.8 3.9 4.2.4-3.2 2.8 1 4.1L8 11.1 4.2 13.2l1-4.1L2 6.3l4.2-.4z"/>`},
	{[]string{"add", "plus", "new"}, `<path d="M8 3v10M3 8h10"/>`},
	{[]string{"edit", "write", "pen"}, `<path d="M10.5 2.5l3 3-8 8H2.5v-3z"/>`},
	{[]string{"lock", "safe", "security"}, `<rect x="3" y="7" width="10" height="7" rx="1.5"/><path d="M5.5 7V5a2.5 2.5 0 015 0v2"/>`},
	{[]string{"location", "local", "map", "address"}, `<path d="M8 14.5s4.5-4.2 4.5-8a4.5 4.5 0 00-9 0c0 3.8 4.5 8 4.5 8z"/><circle cx="8" cy="6.5" r="1.6"/>`},
	{[]string{"image", "picture", "photo"}, `<rect x="2.5" y="3" width="11" height="10" rx="1.5"/><path d="M2.5 11l3.5-3.5 3 3 1.5-1.5 3 3"/>`},
	{[]string{"up", "rise", "increase"}, `<path d="M8 13V3M4 7l4-4 4 4"/>`},
	{[]string{"down", "fall", "decrease"}, `<path d="M8 3v10M4 9l4 4 4-4"/>`},
	{[]string{"robot", "bot"}, `<rect x="3" y="5" width="10" height="8" rx="2"/><path d="M8 2.5V5M6 9h.1M10 9h.1"/>`},
	{[]string{"mail", "email"}, `<rect x="2" y="3.5" width="12" height="9" rx="1.5"/><path d="M2.5 4.5L8 9l5.5-4.5"/>`},
	{[]string{"chart", "data", "statistics", "dashboard"}, `<path d="M2.5 13.5h11M4.5 11V8M8 11V4.5M11.5 11V6.5"/>`},
}

// icon draws a standard_icon (by token) or a custom_icon (its image).
func (r *renderer) icon(m map[string]any, class string) string {
	if m["tag"] == "custom_icon" {
		k, _ := m["img_key"].(string)
		return r.image(k, "", "fp-icon-img "+class)
	}
	token, _ := m["token"].(string)
	color, _ := m["color"].(string)
	shape := `<circle cx="8" cy="8" r="5.5"/>`
	lt := strings.ToLower(token)
	for _, s := range iconShapes {
		for _, w := range s.words {
			if strings.Contains(lt, w) {
				shape = s.svg
				break
			}
		}
		if shape != `<circle cx="8" cy="8" r="5.5"/>` {
			break
		}
	}
	fill := "none"
	if strings.HasSuffix(lt, "_filled") {
		fill = "currentColor"
	}
	return fmt.Sprintf(`<svg class="fp-icon %s" viewBox="0 0 16 16" width="16" height="16" fill="%s" stroke="currentColor" stroke-width="1.4" stroke-linecap="round" stroke-linejoin="round" role="img" aria-label="%s"%s>%s</svg>`,
		class, fill, html.EscapeString(token), styleOf("color", r.color(color)), shape)
}
