package card

import (
	"slices"
	"strings"
	"sync"
)

// The card schema: every tag Feishu documents for card JSON 1.0 and 2.0,
// with its properties, their kinds, enums and required fields. Lint, every
// send (Validate) and the fake Feishu in pkg/feishutest all read it, so the
// three cannot disagree.
//
// Sources: the component pages under open.feishu.cn/document/feishu-cards
// (card-json-v2-components and card-components), the 2.0 release notes, and
// the documentation's own examples. A property is written as
//
//	name:kind[!][=enum|enum][?]
//
// kind is s (string), b (bool), n (number), i (whole number), t (text
// object), e (list of elements), o (object), a (array), x (anything);
// "!" marks a required property; "=a|b" lists the values allowed; a
// trailing "?" makes a breach of the enum a warning (the docs are not
// consistent, or no rejection is on record). 2.0 rejects a property not
// listed here (200621); 1.0 ignores it.

// Version is the card JSON version a tag or rule applies to.
type Version int

const (
	// V1 is card JSON 1.0, the default when "schema" is absent.
	V1 Version = 1 << iota
	// V2 is card JSON 2.0, "schema":"2.0".
	V2
	both = V1 | V2
)

// Kind is the JSON type a property takes.
type Kind byte

// Property kinds.
const (
	KString   Kind = 's'
	KBool     Kind = 'b'
	KNumber   Kind = 'n'
	KInt      Kind = 'i'
	KText     Kind = 't' // {"tag":"plain_text"|"lark_md","content":...}
	KElements Kind = 'e' // a list of tagged elements
	KObject   Kind = 'o'
	KArray    Kind = 'a'
	KAny      Kind = 'x'
)

// Prop describes one property of a tag.
type Prop struct {
	Kind     Kind
	Required bool
	Enum     []string
	// EnumWarn: a value outside Enum is a warning, not an error.
	EnumWarn bool
}

// TagSpec describes one tag: the versions that allow it and its properties.
type TagSpec struct {
	Name     string
	Versions Version
	Props    map[string]Prop
	// RootOnly tags must sit directly in the card's elements.
	RootOnly bool
	// Text is true for the text objects plain_text and lark_md.
	Text bool
}

// Allows reports whether version v accepts the tag.
func (t *TagSpec) Allows(v Version) bool { return t.Versions&v != 0 }

// common are the properties every 2.0 component takes.
const common2 = "element_id:s margin:s"

const (
	textSizes   = "heading-0|heading-1|heading-2|heading-3|heading-4|heading|normal|notation|xxxx-large|xxx-large|xx-large|x-large|large|medium|small|x-small"
	align       = "left|center|right"
	valign      = "top|center|bottom"
	spacing     = "x"
	containerV2 = "direction:s=vertical|horizontal horizontal_spacing:" + spacing + " vertical_spacing:" + spacing +
		" horizontal_align:s=" + align + " vertical_align:s=" + valign + " padding:x"
	interactive2 = "behaviors:a confirm:o disabled:b disabled_tips:o hover_tips:o name:s required:b width:x value:x"
	textProps    = "content:s i18n:o i18n_content:o lines:i text_size:s text_align:s=" + align + "? text_color:s href:o element_id:s"
)

// The chart element's documented values.
const (
	chartRatios = "1:1|2:1|4:3|16:9"
	chartThemes = "brand|rainbow|complementary|converse|primary"
)

// ChartTypes are the chart types VChart knows (its ChartTypeEnum), the
// values a chart_spec's "type" may take. Feishu documents 13 of them for
// cards (line, area, bar, pie, common, funnel, radar, scatter, wordCloud,
// linearProgress, circularProgress, ...); a type outside this list is a
// warning, as Feishu's client may know a newer one.
var ChartTypes = []string{
	"common", "line", "area", "bar", "bar3d", "histogram", "histogram3d", "rangeColumn", "rangeColumn3d",
	"rangeArea", "pie", "pie3d", "rose", "radar", "scatter", "map", "funnel", "funnel3d", "wordCloud",
	"wordCloud3d", "linearProgress", "circularProgress", "gauge", "boxPlot", "sankey", "treemap", "sunburst",
	"circlePacking", "waterfall", "heatmap", "correlation", "liquid", "venn", "mosaic", "pictogram", "sequence",
}

