package render

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// Feishu markdown, as the client draws it: **bold**, *italic*, ~~strike~~,
// [links](url), `code`, fenced code, lists, headings and quotes (2.0),
// <at>, <font color>, <a href>, <text_tag> and <br>. Everything else is
// shown as text: the input is escaped first, and only the HTML this file
// builds reaches the page.

var (
	// Tags Feishu markdown allows, matched on the raw text.
	atTag      = lazyRegexp(`<at\s+(id|ids|email|user_id)\s*=\s*["']?([^"'\s>]*)["']?\s*>([^<]*)</at>`)
	fontOpen   = lazyRegexp(`<font\s+color\s*=\s*["']?([A-Za-z0-9_-]+)["']?\s*>`)
	fontClose  = lazyRegexp(`</font>`)
	aTag       = lazyRegexp(`<a\s+href\s*=\s*["']([^"']*)["'][^>]*>([^<]*)</a>`)
	textTag    = lazyRegexp(`<text_tag(?:\s+color\s*=\s*["']?([A-Za-z0-9_-]+)["']?)?\s*>([^<]*)</text_tag>`)
	brTag      = lazyRegexp(`<br\s*/?>`)
	linkMD     = lazyRegexp(`\[([^\]]+)\]\(([^)\s]+)\)`)
	boldMD     = lazyRegexp(`\*\*(.+?)\*\*`)
	italicMD   = lazyRegexp(`(^|[^*])\*([^*\s][^*]*?)\*`)
	strikeMD   = lazyRegexp(`~~(.+?)~~`)
	codeMD     = lazyRegexp("`([^`]+)`")
	emojiKey   = lazyRegexp(`:([A-Z][A-Z_]+):`)
	listItem   = lazyRegexp(`^(\s*)([-*+]|\d+\.)\s+(.*)$`)
	headingMD  = lazyRegexp(`^(#{1,6})\s+(.*)$`)
	quoteMD    = lazyRegexp(`^>\s?(.*)$`)
	placeholer = lazyRegexp("\x00(\\d+)\x00")
)

// lazyRegexp compiles expr on first use: the renderer's expressions cost
// nothing to commands that draw nothing.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// emoji maps common Feishu emoji keys to Unicode; unknown keys stay text.
var emoji = map[string]string{"OK": "👌", "THUMBSUP": "👍", "DONE": "✅", "SMILE": "😊", "APPLAUSE": "👏",
	"MUSCLE": "💪", "FINGERHEART": "🫰", "THANKS": "🙏", "FIRE": "🔥", "PARTY": "🎉", "ERROR": "❌", "WARNING": "⚠️"}

// safeURL returns u when it is a link a card may open, else "".
func safeURL(u string) string {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil {
		return ""
	}
	switch p.Scheme {
	case "http", "https", "lark", "feishu", "mailto":
		return p.String()
	}
	return ""
}

// inline renders one line of Feishu markdown. v2 enables 2.0-only syntax.
func inline(s string) string {
	var held []string
	hold := func(h string) string {
		held = append(held, h)
		return fmt.Sprintf("\x00%d\x00", len(held)-1)
	}
	s = codeMD().ReplaceAllStringFunc(s, func(m string) string {
		return hold("<code>" + html.EscapeString(codeMD().FindStringSubmatch(m)[1]) + "</code>")
	})
	s = atTag().ReplaceAllStringFunc(s, func(m string) string {
		g := atTag().FindStringSubmatch(m)
		return hold(mention(g[2], g[3]))
	})
	s = aTag().ReplaceAllStringFunc(s, func(m string) string {
		g := aTag().FindStringSubmatch(m)
		return hold(link(g[1], html.EscapeString(g[2])))
	})
	s = textTag().ReplaceAllStringFunc(s, func(m string) string {
		g := textTag().FindStringSubmatch(m)
		c := g[1]
		if c == "" {
			c = "blue"
		}
		return hold(fmt.Sprintf(`<span class="fp-tag fp-tag-%s">%s</span>`, cssName(c), html.EscapeString(g[2])))
	})
	opened := 0
	s = fontOpen().ReplaceAllStringFunc(s, func(m string) string {
		opened++
		return hold(fmt.Sprintf(`<span class="fp-font" style="color:%s">`, colorValue(fontOpen().FindStringSubmatch(m)[1])))
	})
	s = fontClose().ReplaceAllStringFunc(s, func(m string) string {
		if opened == 0 {
			return m // a </font> without its <font> stays text
		}
		opened--
		return hold("</span>")
	})
	for ; opened > 0; opened-- {
		s += hold("</span>")
	}
	s = brTag().ReplaceAllStringFunc(s, func(string) string { return hold("<br>") })
	s = linkMD().ReplaceAllStringFunc(s, func(m string) string {
		g := linkMD().FindStringSubmatch(m)
		return hold(link(g[2], html.EscapeString(g[1])))
	})
	s = html.EscapeString(s)
	s = boldMD().ReplaceAllString(s, "<strong>$1</strong>")
	s = strikeMD().ReplaceAllString(s, "<del>$1</del>")
	s = italicMD().ReplaceAllString(s, "$1<em>$2</em>")
	s = emojiKey().ReplaceAllStringFunc(s, func(m string) string {
		if e, ok := emoji[strings.Trim(m, ":")]; ok {
			return e
		}
		return m
	})
	// Restore what was held, innermost last.
	for i := 0; i < 3 && strings.Contains(s, "\x00"); i++ {
		s = placeholer().ReplaceAllStringFunc(s, func(m string) string {
			var n int
			fmt.Sscan(placeholer().FindStringSubmatch(m)[1], &n)
			return held[n]
		})
	}
	return s
}

