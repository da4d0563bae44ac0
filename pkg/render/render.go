// Package render draws Feishu messages as HTML, the way the Feishu client
// shows them, for the sandbox inbox and the offline preview: cards (JSON
// 1.0 and 2.0: header, markdown, div and fields, column_set, hr, note, img,
// buttons, table), text and post messages. Colours and sizes follow Feishu's
// published colour table and design notes; see CSS.
package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"sort"
	"strings"
)

// Options control rendering.
type Options struct {
	// ImageURL returns where the image with this img_key can be loaded, or
	// "" to draw a placeholder box.
	ImageURL func(key string) string
}

// Message renders a message's content object (the decoded content string
// for im/v1, or the webhook's content or card) as HTML.
func Message(msgType string, content []byte, o Options) string {
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(content))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		return `<div class="fp-raw">` + html.EscapeString(string(content)) + `</div>`
	}
	r := &renderer{o: o}
	switch msgType {
	case "text":
		t, _ := obj["text"].(string)
		return `<div class="fp-bubble fp-text">` + textMessage(t) + `</div>`
	case "post":
		if p, ok := obj["post"].(map[string]any); ok {
			obj = p // the webhook's wrapper
		}
		return `<div class="fp-bubble fp-post">` + r.post(obj) + `</div>`
	case "interactive":
		return r.card(obj)
	case "image":
		k, _ := obj["image_key"].(string)
		return `<div class="fp-bubble">` + r.image(k, "", "") + `</div>`
	}
	return `<div class="fp-bubble fp-raw">` + html.EscapeString(msgType+": "+string(content)) + `</div>`
}

// Card renders card JSON.
func Card(data []byte, o Options) string { return Message("interactive", data, o) }

type renderer struct {
	o  Options
	v2 bool
}

var (
	// atTextRe is the text-message mention <at user_id="...">Name</at>.
	atTextRe = lazyRegexp(`<at\s+user_id\s*=\s*["']?([^"'\s>]*)["']?\s*>([^<]*)</at>`)
	atHeld   = lazyRegexp("\x01([^\x02]*)\x02([^\x03]*)\x03")
)

func textMessage(t string) string {
	// Text messages take <at user_id="ou_x">Name</at> and, for app bots,
	// <b> <i> <u> <s> and [links](url); render them as Feishu does.
	s := atTextRe().ReplaceAllStringFunc(t, func(m string) string {
		g := atTextRe().FindStringSubmatch(m)
		return "\x01" + g[1] + "\x02" + g[2] + "\x03"
	})
	out := Markdown(s, false)
	out = atHeld().ReplaceAllStringFunc(out, func(m string) string {
		g := atHeld().FindStringSubmatch(m)
		return mention(html.UnescapeString(g[1]), html.UnescapeString(g[2]))
	})
	for _, tag := range []string{"b", "i", "u", "s"} {
		out = strings.ReplaceAll(out, "&lt;"+tag+"&gt;", "<"+tag+">")
		out = strings.ReplaceAll(out, "&lt;/"+tag+"&gt;", "</"+tag+">")
	}
	return balanceTags(out)
}

// balanceTags closes b, i, u and s tags a text left open.
func balanceTags(s string) string {
	for _, tag := range []string{"b", "i", "u", "s"} {
		for n := strings.Count(s, "<"+tag+">") - strings.Count(s, "</"+tag+">"); n > 0; n-- {
			s += "</" + tag + ">"
		}
	}
	return s
}

