package render

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"html"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file draws every message kind besides cards, and a message's life
// in a chat: replies with their quote, threads, edits, recall.
//
// Sizes the client uses for images, files and voice in a chat are not
// published (UNCONFIRMED): images fit a 360px box and are never enlarged,
// file bubbles are 320px wide, a voice bubble grows with its length.

// FileInfo describes an uploaded file, for file, audio and media messages.
type FileInfo struct {
	Name string
	Size int64
	// Type is the upload's file_type: opus, mp4, pdf, doc, xls, ppt or
	// stream.
	Type string
	// Duration of audio and video in milliseconds; 0 when unknown.
	Duration int
	// URL downloads the file: a path on the same site ("/api/files/KEY")
	// or an http(s) URL; anything else draws no link.
	URL string
}

// Stored is a message with its life, as a chat shows it. Messages draws a
// list of them.
type Stored struct {
	Seq  int
	Time time.Time
	// Mode is "app" or "webhook" for a bot's message, "user" for a
	// person's.
	Mode      string
	MsgType   string
	Content   json.RawMessage
	MessageID string
	// ParentID is the message replied to, RootID the first of the chain,
	// ThreadID the omt_ thread the message is in.
	ParentID, RootID, ThreadID string
	// Edits are the updates of the message, oldest first; Content is the
	// latest version.
	Edits      []Edit
	Recalled   bool
	RecalledAt time.Time
	Deleted    bool
}

// Edit is one update of a message: when it happened and the content it
// replaced.
type Edit struct {
	Time     time.Time
	Previous json.RawMessage
}

// Messages draws stored messages as the client shows them, one HTML
// fragment per message in the same order: the content (or the recall
// notice), the quote of the message replied to, the thread a reply is in,
// on a thread's first message its replies, and on an edited message its
// earlier versions. Replies and threads are resolved within list. Links
// to other messages point at #msg-SEQ, the inbox's element ids.
func Messages(list []Stored, o Options) []string {
	c := conversation{list: list, byID: map[string]int{}, starter: map[string]int{}, replies: map[string][]int{}}
	for i, m := range list {
		if m.MessageID != "" {
			c.byID[m.MessageID] = i
		}
		if m.ThreadID == "" {
			continue
		}
		if _, ok := c.starter[m.ThreadID]; !ok {
			c.starter[m.ThreadID] = i
		} else {
			c.replies[m.ThreadID] = append(c.replies[m.ThreadID], i)
		}
	}
	out := make([]string, len(list))
	for i := range list {
		out[i] = c.message(i, o)
	}
	return out
}

// conversation is the list of messages with its links resolved: messages
// by id, and by thread id the index of the thread's first message and of
// its replies.
type conversation struct {
	list    []Stored
	byID    map[string]int
	starter map[string]int
	replies map[string][]int
}

func (c *conversation) message(i int, o Options) (out string) {
	list, byID, starter, replies := c.list, c.byID, c.starter, c.replies
	defer func() {
		if e := recover(); e != nil {
			out = `<div class="fp-bubble fp-raw">this message could not be drawn</div>`
		}
	}()
	m := list[i]
	var b strings.Builder
	cls := "fp-msg"
	if m.ThreadID != "" {
		cls += " fp-in-thread fp-thread-c" + strconv.Itoa(threadHue(m.ThreadID))
	}
	fmt.Fprintf(&b, `<div class="%s" data-msg-type="%s"`, cls, cssName(m.MsgType))
	if m.ThreadID != "" {
		fmt.Fprintf(&b, ` data-thread="%s"`, html.EscapeString(m.ThreadID))
	}
	b.WriteString(`>`)
	start, isThread := starter[m.ThreadID]
	inThread := isThread && start != i
	if inThread {
		fmt.Fprintf(&b, `<div class="fp-thread-mark">%s<span>Thread</span> · <a href="#msg-%d">%s</a></div>`,
			threadGlyph, list[start].Seq, html.EscapeString(summary(list[start], 40, o.Locale)))
	}
	if m.ParentID != "" && !(inThread && list[start].MessageID == m.ParentID) {
		// A reply quotes the message it answers; in a thread only a reply
		// to another reply does, the thread's first message is above.
		if p, ok := byID[m.ParentID]; ok {
			fmt.Fprintf(&b, `<a class="fp-quote" href="#msg-%d"><span class="fp-quote-who">%s</span>: %s</a>`,
				list[p].Seq, sender(list[p].Mode), html.EscapeString(summary(list[p], 60, o.Locale)))
		} else {
			fmt.Fprintf(&b, `<span class="fp-quote">Reply to %s</span>`, html.EscapeString(m.ParentID))
		}
	}
	b.WriteString(drawContent(m, o))
	if len(m.Edits) > 0 && !m.Recalled && !m.Deleted {
		b.WriteString(editHistory(m, o))
	}
	if isThread && start == i && len(replies[m.ThreadID]) > 0 {
		b.WriteString(threadReplies(list, replies[m.ThreadID], o))
	}
	b.WriteString(`</div>`)
	return b.String()
}

