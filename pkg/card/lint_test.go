package card_test

import (
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/card"
)

func TestLintFindings(t *testing.T) {
	for _, tc := range []struct {
		name, card string
		want       string // the first finding, as printed
	}{
		{"v2 note", `{"schema":"2.0","body":{"elements":[{"tag":"markdown","content":"x"},{"tag":"markdown","content":"y"},{"tag":"hr"},{"tag":"note","elements":[]}]}}`,
			`body.elements[3].tag: "note" is a 1.0-only tag; schema 2.0 cards reject it (Feishu error 200861) [v2-tag]`},
		{"v2 unknown field", `{"schema":"2.0","i18n_elements":{},"body":{"elements":[]}}`, "i18n_elements: unknown field in a schema 2.0 card"},
		{"v2 update_multi", `{"schema":"2.0","config":{"update_multi":false},"body":{"elements":[]}}`, "config.update_multi: must be true"},
		{"colour", `{"header":{"template":"navy","title":{"tag":"plain_text","content":"t"}}}`, `header.template: unknown colour "navy"`},
		{"button type", `{"elements":[{"tag":"action","actions":[{"tag":"button","type":"big","url":"https://x.example"}]}]}`, `elements[0].actions[0].type: unknown button type "big"`},
		{"button url", `{"elements":[{"tag":"action","actions":[{"tag":"button","type":"primary","url":"ci.example.com/1"}]}]}`, `elements[0].actions[0].url: "ci.example.com/1" is not an absolute URL`},
		{"v2 behaviour url", `{"schema":"2.0","body":{"elements":[{"tag":"button","behaviors":[{"type":"open_url","default_url":""}]}]}}`, "body.elements[0].behaviors[0].default_url: an open_url behavior needs a default_url"},
		{"img key", `{"elements":[{"tag":"img","alt":{"tag":"plain_text","content":""}}]}`, "elements[0].img_key: an img element needs an img_key"},
		{"img alt v1", `{"elements":[{"tag":"img","img_key":"img_v3_x"}]}`, "elements[0].alt: an img element needs alt in a 1.0 card"},
		{"element_id format", `{"schema":"2.0","body":{"elements":[{"tag":"markdown","content":"x","element_id":"1st"}]}}`, `body.elements[0].element_id: "1st": letters, digits and _`},
		{"element_id twice", `{"schema":"2.0","body":{"elements":[{"tag":"hr","element_id":"a"},{"tag":"hr","element_id":"a"}]}}`, `body.elements[1].element_id: "a" is already used at body.elements[0]`},
		{"page_size", `{"schema":"2.0","body":{"elements":[{"tag":"table","page_size":20,"columns":[{"name":"a"}],"rows":[]}]}}`, "body.elements[0].page_size: 20: want a whole number from 1 to 10"},
		{"undeclared row key", `{"schema":"2.0","body":{"elements":[{"tag":"table","columns":[{"name":"a"}],"rows":[{"a":1,"b":2}]}]}}`, `body.elements[0].rows[0].b: "b" is not a declared column name (Feishu error 200915)`},
		{"nested table", `{"schema":"2.0","body":{"elements":[{"tag":"column_set","columns":[{"tag":"column","elements":[{"tag":"table","columns":[],"rows":[]}]}]}]}}`, "body.elements[0].columns[0].elements[0]: a table must sit directly"},
		{"six tables", `{"schema":"2.0","body":{"elements":[` + strings.Repeat(`{"tag":"table","columns":[],"rows":[]},`, 5) + `{"tag":"table","columns":[],"rows":[]}]}}`, "body.elements: 6 tables, over Feishu's limit of 5"},
		{"size", `{"elements":[{"tag":"markdown","content":"` + strings.Repeat("x", 31*1024) + `"}]}`, "the request would be 31.2 KB, over Feishu's limit of 30 KB for a card message [size]"},
		{"json", "{\n\"a\":}", "line 2, column 5: invalid JSON"},
	} {
		fs := card.Lint([]byte(tc.card), card.App)
		if len(fs) == 0 || !strings.Contains(fs[0].String(), tc.want) {
			t.Errorf("%s: findings %v, want first %q", tc.name, fs, tc.want)
		}
	}
	// The webhook limit is lower.
	c := `{"elements":[{"tag":"markdown","content":"` + strings.Repeat("x", 21*1024) + `"}]}`
	if fs := card.Lint([]byte(c), card.App); len(fs) != 0 {
		t.Errorf("21 KB by app: %v", fs)
	}
	if fs := card.Lint([]byte(c), card.Webhook); len(fs) != 1 || !strings.Contains(fs[0].Msg, "20 KB for a webhook body") {
		t.Errorf("21 KB by webhook: %v", fs)
	}
	// A v1 card with a body gets a warning only, which does not stop a send.
	if fs := card.Lint([]byte(`{"body":{"elements":[]}}`), card.App); len(fs) != 1 || !fs[0].Warning || card.Validate([]byte(`{"body":{}}`)) != nil {
		t.Errorf("v1 body: %v", fs)
	}
}
