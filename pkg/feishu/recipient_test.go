package feishu_test

import (
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/feishu"
)

func TestParseRecipient(t *testing.T) {
	for in, want := range map[string]feishu.Recipient{
		"ou_7d8a6e6df7621556ce0d21922b676706ccs": {IDType: "open_id", ID: "ou_7d8a6e6df7621556ce0d21922b676706ccs"},
		"on_cad4860e7c9c0a3c":                    {IDType: "union_id", ID: "on_cad4860e7c9c0a3c"},
		"oc_5ad11d72b830411d72b836c20":           {IDType: "chat_id", ID: "oc_5ad11d72b830411d72b836c20"},
		"ops@example.com":                        {IDType: "email", ID: "ops@example.com"},
		"7cdcc7c2":                               {IDType: "user_id", ID: "7cdcc7c2"},
		" 7cdcc7c2 ":                             {IDType: "user_id", ID: "7cdcc7c2"},
		"user_id:ou_looks_like_open":             {IDType: "user_id", ID: "ou_looks_like_open"},
		"email:a@b.c":                            {IDType: "email", ID: "a@b.c"},
		"chat_id:oc_1":                           {IDType: "chat_id", ID: "oc_1"},
		"open_id:ou_1":                           {IDType: "open_id", ID: "ou_1"},
		"union_id:on_1":                          {IDType: "union_id", ID: "on_1"},
		"user:ou_1":                              {IDType: "open_id", ID: "ou_1"},
		"user:on_1":                              {IDType: "union_id", ID: "on_1"},
		"user:a@b.c":                             {IDType: "email", ID: "a@b.c"},
		"user:e123":                              {IDType: "user_id", ID: "e123"},
		"chat:oc_1":                              {IDType: "chat_id", ID: "oc_1"},
	} {
		got, err := feishu.ParseRecipient(in)
		if err != nil || got != want {
			t.Errorf("ParseRecipient(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "  ", "open_id:", "chat:", "foo:bar", "open_id:oc_1", "chat:ou_1", "user:oc_1",
		"ou_", "email:nope", "a@b@c", "@b.c", "ou_a b", "ou_a\tb", "email:a@", "user::", "user_id:a:b", "https://open.feishu.cn/open-apis/bot/v2/hook/t0k"} {
		got, err := feishu.ParseRecipient(bad)
		if err == nil {
			t.Errorf("ParseRecipient(%q) = %+v, want an error", bad, got)
		} else if strings.Contains(err.Error(), "t0k") {
			t.Errorf("the error shows a webhook token: %v", err)
		}
	}
}

func TestParseRecipients(t *testing.T) {
	got, err := feishu.ParseRecipients([]string{"ou_a,oc_b", "ou_a", "c@d.e,"})
	if err != nil || len(got) != 3 || got[0].ID != "ou_a" || got[1].ID != "oc_b" || got[2].IDType != "email" {
		t.Errorf("got %+v, %v", got, err)
	}
	if _, err := feishu.ParseRecipients([]string{""}); err == nil {
		t.Error("empty --to accepted")
	}
	if r := (feishu.Recipient{IDType: "user_id", ID: "ou_x"}); r.String() != "user_id:ou_x" {
		t.Errorf("String = %q", r.String())
	}
}

func FuzzParseRecipient(f *testing.F) {
	for _, s := range []string{"ou_a", "user:a@b.c", "chat:oc_1", "a,b", "open_id:", "email:x@y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := feishu.ParseRecipient(s)
		if err != nil {
			return
		}
		// A parsed recipient prints in a form that parses back to itself.
		again, err := feishu.ParseRecipient(r.String())
		if err != nil || again != r {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", s, r, r.String(), again, err)
		}
	})
}
