package card

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/feishu-push/feishu-push/pkg/vchart"
)

// Feishu error codes the findings predict (230099 sub-codes unless noted).
const (
	codeParse     = 200621 // card JSON does not match the schema
	codeTag       = 200861 // a tag this version does not support
	codeImage     = 200570 // an image key Feishu does not know
	codeLimit     = 11310  // elements or tables over the limit
	codeRows      = 200914 // table rows invalid
	codeRowKey    = 200915 // a row key not declared as a column
	codeHTML      = 11246  // HTML markup markdown does not allow
	codeTemplate  = 200380 // template missing
	codeElementID = 200621 // element_id format or duplicate; UNCONFIRMED code
	codeChart     = 200550 // "chart spec is invalid" (Feishu's error code list)
	// codeCharts: more than five charts in a card. The docs advise at most
	// five and document no code for more; 11310 ("elements over the
	// limit") is UNCONFIRMED.
	codeCharts = 11310
)

type linter struct {
	findings []Finding
	v2       bool
	count    int
	tables   int
	ids      map[string]string // element_id -> first path
	// charts lists the paths of chart elements per element list: "" for
	// the card's elements, "i18n_elements.LOCALE" for each 1.0 locale.
	charts map[string][]string
}

func (l *linter) add(path, rule string, code int, msg string) {
	l.findings = append(l.findings, Finding{Path: path, Rule: rule, Msg: msg, Code: code})
}

func (l *linter) warn(path, rule string, code int, msg string) {
	l.findings = append(l.findings, Finding{Path: path, Rule: rule, Msg: msg, Code: code, Warning: true})
}

// strict is add in 2.0 and warn in 1.0, which ignores what it does not know.
func (l *linter) strict(path, rule string, code int, msg string) {
	if l.v2 {
		l.add(path, rule, code, msg)
	} else {
		l.warn(path, rule, code, msg)
	}
}

func (l *linter) version() Version {
	if l.v2 {
		return V2
	}
	return V1
}

var v1TopLevel = map[string]bool{"config": true, "card_link": true, "header": true, "elements": true, "i18n_elements": true, "i18n_header": true, "fallback": true, "schema": true}
var v2TopLevel = map[string]bool{"schema": true, "config": true, "card_link": true, "header": true, "body": true}

func (l *linter) card(obj map[string]any) {
	if typ, _ := obj["type"].(string); typ == "template" {
		d, _ := obj["data"].(map[string]any)
		if id, _ := d["template_id"].(string); id == "" {
			l.add("data.template_id", "template", codeTemplate, "a template card needs a template_id")
		}
		return
	}
	if wrapped := WebhookBody(obj); wrapped != "" {
		l.add(wrapped, "webhook-body", codeParse, "this is a webhook request body, not a card: pass the object under \"card\" (the card JSON itself)")
		return
	}
	switch s := obj["schema"]; s {
	case nil, "1.0":
	case "2.0":
		l.v2 = true
	default:
		l.add("schema", "schema", codeParse, fmt.Sprintf("unknown schema %v (want \"2.0\", or none for 1.0)", s))
		return
	}
	if l.v2 {
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			switch {
			case v2TopLevel[k]:
			case k == "i18n_header":
				// An official 2.0 example uses it; the 2.0 structure page
				// does not list it. No rejection is on record.
				l.warn(k, "v2-field", codeParse, "not in the documented 2.0 card structure (an official example uses it); locales in 2.0 go in config.locales and i18n_content")
				l.i18nHeader(obj[k], k)
			default:
				l.add(k, "v2-field", codeParse, "unknown field in a schema 2.0 card (2.0 rejects unknown fields)")
			}
		}
		l.config(obj["config"])
		if h, ok := obj["header"]; ok {
			l.header(h, "header")
		}
		if b, ok := obj["body"]; ok {
			bm, ok := b.(map[string]any)
			if !ok {
				l.add("body", "v2-body", codeParse, "must be an object holding elements")
			} else {
				l.props(bm, "body", bodyV2Props(), true)
			}
		}
		if l.count > MaxElements {
			l.add("body.elements", "count", codeLimit, fmt.Sprintf("%d components, over Feishu's limit of %d", l.count, MaxElements))
		}
	} else {
		if _, ok := obj["body"]; ok {
			l.warn("body", "v1-field", 0, `ignored: a card without "schema":"2.0" is 1.0 and keeps its elements in "elements"`)
		}
		if h, ok := obj["header"]; ok {
			l.header(h, "header")
		}
		l.i18nHeader(obj["i18n_header"], "i18n_header")
		if els, ok := obj["elements"]; ok {
			l.elementList(els, "elements")
		}
		if ie, ok := obj["i18n_elements"]; ok {
			m, ok := ie.(map[string]any)
			if !ok {
				l.add("i18n_elements", "i18n", codeParse, "must be an object of locale: elements")
			}
			for _, loc := range slices.Sorted(maps.Keys(m)) {
				l.elementList(m[loc], "i18n_elements."+loc)
			}
		}
	}
	for _, scope := range slices.Sorted(maps.Keys(l.charts)) {
		if paths := l.charts[scope]; len(paths) > vchart.MaxPerCard {
			l.add(paths[vchart.MaxPerCard], "chart", codeCharts, fmt.Sprintf("%d chart components, over Feishu's limit of %d per card", len(paths), vchart.MaxPerCard))
		}
	}
	if l.tables > MaxTables {
		l.add("", "table", codeLimit, fmt.Sprintf("%d tables (markdown tables included), over Feishu's limit of %d per card", l.tables, MaxTables))
	}
}

