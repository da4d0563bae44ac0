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
	emojiKey   = lazyRegexp(`:([A-Za-z][A-Za-z_]+):`)
	listItem   = lazyRegexp(`^(\s*)([-*+]|\d+\.)\s+(.*)$`)
	headingMD  = lazyRegexp(`^(#{1,6})\s+(.*)$`)
	quoteMD    = lazyRegexp(`^>\s?(.*)$`)
	placeholer = lazyRegexp("\x00(\\d+)\x00")
	personTag  = lazyRegexp(`<person\s+([^>]*)>(?:[^<]*</person>)?`)
	attrRe     = lazyRegexp(`([a-z_]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))`)
	dateTag    = lazyRegexp(`<local_datetime\s+([^>]*)>(?:[^<]*</local_datetime>)?`)
	numberTag  = lazyRegexp(`<number_tag(\s+[^>]*)?>([^<]*)</number_tag>`)
	linkTag    = lazyRegexp(`<link\s+([^>]*)>([^<]*)</link>`)
	rawTag     = lazyRegexp(`(?s)<raw>(.*?)</raw>`)
	tableDelim = lazyRegexp(`^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$`)
)

// attrs parses tag attributes: a=1 b='2' c="3".
func attrs(s string) map[string]string {
	m := map[string]string{}
	for _, g := range attrRe().FindAllStringSubmatch(s, -1) {
		m[g[1]] = g[2] + g[3] + g[4]
	}
	return m
}

// sanitize removes the control characters the renderer uses as markers, so
// no input can forge one (a NUL-digits-NUL sequence once crashed it).
func sanitize(s string) string {
	if !strings.Contains(s, "\x00") {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == 0 {
			return '\uFFFD'
		}
		return r
	}, s)
}