// drawContent draws what the chat shows in a message's place.
func drawContent(m Stored, o Options) string {
	switch {
	case m.Deleted:
		return `<div class="fp-notice fp-deleted">This message was deleted</div>`
	case m.Recalled:
		at := ""
		if !m.RecalledAt.IsZero() {
			at = ` <span class="fp-notice-time">` + clock(m.RecalledAt) + `</span>`
		}
		return `<div class="fp-notice fp-recalled">This message was recalled` + at + `</div>`
	}
	return Message(m.MsgType, m.Content, o)
}

// editHistory draws the "edited" mark and, behind it, the earlier versions.
func editHistory(m Stored, o Options) string {
	var b strings.Builder
	n := len(m.Edits)
	fmt.Fprintf(&b, `<details class="fp-edits"><summary><span class="fp-edited">Edited</span> %s · %d earlier version%s</summary><ol class="fp-versions">`,
		clock(m.Edits[n-1].Time), n, plural(n))
	for k := n - 1; k >= 0; k-- {
		set := m.Time
		what := "sent"
		if k > 0 {
			set, what = m.Edits[k-1].Time, "set"
		}
		fmt.Fprintf(&b, `<li class="fp-version"><div class="fp-version-meta">Version %d · %s %s · replaced %s</div>%s</li>`,
			k+1, what, clock(set), clock(m.Edits[k].Time), Message(m.MsgType, m.Edits[k].Previous, o))
	}
	b.WriteString(`</ol></details>`)
	return b.String()
}

// threadReplies draws a thread's replies under its first message, as the client
// does: "N replies", opening to the replies.
func threadReplies(list []Stored, idx []int, o Options) string {
	var b strings.Builder
	last := list[idx[len(idx)-1]]
	fmt.Fprintf(&b, `<details class="fp-thread"><summary>%s<span class="fp-thread-count">%d repl%s</span> <span class="fp-thread-last">last %s</span></summary><div class="fp-thread-list">`,
		threadGlyph, len(idx), map[bool]string{true: "y", false: "ies"}[len(idx) == 1], clock(last.Time))
	for _, j := range idx {
		r := list[j]
		fmt.Fprintf(&b, `<div class="fp-thread-item"><div class="fp-thread-meta"><a href="#msg-%d">#%d</a> %s · %s</div>%s</div>`,
			r.Seq, r.Seq, sender(r.Mode), clock(r.Time), drawContent(r, o))
	}
	b.WriteString(`</div></details>`)
	return b.String()
}

const threadGlyph = `<svg class="fp-glyph" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path fill="currentColor" d="M2 3.5A1.5 1.5 0 0 1 3.5 2h9A1.5 1.5 0 0 1 14 3.5v6a1.5 1.5 0 0 1-1.5 1.5H7l-3 3v-3h-.5A1.5 1.5 0 0 1 2 9.5zm2 1.5v1h8V5zm0 2.5v1h5v-1z"/></svg>`

// threadHue gives each thread one of six colours.
func threadHue(id string) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % 6)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return `<time datetime="` + t.Format(time.RFC3339) + `">` + t.Format("15:04:05") + `</time>`
}

func sender(mode string) string {
	switch mode {
	case "user":
		return "User"
	case "webhook":
		return "Webhook bot"
	}
	return "Bot"
}