func (r *renderer) card(c map[string]any) string {
	var b strings.Builder
	if c["type"] == "template" {
		d, _ := c["data"].(map[string]any)
		vars, _ := json.Marshal(d["template_variable"])
		fmt.Fprintf(&b, `<div class="fp-card fp-template"><div class="fp-body"><div class="fp-md"><strong>Card template</strong> %s %s<br><code>%s</code></div></div></div>`,
			html.EscapeString(fmt.Sprint(d["template_id"])), html.EscapeString(fmt.Sprint(nonNil(d["template_version_name"]))), html.EscapeString(string(vars)))
		return b.String()
	}
	r.v2 = c["schema"] == "2.0"
	width := "default"
	if cfg, ok := c["config"].(map[string]any); ok {
		if w, ok := cfg["width_mode"].(string); ok {
			width = w
		}
	}
	fmt.Fprintf(&b, `<div class="fp-card fp-width-%s" data-schema="%s">`, cssName(width), map[bool]string{true: "2.0", false: "1.0"}[r.v2])
	if h, ok := c["header"].(map[string]any); ok {
		b.WriteString(r.header(h))
	}
	elements, _ := c["elements"].([]any)
	if body, ok := c["body"].(map[string]any); ok && r.v2 {
		elements, _ = body["elements"].([]any)
	}
	b.WriteString(`<div class="fp-body">`)
	for _, el := range elements {
		b.WriteString(r.element(el))
	}
	b.WriteString(`</div></div>`)
	return b.String()
}

func nonNil(v any) any {
	if v == nil {
		return ""
	}
	return v
}

