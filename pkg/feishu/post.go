package feishu

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// Post locales Feishu documents for the post content.
const (
	LocaleZhCN = "zh_cn"
	LocaleEnUS = "en_us"
	LocaleJaJP = "ja_jp"
)

// Post element tags.
const (
	PostTagText      = "text"
	PostTagLink      = "a"
	PostTagAt        = "at"
	PostTagImg       = "img"
	PostTagMedia     = "media"
	PostTagEmotion   = "emotion"
	PostTagHr        = "hr"
	PostTagCodeBlock = "code_block"
	PostTagMd        = "md"
)

// Text styles a post's text, a and at elements take.
const (
	StyleBold        = "bold"
	StyleItalic      = "italic"
	StyleUnderline   = "underline"
	StyleLineThrough = "lineThrough"
)

// AtAll is the user_id of an @everyone mention.
const AtAll = "all"

// PostElement is one node of a post paragraph. Which fields apply depends on
// Tag: text{text,style}, a{text,href,style}, at{user_id,style},
// img{image_key}, media{file_key,image_key}, emotion{emoji_type}, hr,
// code_block{language,text}, md{text}.
type PostElement struct {
	Tag       string   `json:"tag"`
	Text      string   `json:"text,omitempty"`
	Href      string   `json:"href,omitempty"`
	UserID    string   `json:"user_id,omitempty"`
	ImageKey  string   `json:"image_key,omitempty"`
	FileKey   string   `json:"file_key,omitempty"`
	EmojiType string   `json:"emoji_type,omitempty"`
	Language  string   `json:"language,omitempty"`
	Style     []string `json:"style,omitempty"`
}

// Post is the content of one locale: a title and paragraphs, each a list of
// elements shown on one line.
type Post struct {
	Title   string          `json:"title"`
	Content [][]PostElement `json:"content"`
}

// PostOptions change how PostMessage checks a post.
type PostOptions struct {
	// Webhook refuses what a custom-bot webhook does not take: styles and
	// the md element.
	Webhook bool
}

// PostMessage returns a post message for one or more locales (zh_cn,
// en_us, ja_jp), checked against the documented rules: known tags with
// their required fields, http(s) links, img, media and md each alone in a
// paragraph, known styles. For im/v1 the content is the bare locale map;
// the webhook client wraps it in {"post": …} itself.
func PostMessage(locales map[string]Post, opts PostOptions) (Message, error) {
	if len(locales) == 0 {
		return Message{}, errors.New("a post needs at least one locale")
	}
	for loc, p := range locales {
		if loc != LocaleZhCN && loc != LocaleEnUS && loc != LocaleJaJP {
			return Message{}, fmt.Errorf("post locale %q is not zh_cn, en_us or ja_jp", loc)
		}
		if err := checkPost(p, opts); err != nil {
			return Message{}, fmt.Errorf("post %s: %w", loc, err)
		}
	}
	b, err := marshalJSON(locales)
	if err != nil {
		return Message{}, err
	}
	return Message{MsgType: MsgTypePost, Content: b}, nil
}

var postStyles = map[string]bool{StyleBold: true, StyleItalic: true, StyleUnderline: true, StyleLineThrough: true}

func checkPost(p Post, opts PostOptions) error {
	if strings.TrimSpace(p.Title) == "" && len(p.Content) == 0 {
		return errors.New("a post needs a title or content")
	}
	for i, para := range p.Content {
		if len(para) == 0 {
			return fmt.Errorf("paragraph %d is empty", i+1)
		}
		for _, el := range para {
			where := fmt.Sprintf("paragraph %d, %s element", i+1, el.Tag)
			if len(el.Style) > 0 && opts.Webhook {
				return fmt.Errorf("%s: a webhook post takes no style", where)
			}
			for _, st := range el.Style {
				if !postStyles[st] {
					return fmt.Errorf("%s: unknown style %q", where, st)
				}
			}
			switch el.Tag {
			case PostTagText, PostTagLink, PostTagCodeBlock, PostTagMd:
				if el.Text == "" {
					return fmt.Errorf("%s: text is empty", where)
				}
			}
			switch el.Tag {
			case PostTagText, PostTagHr:
			case PostTagEmotion:
				if el.EmojiType == "" {
					return fmt.Errorf("%s: emoji_type is required", where)
				}
			case PostTagLink:
				if !strings.HasPrefix(el.Href, "http://") && !strings.HasPrefix(el.Href, "https://") {
					return fmt.Errorf("%s: href %q is not an http(s) URL", where, el.Href)
				}
			case PostTagAt:
				if el.UserID == "" {
					return fmt.Errorf("%s: user_id is required", where)
				}
			case PostTagImg, PostTagMedia, PostTagMd:
				if len(para) != 1 {
					return fmt.Errorf("%s must be alone in its paragraph", where)
				}
				switch {
				case el.Tag == PostTagImg && el.ImageKey == "":
					return fmt.Errorf("%s: image_key is required", where)
				case el.Tag == PostTagMedia && el.FileKey == "":
					return fmt.Errorf("%s: file_key is required", where)
				case el.Tag == PostTagMd && opts.Webhook:
					return fmt.Errorf("%s: a webhook post takes no md element", where)
				}
			case PostTagCodeBlock:
			default:
				return fmt.Errorf("paragraph %d: unknown element tag %q", i+1, el.Tag)
			}
		}
	}
	return nil
}