// summary is the one-line text the client shows for a message in a quote:
// the text, a post's title (in locale), "[Image]", a card's title.
func summary(m Stored, max int, locale string) string {
	if m.Recalled {
		return "This message was recalled"
	}
	if m.Deleted {
		return "This message was deleted"
	}
	var obj map[string]any
	_ = json.Unmarshal(m.Content, &obj)
	s := ""
	switch m.MsgType {
	case "text":
		s = atTextRe().ReplaceAllStringFunc(str(obj["text"]), func(m string) string {
			g := atTextRe().FindStringSubmatch(m)
			if g[1] == "all" {
				return "@所有人"
			}
			return "@" + first(g[2], g[1])
		})
	case "post":
		_, p := postVersion(obj, locale)
		s = str(p["title"])
		if s == "" {
			s = postText(p)
		}
	case "image":
		s = "[Image]"
	case "file":
		s = "[File] " + str(obj["file_name"])
	case "audio":
		s = "[Voice]"
	case "media":
		s = "[Video]"
	case "sticker":
		s = "[Sticker]"
	case "share_chat":
		s = "[Group card]"
	case "share_user":
		s = "[Contact card]"
	case "interactive":
		s = "[Card]"
		if t := str(dig(obj, "header", "title", "content")); t != "" {
			s += " " + t
		}
	default:
		s = "[" + m.MsgType + "]"
	}
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max-1]) + "…"
	}
	return s
}

// postText is a post's text without markup, for a quote.
func postText(p map[string]any) string {
	var parts []string
	paras, _ := p["content"].([]any)
	for _, para := range paras {
		nodes, _ := para.([]any)
		for _, n := range nodes {
			nm, _ := n.(map[string]any)
			switch nm["tag"] {
			case "text", "a", "code_block", "md":
				parts = append(parts, str(nm["text"]))
			case "at":
				parts = append(parts, "@"+first(str(nm["user_name"]), str(nm["user_id"])))
			case "img":
				parts = append(parts, "[Image]")
			case "media":
				parts = append(parts, "[Video]")
			}
		}
	}
	return strings.Join(parts, " ")
}

// postVersion is the language version of a post the client shows for
// locale (empty means zh_cn) and its locale key: the content as sent
// ({"zh_cn":{"title","content"},...}, inside the webhook's "post"
// wrapper) or, for a post read back from the API, the single
// {"title","content"} with key "". A post without the locale falls back
// like a card: zh_cn, en_us, then its first locale in sorted order (what
// the client picks then is unpublished, UNCONFIRMED).
func postVersion(obj map[string]any, locale string) (string, map[string]any) {
	if p, ok := obj["post"].(map[string]any); ok {
		obj = p // the webhook's wrapper
	}
	if _, single := obj["content"].([]any); single {
		return "", obj
	}
	keys := []string{first(locale, "zh_cn"), "zh_cn", "en_us"}
	rest := make([]string, 0, len(obj))
	for k := range obj {
		rest = append(rest, k)
	}
	slices.Sort(rest)
	for _, k := range append(keys, rest...) {
		if v, ok := obj[k]; ok {
			p, _ := v.(map[string]any)
			return k, p
		}
	}
	return "", nil
}

// postMessage draws a rich-text (post) message in the chosen locale: the
// title, then each paragraph with every documented element. Its lang
// attribute names the language version drawn.
func (r *renderer) postMessage(obj map[string]any) string {
	key, p := postVersion(obj, r.locale)
	var b strings.Builder
	b.WriteString(`<div class="fp-bubble fp-post"`)
	if key != "" {
		fmt.Fprintf(&b, ` lang="%s"`, cssName(strings.ReplaceAll(key, "_", "-")))
	}
	b.WriteString(`>`)
	if t := str(p["title"]); t != "" {
		b.WriteString(`<div class="fp-post-title">` + html.EscapeString(t) + `</div>`)
	}
	paras, _ := p["content"].([]any)
	for _, para := range paras {
		nodes, _ := para.([]any)
		b.WriteString(`<div class="fp-post-p">`)
		if len(nodes) == 0 {
			b.WriteString(`<br>`)
		}
		for _, n := range nodes {
			nm, _ := n.(map[string]any)
			b.WriteString(r.postNode(nm))
		}
		b.WriteString(`</div>`)
	}
	b.WriteString(`</div>`)
	return b.String()
}