// schemaSrc is the schema, one tag per entry: versions and properties.
// Properties listed under "1" or "2" apply to that version only.
var schemaSrc = []struct {
	tag, versions string
	props         string
	v1, v2        string
}{
	{"plain_text", "12", textProps, "", ""},
	{"lark_md", "12", textProps, "", ""},
	{"markdown", "12", "content:s! text_align:s=" + align + "? text_size:s href:o icon:o i18n_content:o", "", common2},
	{"div", "12", "text:t fields:a icon:o", "extra:o", common2 + " width:x"},
	{"hr", "12", "", "", common2},
	{"img", "12", "img_key:s! alt:t title:t mode:s custom_width:x compact_width:b preview:b scale_type:s=crop_center|crop_top|fit_horizontal? size:s transparent:b corner_radius:x i18n_img_key:o", "", common2},
	{"note", "1", "elements:e!", "", ""},
	{"action", "1", "actions:e! layout:s=bisected|trisection|flow?", "", ""},
	{"column_set", "12", "columns:e flex_mode:s=none|stretch|flow|bisect|trisect background_style:s horizontal_spacing:x horizontal_align:s=" + align + " margin:s action:o",
		"_varloop:x", common2},
	{"column", "12", "elements:e width:s weight:n vertical_align:s=" + valign + " vertical_spacing:x background_style:s padding:x action:o",
		"", common2 + " " + containerV2},
	{"button", "12", "text:t type:s=default|primary|danger|text|primary_text|danger_text|primary_filled|danger_filled|laser size:s=tiny|small|medium|large? url:s multi_url:o icon:o action_type:s=link|request|multi|form_submit|form_reset? form_action_type:s=submit|reset?",
		"value:x confirm:o disabled:b disabled_tips:o hover_tips:o width:x name:s behaviors:a complex_interaction:b", common2 + " " + interactive2},
	{"table", "12", "columns:a! rows:a page_size:i row_height:s row_max_height:s header_style:o freeze_first_column:b", "", common2},
	// chart: the documented properties of the 1.0 and 2.0 pages (client 7.1+;
	// height needs 7.10+). height is "auto" or "[1,999]px", checked in
	// check.go with chart_spec itself.
	{"chart", "12", "chart_spec:o! aspect_ratio:s=" + chartRatios + " color_theme:s=" + chartThemes + " height:s preview:b", "", common2},
	{"img_combination", "12", "img_list:a! combination_mode:s=double|triple|bisect|trisect combination_transparent:b corner_radius:x", "", common2},
	{"collapsible_panel", "12", "elements:e header:o expanded:b border:o background_color:s padding:x vertical_spacing:x", "", common2 + " " + containerV2},
	{"form", "12", "elements:e! name:s! fallback:o", "", common2 + " " + containerV2},
	{"interactive_container", "12", "elements:e behaviors:a width:x height:x background_style:s has_border:b border_color:s corner_radius:x padding:x disabled:b",
		"", common2 + " " + containerV2 + " confirm:o disabled_tips:o hover_tips:o"},
	{"input", "12", "name:s placeholder:t default_value:s width:x max_length:i input_type:s=text|multiline_text|password? rows:i auto_resize:b max_rows:i show_icon:b label:t label_position:s=top|left? value:x confirm:o fallback:o required:b disabled:b",
		"", common2 + " " + interactive2},
	{"select_static", "12", "options:a placeholder:t initial_option:s type:s=default|text? width:x value:x confirm:o name:s required:b disabled:b", "", common2 + " " + interactive2 + " initial_index:i"},
	{"multi_select_static", "12", "options:a placeholder:t selected_values:a type:s=default|text? width:x value:x confirm:o name:s required:b disabled:b", "", common2 + " " + interactive2},
	{"select_person", "12", "options:a placeholder:t initial_option:s type:s=default|text? width:x value:x confirm:o name:s required:b disabled:b", "", common2 + " " + interactive2},
	{"multi_select_person", "12", "options:a placeholder:t selected_values:a type:s=default|text? width:x value:x confirm:o name:s required:b disabled:b", "", common2 + " " + interactive2},
	{"select_img", "12", "options:a! multi_select:b layout:s=stretch|bisect|trisect? aspect_ratio:s can_preview:b style:x value:x name:s required:b disabled:b disabled_tips:o", "", common2 + " " + interactive2},
	{"overflow", "12", "options:a! value:x confirm:o width:x", "", common2 + " " + interactive2},
	{"date_picker", "12", "initial_date:s placeholder:t value:x confirm:o width:x name:s required:b disabled:b", "", common2 + " " + interactive2},
	{"picker_time", "12", "initial_time:s placeholder:t value:x confirm:o width:x name:s required:b disabled:b", "", common2 + " " + interactive2},
	{"picker_datetime", "12", "initial_datetime:s placeholder:t value:x confirm:o width:x name:s required:b disabled:b", "", common2 + " " + interactive2},
	{"checker", "12", "text:t checked:b overall_checkable:b button_area:o checked_style:o padding:x behaviors:a confirm:o name:s disabled:b", "", common2 + " " + interactive2},
	{"person", "12", "user_id:s! size:s=extra_small|small|medium|large? show_avatar:b show_name:b style:s=normal|capsule?", "", common2},
	{"person_list", "12", "persons:a! size:s=extra_small|small|medium|large? show_avatar:b show_name:b lines:i icon:o ud_icon:o drop_invalid_user_id:b", "", common2},
	{"audio", "2", "file_key:s audio_id:s i18n_file_key:o show_time:b show_progress_bar:b time_display:s time_position:s style:s width:x fill_color:s background_style:s border:o padding:x disabled:b disabled_tips:o fallback:o", "", common2},
	{"text_tag", "12", "text:t! color:s=neutral|blue|turquoise|lime|orange|violet|indigo|wathet|green|yellow|red|purple|carmine?", "", common2},
	{"standard_icon", "12", "token:s color:s size:s img_key:s", "", ""},
	{"custom_icon", "12", "img_key:s! token:s color:s size:s", "", ""},
	{"fallback_text", "12", "text:t", "", ""},
}

