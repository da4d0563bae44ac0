package inbox

import (
	"html"
	"net/http"
	"regexp"
	"slices"
	"sync"

	"github.com/feishu-push/feishu-push/pkg/render"
)

// renderMessage draws one message; a variable so a test can make drawing
// fail.
var renderMessage = render.Message

// drawSafe draws one message. A message that cannot be drawn (the
// renderer panics) becomes a short notice, so the rest of the inbox, and
// /api/messages itself, keep working; its request stays under the JSON
// toggle.
func drawSafe(msgType string, content []byte, opts render.Options) (out string) {
	defer func() {
		if e := recover(); e != nil {
			out = `<div class="fp-bubble fp-raw inbox-undrawable">this ` + html.EscapeString(msgType) +
				` message could not be drawn: see its JSON</div>`
		}
	}()
	return renderMessage(msgType, content, opts)
}

// localeRe is the shape of Feishu's locale codes (zh_cn, en_us, ja_jp,
// zh_hk, ...).
var localeRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z]{2}_[a-z]{2}$`) })

// requestLocale is the language the page asked for with ?locale=, or ""
// (the client's default, zh_cn) when it asked for none or for something
// that is not a locale code.
func requestLocale(r *http.Request) string {
	if l := r.URL.Query().Get("locale"); localeRe().MatchString(l) {
		return l
	}
	return ""
}

// messageLocales lists the languages a message offers: those of a
// multilingual card (2.0 config.locales and i18n_content, 1.0
// i18n_elements and i18n_header) or post (its locale keys), zh_cn first.
// Other messages offer none.
func messageLocales(msgType string, content []byte) (out []string) {
	if msgType != "interactive" && msgType != "post" {
		return nil
	}
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	return render.Locales(content)
}

// allLocales is the language switch's choice: zh_cn (the default) and
// every language some message offers, zh_cn first, then en_us and ja_jp,
// then the rest in order.
func allLocales(msgs []Message) []string {
	seen := map[string]bool{"zh_cn": true}
	for _, m := range msgs {
		for _, l := range m.Locales {
			seen[l] = true
		}
	}
	out := make([]string, 0, len(seen))
	for l := range seen {
		out = append(out, l)
	}
	rank := func(l string) int { return max(slices.Index([]string{"ja_jp", "en_us", "zh_cn"}, l), -1) }
	slices.SortFunc(out, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return rb - ra
		}
		if a < b {
			return -1
		}
		return 1
	})
	return out
}