func (r *renderer) postNode(nm map[string]any) string {
	text := str(nm["text"])
	if nm["un_escape"] == true {
		text = html.UnescapeString(text)
	}
	esc := strings.ReplaceAll(html.EscapeString(sanitize(text)), "\n", "<br>")
	switch nm["tag"] {
	case "text":
		return styled(esc, nm["style"])
	case "a":
		return link(str(nm["href"]), styled(esc, nm["style"]))
	case "at":
		id := str(nm["user_id"])
		name := str(nm["user_name"])
		if name == "" && id != "all" && r.o.PersonName != nil {
			name = r.o.PersonName(id)
		}
		return styled(mention(id, name), nm["style"])
	case "img":
		return `<div class="fp-post-media">` + r.photo(str(nm["image_key"])) + `</div>`
	case "media":
		return `<div class="fp-post-media">` + r.video(str(nm["file_key"]), str(nm["image_key"])) + `</div>`
	case "emotion":
		k := str(nm["emoji_type"])
		if e, ok := emoji()[k]; ok {
			return `<span class="fp-emoji" title="` + html.EscapeString(k) + `">` + e + `</span>`
		}
		return html.EscapeString("[" + k + "]")
	case "hr":
		return `<hr class="fp-hr">`
	case "code_block":
		lang := str(nm["language"])
		return fmt.Sprintf(`<pre class="fp-code" data-lang="%s"><code>%s</code></pre>`, html.EscapeString(lang), html.EscapeString(sanitize(text)))
	case "md":
		return `<div class="fp-md">` + Markdown(text, true) + `</div>`
	}
	return esc
}

// styled applies a post element's styles: bold, italic, underline,
// lineThrough. Unknown styles are ignored.
func styled(s string, style any) string {
	list, _ := style.([]any)
	tags := map[string]string{"bold": "b", "italic": "i", "underline": "u", "lineThrough": "s"}
	for _, st := range list {
		if t, ok := tags[str(st)]; ok {
			s = "<" + t + ">" + s + "</" + t + ">"
			delete(tags, str(st))
		}
	}
	return s
}

// photo draws an image message's picture at the client's size: within a
// 360px box, never enlarged.
func (r *renderer) photo(key string) string {
	src := ""
	if r.o.ImageURL != nil && key != "" {
		src = r.o.ImageURL(key)
	}
	if src == "" {
		return `<div class="fp-photo fp-photo-missing" title="` + html.EscapeString(key) + `">Image</div>`
	}
	return fmt.Sprintf(`<a class="fp-photo-link" href="%s" target="_blank" rel="noopener"><img class="fp-photo" src="%[1]s" alt="[Image]" data-key="%s"></a>`,
		html.EscapeString(src), html.EscapeString(key))
}

func (r *renderer) file(key string) (FileInfo, bool) {
	if r.o.File == nil || key == "" {
		return FileInfo{}, false
	}
	return r.o.File(key)
}

// fileURL keeps a download link that stays on the site or is http(s).
func fileURL(u string) string {
	if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") && !strings.HasPrefix(u, "/\\") {
		return u
	}
	if s := safeURL(u); strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		return s
	}
	return ""
}