// Config, header and body keys. 2.0 rejects others (200621); 1.0 ignores them.
const (
	configV2 = "update_multi:b width_mode:s=default|compact|fill streaming_mode:b streaming_config:o summary:o locales:a enable_forward:b enable_forward_interaction:b use_custom_translation:b style:o"
	headerV2 = "title:t subtitle:t text_tag_list:a i18n_text_tag_list:o template:s icon:o padding:x"
	bodyV2   = "elements:e " + containerV2
	headerV1 = "title:t subtitle:t text_tag_list:a i18n_text_tag_list:o template:s icon:o ud_icon:o"
)

var schema = sync.OnceValue(func() map[string]*TagSpec {
	m := map[string]*TagSpec{}
	for _, s := range schemaSrc {
		t := &TagSpec{Name: s.tag, Props: map[string]Prop{"tag": {Kind: KString}}, RootOnly: s.tag == "table",
			Text: s.tag == "plain_text" || s.tag == "lark_md"}
		if strings.Contains(s.versions, "1") {
			t.Versions |= V1
		}
		if strings.Contains(s.versions, "2") {
			t.Versions |= V2
		}
		for k, p := range parseProps(s.props) {
			t.Props[k] = p
		}
		m[s.tag] = t
		// Version-only properties are kept on variants looked up by Spec.
		if s.v1 != "" || s.v2 != "" {
			v1 := &TagSpec{Name: t.Name, Versions: t.Versions, Props: cloneProps(t.Props), RootOnly: t.RootOnly, Text: t.Text}
			v2 := &TagSpec{Name: t.Name, Versions: t.Versions, Props: cloneProps(t.Props), RootOnly: t.RootOnly, Text: t.Text}
			for k, p := range parseProps(s.v1) {
				v1.Props[k] = p
			}
			for k, p := range parseProps(s.v2) {
				v2.Props[k] = p
			}
			m[s.tag+"@1"], m[s.tag+"@2"] = v1, v2
		}
	}
	return m
})

func cloneProps(p map[string]Prop) map[string]Prop {
	out := make(map[string]Prop, len(p))
	for k, v := range p {
		out[k] = v
	}
	return out
}

func parseProps(src string) map[string]Prop {
	m := map[string]Prop{}
	for _, f := range strings.Fields(src) {
		name, rest, _ := strings.Cut(f, ":")
		var p Prop
		if rest != "" {
			p.Kind = Kind(rest[0])
			rest = rest[1:]
		}
		if strings.HasPrefix(rest, "!") {
			p.Required = true
			rest = rest[1:]
		}
		if strings.HasSuffix(rest, "?") {
			p.EnumWarn = true
			rest = strings.TrimSuffix(rest, "?")
		}
		if e, ok := strings.CutPrefix(rest, "="); ok {
			p.Enum = strings.Split(e, "|")
		}
		m[name] = p
	}
	return m
}

