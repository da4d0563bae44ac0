package cli

import (
	"strings"
	"testing"
)

func TestRedactURLs(t *testing.T) {
	for in, want := range map[string]string{
		`unknown command "https://open.feishu.cn/open-apis/bot/v2/hook/abc-123" for "feishu-push"`: `unknown command "https://open.feishu.cn/open-apis/bot/v2/hook/****" for "feishu-push"`,
		"base URL https://user:pw@example.com/x?access_token=zzz: bad":                             "base URL https://****@example.com/x?****: bad",
		"see https://open.feishu.cn/open-apis/im/v1/messages?receive_id_type=chat_id":              "see https://open.feishu.cn/open-apis/im/v1/messages?receive_id_type=chat_id",
		"no URL here": "no URL here",
	} {
		if got := redactURLs(in); got != want {
			t.Errorf("redactURLs(%q)\n got %q\nwant %q", in, got, want)
		}
	}
}

// FuzzRedactURLs: whatever surrounds a webhook URL, its token never
// survives redaction.
func FuzzRedactURLs(f *testing.F) {
	f.Add("error: ", "Tok3nValue99", `" for x`)
	f.Add("", "abcdefgh", "")
	f.Add("HTTPS://X/", "zzzzzzzzz", "\n")
	f.Fuzz(func(t *testing.T, pre, tok, post string) {
		if len(tok) < 8 || strings.ContainsAny(tok, " \t\r\n\"'<>`/") || strings.Contains(pre+post, tok) {
			t.Skip()
		}
		for _, host := range []string{"https://open.feishu.cn", "http://127.0.0.1:8080", "HTTPS://open.larksuite.com"} {
			out := redactURLs(pre + host + "/open-apis/bot/v2/hook/" + tok + post)
			if strings.Contains(out, tok) {
				t.Fatalf("token %q survived in %q", tok, out)
			}
		}
	})
}