// fileMessage draws a file message as the client does: a bubble with the
// file type's icon, the name, the size, and a download button.
func (r *renderer) fileMessage(obj map[string]any) string {
	key := str(obj["file_key"])
	info, known := r.file(key)
	name := first(info.Name, str(obj["file_name"]), key)
	label, colour := fileKind(name, info.Type)
	size := "Unknown size"
	if known {
		size = HumanSize(info.Size)
	}
	var b strings.Builder
	u := fileURL(info.URL)
	if u != "" {
		fmt.Fprintf(&b, `<a class="fp-bubble fp-file" href="%s" download="%s" title="%[2]s">`, html.EscapeString(u), html.EscapeString(name))
	} else {
		fmt.Fprintf(&b, `<div class="fp-bubble fp-file" title="%s">`, html.EscapeString(name))
	}
	fmt.Fprintf(&b, `<svg class="fp-file-icon" viewBox="0 0 40 40" width="40" height="40" aria-hidden="true">`+
		`<path fill="%s" d="M9 2h17l10 10v24a2 2 0 0 1-2 2H9a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2z"/>`+
		`<path fill="#fff" fill-opacity=".5" d="M26 2l10 10h-8a2 2 0 0 1-2-2z"/>`+
		`<text x="21.5" y="30" text-anchor="middle" font-size="%d" font-weight="700" fill="#fff" font-family="Arial,sans-serif">%s</text></svg>`,
		colour, map[bool]int{true: 8, false: 10}[len(label) > 3], html.EscapeString(label))
	fmt.Fprintf(&b, `<span class="fp-file-text"><span class="fp-file-name">%s</span><span class="fp-file-size">%s</span></span>`,
		html.EscapeString(middleCut(name, 34)), html.EscapeString(size))
	if u != "" {
		b.WriteString(`<span class="fp-file-dl" aria-label="Download"><svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true"><path fill="currentColor" d="M7.25 2h1.5v7.19l2.47-2.47 1.06 1.06L8 12.06 3.72 7.78l1.06-1.06 2.47 2.47zM3 13h10v1.5H3z"/></svg></span></a>`)
	} else {
		b.WriteString(`</div>`)
	}
	return b.String()
}

// fileKind picks a file's icon: its label and colour, by extension, else
// by the upload's file_type.
func fileKind(name, fileType string) (string, string) {
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		ext = strings.ToLower(name[i+1:])
	}
	kinds := []struct {
		label, colour string
		exts          string
	}{
		{"PDF", "#E22E28", "pdf"},
		{"W", "#336DF4", "doc docx rtf odt wps pages"},
		{"X", "#258832", "xls xlsx xlsm csv tsv ods numbers"},
		{"P", "#E86A0C", "ppt pptx odp key"},
		{"ZIP", "#5B65F5", "zip rar 7z tar gz tgz bz2 xz zst"},
		{"IMG", "#0F8575", "png jpg jpeg gif bmp webp svg heic tif tiff"},
		{"VID", "#8D55ED", "mp4 mov avi mkv webm m4v flv"},
		{"AUD", "#CC398C", "mp3 wav opus ogg m4a flac aac amr"},
		{"TXT", "#646A73", "txt md log rst"},
		{"</>", "#4752E6", "json yaml yml xml html htm js ts go py sh sql java c h cpp rs rb php toml ini"},
		{"APP", "#51565D", "apk ipa exe msi dmg deb rpm"},
	}
	for _, k := range kinds {
		for _, e := range strings.Fields(k.exts) {
			if e == ext {
				return k.label, k.colour
			}
		}
	}
	switch fileType {
	case "pdf":
		return "PDF", "#E22E28"
	case "doc":
		return "W", "#336DF4"
	case "xls":
		return "X", "#258832"
	case "ppt":
		return "P", "#E86A0C"
	case "mp4":
		return "VID", "#8D55ED"
	case "opus":
		return "AUD", "#CC398C"
	}
	return "FILE", "#8F959E"
}

// middleCut shortens a long file name in the middle, keeping its end and
// extension, as the client does.
func middleCut(s string, max int) string {
	rs := []rune(s)
	if len(rs) <= max {
		return s
	}
	tail := max / 3
	return string(rs[:max-tail-1]) + "…" + string(rs[len(rs)-tail:])
}

// HumanSize formats a byte count as the client does: 512 B, 12.3 KB,
// 1.5 MB.
func HumanSize(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	f := float64(n)
	for _, unit := range []string{"KB", "MB", "GB"} {
		f /= 1024
		if f < 1024 || unit == "GB" {
			return strconv.FormatFloat(f, 'f', 1, 64) + " " + unit
		}
	}
	return ""
}

