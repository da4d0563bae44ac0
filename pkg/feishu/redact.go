package feishu

import (
	"encoding/json"
	"sort"
	"strings"
)

// Redacted is the printable form of a Request: credentials are replaced by
// "****" (the webhook token in the URL, the app secret, the signature) and
// the tenant token by a placeholder, so it can be shown in a dry run.
type Redacted struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

// secretFields are body fields that hold credentials.
var secretFields = []string{"app_secret", "sign"}

// Redacted returns the request with its credentials masked.
func (r *Request) Redacted() Redacted {
	h := map[string]string{}
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		h[k] = strings.Join(r.Header[k], ", ")
	}
	if r.needsToken {
		h["Authorization"] = "Bearer ****"
	}
	body := json.RawMessage(r.Body)
	if r.shown != nil {
		body = r.shown
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(r.Body, &m) == nil {
		changed := false
		for _, f := range secretFields {
			if _, ok := m[f]; ok {
				m[f] = json.RawMessage(`"****"`)
				changed = true
			}
		}
		if changed {
			if b, err := marshalJSON(m); err == nil {
				body = b
			}
		}
	}
	return Redacted{Method: r.Method, URL: RedactWebhookURL(r.URL), Headers: h, Body: body}
}