// WebhookBody returns the field that shows obj is a webhook request body
// ({"msg_type":...,"card":{...}}) rather than a card, or "".
func WebhookBody(obj map[string]any) string {
	if _, ok := obj["msg_type"]; ok {
		return "msg_type"
	}
	if c, ok := obj["card"].(map[string]any); ok && len(c) > 0 {
		for _, k := range []string{"elements", "body", "header", "schema", "i18n_elements"} {
			if _, ok := obj[k]; ok {
				return ""
			}
		}
		return "card"
	}
	return ""
}

// LooksLikeCard reports whether JSON data is a card (or a webhook body
// holding one) rather than dashboard data: a JSON object with a card's
// top-level fields. A 1.0 card whose content is only in i18n_elements is a
// card.
func LooksLikeCard(data []byte) bool {
	obj, err := Parse(data)
	if err != nil {
		return false
	}
	if obj["type"] == "template" {
		return true
	}
	for _, k := range []string{"schema", "elements", "i18n_elements", "i18n_header", "header", "body", "msg_type", "card"} {
		if _, ok := obj[k]; ok {
			return true
		}
	}
	return false
}

func (l *linter) config(v any) {
	if v == nil {
		return
	}
	cfg, ok := v.(map[string]any)
	if !ok {
		l.add("config", "config", codeParse, "must be an object")
		return
	}
	l.props(cfg, "config", configV2Props(), false)
	if um, ok := cfg["update_multi"]; ok && um != true {
		l.add("config.update_multi", "v2-config", codeParse, "must be true in a schema 2.0 card")
	}
}

func (l *linter) i18nHeader(v any, path string) {
	if v == nil {
		return
	}
	m, ok := v.(map[string]any)
	if !ok {
		l.add(path, "i18n", codeParse, "must be an object of locale: header")
		return
	}
	for _, loc := range slices.Sorted(maps.Keys(m)) {
		l.header(m[loc], path+"."+loc)
	}
}

