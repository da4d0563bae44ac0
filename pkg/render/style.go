package render

import (
	"fmt"
	"html"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// palette holds the light values of Feishu's colour enum that the client
// uses for text, tags and backgrounds: per hue the -50, -100, -500 and -600
// shades; a base name is an alias of its -600 shade.
var palette = sync.OnceValue(func() map[string][4]string {
	return map[string][4]string{
		"blue":      {"#F0F4FF", "#E0E9FF", "#336DF4", "#1456F0"},
		"wathet":    {"#E7F8FE", "#CAEFFC", "#047FB0", "#076A94"},
		"turquoise": {"#E2F8F5", "#C4F2EC", "#0F8575", "#067062"},
		"green":     {"#E4FAE1", "#D0F5CE", "#258832", "#1A7526"},
		"lime":      {"#F2F8D3", "#E3F0A3", "#6B7F06", "#5C6D08"},
		"yellow":    {"#FBF4DF", "#FAEDC2", "#AD7A03", "#865B03"},
		"orange":    {"#FFF3E5", "#FEE7CD", "#C25705", "#A44904"},
		"red":       {"#FEF0F0", "#FEE3E2", "#E22E28", "#C02A26"},
		"carmine":   {"#FEF0F8", "#FEE2F2", "#CC398C", "#B82879"},
		"violet":    {"#FCEEFC", "#F9E2F9", "#BF3DBF", "#A630A6"},
		"purple":    {"#F5F0FE", "#EFE6FE", "#8D55ED", "#7A35F0"},
		"indigo":    {"#F2F3FD", "#E9EAFB", "#5B65F5", "#4752E6"},
		"grey":      {"#F5F6F7", "#F2F3F5", "#8F959E", "#646A73"},
	}
})

// shadeAnchors are the light values of the colour enum known per shade
// beyond palette's four: the full blue and grey scales, and each hue's
// -900. Shades between two anchors are interpolated (UNCONFIRMED values;
// the enum table lists them, this file does not carry all 174 rows).
var shadeAnchors = sync.OnceValue(func() map[string]map[int]string {
	return map[string]map[int]string{
		"blue":      {200: "#C2D4FF", 300: "#94B4FF", 350: "#7AA2FF", 400: "#5083FB", 700: "#0442D2", 800: "#002F9E", 900: "#002270"},
		"grey":      {0: "#FFFFFF", 200: "#EFF0F1", 300: "#DEE0E3", 350: "#D0D3D6", 400: "#BBBFC4", 650: "#51565D", 700: "#373C43", 800: "#2B2F36", 900: "#1F2329", 950: "#0F1114", 1000: "#000000"},
		"wathet":    {900: "#072B3D"},
		"turquoise": {900: "#02312A"},
		"green":     {900: "#022C07"},
		"lime":      {900: "#262E00"},
		"yellow":    {900: "#382201"},
		"orange":    {900: "#3B1A02"},
		"red":       {900: "#590603"},
		"carmine":   {900: "#550C35"},
		"violet":    {900: "#520052"},
		"purple":    {900: "#2F0080"},
		"indigo":    {900: "#151B70"},
		"sunflower": {50: "#FFFFDB", 600: "#8F7C00", 900: "#2C2502"},
	}
})

// colorValue maps a colour name (red, red-500, grey, default) to CSS.
func colorValue(name string) string {
	name = strings.ToLower(name)
	switch name {
	case "default":
		return "#1F2329"
	case "white", "bg-white":
		return "#FFFFFF"
	}
	hue, shade, hasShade := strings.Cut(name, "-")
	anchors := map[int]string{}
	if p, ok := palette()[hue]; ok {
		anchors[50], anchors[100], anchors[500], anchors[600] = p[0], p[1], p[2], p[3]
	}
	for k, v := range shadeAnchors()[hue] {
		anchors[k] = v
	}
	if len(anchors) == 0 {
		return "inherit"
	}
	if !hasShade {
		if c, ok := anchors[600]; ok {
			return c
		}
		return "inherit"
	}
	n, err := strconv.Atoi(shade)
	if err != nil || n < 0 || n > 1000 {
		return "inherit"
	}
	if c, ok := anchors[n]; ok {
		return c
	}
	lo, hi := -1, -1
	for k := range anchors {
		if k < n && (lo < 0 || k > lo) {
			lo = k
		}
		if k > n && (hi < 0 || k < hi) {
			hi = k
		}
	}
	switch {
	case lo < 0 && hi < 0:
		return "inherit"
	case lo < 0:
		return anchors[hi]
	case hi < 0:
		return anchors[lo]
	}
	return mix(anchors[lo], anchors[hi], float64(n-lo)/float64(hi-lo))
}

// mix blends two #RRGGBB colours, t of the way from a to b.
func mix(a, b string, t float64) string {
	var ca, cb [3]int64
	for i := 0; i < 3; i++ {
		ca[i], _ = strconv.ParseInt(a[1+2*i:3+2*i], 16, 32)
		cb[i], _ = strconv.ParseInt(b[1+2*i:3+2*i], 16, 32)
	}
	out := "#"
	for i := 0; i < 3; i++ {
		out += fmt.Sprintf("%02X", int64(float64(ca[i])+(float64(cb[i]-ca[i]))*t+0.5))
	}
	return out
}

// CSS returns the stylesheet of rendered messages; classes are prefixed
// fp-. It is built on first use, not at start-up.
var CSS = sync.OnceValue(buildCSS)

func buildCSS() string {
	var b strings.Builder
	b.WriteString(`
.fp-card{box-sizing:border-box;width:100%;max-width:600px;background:#fff;border:1px solid #DEE0E3;border-radius:10px;overflow:hidden;
 font:14px/22px -apple-system,BlinkMacSystemFont,"Helvetica Neue","PingFang SC","Microsoft YaHei","Segoe UI",Roboto,"Noto Sans CJK SC","WenQuanYi Micro Hei","FP Sans",sans-serif;color:#1F2329}
.fp-card.fp-width-fill{max-width:none}.fp-card.fp-width-compact{max-width:400px}
.fp-header{padding:12px}.fp-title{font-size:16px;font-weight:600;line-height:24px}
.fp-subtitle{font-size:14px;line-height:22px;color:#646A73;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.fp-body{padding:12px;display:flex;flex-direction:column;gap:12px}
.fp-md p{margin:0}.fp-md p+p{margin-top:8px}.fp-md h1{font-size:26px}.fp-md h2{font-size:22px}.fp-md h3{font-size:20px}
.fp-md h4{font-size:18px}.fp-md h5{font-size:17px}.fp-md h6{font-size:14px}.fp-md h1,.fp-md h2,.fp-md h3,.fp-md h4,.fp-md h5,.fp-md h6{margin:0;line-height:1.4}
.fp-md ul,.fp-md ol{margin:0;padding-left:22px}.fp-md blockquote{margin:0;padding-left:8px;border-left:2px solid #BBBFC4;color:#646A73}
.fp-md code{background:#F2F3F5;border-radius:4px;padding:0 4px;font-family:Menlo,Consolas,monospace;font-size:12px}
.fp-code{background:#F5F6F7;border-radius:6px;padding:8px 12px;margin:0;overflow-x:auto;font:12px/18px Menlo,Consolas,monospace}
.fp-md a,.fp-post a{color:#1C4CBA;text-decoration:none}.fp-at{color:#1456F0}
.fp-size-notation{font-size:12px;line-height:18px;color:#646A73}.fp-size-heading{font-size:16px;line-height:24px}
.fp-size-heading-0{font-size:30px;line-height:38px}.fp-size-heading-1{font-size:24px;line-height:32px}.fp-size-heading-2{font-size:20px;line-height:28px}
.fp-size-heading-3{font-size:18px;line-height:26px}.fp-size-heading-4{font-size:16px}.fp-size-large{font-size:16px}.fp-size-small{font-size:12px}
.fp-align-center{text-align:center}.fp-align-right{text-align:right}
.fp-fields{display:flex;flex-wrap:wrap;gap:8px 16px;margin-top:8px}.fp-field{flex:1 1 100%}.fp-field.fp-short{flex:1 1 calc(50% - 8px)}
.fp-hr{border:0;border-top:1px solid #DEE0E3;margin:0;width:100%}
.fp-note{display:flex;flex-wrap:wrap;gap:4px 8px;align-items:center;font-size:12px;line-height:18px;color:#646A73}
.fp-note-img{width:16px;height:16px}
.fp-figure{margin:0}.fp-img{display:block;width:100%;border-radius:4px}.fp-img-title{font-weight:600;margin-bottom:4px}
.fp-img-missing{display:flex;align-items:center;justify-content:center;aspect-ratio:2/1;background:#EFF0F1;color:#8F959E;border-radius:4px;font-size:12px}
.fp-note .fp-img-missing{width:16px;height:16px;aspect-ratio:auto;font-size:0}
.fp-colset{display:flex;gap:8px;border-radius:6px}.fp-colset>.fp-col{min-width:0}
.fp-body{container-type:inline-size}
@container (max-width:420px){.fp-flex-stretch{flex-direction:column}.fp-flex-stretch>.fp-col{flex:1 1 auto!important}
.fp-flex-flow{flex-wrap:wrap}.fp-flex-flow>.fp-col{flex:0 1 auto!important}
.fp-flex-bisect{display:grid;grid-template-columns:repeat(2,minmax(0,1fr))}.fp-flex-trisect{display:grid;grid-template-columns:repeat(3,minmax(0,1fr))}}
.fp-col{min-width:0;display:flex;flex-direction:column;gap:4px;border-radius:6px;box-sizing:border-box}
.fp-valign-center{justify-content:center}.fp-valign-bottom{justify-content:flex-end}
.fp-with-icon{display:flex;gap:4px;align-items:flex-start}.fp-with-icon>.fp-icon,.fp-with-icon>.fp-icon-img{flex:none;margin-top:3px}
.fp-icon{display:inline-block;vertical-align:-3px;color:#646A73}.fp-header-icon{margin-right:6px;color:inherit}.fp-icon-img{width:16px;height:16px;aspect-ratio:auto;display:inline-block;vertical-align:-3px}
.fp-note-icon{width:16px;height:16px}
.fp-img-large{width:160px;height:160px;object-fit:cover}.fp-img-medium{width:80px;height:80px;object-fit:cover}.fp-img-small{width:40px;height:40px;object-fit:cover}.fp-img-tiny{width:16px;height:16px;object-fit:cover}
.fp-img-box>.fp-img,.fp-img-box>.fp-img-missing{width:100%;height:100%;object-fit:cover;aspect-ratio:auto}
.fp-img-combo,.fp-select-img{display:grid;gap:4px;grid-template-columns:repeat(2,minmax(0,1fr))}.fp-combo-trisect,.fp-combo-triple{grid-template-columns:repeat(3,minmax(0,1fr))}
.fp-combo-stretch{grid-template-columns:1fr}
.fp-combo-cell>*{width:100%;aspect-ratio:1/1;object-fit:cover;display:flex}
.fp-ctl{display:flex;align-items:center;justify-content:space-between;gap:8px;min-height:32px;max-width:100%;padding:4px 12px;box-sizing:border-box;
 border:1px solid #D0D3D6;border-radius:6px;background:#F5F6F7;color:#1F2329;cursor:not-allowed}
.fp-ctl-value{display:flex;flex-wrap:wrap;gap:4px;min-width:0;overflow:hidden}.fp-ph{color:#8F959E}.fp-ctl-glyph{color:#8F959E;flex:none;font-size:12px}
.fp-multiline{min-height:72px;align-items:flex-start}.fp-labelled{display:flex;flex-direction:column;gap:4px}.fp-label-left{flex-direction:row;align-items:center}
.fp-label{color:#1F2329}.fp-chip{background:#EFF0F1;border-radius:4px;padding:0 6px;font-size:12px;line-height:20px}
.fp-checker{display:flex;gap:8px;align-items:flex-start;cursor:not-allowed}.fp-check-box{color:#8F959E;font-size:16px;line-height:22px}
.fp-checked .fp-check-box{color:#1456F0}.fp-checked-strike>span:last-child{text-decoration:line-through;color:#8F959E}
.fp-person-chip{display:inline-flex;align-items:center;gap:4px;vertical-align:middle;max-width:100%}
.fp-capsule{background:#EFF0F1;border-radius:12px;padding:0 8px 0 0}
.fp-avatar{display:inline-flex;align-items:center;justify-content:center;width:20px;height:20px;border-radius:50%;color:#fff;font-size:11px;line-height:1;flex:none}
.fp-person-large .fp-avatar{width:40px;height:40px;font-size:16px}.fp-person-small .fp-avatar,.fp-person-extra_small .fp-avatar{width:16px;height:16px;font-size:9px}
.fp-person-name{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}.fp-person-list{display:flex;flex-wrap:wrap;gap:4px 12px;align-items:center}
.fp-audio{display:flex;align-items:center;gap:8px;height:36px;padding:0 12px;border-radius:18px;background:#F2F3F5;color:#1F2329;max-width:320px}
.fp-audio-play{color:#1456F0}.fp-audio-bar{flex:1;height:3px;border-radius:2px;background:#DEE0E3}.fp-audio-time{font-size:12px;color:#646A73}
.fp-container{display:flex;flex-direction:column;gap:4px;border-radius:8px;box-sizing:border-box}.fp-container[data-href],.fp-container[data-callback]{cursor:pointer}
.fp-form{display:flex;flex-direction:column;gap:12px}
.fp-panel{border-radius:8px}.fp-panel[style]{padding:0 8px}.fp-panel summary{cursor:pointer;list-style:none;display:flex;align-items:center;justify-content:space-between;gap:8px;padding:4px 0}
.fp-panel summary::-webkit-details-marker{display:none}.fp-panel-title{font-weight:400}.fp-panel-title p{margin:0}.fp-chevron{color:#646A73;transition:transform .15s}
.fp-panel[open] .fp-chevron{transform:rotate(180deg)}.fp-panel-body{display:flex;flex-direction:column;gap:8px;padding:4px 0 8px}
.fp-chart svg{display:block;width:100%;height:auto}
.fp-chart-fallback{display:flex;flex-direction:column;align-items:center;justify-content:center;gap:2px;aspect-ratio:16/9;background:#F5F6F7;border:1px dashed #D0D3D6;border-radius:6px;color:#646A73;font-size:12px}
.fp-chart-glyph{font-size:24px}.fp-chart-why{color:#8F959E}
.fp-number-tag{display:inline-flex;align-items:center;justify-content:center;min-width:18px;height:18px;padding:0 4px;box-sizing:border-box;border-radius:9px;background:#1456F0;color:#fff;font-size:12px;line-height:1}
.fp-datetime{color:inherit}.fp-link-icon{font-size:12px;margin-right:2px}
.fp-md-table{border-collapse:collapse;font-size:14px;margin:4px 0;width:100%}.fp-md-table th,.fp-md-table td{border:1px solid #DEE0E3;padding:4px 8px;text-align:left}.fp-md-table th{background:#F5F6F7;font-weight:600}
.fp-clamp{display:-webkit-box;-webkit-box-orient:vertical;overflow:hidden}
button.fp-btn{font:inherit;cursor:pointer}.fp-body>.fp-btn,.fp-form>.fp-btn,.fp-panel-body>.fp-btn,.fp-col>.fp-btn,.fp-container>.fp-btn{align-self:flex-start}
.fp-chart-glyph .fp-icon{width:24px;height:24px}
.fp-div:has(>.fp-extra){display:grid;grid-template-columns:minmax(0,1fr) auto;column-gap:16px}.fp-div>.fp-extra{grid-column:2;grid-row:1/span 2;align-self:start}.fp-btn-fill{width:100%}.fp-btn-size-tiny{height:24px;font-size:12px;padding:0 8px}.fp-btn-size-small{height:28px;font-size:12px}.fp-btn-size-large{height:40px;font-size:16px}
.fp-disabled{opacity:.5;cursor:not-allowed}.fp-overflow{width:32px;padding:0;letter-spacing:1px}.fp-btn .fp-icon{margin-right:4px;color:inherit}
.fp-actions{display:flex;flex-wrap:wrap;gap:8px}.fp-layout-bisected>*{flex:1 1 calc(50% - 4px)}.fp-layout-trisection>*{flex:1 1 calc(33% - 6px)}
.fp-btn{display:inline-flex;align-items:center;justify-content:center;height:32px;padding:0 12px;border:1px solid #D0D3D6;border-radius:6px;
 background:#fff;color:#1F2329;text-decoration:none;font-size:14px;box-sizing:border-box}
.fp-btn-primary{color:#1456F0}.fp-btn-danger{color:#E22E28}
.fp-btn-text,.fp-btn-primary_text,.fp-btn-danger_text{border-color:transparent}.fp-btn-primary_text{color:#1456F0}.fp-btn-danger_text{color:#E22E28}
.fp-btn-primary_filled{background:#1456F0;border-color:#1456F0;color:#fff}.fp-btn-danger_filled{background:#E22E28;border-color:#E22E28;color:#fff}
.fp-btn-laser{background:linear-gradient(90deg,#336DF4,#8D55ED);border:0;color:#fff}
.fp-table-wrap{overflow-x:auto}.fp-table{border-collapse:collapse;width:100%;font-size:14px}
.fp-table th{font-weight:600;text-align:left;background:#F5F6F7;padding:6px 8px;white-space:nowrap}
.fp-table td{padding:6px 8px;border-top:1px solid #EFF0F1;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:240px}
.fp-table .fp-num{text-align:right;font-variant-numeric:tabular-nums}.fp-pager{text-align:right;font-size:12px;color:#646A73;padding-top:4px}
.fp-tag{display:inline-block;font-size:12px;line-height:18px;padding:0 4px;border-radius:4px;font-weight:400}
.fp-bubble{display:inline-block;max-width:600px;background:#fff;border:1px solid #DEE0E3;border-radius:8px;padding:8px 12px;
 font:14px/22px -apple-system,BlinkMacSystemFont,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Micro Hei","FP Sans",sans-serif;color:#1F2329;white-space:normal;word-break:break-word}
.fp-post-title{font-weight:600;font-size:16px;margin-bottom:4px}.fp-post p{margin:0}
.fp-unknown,.fp-raw{color:#8F959E;font-size:12px;font-family:monospace;white-space:pre-wrap}
.fp-panel summary{cursor:pointer;font-weight:600}
.fp-tpl-default{background:#fff}.fp-tpl-default .fp-title{color:#1F2329}
.fp-tpl-grey{background:#F2F3F5}.fp-tpl-grey .fp-title{color:#646A73}
`)
	b.WriteString(messageCSS)
	hues := make([]string, 0, len(palette()))
	for h := range palette() {
		hues = append(hues, h)
	}
	sort.Strings(hues)
	for _, h := range hues {
		p := palette()[h]
		title := p[3]
		if h == "yellow" || h == "orange" {
			title = p[2] // the -600 shade is too dark on its tint
		}
		if h != "grey" {
			fmt.Fprintf(&b, ".fp-tpl-%s{background:%s}.fp-tpl-%s .fp-title{color:%s}\n", h, p[1], h, title)
		}
		fmt.Fprintf(&b, ".fp-tag-%s{background:%s;color:%s}.fp-bg-%s{background:%s}\n", h, p[1], p[3], h, p[0])
	}
	b.WriteString(".fp-tag-neutral{background:#F2F3F5;color:#373C43}\n")
	return b.String()
}

// CSP is the Content-Security-Policy of pages that show rendered
// messages: the inbox and the preview. Nothing loads from elsewhere; the
// preview's images and font are data: URLs.
const CSP = "default-src 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'"

// Page wraps rendered messages in a self-contained HTML page: its own
// Content-Security-Policy (CSP), cards at the client's width (600px, or
// 400px compact), and a CJK font embedded, cut down to the characters the
// page uses, so Chinese shows on a machine without CJK fonts.
func Page(title string, bodies ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="%s">
<title>%s</title><style>%sbody{margin:0;padding:24px;background:#F5F6F7}.fp-preview{display:flex;flex-direction:column;gap:16px;align-items:flex-start}.fp-preview>.fp-card{align-self:stretch}
%s</style></head><body><div class="fp-preview">`, html.EscapeString(CSP), html.EscapeString(title), fontFace(title+strings.Join(bodies, "")), CSS())
	for _, body := range bodies {
		b.WriteString(body)
	}
	b.WriteString("</div></body></html>\n")
	return b.String()
}
