package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"html"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/feishu-push/feishu-push/pkg/vchart"
)

// Values that reach a style attribute are either built here from constants
// or must match one of these; anything else is dropped.
var (
	cssLength = lazyRegexp(`^\d{1,4}(\.\d{1,2})?(px|%)$`)
	cssColor  = lazyRegexp(`^(#[0-9A-Fa-f]{3,8}|rgba?\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*(,\s*(0|1|0?\.\d+)\s*)?\))$`)
	sizeWxH   = lazyRegexp(`^(\d{1,4})px\s+(\d{1,4})px$`)
)

// Locales lists the languages a card or a post offers, the default (zh_cn) first
// when present: keys of 1.0 i18n_elements and i18n_header, 2.0
// config.locales, and every i18n_content map. The inbox offers them as a
// language switch and passes the choice as Options.Locale.
func Locales(content []byte) []string {
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(content))
	dec.UseNumber()
	if dec.Decode(&obj) != nil {
		return nil
	}
	seen := map[string]bool{}
	addKeys := func(v any) {
		if m, ok := v.(map[string]any); ok {
			for k := range m {
				seen[k] = true
			}
		}
	}
	if post, ok := obj["post"].(map[string]any); ok {
		obj = post // the webhook's post wrapper
	}
	if postLocales(obj) {
		addKeys(obj)
	}
	addKeys(obj["i18n_elements"])
	addKeys(obj["i18n_header"])
	if cfg, ok := obj["config"].(map[string]any); ok {
		if ls, ok := cfg["locales"].([]any); ok {
			for _, l := range ls {
				if s, ok := l.(string); ok {
					seen[s] = true
				}
			}
		}
	}
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, c := range t {
				if k == "i18n_content" || k == "i18n" {
					addKeys(c)
				}
				walk(c)
			}
		case []any:
			for _, c := range t {
				walk(c)
			}
		}
	}
	walk(obj)
	if len(seen) == 0 {
		return nil
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		if k != "" && cssName(k) == k {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		switch {
		case a == "zh_cn":
			return -1
		case b == "zh_cn":
			return 1
		}
		return strings.Compare(a, b)
	})
	return out
}

// postLocales reports whether obj is a post's locale map:
// {"zh_cn":{"title","content"},...}.
func postLocales(obj map[string]any) bool {
	for k, v := range obj {
		m, ok := v.(map[string]any)
		if !ok || !localeKey().MatchString(k) {
			return false
		}
		if _, ok := m["content"].([]any); !ok {
			if _, ok := m["title"].(string); !ok {
				return false
			}
		}
	}
	return len(obj) > 0
}

var localeKey = lazyRegexp(`^[a-z]{2}_[a-z]{2}$`)