func (l *linter) header(v any, path string) {
	h, ok := v.(map[string]any)
	if !ok {
		l.add(path, "header", codeParse, "must be an object")
		return
	}
	spec := headerV1Props()
	if l.v2 {
		spec = headerV2Props()
	}
	l.props(h, path, spec, false)
	if t, ok := h["template"].(string); ok && !ValidColor(t) {
		l.add(path+".template", "color", codeParse, fmt.Sprintf("unknown colour %q (want one of %s; hex codes are not accepted)", t, strings.Join(Colors, ", ")))
	}
	if tags, ok := h["text_tag_list"].([]any); ok {
		if len(tags) > 3 {
			l.warn(path+".text_tag_list", "header", 0, fmt.Sprintf("%d tags; Feishu shows the first 3", len(tags)))
		}
		l.elementList(tags, path+".text_tag_list")
	}
	if m, ok := h["i18n_text_tag_list"].(map[string]any); ok {
		for _, loc := range slices.Sorted(maps.Keys(m)) {
			l.elementList(m[loc], path+".i18n_text_tag_list."+loc)
		}
	}
	if icon, ok := h["icon"].(map[string]any); ok {
		l.icon(icon, path+".icon")
	}
}

// icon checks an icon object: {tag: standard_icon|custom_icon, ...}.
func (l *linter) icon(m map[string]any, path string) {
	if _, ok := m["tag"]; ok {
		l.element(m, path, false)
	}
}

// props checks an object against a property list: unknown properties (2.0
// only), kinds, enums, required properties, and what they hold.
func (l *linter) props(obj map[string]any, path string, spec map[string]Prop, root bool) {
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		p, ok := spec[k]
		if !ok {
			if l.v2 {
				l.add(path+"."+k, "unknown-property", codeParse, fmt.Sprintf("%q is not a documented property here; schema 2.0 rejects unknown properties", k))
			}
			continue
		}
		l.value(obj[k], path+"."+k, p, root)
	}
	for _, k := range slices.Sorted(maps.Keys(spec)) {
		if _, ok := obj[k]; spec[k].Required && !ok {
			l.add(path+"."+k, "required", codeParse, "required property missing")
		}
	}
}

