// Package listen receives Feishu/Lark events and card callbacks and turns
// each into a shell command run with the event on stdin. It checks
// signatures, decrypts bodies, answers the URL-verification challenge,
// records every event in a durable journal before acknowledging it, and runs
// handlers from the journal with retries, at most one success per event id.
package listen

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// MaxBody is the largest request body accepted (1 MB).
const MaxBody = 1 << 20

// DefaultMaxSkew is how far X-Lark-Request-Timestamp may be from now.
// UNCONFIRMED: Feishu documents no window; five minutes is the common
// choice for signed webhooks and tolerates modest clock drift.
const DefaultMaxSkew = 5 * time.Minute

// Event is one decoded event or callback.
type Event struct {
	// Schema is "2.0" or "1.0".
	Schema string `json:"schema"`
	// ID is header.event_id (2.0) or uuid (1.0).
	ID string `json:"id"`
	// Type is header.event_type (2.0) or event.type (1.0).
	Type string `json:"type"`
	// Key groups events whose handlers run in order: the chat id when the
	// event names one, else empty (no ordering).
	Key string `json:"key,omitempty"`
	// Body is the decrypted JSON of the whole event.
	Body json.RawMessage `json:"body"`
}

// CardAction is the event type of card button callbacks.
const CardAction = "card.action.trigger"

// IsCard reports whether e is a card callback answered synchronously.
func (e *Event) IsCard() bool { return e.Type == CardAction }

// RequestError is a refused request: the HTTP status and a reason for the
// log. The reason never holds a secret.
type RequestError struct {
	Status int
	Reason string
}

func (e *RequestError) Error() string { return e.Reason }

func refuse(status int, format string, args ...any) error {
	return &RequestError{Status: status, Reason: fmt.Sprintf(format, args...)}
}

// Decoder checks and decodes request bodies.
type Decoder struct {
	// EncryptKey, when set, turns on signature checks and decryption.
	EncryptKey string
	// VerificationToken, when set, must match the event's token.
	VerificationToken string
	// MaxSkew bounds the timestamp's distance from now (default DefaultMaxSkew).
	MaxSkew time.Duration
	// Now replaces time.Now.
	Now func() time.Time
}

// Headers Feishu signs requests with.
const (
	HeaderTimestamp = "X-Lark-Request-Timestamp"
	HeaderNonce     = "X-Lark-Request-Nonce"
	HeaderSignature = "X-Lark-Signature"
)

// Signature returns hex(sha256(timestamp + nonce + encryptKey + body)).
func Signature(timestamp, nonce, encryptKey string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(timestamp + nonce + encryptKey))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// Decrypt decodes base64(iv || AES-256-CBC(PKCS7(plain))) with key
// sha256(encryptKey).
func Decrypt(encrypted, encryptKey string) ([]byte, error) {
	data, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil {
		return nil, errors.New("encrypt is not base64")
	}
	if len(data) < 2*aes.BlockSize || len(data)%aes.BlockSize != 0 {
		return nil, errors.New("encrypt has a bad length")
	}
	key := sha256.Sum256([]byte(encryptKey))
	block, _ := aes.NewCipher(key[:])
	iv, ct := data[:aes.BlockSize], data[aes.BlockSize:]
	plain := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, ct)
	n := int(plain[len(plain)-1])
	if n == 0 || n > aes.BlockSize || n > len(plain) || !bytes.Equal(plain[len(plain)-n:], bytes.Repeat([]byte{byte(n)}, n)) {
		return nil, errors.New("bad padding (wrong encrypt key?)")
	}
	return plain[:len(plain)-n], nil
}

// Result is what Decode found: a challenge to answer, or an event.
type Result struct {
	// Challenge is set for url_verification requests.
	Challenge string
	Event     *Event
}