// audioMessage draws a voice message statically: a play button, a wave
// and the length; the bubble grows with the length.
func (r *renderer) audioMessage(obj map[string]any) string {
	info, _ := r.file(str(obj["file_key"]))
	secs := (info.Duration + 500) / 1000
	length := "Voice"
	if info.Duration > 0 {
		length = voiceLength(secs)
	}
	width := 136 + min(secs, 60)*3
	var wave strings.Builder
	for i := 0; i < 14; i++ {
		h := []int{4, 8, 12, 6, 10, 14, 8, 5, 11, 7, 13, 6, 9, 4}[i]
		fmt.Fprintf(&wave, `<rect x="%d" y="%d" width="2" height="%d" rx="1"/>`, i*4, (16-h)/2, h)
	}
	return fmt.Sprintf(`<div class="fp-bubble fp-voice"%s title="%s"><svg class="fp-voice-play" viewBox="0 0 20 20" width="20" height="20" aria-hidden="true"><circle cx="10" cy="10" r="10" fill="#1456F0"/><path fill="#fff" d="M8 6v8l6-4z"/></svg>`+
		`<svg class="fp-voice-wave" viewBox="0 0 56 16" width="56" height="16" aria-hidden="true" fill="currentColor">%s</svg><span class="fp-voice-time">%s</span></div>`,
		styleOf("width", strconv.Itoa(width)+"px"), html.EscapeString(info.Name), wave.String(), html.EscapeString(length))
}

// voiceLength is the client's voice length: 5" or 1'05".
func voiceLength(secs int) string {
	if secs < 60 {
		return fmt.Sprintf(`%d"`, secs)
	}
	return fmt.Sprintf(`%d'%02d"`, secs/60, secs%60)
}

// video draws a video (a media message or a post's media element): the
// cover image, a play button and the duration.
func (r *renderer) video(fileKey, imageKey string) string {
	info, _ := r.file(fileKey)
	var b strings.Builder
	u := fileURL(info.URL)
	if u != "" {
		fmt.Fprintf(&b, `<a class="fp-video" href="%s" download="%s" title="%[2]s">`, html.EscapeString(u), html.EscapeString(info.Name))
	} else {
		fmt.Fprintf(&b, `<div class="fp-video" title="%s">`, html.EscapeString(first(info.Name, fileKey)))
	}
	src := ""
	if r.o.ImageURL != nil && imageKey != "" {
		src = r.o.ImageURL(imageKey)
	}
	if src != "" {
		fmt.Fprintf(&b, `<img class="fp-photo" src="%s" alt="[Video]" data-key="%s">`, html.EscapeString(src), html.EscapeString(imageKey))
	} else {
		b.WriteString(`<span class="fp-video-blank"></span>`)
	}
	b.WriteString(`<svg class="fp-video-play" viewBox="0 0 48 48" width="48" height="48" aria-hidden="true"><circle cx="24" cy="24" r="24" fill="#000" fill-opacity=".45"/><path fill="#fff" d="M19 15v18l15-9z"/></svg>`)
	if info.Duration > 0 {
		s := (info.Duration + 500) / 1000
		fmt.Fprintf(&b, `<span class="fp-video-time">%d:%02d</span>`, s/60, s%60)
	}
	if u != "" {
		b.WriteString(`</a>`)
	} else {
		b.WriteString(`</div>`)
	}
	return b.String()
}

// shareMessage draws a shared group or contact card.
func shareMessage(kind, id string) string {
	return fmt.Sprintf(`<div class="fp-bubble fp-share"><span class="fp-share-kind">%s</span><span class="fp-share-id">%s</span></div>`,
		kind, html.EscapeString(id))
}

