package feishu_test

import (
	"errors"
	"fmt"
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

// A line of any length is read whole: 2,000 comma-separated ids on one line
// (well past bufio.Scanner's 64 KiB) yield 2,000 recipients.
func TestParseRecipientListLongLine(t *testing.T) {
	ids := make([]string, 2000)
	for i := range ids {
		ids[i] = fmt.Sprintf("ou_%032x", i)
	}
	line := strings.Join(ids, ",")
	if len(line) < 64<<10 {
		t.Fatalf("line of %d bytes is not longer than 64 KiB", len(line))
	}
	data := "# team\n" + line + "\noc_tail\r\n\nops@example.com # on call\n"
	got, err := feishu.ParseRecipientList([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2002 || got[0].ID != ids[0] || got[1999].ID != ids[1999] || got[2000].ID != "oc_tail" || got[2001].IDType != "email" {
		t.Fatalf("got %d recipients; first %v, last %v", len(got), got[0], got[len(got)-1])
	}
}

func TestParseRecipientListNormalises(t *testing.T) {
	// A byte-order mark does not turn the first chat id into a user_id.
	got, err := feishu.ParseRecipientList([]byte("\ufeffoc_first\nou_b\n"))
	if err != nil || len(got) != 2 || got[0] != (feishu.Recipient{IDType: "chat_id", ID: "oc_first"}) {
		t.Errorf("BOM: %+v, %v", got, err)
	}
	// Emails differing only in case are one mailbox.
	got, err = feishu.ParseRecipientList([]byte("Ops@Example.com\nops@example.com,OPS@EXAMPLE.COM\nother@example.com"))
	if err != nil || len(got) != 2 || got[0].ID != "Ops@Example.com" {
		t.Errorf("email case: %+v, %v", got, err)
	}
	for name, tc := range map[string]struct {
		data string
		line int
	}{
		"invalid UTF-8":      {"ou_a\nou_\xff\n", 2},
		"NUL":                {"ou_a\x00\n", 1},
		"zero-width space":   {"ou_a\noc_b\u200bc\n", 2},
		"zero-width joiner":  {"ou_a\u200d", 1},
		"BOM inside":         {"ou_a,\ufeffou_b", 1},
		"full-width prefix":  {"\n\nｏｃ_abc", 3},
		"full-width at sign": {"a＠example.com", 1},
		"accented id":        {"ou_abcé", 1},
		"bad entry":          {"ou_a,open_id:oc_x", 1},
	} {
		_, err := feishu.ParseRecipientList([]byte(tc.data))
		var le *feishu.ListError
		if !errors.As(err, &le) || le.Line != tc.line {
			t.Errorf("%s: %v, want an error on line %d", name, err, tc.line)
		}
	}
}

func TestCheckMention(t *testing.T) {
	for _, ok := range []string{"all", "ou_7d8a6e6df7621556ce0d21922b676706ccs", "7cdcc7c2", "on_abc"} {
		if err := feishu.CheckMention(ok); err != nil {
			t.Errorf("CheckMention(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "All", "<b>", "oc_chat", "a@b.c", "ou_a\u200b", "ｏｕ_a", `x" onclick="y`, "ou_a b", "all "} {
		if err := feishu.CheckMention(bad); err == nil {
			t.Errorf("CheckMention(%q) accepted", bad)
		}
	}
}

// FuzzParseRecipientList checks, for any input, that no recipient is lost
// or invented: every id the parser returns is one of the input's entries,
// and writing the result back one per line parses to the same list.
func FuzzParseRecipientList(f *testing.F) {
	for _, s := range []string{"ou_a,oc_b\n#x\nc@d.e", "\ufeffoc_a\r\n", strings.Repeat("ou_x,", 30000), "a\xffb", "ou_a,OU_A,e@X.y,E@x.Y"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := feishu.ParseRecipientList(data)
		if err != nil {
			return
		}
		// Count preserved: as many recipients as distinct valid entries.
		var want []feishu.Recipient
		text := strings.TrimPrefix(string(data), "\ufeff")
		for _, line := range strings.Split(text, "\n") {
			line, _, _ = strings.Cut(line, "#")
			for _, part := range strings.Split(line, ",") {
				if strings.TrimSpace(part) == "" {
					continue
				}
				r, perr := feishu.ParseRecipient(part)
				if perr != nil {
					t.Fatalf("list accepted %q, which ParseRecipient refuses: %v", part, perr)
				}
				want = append(want, r)
			}
		}
		want = feishu.Dedupe(want)
		if len(rs) != len(want) {
			t.Fatalf("%d recipients, want %d", len(rs), len(want))
		}
		// Round trip: one a line, then again.
		var b strings.Builder
		for i, r := range rs {
			if r != want[i] {
				t.Fatalf("recipient %d = %+v, want %+v", i, r, want[i])
			}
			b.WriteString(r.String() + "\n")
		}
		again, err := feishu.ParseRecipientList([]byte(b.String()))
		if err != nil || len(again) != len(rs) {
			t.Fatalf("round trip: %d, %v", len(again), err)
		}
		for i := range rs {
			if again[i] != rs[i] {
				t.Fatalf("round trip %d: %+v != %+v", i, again[i], rs[i])
			}
		}
	})
}