// Decode checks a request's headers and body and decodes it. Errors are
// *RequestError.
func (d *Decoder) Decode(h http.Header, body []byte) (*Result, error) {
	if len(body) > MaxBody {
		return nil, refuse(http.StatusRequestEntityTooLarge, "body over %d bytes", MaxBody)
	}
	var outer map[string]json.RawMessage
	if err := json.Unmarshal(body, &outer); err != nil || outer == nil {
		return nil, refuse(http.StatusBadRequest, "body is not a JSON object")
	}
	plain := body
	if enc, ok := outer["encrypt"]; ok {
		if d.EncryptKey == "" {
			return nil, refuse(http.StatusBadRequest, "encrypted body but no encrypt key configured")
		}
		var s string
		if json.Unmarshal(enc, &s) != nil {
			return nil, refuse(http.StatusBadRequest, "encrypt is not a string")
		}
		p, err := Decrypt(s, d.EncryptKey)
		if err != nil {
			return nil, refuse(http.StatusBadRequest, "cannot decrypt: %v", err)
		}
		// The SDKs trim to the outermost braces after decrypting.
		i, j := bytes.IndexByte(p, '{'), bytes.LastIndexByte(p, '}')
		if i < 0 || j < i {
			return nil, refuse(http.StatusBadRequest, "decrypted body is not a JSON object")
		}
		plain = p[i : j+1]
		outer = nil
		if err := json.Unmarshal(plain, &outer); err != nil || outer == nil {
			return nil, refuse(http.StatusBadRequest, "decrypted body is not a JSON object")
		}
	} else if d.EncryptKey != "" {
		// UNCONFIRMED whether Feishu ever sends plain bodies once a key is
		// set; it documents that it encrypts them all, so refuse.
		return nil, refuse(http.StatusBadRequest, "plain body but an encrypt key is configured")
	}

	var env struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
		Token     string `json:"token"`
		Schema    string `json:"schema"`
		UUID      string `json:"uuid"`
		Header    *struct {
			EventID   string `json:"event_id"`
			EventType string `json:"event_type"`
			Token     string `json:"token"`
		} `json:"header"`
		Event json.RawMessage `json:"event"`
	}
	if err := json.Unmarshal(plain, &env); err != nil {
		return nil, refuse(http.StatusBadRequest, "unexpected field types: %v", err)
	}

	signed := h.Get(HeaderSignature) != "" || h.Get(HeaderTimestamp) != "" || h.Get(HeaderNonce) != ""
	if env.Type == "url_verification" {
		// The SDKs answer the challenge before any signature check, so
		// Feishu may not sign it; a signature that is given must be right.
		if d.EncryptKey != "" && signed {
			if err := d.checkSignature(h, body); err != nil {
				return nil, err
			}
		}
		if err := d.checkToken(env.Token); err != nil {
			return nil, err
		}
		if env.Challenge == "" {
			return nil, refuse(http.StatusBadRequest, "url_verification without challenge")
		}
		return &Result{Challenge: env.Challenge}, nil
	}
	if d.EncryptKey != "" {
		if err := d.checkSignature(h, body); err != nil {
			return nil, err
		}
	}

	ev := &Event{Body: withoutToken(outer)}
	switch {
	case env.Schema == "2.0":
		if env.Header == nil || env.Header.EventID == "" || env.Header.EventType == "" {
			return nil, refuse(http.StatusBadRequest, "schema 2.0 without header.event_id and header.event_type")
		}
		if err := d.checkToken(env.Header.Token); err != nil {
			return nil, err
		}
		ev.Schema, ev.ID, ev.Type = "2.0", env.Header.EventID, env.Header.EventType
	case env.Schema == "" && env.Type == "event_callback":
		var inner struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(env.Event, &inner)
		if env.UUID == "" || inner.Type == "" {
			return nil, refuse(http.StatusBadRequest, "schema 1.0 without uuid and event.type")
		}
		if err := d.checkToken(env.Token); err != nil {
			return nil, err
		}
		ev.Schema, ev.ID, ev.Type = "1.0", env.UUID, inner.Type
	default:
		return nil, refuse(http.StatusBadRequest, "unknown event schema")
	}
	ev.Key = chatKey(env.Event)
	return &Result{Event: ev}, nil
}

func (d *Decoder) checkToken(tok string) error {
	if d.VerificationToken == "" {
		return nil
	}
	if subtle.ConstantTimeCompare([]byte(tok), []byte(d.VerificationToken)) != 1 {
		return refuse(http.StatusUnauthorized, "wrong verification token")
	}
	return nil
}

func (d *Decoder) checkSignature(h http.Header, body []byte) error {
	ts, nonce, sig := h.Get(HeaderTimestamp), h.Get(HeaderNonce), h.Get(HeaderSignature)
	if ts == "" || nonce == "" || sig == "" {
		return refuse(http.StatusUnauthorized, "missing signature headers")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return refuse(http.StatusUnauthorized, "bad timestamp")
	}
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	skew := d.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	if diff := now().Sub(time.Unix(sec, 0)); diff > skew || diff < -skew {
		return refuse(http.StatusUnauthorized, "stale timestamp (%s from now)", diff.Round(time.Second))
	}
	want := Signature(ts, nonce, d.EncryptKey, body)
	if subtle.ConstantTimeCompare([]byte(want), []byte(sig)) != 1 {
		return refuse(http.StatusUnauthorized, "bad signature")
	}
	return nil
}

// chatKey finds what an event's order matters within: its chat, the user
// or department of a contact event, or the approval instance.
func chatKey(event json.RawMessage) string {
	var e struct {
		Object *struct {
			OpenID           string `json:"open_id"`
			OpenDepartmentID string `json:"open_department_id"`
		} `json:"object"`
		InstanceCode string `json:"instance_code"`
		Message      *struct {
			ChatID string `json:"chat_id"`
		} `json:"message"`
		Context *struct {
			OpenChatID string `json:"open_chat_id"`
		} `json:"context"`
		ChatID     string `json:"chat_id"`
		OpenChatID string `json:"open_chat_id"`
	}
	if json.Unmarshal(event, &e) != nil {
		return ""
	}
	switch {
	case e.Message != nil && e.Message.ChatID != "":
		return e.Message.ChatID
	case e.Context != nil && e.Context.OpenChatID != "":
		return e.Context.OpenChatID
	case e.ChatID != "":
		return e.ChatID
	case e.OpenChatID != "":
		return e.OpenChatID
	case e.Object != nil && e.Object.OpenID != "":
		return "user:" + e.Object.OpenID
	case e.Object != nil && e.Object.OpenDepartmentID != "":
		return "department:" + e.Object.OpenDepartmentID
	case e.InstanceCode != "":
		return "approval:" + e.InstanceCode
	}
	return ""
}

// withoutToken returns the event without its verification token (top-level
// token in 1.0, header.token in 2.0), so that handlers, stdout and the
// journal never see it. Other fields, such as a card callback's
// event.token, stay.
func withoutToken(outer map[string]json.RawMessage) json.RawMessage {
	delete(outer, "token")
	if h, ok := outer["header"]; ok {
		var hm map[string]json.RawMessage
		if json.Unmarshal(h, &hm) == nil && hm != nil {
			delete(hm, "token")
			outer["header"], _ = json.Marshal(hm)
		}
	}
	b, _ := json.Marshal(outer)
	return b
}
