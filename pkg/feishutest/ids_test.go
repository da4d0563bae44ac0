package feishutest_test

import (
	"testing"

	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

// The fake refuses ids with characters Feishu never issues, with Feishu's
// 230034, by the same rule the client applies (feishu.CheckReceiveID).
func TestFakeRefusesIDsFeishuNeverIssues(t *testing.T) {
	srv := feishutest.NewServer(t)
	tok := "Bearer " + token(t, srv)
	base := srv.URL + "/open-apis/im/v1/messages?receive_id_type="
	for _, tc := range []struct{ typ, id string }{
		{"chat_id", "oc_a\u200bb"},       // zero-width space
		{"open_id", "ou_abc\u2060"},      // word joiner
		{"open_id", "ｏｕ_abc"},            // full-width prefix
		{"user_id", "ｏｕ_abc"},            // full-width, as a user_id
		{"chat_id", "oc_ab\u00e9"},       // a letter no id has
		{"union_id", "on_a-\ufeff"},      // byte-order mark
		{"email", "a\u200b@example.com"}, // zero-width in an email
		{"email", "a＠example.com"},       // full-width at sign
		{"user_id", "e12 3"},
	} {
		a := post(t, base+tc.typ, tok, map[string]any{"receive_id": tc.id, "msg_type": "text", "content": `{"text":"x"}`})
		if a.status != 400 || a.code() != 230034 {
			t.Errorf("%s %+q: HTTP %d %v, want 230034", tc.typ, tc.id, a.status, a.body)
		}
	}
	for _, tc := range []struct{ typ, id string }{
		{"chat_id", "oc_5ad11d72b830411d72b836c20"}, {"open_id", "ou_7d8a6e6df7621556ce0d21922b676706ccs"},
		{"user_id", "7cdcc7c2"}, {"email", "ops@example.com"}, {"union_id", "on_cad4860e7c9c0a3c"},
	} {
		if a := post(t, base+tc.typ, tok, map[string]any{"receive_id": tc.id, "msg_type": "text", "content": `{"text":"x"}`}); a.code() != 0 {
			t.Errorf("%s %q refused: %v", tc.typ, tc.id, a.body)
		}
	}
	if n := len(srv.Messages()); n != 5 {
		t.Errorf("stored %d messages, want 5", n)
	}
}