func (l *linter) value(v any, path string, p Prop, root bool) {
	kindErr := func(want string) {
		l.strict(path, "type", codeParse, fmt.Sprintf("must be %s, not %s", want, jsonType(v)))
	}
	switch p.Kind {
	case KString:
		s, ok := v.(string)
		if !ok {
			kindErr("a string")
			return
		}
		if len(p.Enum) > 0 && !slices.Contains(p.Enum, s) {
			msg := fmt.Sprintf("%q is not one of %s", s, strings.Join(p.Enum, ", "))
			if p.EnumWarn {
				l.warn(path, "enum", codeParse, msg)
			} else {
				l.add(path, "enum", codeParse, msg)
			}
		}
	case KBool:
		if _, ok := v.(bool); !ok {
			kindErr("true or false")
		}
	case KNumber, KInt:
		n, ok := v.(json.Number)
		if !ok {
			kindErr("a number")
			return
		}
		if _, err := n.Int64(); p.Kind == KInt && err != nil {
			kindErr("a whole number")
		}
	case KText:
		l.textObject(v, path)
	case KElements:
		l.elementList(v, path)
		_ = root
	case KObject:
		if _, ok := v.(map[string]any); !ok {
			kindErr("an object")
		}
	case KArray:
		if _, ok := v.([]any); !ok {
			kindErr("an array")
		}
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// textObject checks {"tag":"plain_text"|"lark_md","content":...}.
func (l *linter) textObject(v any, path string) {
	m, ok := v.(map[string]any)
	if !ok {
		if s, isStr := v.(string); isStr {
			l.add(path, "text-object", codeParse, fmt.Sprintf(`a text object is wanted, not the bare string %q: {"tag":"plain_text","content":...}`, clip(s)))
			return
		}
		l.add(path, "text-object", codeParse, "must be a text object {\"tag\":\"plain_text\",\"content\":...}")
		return
	}
	tag, _ := m["tag"].(string)
	if tag == "" {
		// The docs show text objects without a tag inside i18n maps and
		// confirm dialogs; Feishu then reads them as plain_text
		// (UNCONFIRMED), so this is a warning.
		l.warn(path+".tag", "text-object", codeParse, `a text object names its tag: "plain_text" or "lark_md"`)
		return
	}
	if tag != "plain_text" && tag != "lark_md" {
		l.add(path+".tag", "text-object", codeParse, fmt.Sprintf("%q: a text object's tag is plain_text or lark_md", tag))
		return
	}
	l.element(m, path, false)
}

func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

func (l *linter) elementList(v any, path string) {
	if v == nil {
		return
	}
	list, ok := v.([]any)
	if !ok {
		l.add(path, "elements", codeParse, "must be an array")
		return
	}
	root := path == "elements" || path == "body.elements" || strings.HasPrefix(path, "i18n_elements.")
	for i, el := range list {
		l.element(el, fmt.Sprintf("%s[%d]", path, i), root)
	}
}

// element checks one tagged object and, recursively, what it holds. root
// is true for the card's own elements list.
func (l *linter) element(v any, path string, root bool) {
	t, ok := v.(map[string]any)
	if !ok {
		l.add(path, "element", codeParse, fmt.Sprintf("an element must be an object with a tag, not %s", jsonType(v)))
		return
	}
	tag, ok := t["tag"].(string)
	if len(t) == 0 {
		// The docs' structure listings hold {} as "an element goes here".
		l.warn(path, "element", 0, "an empty element; Feishu draws nothing for it")
		return
	}
	if !ok || tag == "" {
		l.add(path+".tag", "tag", codeParse, "an element needs a tag")
		return
	}
	spec := Spec(tag, l.version())
	if spec == nil {
		l.add(path+".tag", "tag", codeTag, fmt.Sprintf("unknown tag %q", tag))
		return
	}
	if !spec.Allows(l.version()) {
		if l.v2 {
			l.add(path+".tag", "v2-tag", codeTag, fmt.Sprintf("%q is a 1.0-only tag; schema 2.0 cards reject it", tag))
		} else {
			l.warn(path+".tag", "v1-tag", codeTag, fmt.Sprintf("%q is documented for schema 2.0 cards only", tag))
		}
		return
	}
	if !spec.Text {
		l.count++
	}
	l.elementID(t, path)
	l.props(t, path, spec.Props, root)
	for _, k := range slices.Sorted(maps.Keys(t)) {
		if shape, list := ShapeOf(tag, k); shape != nil {
			if list {
				if items, ok := t[k].([]any); ok {
					for i, it := range items {
						l.shape(it, fmt.Sprintf("%s.%s[%d]", path, k, i), shape)
					}
				}
			} else {
				l.shape(t[k], path+"."+k, shape)
			}
		}
	}
	switch tag {
	case "img":
		if _, ok := t["alt"]; !ok && !l.v2 {
			// The 1.0 docs call alt required, yet four official 1.0
			// examples leave it out.
			l.warn(path+".alt", "img", codeParse, "the 1.0 docs list alt as required (it may be empty)")
		}
	case "button":
		l.button(t, path)
	case "chart":
		l.chart(t, path)
	case "table":
		l.table(t, path, root)
	case "div":
		if fs, ok := t["fields"].([]any); ok {
			for i, f := range fs {
				p := fmt.Sprintf("%s.fields[%d]", path, i)
				fm, ok := f.(map[string]any)
				if !ok {
					l.add(p, "field", codeParse, "a field must be an object {is_short, text}")
					continue
				}
				l.props(fm, p, fieldProps(), false)
			}
		}
		for _, k := range []string{"icon", "extra"} {
			if m, ok := t[k].(map[string]any); ok {
				l.element(m, path+"."+k, false)
			}
		}
	case "markdown":
		s, _ := t["content"].(string)
		l.markdown(s, path+".content", true)
		if icon, ok := t["icon"].(map[string]any); ok {
			l.icon(icon, path+".icon")
		}
	case "lark_md":
		s, _ := t["content"].(string)
		l.markdown(s, path+".content", false)
	case "collapsible_panel":
		if h, ok := t["header"].(map[string]any); ok {
			if title, ok := h["title"].(map[string]any); ok && title["tag"] == "markdown" {
				// The panel's title may be a markdown element.
				l.element(title, path+".header.title", false)
			} else if ok := h["title"] != nil; ok {
				l.textObject(h["title"], path+".header.title")
			}
			if icon, ok := h["icon"].(map[string]any); ok {
				l.icon(icon, path+".header.icon")
			}
		}
	case "select_static", "multi_select_static", "overflow":
		l.options(t["options"], path+".options", true)
	case "select_person", "multi_select_person", "select_img", "img_combination", "person_list":
		// options / img_list / persons hold ids and keys, checked by ImageKeys.
	}
	for _, k := range []string{"confirm"} {
		if c, ok := t[k].(map[string]any); ok {
			for _, f := range []string{"title", "text"} {
				if x, ok := c[f]; ok {
					l.textObject(x, path+"."+k+"."+f)
				}
			}
		}
	}
	for _, k := range []string{"icon"} {
		if icon, ok := t[k].(map[string]any); ok && (tag == "button" || tag == "person_list" || tag == "select_static") {
			l.icon(icon, path+"."+k)
		}
	}
}

var fieldProps = sync.OnceValue(func() map[string]Prop { return parseProps("is_short:b text:t!") })

// shape checks a plain object against its shape: in 2.0, unknown keys (an
// error for strictly documented shapes, else a warning); kinds and enums.
func (l *linter) shape(v any, path string, s *Shape) {
	m, ok := v.(map[string]any)
	if !ok {
		l.strict(path, "type", codeParse, fmt.Sprintf("must be an object, not %s", jsonType(v)))
		return
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		p, ok := s.Props[k]
		if !ok {
			switch {
			case !l.v2:
			case s.Strict:
				l.add(path+"."+k, "unknown-property", codeParse, fmt.Sprintf("%q is not a documented property here; schema 2.0 rejects unknown properties", k))
			default:
				l.warn(path+"."+k, "unknown-property", codeParse, fmt.Sprintf("%q is not a documented property here", k))
			}
			continue
		}
		if p.Kind == KText || p.Kind == KElements {
			continue // checked with the element
		}
		l.value(m[k], path+"."+k, p, false)
	}
	for _, k := range slices.Sorted(maps.Keys(s.Props)) {
		if _, ok := m[k]; s.Props[k].Required && !ok {
			l.add(path+"."+k, "required", codeParse, "required property missing")
		}
	}
}

func (l *linter) options(v any, path string, text bool) {
	list, ok := v.([]any)
	if !ok {
		return
	}
	for i, o := range list {
		p := fmt.Sprintf("%s[%d]", path, i)
		om, ok := o.(map[string]any)
		if !ok {
			l.add(p, "option", codeParse, "an option must be an object")
			continue
		}
		if x, ok := om["text"]; ok && text {
			l.textObject(x, p+".text")
		}
	}
}

func (l *linter) elementID(t map[string]any, path string) {
	id, ok := t["element_id"]
	if !ok {
		return
	}
	s, _ := id.(string)
	switch {
	case !elementIDRe().MatchString(s) || len(s) > maxElementID:
		l.add(path+".element_id", "element-id", codeElementID, fmt.Sprintf("%q: letters, digits and _, starting with a letter, at most %d characters", s, maxElementID))
	case l.ids[s] != "":
		l.add(path+".element_id", "element-id", codeElementID, fmt.Sprintf("%q is already used at %s; element_id must be unique in a card", s, l.ids[s]))
	default:
		l.ids[s] = path
	}
}

func (l *linter) button(b map[string]any, path string) {
	check := func(p string, v any) {
		if s, ok := v.(string); ok && s != "" {
			if err := CheckURL(s); err != nil {
				l.add(p, "url", codeParse, err.Error())
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
					l.add(p, "url", codeParse, "an open_url behavior needs a default_url")
				}
				check(p, m["default_url"])
			}
		}
	}
}

var dataTypes = []string{"text", "lark_md", "options", "number", "persons", "date", "markdown"}

func (l *linter) table(t map[string]any, path string, root bool) {
	l.tables++
	if !root {
		l.add(path, "table", codeParse, "a table must sit directly in the card's elements; it cannot be nested")
	}
	if ps, ok := t["page_size"]; ok {
		num, _ := ps.(json.Number)
		if n, err := num.Int64(); err != nil || n < 1 || n > 10 {
			l.add(path+".page_size", "table", codeParse, fmt.Sprintf("%v: want a whole number from 1 to 10", ps))
		}
	}
	cols, _ := t["columns"].([]any)
	if len(cols) > MaxTableColumns {
		l.add(path+".columns", "table", codeLimit, fmt.Sprintf("%d columns, over Feishu's limit of %d", len(cols), MaxTableColumns))
	}
	names := map[string]bool{}
	for i, c := range cols {
		p := fmt.Sprintf("%s.columns[%d]", path, i)
		cm, ok := c.(map[string]any)
		if !ok {
			l.add(p, "table", codeParse, "a column must be an object {name, display_name, data_type}")
			continue
		}
		name, _ := cm["name"].(string)
		if name == "" {
			l.add(p+".name", "table", codeParse, "a column needs a name")
		}
		if dt, ok := cm["data_type"].(string); ok && !slices.Contains(dataTypes, dt) {
			l.add(p+".data_type", "table", codeParse, fmt.Sprintf("%q is not one of %s", dt, strings.Join(dataTypes, ", ")))
		}
		names[name] = true
	}
	rows, _ := t["rows"].([]any)
	for i, r := range rows {
		rm, ok := r.(map[string]any)
		if !ok {
			l.add(fmt.Sprintf("%s.rows[%d]", path, i), "table", codeRows, "a row is an object keyed by column name")
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(rm)) {
			if !names[k] {
				l.add(fmt.Sprintf("%s.rows[%d].%s", path, i, k), "table", codeRowKey, fmt.Sprintf("%q is not a declared column name", k))
			}
		}
	}
}

// MarkdownTags are the HTML-like tags card markdown and lark_md accept.
var MarkdownTags = []string{"at", "font", "a", "text_tag", "br", "hr", "person", "local_datetime", "number_tag", "raw", "link", "u", "i", "b", "s", "em", "strong", "del", "code"}

// htmlTags are ordinary HTML elements: Feishu refuses them in markdown
// with 11246. A tag-like word in neither list is only a warning.
var htmlTags = sync.OnceValue(func() map[string]bool {
	return map[string]bool{"div": true, "span": true, "p": true, "img": true, "table": true, "tr": true, "td": true, "th": true,
		"thead": true, "tbody": true, "ul": true, "ol": true, "li": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
		"script": true, "style": true, "iframe": true, "pre": true, "blockquote": true, "center": true, "small": true, "big": true,
		"sup": true, "sub": true, "mark": true, "details": true, "summary": true, "section": true, "article": true, "header": true,
		"footer": true, "nav": true, "label": true, "input": true, "button": true, "form": true, "select": true, "option": true,
		"textarea": true, "video": true, "audio": true, "source": true, "svg": true, "html": true, "body": true, "head": true, "title": true,
		"meta": true, "link_": true, "strike": true, "kbd": true, "abbr": true, "q": true, "cite": true, "dl": true, "dt": true, "dd": true}
})

var (
	htmlTagRe  = lazyRegexp(`</?([A-Za-z][A-Za-z0-9_]*)(?:\s[^<>]*)?/?>`)
	codeSpanRe = lazyRegexp("(?s)```.*?```|`[^`\n]*`")
	gfmDelimRe = lazyRegexp(`^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$|^\s*\|\s*:?-{3,}:?\s*\|\s*$`)
)

// markdown checks markdown text: its HTML tags and (2.0 markdown) its GFM
// tables, which count toward the card's table limit.
func (l *linter) markdown(s, path string, element bool) {
	plain := codeSpanRe().ReplaceAllString(s, "")
	seen := map[string]bool{}
	for _, m := range htmlTagRe().FindAllStringSubmatch(plain, -1) {
		name := strings.ToLower(m[1])
		if slices.Contains(MarkdownTags, name) || seen[name] {
			continue
		}
		seen[name] = true
		if htmlTags()[name] {
			l.add(path, "markdown-html", codeHTML, fmt.Sprintf("<%s> is HTML that card markdown does not support (allowed: %s)", name, strings.Join(MarkdownTags, ", ")))
		} else {
			l.warn(path, "markdown-html", codeHTML, fmt.Sprintf("<%s> is not a tag card markdown documents; write &lt; to show a literal <", name))
		}
	}
	if !element {
		return
	}
	n := 0
	for _, line := range strings.Split(plain, "\n") {
		if gfmDelimRe().MatchString(line) {
			n++
		}
	}
	if n > 4 {
		l.add(path, "table", codeLimit, fmt.Sprintf("%d markdown tables in one element, over Feishu's limit of 4", n))
	}
	l.tables += n
}

// ImageRef is an image key used in a card, located by a JSON path.
type ImageRef struct {
	Path string
	Key  string
}

var mdImageRe = lazyRegexp(`!\[[^\]]*\]\(([A-Za-z0-9_\-]+)\)`)

// ImageKeys lists every image key a card uses: img elements (and their
// i18n_img_key), image combinations, image pickers, custom and standard
// icons with an img_key, and ![](key) images in markdown. Feishu refuses a
// card with a key it does not know (200570).
func ImageKeys(obj map[string]any) []ImageRef {
	var out []ImageRef
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch t := v.(type) {
		case map[string]any:
			tag, _ := t["tag"].(string)
			for _, k := range slices.Sorted(maps.Keys(t)) {
				p := path + "." + k
				switch {
				case k == "img_key":
					if s, ok := t[k].(string); ok && s != "" {
						out = append(out, ImageRef{p, s})
					}
					continue
				case k == "i18n_img_key":
					if m, ok := t[k].(map[string]any); ok {
						for _, loc := range slices.Sorted(maps.Keys(m)) {
							if s, ok := m[loc].(string); ok && s != "" {
								out = append(out, ImageRef{p + "." + loc, s})
							}
						}
					}
					continue
				case k == "content" && tag == "markdown":
					if s, ok := t[k].(string); ok {
						for _, m := range mdImageRe().FindAllStringSubmatch(s, -1) {
							if strings.HasPrefix(m[1], "img_") {
								out = append(out, ImageRef{p, m[1]})
							}
						}
					}
					continue
				case tag == "table" && k == "rows", tag == "chart" && k == "chart_spec":
					continue // data, not card structure
				}
				walk(t[k], p)
			}
		case []any:
			for i, c := range t {
				walk(c, fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		walk(obj[k], k)
	}
	return out
}

// The chart component (card JSON 1.0 and 2.0, Feishu client 7.1+). Its
// documented rules beyond the schema's kinds and enums: height is "auto" or
// "[1,999]px"; chart_spec is a VChart spec in JSON with a type and no
// JavaScript; at most five charts in a card. Feishu documents no size limit
// for chart_spec of its own: the card's size limit (30 KB, 20 KB by
// webhook) covers it.

var (
	chartHeightRe = lazyRegexp(`^([0-9]+)px$`)
	// jsFunctionRe matches JavaScript function code: function(x){...} or
	// an arrow function, (x) => ... or x => ....
	jsFunctionRe = lazyRegexp(`\bfunction\b\s*[\w$]*\s*\([^()]*\)\s*\{|(\([^()]*\)|[A-Za-z_$][\w$]*)\s*=>`)
)

// chartFunctionKeys are VChart options that only take a JavaScript
// function; a card cannot hold one, whatever the value.
var chartFunctionKeys = map[string]bool{"formatMethod": true, "customShape": true, "updateElement": true, "updateContent": true}

// chartScope names the element list a path sits in, for the per-card chart
// limit: each 1.0 locale of i18n_elements is a card of its own.
func chartScope(path string) string {
	if rest, ok := strings.CutPrefix(path, "i18n_elements."); ok {
		loc, _, _ := strings.Cut(rest, "[")
		return "i18n_elements." + loc
	}
	return ""
}

func (l *linter) chart(t map[string]any, path string) {
	if l.charts == nil {
		l.charts = map[string][]string{}
	}
	scope := chartScope(path)
	l.charts[scope] = append(l.charts[scope], path)

	if h, ok := t["height"].(string); ok && h != "auto" {
		m := chartHeightRe().FindStringSubmatch(h)
		switch {
		case m == nil:
			l.add(path+".height", "chart", codeParse, fmt.Sprintf(`%q: want "auto" or a height in pixels from 1px to 999px`, h))
		case !inRange(m[1], 1, 999):
			// Documented as [1,999]px; whether Feishu refuses or clamps
			// other values is UNCONFIRMED.
			l.warn(path+".height", "chart", codeParse, fmt.Sprintf("%q: the docs allow 1px to 999px", h))
		}
	}
	raw, ok := t["chart_spec"]
	if !ok {
		return // "required property missing", from the schema
	}
	spec, ok := raw.(map[string]any)
	if !ok {
		if !l.v2 { // 2.0 already refuses the kind
			l.add(path+".chart_spec", "chart", codeChart, fmt.Sprintf("must be a VChart spec as a JSON object, not %s", jsonType(raw)))
		}
		return
	}
	p := path + ".chart_spec"
	if len(spec) == 0 {
		// The docs' structure listing holds {} as "a spec goes here".
		l.warn(p, "chart", 0, "an empty chart_spec; Feishu draws no chart")
		return
	}
	switch typ, ok := spec["type"]; {
	case !ok:
		l.add(p+".type", "chart", codeChart, fmt.Sprintf("a chart_spec needs a type, e.g. %s", strings.Join(vchart.Types, ", ")))
	case jsonType(typ) != "a string" || typ == "":
		l.add(p+".type", "chart", codeChart, fmt.Sprintf("must be a chart type such as %s, not %s", strings.Join(vchart.Types, ", "), jsonType(typ)))
	case !slices.Contains(ChartTypes, typ.(string)):
		l.warn(p+".type", "chart", codeChart, fmt.Sprintf("%q is not a chart type VChart documents (e.g. %s)", typ, strings.Join(vchart.Types, ", ")))
	}
	l.chartJS(spec, p)
}

func inRange(digits string, lo, hi int) bool {
	n, err := strconv.Atoi(digits)
	return err == nil && n >= lo && n <= hi
}

// chartJS reports JavaScript in a chart_spec: Feishu's chart component takes
// JSON only and runs no functions (the component's documented note).
func (l *linter) chartJS(v any, path string) {
	switch t := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(t)) {
			p := path + "." + k
			if chartFunctionKeys[k] && t[k] != nil {
				l.add(p, "chart-js", codeChart, fmt.Sprintf("%q takes a JavaScript function in VChart; a card's chart_spec is JSON without functions", k))
				continue
			}
			l.chartJS(t[k], p)
		}
	case []any:
		for i, x := range t {
			l.chartJS(x, fmt.Sprintf("%s[%d]", path, i))
		}
	case string:
		switch {
		case jsFunctionRe().MatchString(t):
			l.add(path, "chart-js", codeChart, fmt.Sprintf("%q looks like a JavaScript function; a card's chart_spec is JSON without functions", clip(t)))
		case strings.Contains(t, "=>"):
			l.warn(path, "chart-js", codeChart, fmt.Sprintf("%q may be JavaScript (=>); a card's chart_spec runs no functions", clip(t)))
		}
	}
}