// lazyRegexp compiles expr on first use: the renderer's expressions cost
// nothing to commands that draw nothing.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// emoji maps common Feishu emoji keys to Unicode; unknown keys stay text.
var emoji = sync.OnceValue(func() map[string]string {
	return map[string]string{"OK": "👌", "THUMBSUP": "👍", "DONE": "✅", "SMILE": "😊", "APPLAUSE": "👏",
		"MUSCLE": "💪", "FINGERHEART": "🫰", "THANKS": "🙏", "FIRE": "🔥", "PARTY": "🎉", "ERROR": "❌", "WARNING": "⚠️",
		"JIAYI": "➕", "LAUGH": "😆", "LOVE": "😍", "WINK": "😉", "PROUD": "😎", "WITTY": "🤓", "SMART": "🧐", "SCOWL": "😠",
		"THINKING": "🤔", "SOB": "😭", "CRY": "😢", "ERROR_": "❗", "YEAH": "✌️", "SHAKE": "🤝", "HEART": "❤️", "HEARTBROKEN": "💔",
		"ROSE": "🌹", "BEER": "🍺", "CAKE": "🎂", "GIFT": "🎁", "CLAP": "👏", "WAVE": "👋", "FISTBUMP": "👊", "PRAISE": "🙌",
		"ROCKET": "🚀", "STAR": "⭐", "CHECK": "✔️", "CROSSMARK": "❌", "QUESTION": "❓", "ALARM": "⏰", "CLOCK": "🕐",
		"TEA": "🍵", "COFFEE": "☕", "HUG": "🤗", "KISS": "😘", "TONGUE": "😛", "FACEPALM": "🤦", "SHOCKED": "😱", "SWEAT": "😓",
		"DIZZY": "😵", "SLEEP": "😴", "SICK": "🤒", "ANGRY": "😡", "BLUSH": "😊", "GRINNING": "😁", "EYESCLOSED": "😌",
		"OBSESSED": "🤩", "TRICK": "😜", "HAMMER": "🔨", "BOMB": "💣", "SKULL": "💀", "POOP": "💩", "GHOST": "👻",
		"MONEY": "💰", "LOOK": "👀", "SALUTE": "🫡", "GOODJOB": "👍", "Get": "🆗", "LGTM": "👍", "OnIt": "🫡", "OneSecond": "☝️",
		"VRHeadset": "🥽", "YouAreTheBest": "🏆", "Typing": "⌨️", "Lemon": "🍋", "Fireworks": "🎆", "RedPacket": "🧧",
		"CheckMark": "✅", "CrossMark": "❌", "Pin": "📌", "Alarm": "⏰", "Loudspeaker": "📢", "Trophy": "🏆", "Yes": "✅", "No": "❌"}
})

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
func inline(s string, colors map[string]string) string {
	var held []string
	hold := func(h string) string {
		held = append(held, h)
		return fmt.Sprintf("\x00%d\x00", len(held)-1)
	}
	s = sanitize(s)
	s = rawTag().ReplaceAllStringFunc(s, func(m string) string {
		return hold(html.EscapeString(rawTag().FindStringSubmatch(m)[1]))
	})
	s = codeMD().ReplaceAllStringFunc(s, func(m string) string {
		return hold("<code>" + html.EscapeString(codeMD().FindStringSubmatch(m)[1]) + "</code>")
	})
	s = personTag().ReplaceAllStringFunc(s, func(m string) string {
		a := attrs(personTag().FindStringSubmatch(m)[1])
		return hold(personChip(a["id"], a["show_avatar"] != "false", a["show_name"] != "false", a["style"] == "capsule"))
	})
	s = dateTag().ReplaceAllStringFunc(s, func(m string) string {
		a := attrs(dateTag().FindStringSubmatch(m)[1])
		return hold(`<span class="fp-datetime">` + html.EscapeString(localDatetime(a["millisecond"], a["format_type"])) + `</span>`)
	})
	s = numberTag().ReplaceAllStringFunc(s, func(m string) string {
		g := numberTag().FindStringSubmatch(m)
		return hold(`<span class="fp-number-tag">` + html.EscapeString(g[2]) + `</span>`)
	})
	s = linkTag().ReplaceAllStringFunc(s, func(m string) string {
		g := linkTag().FindStringSubmatch(m)
		a := attrs(g[1])
		return hold(link(first(a["url"], a["pc_url"]), `<span class="fp-link-icon">🔗</span>`+html.EscapeString(g[2])))
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
		name := fontOpen().FindStringSubmatch(m)[1]
		c, ok := colors[name]
		if !ok {
			c = colorValue(name)
		}
		return hold(fmt.Sprintf(`<span class="fp-font" style="color:%s">`, html.EscapeString(c)))
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
		if e, ok := emoji()[strings.Trim(m, ":")]; ok {
			return e
		}
		return m
	})
	// Restore what was held, innermost last.
	for i := 0; i < 3 && strings.Contains(s, "\x00"); i++ {
		s = placeholer().ReplaceAllStringFunc(s, func(m string) string {
			var n int
			fmt.Sscan(placeholer().FindStringSubmatch(m)[1], &n)
			if n < 0 || n >= len(held) {
				return "" // cannot happen: sanitize removed every NUL of the input
			}
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
func Markdown(s string, block bool) string { return markdown(s, block, nil) }

// markdown is Markdown with the card's custom colours (config.style.color)
// for <font color>.
func markdown(s string, block bool, colors map[string]string) string {
	inl := func(x string) string { return inline(x, colors) }
	s = strings.ReplaceAll(sanitize(s), "\r\n", "\n")
	if !block {
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			lines[i] = inl(l)
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
		if strings.Contains(l, "|") && i+1 < len(lines) && tableDelim().MatchString(lines[i+1]) && strings.Contains(lines[i+1], "-") {
			endPara()
			closeLists()
			var rows [][]string
			rows = append(rows, tableCells(l))
			for i += 2; i < len(lines) && strings.Contains(lines[i], "|") && strings.TrimSpace(lines[i]) != ""; i++ {
				rows = append(rows, tableCells(lines[i]))
			}
			i--
			b.WriteString(`<table class="fp-md-table"><thead><tr>`)
			for _, c := range rows[0] {
				b.WriteString("<th>" + inl(c) + "</th>")
			}
			b.WriteString("</tr></thead><tbody>")
			for n, r := range rows[1:] {
				if n == 5 {
					break // five rows a page, as the client shows them
				}
				b.WriteString("<tr>")
				for _, c := range r {
					b.WriteString("<td>" + inl(c) + "</td>")
				}
				b.WriteString("</tr>")
			}
			b.WriteString("</tbody></table>")
			if len(rows) > 6 {
				fmt.Fprintf(&b, `<div class="fp-pager">‹ 1/%d ›</div>`, (len(rows)-1+4)/5)
			}
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
			b.WriteString("<li>" + inl(m[3]) + "</li>")
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
			fmt.Fprintf(&b, "<h%d>%s</h%d>", len(m[1]), inl(m[2]), len(m[1]))
		case quoteMD().MatchString(l):
			endPara()
			b.WriteString("<blockquote>" + inl(quoteMD().FindStringSubmatch(l)[1]) + "</blockquote>")
		default:
			if para {
				b.WriteString("<br>")
			} else {
				b.WriteString("<p>")
				para = true
			}
			b.WriteString(inl(l))
		}
	}
	endPara()
	closeLists()
	return b.String()
}

// tableCells splits a GFM table row into its cells.
func tableCells(l string) []string {
	l = strings.TrimSpace(l)
	l = strings.TrimPrefix(l, "|")
	l = strings.TrimSuffix(l, "|")
	cells := strings.Split(l, "|")
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	return cells
}