func (r *renderer) header(h map[string]any) string {
	tpl, _ := h["template"].(string)
	if tpl == "" {
		tpl = "default"
	}
	title := r.text(h["title"])
	sub := r.text(h["subtitle"])
	if title == "" && sub != "" {
		title, sub = sub, ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="fp-header fp-tpl-%s"><div class="fp-title">%s`, cssName(tpl), title)
	if tags, ok := h["text_tag_list"].([]any); ok {
		for i, t := range tags {
			if i == 3 {
				break
			}
			tm, _ := t.(map[string]any)
			c, _ := tm["color"].(string)
			if c == "" {
				c = "blue"
			}
			fmt.Fprintf(&b, ` <span class="fp-tag fp-tag-%s">%s</span>`, cssName(c), r.text(tm["text"]))
		}
	}
	b.WriteString(`</div>`)
	if sub != "" {
		b.WriteString(`<div class="fp-subtitle">` + sub + `</div>`)
	}
	b.WriteString(`</div>`)
	return b.String()
}

// text renders a text object {tag: plain_text|lark_md, content}.
func (r *renderer) text(v any) string {
	t, ok := v.(map[string]any)
	if !ok {
		if s, ok := v.(string); ok {
			return html.EscapeString(s)
		}
		return ""
	}
	content, _ := t["content"].(string)
	if t["tag"] == "lark_md" {
		return Markdown(content, false)
	}
	return strings.ReplaceAll(html.EscapeString(content), "\n", "<br>")
}

func (r *renderer) elements(v any) string {
	list, _ := v.([]any)
	var b strings.Builder
	for _, el := range list {
		b.WriteString(r.element(el))
	}
	return b.String()
}

func (r *renderer) element(v any) string {
	el, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	tag, _ := el["tag"].(string)
	switch tag {
	case "markdown":
		content, _ := el["content"].(string)
		size, _ := el["text_size"].(string)
		align, _ := el["text_align"].(string)
		return fmt.Sprintf(`<div class="fp-md fp-size-%s fp-align-%s">%s</div>`, cssName(first(size, "normal")), cssName(first(align, "left")), Markdown(content, true))
	case "div":
		var b strings.Builder
		b.WriteString(`<div class="fp-div">`)
		if t := r.text(el["text"]); t != "" {
			b.WriteString(`<div class="fp-md">` + t + `</div>`)
		}
		if fields, ok := el["fields"].([]any); ok {
			b.WriteString(`<div class="fp-fields">`)
			for _, f := range fields {
				fm, _ := f.(map[string]any)
				cls := "fp-field"
				if fm["is_short"] == true {
					cls += " fp-short"
				}
				b.WriteString(`<div class="` + cls + `">` + r.text(fm["text"]) + `</div>`)
			}
			b.WriteString(`</div>`)
		}
		if extra, ok := el["extra"].(map[string]any); ok {
			b.WriteString(`<div class="fp-extra">` + r.element(extra) + `</div>`)
		}
		b.WriteString(`</div>`)
		return b.String()
	case "plain_text", "lark_md":
		return `<div class="fp-md">` + r.text(el) + `</div>`
	case "hr":
		return `<hr class="fp-hr">`
	case "note":
		var b strings.Builder
		b.WriteString(`<div class="fp-note">`)
		items, _ := el["elements"].([]any)
		for _, it := range items {
			im, _ := it.(map[string]any)
			if im["tag"] == "img" {
				k, _ := im["img_key"].(string)
				b.WriteString(r.image(k, "", "fp-note-img"))
				continue
			}
			b.WriteString(`<span>` + r.text(im) + `</span>`)
		}
		b.WriteString(`</div>`)
		return b.String()
	case "img":
		k, _ := el["img_key"].(string)
		alt := r.text(el["alt"])
		title := r.text(el["title"])
		out := r.image(k, alt, "fp-img")
		if title != "" {
			out = `<div class="fp-img-title">` + title + `</div>` + out
		}
		return `<figure class="fp-figure">` + out + `</figure>`
	case "column_set":
		var b strings.Builder
		bg, _ := el["background_style"].(string)
		mode, _ := el["flex_mode"].(string)
		fmt.Fprintf(&b, `<div class="fp-colset fp-flex-%s fp-bg-%s">`, cssName(first(mode, "none")), cssName(first(bg, "default")))
		cols, _ := el["columns"].([]any)
		for _, c := range cols {
			cm, _ := c.(map[string]any)
			style := ""
			switch cm["width"] {
			case "weighted":
				w, _ := cm["weight"].(json.Number).Int64()
				style = fmt.Sprintf("flex:%d 1 0", max(w, 1))
			case "auto", nil:
				style = "flex:1 1 0"
			default:
				style = "flex:0 0 " + html.EscapeString(fmt.Sprint(cm["width"]))
			}
			cbg, _ := cm["background_style"].(string)
			fmt.Fprintf(&b, `<div class="fp-col fp-bg-%s" style="%s">%s</div>`, cssName(first(cbg, "default")), style, r.elements(cm["elements"]))
		}
		b.WriteString(`</div>`)
		return b.String()
	case "action":
		layout, _ := el["layout"].(string)
		return fmt.Sprintf(`<div class="fp-actions fp-layout-%s">%s</div>`, cssName(first(layout, "flow")), r.elements(el["actions"]))
	case "button":
		return r.button(el)
	case "table":
		return r.table(el)
	case "collapsible_panel":
		return `<details class="fp-panel"><summary>` + r.text(dig(el, "header", "title")) + `</summary>` + r.elements(el["elements"]) + `</details>`
	}
	if inner, ok := el["elements"]; ok {
		return r.elements(inner)
	}
	return `<div class="fp-unknown">[` + html.EscapeString(tag) + `]</div>`
}

func dig(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, _ := v.(map[string]any)
		v = mm[k]
	}
	return v
}

func (r *renderer) button(el map[string]any) string {
	typ, _ := el["type"].(string)
	href, _ := el["url"].(string)
	if mu, ok := el["multi_url"].(map[string]any); ok && href == "" {
		href, _ = mu["url"].(string)
	}
	if bs, ok := el["behaviors"].([]any); ok {
		for _, bh := range bs {
			if m, _ := bh.(map[string]any); m["type"] == "open_url" {
				href, _ = m["default_url"].(string)
			}
		}
	}
	label := r.text(el["text"])
	u := safeURL(href)
	if u == "" {
		return fmt.Sprintf(`<span class="fp-btn fp-btn-%s">%s</span>`, cssName(first(typ, "default")), label)
	}
	return fmt.Sprintf(`<a class="fp-btn fp-btn-%s" href="%s" target="_blank" rel="noopener">%s</a>`, cssName(first(typ, "default")), html.EscapeString(u), label)
}

func (r *renderer) table(el map[string]any) string {
	cols, _ := el["columns"].([]any)
	rows, _ := el["rows"].([]any)
	pageSize := 5
	if ps, ok := el["page_size"].(json.Number); ok {
		if n, err := ps.Int64(); err == nil && n >= 1 && n <= 10 {
			pageSize = int(n)
		}
	}
	var b strings.Builder
	b.WriteString(`<div class="fp-table-wrap"><table class="fp-table"><thead><tr>`)
	for _, c := range cols {
		cm, _ := c.(map[string]any)
		cls := ""
		if cm["data_type"] == "number" {
			cls = ` class="fp-num"`
		}
		b.WriteString(`<th` + cls + `>` + html.EscapeString(fmt.Sprint(first(str(cm["display_name"]), str(cm["name"])))) + `</th>`)
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
			b.WriteString(cell(cm, rm[str(cm["name"])]))
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

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func cell(col map[string]any, v any) string {
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
				if pi, err := p.Int64(); err == nil {
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
		return `<td>` + Markdown(str(v), false) + `</td>`
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
	}
	return `<td>` + html.EscapeString(str(v)) + `</td>`
}

// number formats a table number: prec decimals (-1: as given), with
// thousands separators when sep.
func number(f float64, prec int, sep bool) string {
	s := fmt.Sprintf("%.*f", prec, f)
	if prec < 0 {
		s = fmt.Sprint(f)
		if math.Abs(f) >= 1e21 {
			s = fmt.Sprintf("%.0f", f)
		}
	}
	if !sep {
		return s
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	ip, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range ip {
		if i > 0 && (len(ip)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return b.String()
}

func (r *renderer) image(key, alt, class string) string {
	src := ""
	if r.o.ImageURL != nil && key != "" {
		src = r.o.ImageURL(key)
	}
	if src == "" {
		return fmt.Sprintf(`<div class="fp-img-missing %s" title="%s">image %s</div>`, class, html.EscapeString(alt), html.EscapeString(key))
	}
	return fmt.Sprintf(`<img class="%s" src="%s" alt="%s" data-key="%s" onload="this.dataset.loaded='true'">`,
		class, html.EscapeString(src), html.EscapeString(html.UnescapeString(alt)), html.EscapeString(key))
}

// post renders a rich-text (post) message: a locale's title and paragraphs.
func (r *renderer) post(obj map[string]any) string {
	locales := make([]string, 0, len(obj))
	for k := range obj {
		locales = append(locales, k)
	}
	sort.Strings(locales)
	pick := ""
	for _, pref := range []string{"zh_cn", "en_us"} {
		if _, ok := obj[pref]; ok {
			pick = pref
			break
		}
	}
	if pick == "" && len(locales) > 0 {
		pick = locales[0]
	}
	p, _ := obj[pick].(map[string]any)
	var b strings.Builder
	if t, _ := p["title"].(string); t != "" {
		b.WriteString(`<div class="fp-post-title">` + html.EscapeString(t) + `</div>`)
	}
	paras, _ := p["content"].([]any)
	for _, para := range paras {
		nodes, _ := para.([]any)
		b.WriteString(`<p>`)
		for _, n := range nodes {
			nm, _ := n.(map[string]any)
			text := html.EscapeString(str(nm["text"]))
			switch nm["tag"] {
			case "text":
				b.WriteString(strings.ReplaceAll(text, "\n", "<br>"))
			case "a":
				b.WriteString(link(str(nm["href"]), text))
			case "at":
				b.WriteString(mention(str(nm["user_id"]), str(nm["user_name"])))
			case "img":
				b.WriteString(r.image(str(nm["image_key"]), "", "fp-img"))
			case "hr":
				b.WriteString(`<hr class="fp-hr">`)
			case "code_block":
				b.WriteString(`<pre class="fp-code"><code>` + text + `</code></pre>`)
			case "md":
				b.WriteString(Markdown(str(nm["text"]), true))
			case "emotion":
				b.WriteString(html.EscapeString(first(emoji[str(nm["emoji_type"])], ":"+str(nm["emoji_type"])+":")))
			}
		}
		b.WriteString(`</p>`)
	}
	return b.String()
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// cssName keeps a value usable in a class name.
func cssName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '-' || r == '_' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
