package feishu

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
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
	if err := CheckReceiveID(typ, id); err != nil {
		return Recipient{}, fmt.Errorf("recipient %+q: %v", s, err)
	}
	return Recipient{IDType: typ, ID: id}, nil
}

// CheckReceiveID reports why id cannot be a receive_id of type typ, or nil.
// It is the one rule for ids, shared by the client and the fake Feishu in
// pkg/feishutest: an id holds only characters Feishu issues. ou_, on_ and
// oc_ ids and user_ids are ASCII letters, digits, "_", "-" and "."; an email
// has one "@" and no space, control, format (zero-width) or full-width
// character. Feishu documents no character set for user_ids (a tenant
// chooses them); UNCONFIRMED, so the safe choice refuses anything else
// rather than risk a look-alike id.
func CheckReceiveID(typ, id string) error {
	if id == "" {
		return errors.New("empty id")
	}
	if len(id) > maxIDLen {
		return fmt.Errorf("longer than %d bytes", maxIDLen)
	}
	if !utf8.ValidString(id) {
		return errors.New("not valid UTF-8")
	}
	for _, r := range id {
		if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == ',' || r == ':' || r == '"' || r == '<' || r == '>' {
			return fmt.Errorf("contains %+q", r)
		}
		if r >= 0xFF00 && r <= 0xFFEF {
			return fmt.Errorf("contains the full-width character %+q", r)
		}
	}
	switch typ {
	case IDTypeOpenID, IDTypeUnionID, IDTypeChatID, IDTypeUserID:
		for _, r := range id {
			if !isIDChar(r) {
				return fmt.Errorf("contains %+q, which no %s has", r, typ)
			}
		}
	case IDTypeEmail:
	default:
		return fmt.Errorf("unknown id type %q", typ)
	}
	return checkIDShape(typ, id)
}

func isIDChar(r rune) bool {
	return r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.')
}

// CheckMention reports why id cannot follow --at, or nil: a mention is
// "all", an open_id (ou_...) or a user_id, as the text message's
// <at user_id="..."> takes them.
func CheckMention(id string) error {
	if id == "all" {
		return nil
	}
	if id == "" {
		return errors.New("empty id")
	}
	if strings.EqualFold(id, "all") {
		return fmt.Errorf("%q: everyone is \"all\", in lower case", id)
	}
	typ := detectIDType(id)
	switch typ {
	case IDTypeOpenID, IDTypeUserID:
	case IDTypeUnionID:
		// The text syntax takes open_id, union_id or user_id
		// (feishu-api.md); union ids are accepted too.
	default:
		return fmt.Errorf("%+q is not an open_id, user_id or \"all\"", id)
	}
	if err := CheckReceiveID(typ, id); err != nil {
		return fmt.Errorf("%+q: %v", id, err)
	}
	return nil
}

// ListError locates a bad entry of a recipient list by line (from 1).
type ListError struct {
	Line int
	Err  error
}

func (e *ListError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *ListError) Unwrap() error { return e.Err }

// ParseRecipientList parses a recipient file (--to-file): one recipient or
// a comma-separated list a line, of any length, blank lines and "#"
// comments ignored, a leading byte-order mark stripped, "\r\n" line ends
// accepted. Invalid UTF-8 or a NUL byte is refused, as is any bad entry,
// with a *ListError naming the line. Duplicates are dropped (see Dedupe).
func ParseRecipientList(data []byte) ([]Recipient, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	var out []Recipient
	for n := 1; len(data) > 0; n++ {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if !utf8.Valid(line) {
			return nil, &ListError{Line: n, Err: errors.New("not valid UTF-8")}
		}
		if bytes.IndexByte(line, 0) >= 0 {
			return nil, &ListError{Line: n, Err: errors.New("contains a NUL byte")}
		}
		if i := bytes.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		text := strings.TrimSpace(string(line))
		if text == "" {
			continue
		}
		for _, part := range strings.Split(text, ",") {
			if strings.TrimSpace(part) == "" {
				continue // tolerate "a,b," and "a,,b"
			}
			r, err := ParseRecipient(part)
			if err != nil {
				return nil, &ListError{Line: n, Err: err}
			}
			out = append(out, r)
		}
	}
	return Dedupe(out), nil
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
// Emails are compared without regard to case: one mailbox, one message.
func Dedupe(rs []Recipient) []Recipient {
	seen := make(map[Recipient]bool, len(rs))
	out := rs[:0]
	for _, r := range rs {
		k := r
		if k.IDType == IDTypeEmail {
			k.ID = strings.ToLower(k.ID)
		}
		if !seen[k] {
			seen[k] = true
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
