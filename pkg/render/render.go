// Package render draws Feishu messages as HTML, the way the Feishu client
// shows them, for the sandbox inbox and the offline preview: cards (JSON
// 1.0 and 2.0, every documented component, form controls drawn disabled as
// they look before anyone touches them, multilingual cards in a chosen
// locale), text, post, image, file, voice and video messages, and with
// Messages a message's life in a chat: the quote of the message it
// replies to, its thread, its earlier versions, its recall. Colours and
// sizes follow Feishu's published colour table and design notes; see CSS.
// No input makes it panic, and card values reach style attributes only
// once checked.
package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"strings"
)

// Options control rendering.
type Options struct {
	// ImageURL returns where the image with this img_key can be loaded, or
	// "" to draw a placeholder box.
	ImageURL func(key string) string
	// Locale picks the language of a multilingual card (zh_cn, en_us,
	// ja_jp, ...). Empty means zh_cn, the client's default; a card without
	// the locale falls back to zh_cn, en_us, then its first locale.
	Locale string
	// PersonName returns the display name of a user id, or "" to show the
	// id. Offline the names are unknown.
	PersonName func(id string) string
	// File returns what is known of the uploaded file with this file_key,
	// for file, audio and media messages; without it they show the key.
	File func(key string) (FileInfo, bool)
}

// Message renders a message's content object (the decoded content string
// for im/v1, or the webhook's content or card) as HTML.
func Message(msgType string, content []byte, o Options) (out string) {
	defer func() {
		// One message that cannot be drawn must not take the page down.
		if e := recover(); e != nil {
			out = `<div class="fp-bubble fp-raw">this message could not be drawn</div>`
		}
	}()
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(content))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		return `<div class="fp-raw">` + html.EscapeString(string(content)) + `</div>`
	}
	r := &renderer{o: o, locale: first(o.Locale, "zh_cn")}
	switch msgType {
	case "text":
		t, _ := obj["text"].(string)
		return `<div class="fp-bubble fp-text">` + textMessage(t) + `</div>`
	case "post":
		return r.postMessage(obj)
	case "interactive":
		return r.card(obj)
	case "image":
		return r.photo(str(obj["image_key"]))
	case "file":
		return r.fileMessage(obj)
	case "audio":
		return r.audioMessage(obj)
	case "media":
		return r.video(str(obj["file_key"]), str(obj["image_key"]))
	case "sticker":
		return `<div class="fp-sticker">Sticker</div>`
	case "share_chat":
		return shareMessage("Group card", str(obj["chat_id"]))
	case "share_user":
		return shareMessage("Contact card", str(obj["user_id"]))
	}
	return `<div class="fp-bubble fp-raw">` + html.EscapeString(msgType+": "+string(content)) + `</div>`
}

// Card renders card JSON.
func Card(data []byte, o Options) string { return Message("interactive", data, o) }

type renderer struct {
	o      Options
	v2     bool
	locale string
	colors map[string]string // config.style.color: name -> light-mode CSS colour
	width  int               // the card's content width in pixels
}

var (
	// atTextRe is the text-message mention <at user_id="...">Name</at>.
	atTextRe = lazyRegexp(`<at\s+user_id\s*=\s*["']?([^"'\s>]*)["']?\s*>([^<]*)</at>`)
	atHeld   = lazyRegexp("\x01([^\x02]*)\x02([^\x03]*)\x03")
)

func textMessage(t string) string {
	// Text messages take <at user_id="ou_x">Name</at> and, for app bots,
	// <b> <i> <u> <s> and [links](url); render them as Feishu does.
	t = strings.Map(func(r rune) rune {
		if r <= 3 {
			return '\uFFFD' // the markers below
		}
		return r
	}, t)
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

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
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