// messageCSS styles this file's markup.
const messageCSS = `
.fp-msg{display:flex;flex-direction:column;align-items:flex-start;gap:6px}.fp-msg>.fp-card{align-self:stretch}.fp-preview>.fp-msg{align-self:stretch}
.fp-in-thread{border-left:3px solid #DEE0E3;padding-left:10px}
.fp-thread-c0{border-color:#336DF4}.fp-thread-c1{border-color:#0F8575}.fp-thread-c2{border-color:#E86A0C}.fp-thread-c3{border-color:#8D55ED}.fp-thread-c4{border-color:#CC398C}.fp-thread-c5{border-color:#6B7F06}
.fp-glyph{vertical-align:-2px;margin-right:4px}
.fp-thread-mark{font-size:12px;line-height:18px;color:#646A73}.fp-thread-mark a,.fp-thread-meta a{color:#1456F0;text-decoration:none}
.fp-quote{display:block;max-width:560px;box-sizing:border-box;font-size:12px;line-height:18px;color:#646A73;border-left:2px solid #BBBFC4;padding:0 8px;text-decoration:none;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.fp-quote-who{color:#373C43}
.fp-notice{font-size:12px;line-height:18px;color:#8F959E;background:#EFF0F1;border-radius:12px;padding:3px 12px}.fp-notice-time{margin-left:4px}
.fp-edits,.fp-thread{font-size:12px;line-height:18px;color:#8F959E;max-width:600px;width:100%}
.fp-edits>summary,.fp-thread>summary{cursor:pointer;width:max-content;max-width:100%}.fp-edited{color:#646A73}
.fp-versions{margin:6px 0 0;padding:0;list-style:none;display:flex;flex-direction:column;gap:10px}
.fp-version{display:flex;flex-direction:column;align-items:flex-start;gap:4px;padding:8px;background:#EFF0F1;border-radius:8px}.fp-version>.fp-card{align-self:stretch}
.fp-version-meta,.fp-thread-meta{color:#646A73}
.fp-thread>summary{color:#1456F0;font-size:13px}.fp-thread-last{color:#8F959E;font-size:12px}
.fp-thread-list{display:flex;flex-direction:column;gap:10px;margin-top:6px;padding:8px;background:#EFF0F1;border-radius:8px}
.fp-thread-item{display:flex;flex-direction:column;align-items:flex-start;gap:4px}.fp-thread-item>.fp-card{align-self:stretch}
.fp-md ul{list-style-type:disc}.fp-md ul ul{list-style-type:circle}.fp-md ul ul ul{list-style-type:square}
.fp-post{min-width:120px}.fp-post-p{min-height:22px}.fp-post-p>.fp-code,.fp-post-p>.fp-hr,.fp-post-p>.fp-md{margin:4px 0}
.fp-post-media{margin:4px 0}.fp-post u{text-decoration:underline}.fp-emoji{font-style:normal}
.fp-photo-link{display:inline-block;line-height:0}
.fp-photo{display:block;max-width:360px;max-height:360px;width:auto;height:auto;border-radius:8px;border:1px solid #DEE0E3;box-sizing:border-box;background:#fff}
.fp-photo-missing{display:flex;align-items:center;justify-content:center;width:240px;height:160px;background:#EFF0F1;color:#8F959E;font-size:12px;line-height:1}
a.fp-file,div.fp-file{display:flex;align-items:center;gap:12px;width:320px;max-width:100%;box-sizing:border-box;padding:12px;color:#1F2329;text-decoration:none}
.fp-file-icon{flex:none}.fp-file-text{display:flex;flex-direction:column;min-width:0;flex:1}
.fp-file-name{font-size:14px;line-height:22px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}.fp-file-size{font-size:12px;line-height:18px;color:#8F959E}
.fp-file-dl{flex:none;display:flex;align-items:center;justify-content:center;width:28px;height:28px;border-radius:6px;color:#646A73}a.fp-file:hover .fp-file-dl{background:#F2F3F5;color:#1456F0}
.fp-voice{display:flex;align-items:center;gap:8px;box-sizing:border-box;max-width:100%;height:40px;padding:0 12px;color:#1456F0}
.fp-voice-play{flex:none}.fp-voice-wave{flex:none}.fp-voice-time{margin-left:auto;font-size:14px;color:#1F2329;white-space:nowrap}
.fp-video,a.fp-video{position:relative;display:inline-block;line-height:0;color:#fff;text-decoration:none}
.fp-video-blank{display:block;width:320px;height:180px;border-radius:8px;background:#2B2F36}
.fp-video-play{position:absolute;left:50%;top:50%;margin:-24px 0 0 -24px}
.fp-video-time{position:absolute;right:8px;bottom:8px;font-size:12px;line-height:18px;padding:0 6px;border-radius:4px;background:rgba(0,0,0,.5)}
.fp-share{display:flex;flex-direction:column;min-width:200px}.fp-share-kind{font-weight:600}.fp-share-id{font-size:12px;color:#8F959E}
.fp-sticker{display:flex;align-items:center;justify-content:center;width:120px;height:120px;border-radius:8px;background:#F5F6F7;color:#8F959E;font-size:12px}
`