// Spec returns the schema of a tag as version v sees it, or nil for a tag
// Feishu does not document.
func Spec(tag string, v Version) *TagSpec {
	m := schema()
	suffix := "@1"
	if v == V2 {
		suffix = "@2"
	}
	if t, ok := m[tag+suffix]; ok {
		return t
	}
	return m[tag]
}

// Tags lists the documented tags version v accepts, sorted.
func Tags(v Version) []string {
	var out []string
	for k, t := range schema() {
		if !strings.Contains(k, "@") && t.Allows(v) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

var (
	configV2Props = sync.OnceValue(func() map[string]Prop { return parseProps(configV2) })
	headerV2Props = sync.OnceValue(func() map[string]Prop { return parseProps(headerV2) })
	headerV1Props = sync.OnceValue(func() map[string]Prop { return parseProps(headerV1) })
	bodyV2Props   = sync.OnceValue(func() map[string]Prop { return parseProps(bodyV2) })
)

// Shape describes a property that holds a plain object (or a list of
// them) rather than a tagged element: its keys in 2.0. Strict shapes are
// documented in full, and an unknown key is an error (200621); for the
// others the docs are thinner and an unknown key is a warning.
type Shape struct {
	Props  map[string]Prop
	Strict bool
}

var shapeSrc = map[string]struct {
	props  string
	strict bool
}{
	"confirm":       {"title:t text:t", true},
	"border":        {"color:s corner_radius:x", true},
	"multi_url":     {"url:s pc_url:s ios_url:s android_url:s", true},
	"action":        {"multi_url:o", true},
	"table_column":  {"name:s display_name:s width:s data_type:s format:o date_format:s horizontal_align:s=" + align + " vertical_align:s=" + valign, true},
	"header_style":  {"text_align:s=" + align + " text_size:s background_style:s text_color:s bold:b lines:i", true},
	"number_format": {"precision:i symbol:s separator:b", true},
	"checked_style": {"show_strikethrough:b opacity:n", true},
	"img_list_item": {"img_key:s! transparent:b", true},
	"person_item":   {"id:s!", true},
	"behavior":      {"type:s=open_url|callback|form_action? default_url:s pc_url:s ios_url:s android_url:s value:x behavior:s", false},
	"option":        {"text:t value:x icon:o multi_url:o img_key:s disabled:b disabled_tips:o hover_tips:o", false},
	"panel_header":  {"title:x background_color:s icon:o icon_position:s icon_expanded_angle:n icon_size:s padding:x position:s vertical_align:s width:x", false},
	"button_area":   {"pc_display_rule:s buttons:a", false},
	"ud_icon":       {"token:s style:o", false},
}

// shapeOf names the shape of tag.prop ("[]" after prop: each entry of a
// list). Tag "*" applies to every tag.
var shapeOf = map[string]string{
	"*.confirm": "confirm", "*.behaviors[]": "behavior", "*.multi_url": "multi_url", "*.border": "border",
	"column_set.action": "action", "column.action": "action",
	"table.columns[]": "table_column", "table.header_style": "header_style",
	"checker.checked_style": "checked_style", "checker.button_area": "button_area",
	"img_combination.img_list[]": "img_list_item", "person_list.persons[]": "person_item", "person_list.ud_icon": "ud_icon",
	"select_static.options[]": "option", "multi_select_static.options[]": "option", "overflow.options[]": "option",
	"select_person.options[]": "option", "multi_select_person.options[]": "option", "select_img.options[]": "option",
	"collapsible_panel.header": "panel_header",
}

var shapes = sync.OnceValue(func() map[string]*Shape {
	m := map[string]*Shape{}
	for name, s := range shapeSrc {
		m[name] = &Shape{Props: parseProps(s.props), Strict: s.strict}
	}
	return m
})

// ShapeOf returns the shape of a tag's property, or nil.
func ShapeOf(tag, prop string) (shape *Shape, list bool) {
	for _, k := range []string{tag + "." + prop, "*." + prop} {
		if n, ok := shapeOf[k]; ok {
			return shapes()[n], false
		}
		if n, ok := shapeOf[k+"[]"]; ok {
			return shapes()[n], true
		}
	}
	return nil, false
}