// pick returns m's value for the locale, else zh_cn, en_us, then the first.
func (r *renderer) pick(m map[string]any) (any, bool) {
	for _, k := range []string{r.locale, "zh_cn", "en_us"} {
		if v, ok := m[k]; ok {
			return v, true
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) > 0 {
		return m[keys[0]], true
	}
	return nil, false
}

// localized returns the i18n version of a string for the chosen locale
// when the card has one, else def.
func (r *renderer) localized(el map[string]any, key, def string) string {
	m, ok := el[key].(map[string]any)
	if !ok {
		return def
	}
	if s, ok := m[r.locale].(string); ok && s != "" {
		return s
	}
	if def == "" {
		// No text of its own: the first locale that has one.
		for _, k := range append([]string{"zh_cn", "en_us"}, slices.Sorted(maps.Keys(m))...) {
			if s, ok := m[k].(string); ok && s != "" {
				return s
			}
		}
	}
	return def
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
	r.colors = map[string]string{}
	if cfg, ok := c["config"].(map[string]any); ok {
		if w, ok := cfg["width_mode"].(string); ok {
			width = w
		}
		if cfg["compact_width"] == true {
			width = "compact"
		}
		if st, ok := cfg["style"].(map[string]any); ok {
			if cols, ok := st["color"].(map[string]any); ok {
				for name, v := range cols {
					m, _ := v.(map[string]any)
					if lm, _ := m["light_mode"].(string); cssColor().MatchString(strings.TrimSpace(lm)) {
						r.colors[name] = strings.TrimSpace(lm)
					}
				}
			}
		}
	}
	r.width = 576 // 600px less the body's padding
	if width == "compact" {
		r.width = 376
	}
	fmt.Fprintf(&b, `<div class="fp-card fp-width-%s" data-schema="%s" lang="%s">`, cssName(width), map[bool]string{true: "2.0", false: "1.0"}[r.v2], cssName(strings.ReplaceAll(r.locale, "_", "-")))
	h, ok := c["header"].(map[string]any)
	if ih, isMap := c["i18n_header"].(map[string]any); isMap && (!ok || !r.v2) {
		if v, found := r.pick(ih); found {
			if hm, isHeader := v.(map[string]any); isHeader && (!ok || ih[r.locale] != nil) {
				h, ok = hm, true
			}
		}
	}
	if ok {
		b.WriteString(r.header(h))
	}
	var elements []any
	if r.v2 {
		if body, ok := c["body"].(map[string]any); ok {
			elements, _ = body["elements"].([]any)
		}
	} else {
		elements, _ = c["elements"].([]any)
		if ie, ok := c["i18n_elements"].(map[string]any); ok && (elements == nil || ie[r.locale] != nil) {
			if v, found := r.pick(ie); found {
				elements, _ = v.([]any)
			}
		}
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
	fmt.Fprintf(&b, `<div class="fp-header fp-tpl-%s"><div class="fp-title">`, cssName(tpl))
	if icon, ok := h["icon"].(map[string]any); ok {
		b.WriteString(r.icon(icon, "fp-header-icon"))
	}
	b.WriteString(title)
	tags, _ := h["text_tag_list"].([]any)
	if it, ok := h["i18n_text_tag_list"].(map[string]any); ok {
		if v, ok := it[r.locale].([]any); ok {
			tags = v
		}
	}
	for i, t := range tags {
		if i == 3 {
			break
		}
		tm, _ := t.(map[string]any)
		b.WriteString(" " + r.textTag(tm))
	}
	b.WriteString(`</div>`)
	if sub != "" {
		b.WriteString(`<div class="fp-subtitle">` + sub + `</div>`)
	}
	b.WriteString(`</div>`)
	return b.String()
}

func (r *renderer) textTag(tm map[string]any) string {
	c, _ := tm["color"].(string)
	if c == "" {
		c = "blue"
	}
	return fmt.Sprintf(`<span class="fp-tag fp-tag-%s">%s</span>`, cssName(c), r.text(tm["text"]))
}

// text renders a text object {tag: plain_text|lark_md, content} in the
// chosen locale.
func (r *renderer) text(v any) string {
	t, ok := v.(map[string]any)
	if !ok {
		if s, ok := v.(string); ok {
			return html.EscapeString(s)
		}
		return ""
	}
	content, _ := t["content"].(string)
	content = r.localized(t, "i18n", r.localized(t, "i18n_content", content))
	switch t["tag"] {
	case "lark_md":
		return markdown(content, false, r.colors)
	case "markdown":
		return markdown(content, true, r.colors)
	}
	out := strings.ReplaceAll(html.EscapeString(sanitize(content)), "\n", "<br>")
	var cls []string
	style := ""
	if c, _ := t["text_color"].(string); c != "" && c != "default" {
		if v := r.color(c); v != "" {
			style = "color:" + v
		}
	}
	if s, _ := t["text_size"].(string); s != "" {
		cls = append(cls, "fp-size-"+cssName(s))
	}
	if n, ok := t["lines"].(json.Number); ok {
		if l, err := n.Int64(); err == nil && l > 0 && l < 100 {
			style += fmt.Sprintf(";-webkit-line-clamp:%d", l)
			cls = append(cls, "fp-clamp")
		}
	}
	if len(cls) == 0 && style == "" {
		return out
	}
	return fmt.Sprintf(`<span class="%s" style="%s">%s</span>`, strings.Join(cls, " "), strings.TrimPrefix(style, ";"), out)
}

// color maps a colour name (red, red-500, grey, cus-0, default) to a CSS
// colour, or "" when the name is unknown.
func (r *renderer) color(name string) string {
	if c, ok := r.colors[name]; ok {
		return c
	}
	if v := colorValue(name); v != "inherit" {
		return v
	}
	return ""
}

// background maps a background_style to a CSS colour: base names are
// drawn as their light -50 tint, shades and custom colours as given.
func (r *renderer) background(name string) string {
	switch name {
	case "", "default", "none", "transparent":
		return ""
	}
	if c, ok := r.colors[name]; ok {
		return c
	}
	if p, ok := palette()[strings.ToLower(name)]; ok {
		return p[0]
	}
	if strings.HasPrefix(name, "bg-white") || name == "white" {
		return "#FFFFFF"
	}
	return r.color(name)
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
		content = r.localized(el, "i18n_content", content)
		size, _ := el["text_size"].(string)
		align, _ := el["text_align"].(string)
		icon := ""
		if im, ok := el["icon"].(map[string]any); ok {
			icon = r.icon(im, "fp-inline-icon")
		}
		body := markdown(content, true, r.colors)
		if icon != "" {
			body = `<div class="fp-with-icon">` + icon + `<div>` + body + `</div></div>`
		}
		return fmt.Sprintf(`<div class="fp-md fp-size-%s fp-align-%s">%s</div>`, cssName(first(size, "normal")), cssName(first(align, "left")), body)
	case "div":
		var b strings.Builder
		b.WriteString(`<div class="fp-div">`)
		if t := r.text(el["text"]); t != "" {
			icon := ""
			if im, ok := el["icon"].(map[string]any); ok {
				icon = r.icon(im, "fp-inline-icon")
			}
			tm, _ := el["text"].(map[string]any)
			align, _ := tm["text_align"].(string)
			fmt.Fprintf(&b, `<div class="fp-md fp-with-icon fp-align-%s">%s<div>%s</div></div>`, cssName(first(align, "left")), icon, t)
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
			switch im["tag"] {
			case "img":
				k, _ := im["img_key"].(string)
				b.WriteString(r.image(k, "", "fp-note-img"))
			case "standard_icon", "custom_icon":
				b.WriteString(r.icon(im, "fp-note-icon"))
			default:
				b.WriteString(`<span>` + r.text(im) + `</span>`)
			}
		}
		b.WriteString(`</div>`)
		return b.String()
	case "img":
		return r.img(el)
	case "img_combination":
		return r.imgCombination(el)
	case "column_set":
		return r.columnSet(el)
	case "action":
		layout, _ := el["layout"].(string)
		return fmt.Sprintf(`<div class="fp-actions fp-layout-%s">%s</div>`, cssName(first(layout, "flow")), r.elements(el["actions"]))
	case "button":
		return r.button(el)
	case "table":
		return r.table(el)
	case "collapsible_panel":
		return r.panel(el)
	case "form":
		return `<div class="fp-form">` + r.elements(el["elements"]) + `</div>`
	case "interactive_container":
		return r.container(el)
	case "chart":
		return r.chart(el)
	case "input", "select_static", "multi_select_static", "select_person", "multi_select_person",
		"date_picker", "picker_time", "picker_datetime", "overflow", "select_img", "checker":
		return r.control(tag, el)
	case "person":
		id, _ := el["user_id"].(string)
		size, _ := el["size"].(string)
		return `<div class="fp-person fp-person-` + cssName(first(size, "medium")) + `">` +
			r.person(id, el["show_avatar"] != false, el["show_name"] != false, el["style"] == "capsule") + `</div>`
	case "person_list":
		var b strings.Builder
		b.WriteString(`<div class="fp-person-list">`)
		if im, ok := el["icon"].(map[string]any); ok {
			b.WriteString(r.icon(im, "fp-inline-icon"))
		}
		ps, _ := el["persons"].([]any)
		for _, p := range ps {
			pm, _ := p.(map[string]any)
			id, _ := pm["id"].(string)
			b.WriteString(r.person(id, el["show_avatar"] != false, el["show_name"] != false, false))
		}
		b.WriteString(`</div>`)
		return b.String()
	case "audio":
		return `<div class="fp-audio" aria-disabled="true"><svg class="fp-audio-play" viewBox="0 0 16 16" width="14" height="14" fill="currentColor"><path d="M4 2.5v11l9-5.5z"/></svg><span class="fp-audio-bar"><span></span></span><span class="fp-audio-time">00:00</span></div>`
	case "text_tag":
		return `<div>` + r.textTag(el) + `</div>`
	case "standard_icon", "custom_icon":
		return r.icon(el, "fp-inline-icon")
	case "fallback_text":
		return ""
	}
	if inner, ok := el["elements"]; ok {
		return r.elements(inner)
	}
	if len(el) == 0 {
		return "" // {} stands for "an element goes here" in the docs
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

// styleOf joins CSS declarations whose values were checked or built here.
func styleOf(decls ...string) string {
	var parts []string
	for i := 0; i+1 < len(decls); i += 2 {
		if decls[i+1] != "" {
			parts = append(parts, decls[i]+":"+decls[i+1])
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return ` style="` + html.EscapeString(strings.Join(parts, ";")) + `"`
}

// length returns v as a CSS length when it is one ("8px", "50%", 8).
func length(v any) string {
	switch t := v.(type) {
	case string:
		t = strings.TrimSpace(t)
		if cssLength().MatchString(t) {
			return t
		}
		switch t {
		case "small":
			return "4px"
		case "medium":
			return "8px"
		case "large":
			return "12px"
		case "extra_large":
			return "16px"
		}
	case json.Number:
		if f, err := t.Float64(); err == nil && f >= 0 && f < 10000 {
			return strconv.FormatFloat(f, 'f', -1, 64) + "px"
		}
	}
	return ""
}

func (r *renderer) img(el map[string]any) string {
	k, _ := el["img_key"].(string)
	if m, ok := el["i18n_img_key"].(map[string]any); ok {
		if s, ok := m[r.locale].(string); ok && s != "" {
			k = s
		}
	}
	alt := r.text(el["alt"])
	title := r.text(el["title"])
	size, _ := el["size"].(string)
	if size == "" {
		size, _ = el["mode"].(string)
	}
	style := ""
	cls := "fp-img"
	switch size {
	case "large", "medium", "small", "tiny", "stretch_without_padding":
		cls += " fp-img-" + size
	default:
		if m := sizeWxH().FindStringSubmatch(size); m != nil {
			style = styleOf("width", m[1]+"px", "height", m[2]+"px")
			cls += " fp-img-fixed"
		}
	}
	if cr := length(el["corner_radius"]); cr != "" {
		style = styleOf("border-radius", cr)
	}
	out := r.image(k, alt, cls)
	if style != "" {
		out = `<div class="fp-img-box"` + style + `>` + out + `</div>`
	}
	if title != "" {
		out = `<div class="fp-img-title">` + title + `</div>` + out
	}
	return `<figure class="fp-figure">` + out + `</figure>`
}

func (r *renderer) imgCombination(el map[string]any) string {
	mode, _ := el["combination_mode"].(string)
	list, _ := el["img_list"].([]any)
	var b strings.Builder
	fmt.Fprintf(&b, `<div class="fp-img-combo fp-combo-%s">`, cssName(first(mode, "bisect")))
	for _, it := range list {
		im, _ := it.(map[string]any)
		k, _ := im["img_key"].(string)
		b.WriteString(`<div class="fp-combo-cell">` + r.image(k, "", "fp-img") + `</div>`)
	}
	b.WriteString(`</div>`)
	return b.String()
}

// columnSet draws columns in a row at the width of a desktop card; flex_mode
// is how the client adapts them to a narrow screen (stack, wrap, two or
// three a row), which the stylesheet applies to narrow cards.
func (r *renderer) columnSet(el map[string]any) string {
	var b strings.Builder
	mode, _ := el["flex_mode"].(string)
	bg, _ := el["background_style"].(string)
	gap := length(el["horizontal_spacing"])
	fmt.Fprintf(&b, `<div class="fp-colset fp-flex-%s"%s>`, cssName(first(mode, "none")), styleOf("background", r.background(bg), "gap", gap, "padding", map[bool]string{true: "8px"}[r.background(bg) != ""]))
	cols, _ := el["columns"].([]any)
	for _, c := range cols {
		cm, _ := c.(map[string]any)
		flex := "1 1 0"
		switch w := cm["width"].(type) {
		case string:
			switch {
			case w == "weighted":
				n, _ := cm["weight"].(json.Number)
				wi, _ := n.Int64()
				flex = fmt.Sprintf("%d 1 0", min(max(wi, 1), 5))
			case w == "auto":
				flex = "0 1 auto"
			case cssLength().MatchString(w):
				flex = "0 0 " + w
			}
		}
		cbg, _ := cm["background_style"].(string)
		va, _ := cm["vertical_align"].(string)
		pad := length(cm["padding"])
		if pad == "" && r.background(cbg) != "" {
			pad = "8px 12px"
		}
		fmt.Fprintf(&b, `<div class="fp-col fp-valign-%s"%s>%s</div>`, cssName(first(va, "top")),
			styleOf("flex", flex, "background", r.background(cbg), "padding", pad, "gap", length(cm["vertical_spacing"])), r.elements(cm["elements"]))
	}
	b.WriteString(`</div>`)
	return b.String()
}

// callback returns the data attributes that let the inbox's script wire a
// click: the value sent back (as JSON) and the element's id.
func callback(el map[string]any, value any) string {
	out := ""
	if value != nil {
		b, err := json.Marshal(value)
		if err == nil {
			out += ` data-callback="` + html.EscapeString(string(b)) + `"`
		}
	}
	if id, ok := el["element_id"].(string); ok && id != "" {
		out += ` data-element-id="` + html.EscapeString(id) + `"`
	}
	return out
}

func (r *renderer) button(el map[string]any) string {
	typ, _ := el["type"].(string)
	href, _ := el["url"].(string)
	if mu, ok := el["multi_url"].(map[string]any); ok && href == "" {
		href, _ = mu["url"].(string)
		if href == "" {
			href, _ = mu["pc_url"].(string)
		}
	}
	var cb any
	if bs, ok := el["behaviors"].([]any); ok {
		for _, bh := range bs {
			m, _ := bh.(map[string]any)
			switch m["type"] {
			case "open_url":
				href, _ = m["default_url"].(string)
				if href == "" {
					href, _ = m["pc_url"].(string)
				}
			case "callback":
				cb = m["value"]
				if cb == nil {
					cb = map[string]any{}
				}
			}
		}
	} else if v, ok := el["value"]; ok && href == "" {
		cb = v // a 1.0 button with a value and no link calls back
	}
	label := r.text(el["text"])
	if im, ok := el["icon"].(map[string]any); ok {
		label = r.icon(im, "fp-inline-icon") + label
	}
	cls := "fp-btn fp-btn-" + cssName(first(typ, "default"))
	if s, _ := el["size"].(string); s != "" {
		cls += " fp-btn-size-" + cssName(s)
	}
	if el["width"] == "fill" {
		cls += " fp-btn-fill"
	}
	if el["disabled"] == true {
		cls += " fp-disabled"
	}
	u := safeURL(href)
	if u == "" {
		if cb != nil || el["form_action_type"] != nil || el["action_type"] == "form_submit" {
			return fmt.Sprintf(`<button type="button" class="%s"%s>%s</button>`, cls, callback(el, cb), label)
		}
		return fmt.Sprintf(`<span class="%s">%s</span>`, cls, label)
	}
	return fmt.Sprintf(`<a class="%s" href="%s" target="_blank" rel="noopener"%s>%s</a>`, cls, html.EscapeString(u), callback(el, cb), label)
}

func (r *renderer) panel(el map[string]any) string {
	h, _ := el["header"].(map[string]any)
	open := ""
	if el["expanded"] == true {
		open = " open"
	}
	border := ""
	if bm, ok := el["border"].(map[string]any); ok {
		c, _ := bm["color"].(string)
		border = first(r.color(c), "#DEE0E3")
		border = "1px solid " + border
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<details class="fp-panel"%s%s><summary%s><span class="fp-panel-title">%s</span><span class="fp-chevron">⌄</span></summary><div class="fp-panel-body">%s</div></details>`,
		open, styleOf("border", border, "background", r.background(str(el["background_color"]))),
		styleOf("background", r.background(str(h["background_color"]))), r.text(h["title"]), r.elements(el["elements"]))
	return b.String()
}

func (r *renderer) container(el map[string]any) string {
	border := ""
	if el["has_border"] == true {
		c, _ := el["border_color"].(string)
		border = "1px solid " + first(r.color(c), "#DEE0E3")
	}
	var cb any
	href := ""
	if bs, ok := el["behaviors"].([]any); ok {
		for _, bh := range bs {
			m, _ := bh.(map[string]any)
			switch m["type"] {
			case "open_url":
				href = safeURL(str(m["default_url"]))
			case "callback":
				cb = first2(m["value"], map[string]any{})
			}
		}
	}
	attrs := callback(el, cb)
	if href != "" {
		attrs += ` data-href="` + html.EscapeString(href) + `"`
	}
	bg, _ := el["background_style"].(string)
	return fmt.Sprintf(`<div class="fp-container"%s%s>%s</div>`,
		styleOf("border", border, "border-radius", length(el["corner_radius"]), "background", r.background(bg), "padding", first(length(el["padding"]), "4px 8px")),
		attrs, r.elements(el["elements"]))
}

func first2(v, def any) any {
	if v == nil {
		return def
	}
	return v
}

func (r *renderer) chart(el map[string]any) string {
	spec, _ := json.Marshal(el["chart_spec"])
	svg, err := vchart.SVG(spec, r.width)
	if err == nil && strings.HasPrefix(strings.TrimSpace(svg), "<svg") {
		return `<div class="fp-chart">` + svg + `</div>`
	}
	sm, _ := el["chart_spec"].(map[string]any)
	title := ""
	if t, ok := sm["title"].(map[string]any); ok {
		title = str(t["text"])
	}
	typ := str(sm["type"])
	why := "not drawn offline"
	if err != nil && !errors.Is(err, vchart.ErrUnsupported) {
		why = "cannot be drawn"
	}
	return fmt.Sprintf(`<div class="fp-chart-fallback" role="img" aria-label="chart"><span class="fp-chart-glyph">%s</span><span>图表 chart: %s%s</span><span class="fp-chart-why">%s</span></div>`,
		r.glyph("chart"), html.EscapeString(typ), html.EscapeString(map[bool]string{true: " · " + title}[title != ""]), why)
}

// control draws a form control or picker the way the client shows it
// before anyone touches it; offline nothing can be picked, so it is drawn
// disabled.
func (r *renderer) control(tag string, el map[string]any) string {
	ph := r.text(el["placeholder"])
	wstyle := ""
	if w := length(el["width"]); w != "" {
		wstyle = w
	} else if el["width"] == "fill" {
		wstyle = "100%"
	}
	box := func(value, glyph string) string {
		cls := "fp-ctl"
		if value == "" {
			value = `<span class="fp-ph">` + first(ph, "请选择") + `</span>`
		}
		return fmt.Sprintf(`<div class="%s" aria-disabled="true"%s><span class="fp-ctl-value">%s</span><span class="fp-ctl-glyph">%s</span></div>`, cls, styleOf("width", wstyle), value, glyph)
	}
	optionText := func(value string) string {
		opts, _ := el["options"].([]any)
		for _, o := range opts {
			om, _ := o.(map[string]any)
			if str(om["value"]) == value {
				return r.text(om["text"])
			}
		}
		return html.EscapeString(value)
	}
	switch tag {
	case "input":
		label := r.text(el["label"])
		v := html.EscapeString(str(el["default_value"]))
		cls := "fp-ctl fp-input"
		if el["input_type"] == "multiline_text" {
			cls += " fp-multiline"
		}
		if v == "" {
			v = `<span class="fp-ph">` + first(ph, "请输入") + `</span>`
		}
		out := fmt.Sprintf(`<div class="%s" aria-disabled="true"%s><span class="fp-ctl-value">%s</span></div>`, cls, styleOf("width", wstyle), v)
		if label != "" {
			pos := "top"
			if el["label_position"] == "left" {
				pos = "left"
			}
			out = `<div class="fp-labelled fp-label-` + pos + `"><span class="fp-label">` + label + `</span>` + out + `</div>`
		}
		return out
	case "select_static":
		return box(optionText(str(el["initial_option"])), "⌄")
	case "multi_select_static":
		vals, _ := el["selected_values"].([]any)
		var tags []string
		for _, v := range vals {
			tags = append(tags, `<span class="fp-chip">`+optionText(str(v))+`</span>`)
		}
		return box(strings.Join(tags, ""), "⌄")
	case "select_person":
		if id := str(el["initial_option"]); id != "" {
			return box(r.person(id, true, true, false), "⌄")
		}
		return box("", "⌄")
	case "multi_select_person":
		vals, _ := el["selected_values"].([]any)
		var ps []string
		for _, v := range vals {
			ps = append(ps, r.person(str(v), true, true, true))
		}
		return box(strings.Join(ps, ""), "⌄")
	case "date_picker":
		return box(html.EscapeString(str(el["initial_date"])), r.glyph("calendar"))
	case "picker_time":
		return box(html.EscapeString(str(el["initial_time"])), r.glyph("time"))
	case "picker_datetime":
		return box(html.EscapeString(str(el["initial_datetime"])), r.glyph("calendar"))
	case "overflow":
		return `<span class="fp-btn fp-overflow" aria-disabled="true" title="more">···</span>`
	case "checker":
		checked := el["checked"] == true
		cls := "fp-checker"
		mark := "☐"
		if checked {
			mark = "☑"
			if cs, ok := el["checked_style"].(map[string]any); ok && cs["show_strikethrough"] == true {
				cls += " fp-checked-strike"
			}
			cls += " fp-checked"
		}
		return fmt.Sprintf(`<div class="%s" aria-disabled="true"><span class="fp-check-box">%s</span><span>%s</span></div>`, cls, mark, r.text(el["text"]))
	case "select_img":
		layout, _ := el["layout"].(string)
		opts, _ := el["options"].([]any)
		var b strings.Builder
		fmt.Fprintf(&b, `<div class="fp-select-img fp-combo-%s" aria-disabled="true">`, cssName(first(layout, "bisect")))
		for _, o := range opts {
			om, _ := o.(map[string]any)
			b.WriteString(`<div class="fp-combo-cell">` + r.image(str(om["img_key"]), "", "fp-img") + `</div>`)
		}
		b.WriteString(`</div>`)
		return b.String()
	}
	return ""
}

// person draws a user as the client does: a round avatar and the name.
func (r *renderer) person(id string, avatar, name, capsule bool) string {
	return personChipNamed(id, r.personName(id), avatar, name, capsule)
}

func (r *renderer) personName(id string) string {
	if r.o.PersonName != nil {
		if n := r.o.PersonName(id); n != "" {
			return n
		}
	}
	return id
}

// personChip draws <person id=...> in markdown, where no name is known.
func personChip(id string, avatar, name, capsule bool) string {
	return personChipNamed(id, id, avatar, name, capsule)
}

func personChipNamed(id, label string, avatar, name, capsule bool) string {
	hues := []string{"blue", "turquoise", "green", "orange", "violet", "indigo", "carmine", "wathet"}
	h := fnv.New32a()
	h.Write([]byte(id))
	bg := palette()[hues[h.Sum32()%uint32(len(hues))]][2]
	initial := "?"
	if rs := []rune(strings.TrimPrefix(strings.TrimPrefix(label, "ou_"), "on_")); len(rs) > 0 {
		initial = strings.ToUpper(string(rs[0]))
	}
	cls := "fp-person-chip"
	if capsule {
		cls += " fp-capsule"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<span class="%s" title="%s">`, cls, html.EscapeString(id))
	if avatar || !name {
		fmt.Fprintf(&b, `<span class="fp-avatar" style="background:%s">%s</span>`, bg, html.EscapeString(initial))
	}
	if name {
		b.WriteString(`<span class="fp-person-name">` + html.EscapeString(label) + `</span>`)
	}
	b.WriteString(`</span>`)
	return b.String()
}

// cst is the time zone dates are shown in: Feishu's home zone. The client
// uses the reader's zone (UNCONFIRMED which one a preview should take).
var cst = time.FixedZone("CST", 8*3600)

// localDatetime formats <local_datetime millisecond=... format_type=...>.
func localDatetime(ms, format string) string {
	n, err := strconv.ParseInt(strings.TrimSpace(ms), 10, 64)
	if err != nil {
		return ms
	}
	t := time.UnixMilli(n).In(cst)
	switch format {
	case "date_num":
		return t.Format("2006/01/02")
	case "date_short":
		return t.Format("1月2日")
	case "date":
		return t.Format("2006年1月2日")
	case "week":
		return []string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}[t.Weekday()]
	case "time_sec":
		return t.Format("15:04:05")
	case "time":
		return t.Format("15:04")
	case "timezone":
		return "GMT+8"
	}
	return t.Format("2006/01/02 15:04")
}

// dateCell formats a table date cell (epoch milliseconds) with the
// column's date_format (YYYY, MM, DD, HH, mm, ss tokens).
func dateCell(v any, format string) string {
	var ms int64
	switch t := v.(type) {
	case json.Number:
		f, err := t.Float64()
		if err != nil {
			return t.String()
		}
		ms = int64(f)
	case string:
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil {
			return t
		}
		ms = n
	default:
		return str(v)
	}
	tm := time.UnixMilli(ms).In(cst)
	if format == "" {
		format = "YYYY/MM/DD"
	}
	rep := strings.NewReplacer("YYYY", "2006", "MM", "01", "DD", "02", "HH", "15", "mm", "04", "ss", "05")
	return tm.Format(rep.Replace(format))
}

// glyph draws one of the standard icon shapes by name, in grey.
func (r *renderer) glyph(token string) string {
	return r.icon(map[string]any{"tag": "standard_icon", "token": token}, "fp-glyph")
}