// MarkdownPost returns a post whose content is one md element holding src,
// which Feishu renders as its markdown (im/v1 only; not the webhook).
func MarkdownPost(title, src string) Post {
	return Post{Title: title, Content: [][]PostElement{{{Tag: PostTagMd, Text: src}}}}
}

// ParsePost converts a small markdown-like text into post paragraphs, one
// per line (blank lines are dropped: Feishu shows each paragraph as a
// line). It understands:
//
//   - [text](https://…) links;
//   - @all, @ou_… and @on_… mentions, and <at user_id="ID">Name</at> for
//     any id (user_id included), as in text messages;
//   - **bold**, *italic*, ~~strike~~ and __underline__ spans of text;
//   - a line of --- as a rule, ``` fences as a code block (language after
//     the opening fence);
//   - a backslash before any of * _ ~ [ @ < \ ` to write it literally.
func ParsePost(src string) [][]PostElement {
	var out [][]PostElement
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		trim := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trim, "```"):
			lang := strings.TrimSpace(strings.TrimPrefix(trim, "```"))
			var code []string
			for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
				code = append(code, lines[i])
			}
			if text := strings.Join(code, "\n"); strings.TrimSpace(text) != "" {
				out = append(out, []PostElement{{Tag: PostTagCodeBlock, Language: lang, Text: text}})
			}
		case trim == "":
		case trim == "---" || trim == "***":
			out = append(out, []PostElement{{Tag: PostTagHr}})
		default:
			if para := parseInline(line); len(para) > 0 {
				out = append(out, para)
			}
		}
	}
	return out
}

var (
	reLink  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\[([^\]]*)\]\((https?://[^)\s]+)\)`) })
	reAtTag = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^<at\s+(?:user_id|id)\s*=\s*"?([^"\s>]+)"?\s*>([^<]*)</at>`)
	})
	reAtWord = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^@(all|ou_[A-Za-z0-9_-]+|on_[A-Za-z0-9_-]+)`) })
)

var spanMarks = []struct {
	mark, style string
}{{"**", StyleBold}, {"~~", StyleLineThrough}, {"__", StyleUnderline}, {"*", StyleItalic}}

// parseInline splits one line into text, a and at elements.
func parseInline(line string) []PostElement {
	var out []PostElement
	var buf strings.Builder
	var styles []string
	flush := func() {
		if buf.Len() == 0 {
			return
		}
		out = append(out, PostElement{Tag: PostTagText, Text: buf.String(), Style: append([]string(nil), styles...)})
		buf.Reset()
	}
	open := map[string]bool{}
	toggle := func(mark, style string) {
		flush()
		if open[mark] {
			open[mark] = false
			for j, s := range styles {
				if s == style {
					styles = append(styles[:j], styles[j+1:]...)
					break
				}
			}
			return
		}
		open[mark] = true
		styles = append(styles, style)
	}
	for i := 0; i < len(line); {
		rest := line[i:]
		if rest[0] == '\\' && len(rest) > 1 && strings.ContainsRune("*_~[@<\\`", rune(rest[1])) {
			buf.WriteByte(rest[1])
			i += 2
			continue
		}
		if m := matchAt(reLink(), rest, '['); m != nil {
			flush()
			text := m[1]
			if text == "" {
				text = m[2]
			}
			out = append(out, PostElement{Tag: PostTagLink, Text: text, Href: m[2], Style: append([]string(nil), styles...)})
			i += len(m[0])
			continue
		}
		if m := matchAt(reAtTag(), rest, '<'); m != nil {
			flush()
			out = append(out, PostElement{Tag: PostTagAt, UserID: m[1]})
			i += len(m[0])
			continue
		}
		if (i == 0 || !isWordByte(line[i-1])) && rest[0] == '@' {
			if m := reAtWord().FindStringSubmatch(rest); m != nil {
				flush()
				out = append(out, PostElement{Tag: PostTagAt, UserID: m[1]})
				i += len(m[0])
				continue
			}
		}
		matched := false
		for _, sm := range spanMarks {
			if strings.HasPrefix(rest, sm.mark) && (open[sm.mark] || hasClose(rest[len(sm.mark):], sm.mark)) {
				toggle(sm.mark, sm.style)
				i += len(sm.mark)
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		buf.WriteByte(rest[0])
		i++
	}
	flush()
	return out
}

// matchAt runs an anchored pattern only where its first byte is.
func matchAt(re *regexp.Regexp, rest string, first byte) []string {
	if rest[0] != first {
		return nil
	}
	return re.FindStringSubmatch(rest)
}

// hasClose reports whether a span opened by mark is closed later on the
// line by the same mark with text in between; otherwise the mark is text.
func hasClose(rest, mark string) bool {
	if rest == "" || rest[0] == ' ' {
		return false
	}
	j := strings.Index(rest, mark)
	return j > 0 && strings.TrimSpace(rest[:j]) != ""
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b >= 0x80
}
