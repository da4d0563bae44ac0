package feishu

import (
	"fmt"
	"strings"
	"unicode"
)

// Receive id types accepted by POST /open-apis/im/v1/messages as the
// receive_id_type query parameter.
const (
	IDTypeOpenID  = "open_id"
	IDTypeUnionID = "union_id"
	IDTypeUserID  = "user_id"
	IDTypeEmail   = "email"
	IDTypeChatID  = "chat_id"
)

// Recipient is one addressee of an app-bot message.
type Recipient struct {
	// IDType is the receive_id_type: open_id, union_id, user_id, email or chat_id.
	IDType string
	// ID is the receive_id.
	ID string
}

// String returns the recipient as the user wrote it after normalisation:
// the id alone when its type is detected from it, else "type:id".
func (r Recipient) String() string {
	if detectIDType(r.ID) == r.IDType {
		return r.ID
	}
	return r.IDType + ":" + r.ID
}

// maxIDLen bounds a receive_id; Feishu's ids are far shorter, and an email
// address is at most 254 bytes.
const maxIDLen = 256

// ParseRecipient parses one recipient. The id type is detected from the id:
// "ou_" open_id, "on_" union_id, "oc_" chat_id, an "@" email, anything else
// user_id. An explicit prefix overrides detection: "open_id:", "union_id:",
// "user_id:", "email:", "chat_id:", "user:" (then detected among the user
// types) and "chat:" (chat_id).
func ParseRecipient(s string) (Recipient, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Recipient{}, fmt.Errorf("empty recipient")
	}
	if strings.Contains(s, WebhookPathPrefix) {
		// Not repeated in the error: a webhook URL holds its token.
		return Recipient{}, fmt.Errorf("a recipient that looks like a webhook URL (not shown: it holds a token); a webhook goes in --webhook or FEISHU_WEBHOOK_URL")
	}
	typ, id := "", s
	if i := strings.IndexByte(s, ':'); i >= 0 {
		prefix := s[:i]
		id = s[i+1:]
		switch prefix {
		case IDTypeOpenID, IDTypeUnionID, IDTypeUserID, IDTypeEmail, IDTypeChatID:
			typ = prefix
		case "user":
			typ = detectIDType(id)
			if typ == IDTypeChatID {
				return Recipient{}, fmt.Errorf("recipient %q: user: prefix with a chat id (oc_...); use chat:", s)
			}
		case "chat":
			typ = IDTypeChatID
		default:
			return Recipient{}, fmt.Errorf("recipient %q: unknown id type %q (want open_id, union_id, user_id, email, chat_id, user or chat)", s, prefix)
		}
		if id == "" {
			return Recipient{}, fmt.Errorf("recipient %q: no id after %q", s, prefix+":")
		}
	} else {
		typ = detectIDType(id)
	}
	if len(id) > maxIDLen {
		return Recipient{}, fmt.Errorf("recipient %.20q...: longer than %d bytes", s, maxIDLen)
	}
	for _, r := range id {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == ',' || r == ':' {
			return Recipient{}, fmt.Errorf("recipient %q: contains %q", s, r)
		}
	}
	if err := checkIDShape(typ, id); err != nil {
		return Recipient{}, fmt.Errorf("recipient %q: %v", s, err)
	}
	return Recipient{IDType: typ, ID: id}, nil
}

// ParseRecipients parses a list of recipient arguments, each of which may be
// a comma-separated list. Duplicates are dropped, keeping the first.
func ParseRecipients(args []string) ([]Recipient, error) {
	var out []Recipient
	for _, arg := range args {
		for _, part := range strings.Split(arg, ",") {
			if strings.TrimSpace(part) == "" {
				if strings.TrimSpace(arg) == "" {
					return nil, fmt.Errorf("empty recipient")
				}
				continue // tolerate "a,b," and "a,,b"
			}
			r, err := ParseRecipient(part)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	return Dedupe(out), nil
}

// Dedupe drops repeated recipients, keeping the first of each, in place.
func Dedupe(rs []Recipient) []Recipient {
	seen := make(map[Recipient]bool, len(rs))
	out := rs[:0]
	for _, r := range rs {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

func detectIDType(id string) string {
	switch {
	case strings.HasPrefix(id, "ou_"):
		return IDTypeOpenID
	case strings.HasPrefix(id, "on_"):
		return IDTypeUnionID
	case strings.HasPrefix(id, "oc_"):
		return IDTypeChatID
	case strings.Contains(id, "@"):
		return IDTypeEmail
	}
	return IDTypeUserID
}

// checkIDShape rejects ids that cannot be of their declared type, so that a
// typo fails here rather than as Feishu's 230034 at send time.
func checkIDShape(typ, id string) error {
	want := map[string]string{IDTypeOpenID: "ou_", IDTypeUnionID: "on_", IDTypeChatID: "oc_"}[typ]
	if want != "" && !strings.HasPrefix(id, want) {
		return fmt.Errorf("a %s starts with %q", typ, want)
	}
	if want != "" && len(id) == len(want) {
		return fmt.Errorf("nothing after %q", want)
	}
	if typ == IDTypeEmail {
		at := strings.IndexByte(id, '@')
		if at <= 0 || at == len(id)-1 || strings.Count(id, "@") != 1 {
			return fmt.Errorf("not an email address")
		}
	}
	return nil
}