func mention(id, name string) string {
	label := strings.TrimSpace(name)
	switch {
	case id == "all":
		label = "所有人"
	case label == "":
		label = id
	}
	return `<span class="fp-at">@` + html.EscapeString(label) + `</span>`
}

func link(href, text string) string {
	u := safeURL(href)
	if u == "" {
		return text
	}
	return `<a href="` + html.EscapeString(u) + `" target="_blank" rel="noopener">` + text + `</a>`
}

// Markdown renders Feishu markdown (lark_md, or the markdown element) as
// HTML. block enables headings, quotes, lists and fenced code.
func Markdown(s string, block bool) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if !block {
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			lines[i] = inline(l)
		}
		return strings.Join(lines, "<br>")
	}
	var b strings.Builder
	lines := strings.Split(s, "\n")
	var list []string // open list kinds
	closeLists := func() {
		for i := len(list) - 1; i >= 0; i-- {
			b.WriteString("</" + list[i] + ">")
		}
		list = nil
	}
	para := false
	endPara := func() {
		if para {
			b.WriteString("</p>")
			para = false
		}
	}
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			endPara()
			closeLists()
			lang := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "```"))
			var code []string
			for i++; i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), "```"); i++ {
				code = append(code, lines[i])
			}
			fmt.Fprintf(&b, `<pre class="fp-code" data-lang="%s"><code>%s</code></pre>`, html.EscapeString(lang), html.EscapeString(strings.Join(code, "\n")))
			continue
		}
		if m := listItem().FindStringSubmatch(l); m != nil {
			endPara()
			kind := "ul"
			if m[2][0] >= '0' && m[2][0] <= '9' {
				kind = "ol"
			}
			depth := len(strings.ReplaceAll(m[1], "\t", "    "))/4 + 1
			for len(list) > depth {
				b.WriteString("</" + list[len(list)-1] + ">")
				list = list[:len(list)-1]
			}
			for len(list) < depth {
				b.WriteString("<" + kind + ">")
				list = append(list, kind)
			}
			b.WriteString("<li>" + inline(m[3]) + "</li>")
			continue
		}
		closeLists()
		switch {
		case strings.TrimSpace(l) == "":
			endPara()
		case strings.TrimSpace(l) == "---" || strings.TrimSpace(l) == "<hr>":
			endPara()
			b.WriteString(`<hr class="fp-hr">`)
		case headingMD().MatchString(l):
			endPara()
			m := headingMD().FindStringSubmatch(l)
			fmt.Fprintf(&b, "<h%d>%s</h%d>", len(m[1]), inline(m[2]), len(m[1]))
		case quoteMD().MatchString(l):
			endPara()
			b.WriteString("<blockquote>" + inline(quoteMD().FindStringSubmatch(l)[1]) + "</blockquote>")
		default:
			if para {
				b.WriteString("<br>")
			} else {
				b.WriteString("<p>")
				para = true
			}
			b.WriteString(inline(l))
		}
	}
	endPara()
	closeLists()
	return b.String()
}
