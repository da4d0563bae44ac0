package feishutest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// EventSender plays Feishu's part towards an event listener: it builds
// events of both schemas and card callbacks, encrypts them with the encrypt
// key (AES-256-CBC, key sha256(encrypt key), a random IV in front), signs
// them with X-Lark-Signature, and posts them to the request URL.
type EventSender struct {
	// URL is the listener's request URL.
	URL string
	// EncryptKey, when set, encrypts and signs every body.
	EncryptKey string
	// VerificationToken goes in every event's token.
	VerificationToken string
	// AppID is the app the events are for.
	AppID string
	// Client posts the events (default: 10 s timeout).
	Client *http.Client
	// Now replaces time.Now.
	Now func() time.Time
	// Via, when set, delivers over the long connection instead of HTTP
	// (plain, as Feishu does there: no encryption, no signature).
	Via *LongConn
}

// SendResult is a listener's answer.
type SendResult struct {
	Status int
	Body   []byte
}

func (s *EventSender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// EncryptEvent returns base64(iv || AES-256-CBC(PKCS7(plain))) with key
// sha256(encryptKey), as Feishu encrypts events.
func EncryptEvent(plain []byte, encryptKey string) string {
	key := sha256.Sum256([]byte(encryptKey))
	block, _ := aes.NewCipher(key[:])
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	data := append(append([]byte(nil), plain...), bytes.Repeat([]byte{byte(pad)}, pad)...)
	out := make([]byte, aes.BlockSize+len(data))
	_, _ = crand.Read(out[:aes.BlockSize])
	cipher.NewCBCEncrypter(block, out[:aes.BlockSize]).CryptBlocks(out[aes.BlockSize:], data)
	return base64.StdEncoding.EncodeToString(out)
}

// SignEvent returns hex(sha256(timestamp + nonce + encryptKey + body)).
func SignEvent(timestamp, nonce, encryptKey string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(timestamp + nonce + encryptKey))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// Wrap returns the body Feishu would post for plain: {"encrypt":...} when
// an encrypt key is set, else plain itself.
func (s *EventSender) Wrap(plain []byte) []byte {
	if s.EncryptKey == "" {
		return plain
	}
	b, _ := json.Marshal(map[string]string{"encrypt": EncryptEvent(plain, s.EncryptKey)})
	return b
}

// PostRaw posts body as it is, signed when an encrypt key is set.
func (s *EventSender) PostRaw(body []byte) (SendResult, error) {
	req, err := http.NewRequest(http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return SendResult{}, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if s.EncryptKey != "" {
		ts, nonce := strconv.FormatInt(s.now().Unix(), 10), randHex(8)
		req.Header.Set("X-Lark-Request-Timestamp", ts)
		req.Header.Set("X-Lark-Request-Nonce", nonce)
		req.Header.Set("X-Lark-Signature", SignEvent(ts, nonce, s.EncryptKey, body))
	}
	c := s.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return SendResult{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return SendResult{Status: resp.StatusCode, Body: b}, nil
}

// Post wraps plain (encrypting it when a key is set) and posts it.
func (s *EventSender) Post(plain []byte) (SendResult, error) {
	if s.Via != nil {
		resp, err := s.Via.Deliver("event", plain, 10*time.Second)
		if err != nil {
			return SendResult{}, err
		}
		body := resp.Data
		if len(body) == 0 {
			body = []byte("{}")
		}
		return SendResult{Status: resp.Code, Body: body}, nil
	}
	return s.PostRaw(s.Wrap(plain))
}

// Challenge posts a url_verification request and returns the challenge
// it sent and the answer.
func (s *EventSender) Challenge() (string, SendResult, error) {
	ch := randHex(16)
	b, _ := json.Marshal(map[string]string{"challenge": ch, "token": s.VerificationToken, "type": "url_verification"})
	res, err := s.Post(b)
	return ch, res, err
}

// NewEventID returns an id in Feishu's style.
func NewEventID() string { return randHex(16) }

// Event2 builds a schema 2.0 event of eventType with the given event body.
func (s *EventSender) Event2(id, eventType string, event any) []byte {
	b, _ := json.Marshal(map[string]any{
		"schema": "2.0",
		"header": map[string]any{
			"event_id": id, "event_type": eventType, "token": s.VerificationToken,
			"create_time": strconv.FormatInt(s.now().UnixMilli(), 10),
			"tenant_key":  "736588c9260f175e", "app_id": s.AppID,
		},
		"event": event,
	})
	return b
}

// Event1 builds a schema 1.0 event (type event_callback); event["type"] is
// set to eventType.
func (s *EventSender) Event1(uuid, eventType string, event map[string]any) []byte {
	ev := map[string]any{}
	for k, v := range event {
		ev[k] = v
	}
	ev["type"], ev["app_id"], ev["tenant_key"] = eventType, s.AppID, "736588c9260f175e"
	b, _ := json.Marshal(map[string]any{
		"uuid": uuid, "token": s.VerificationToken, "type": "event_callback",
		"ts":    fmt.Sprintf("%d.%06d", s.now().Unix(), s.now().Nanosecond()/1000),
		"event": ev,
	})
	return b
}

// Schema1Types are the event types that Feishu sends in schema 1.0 only.
var Schema1Types = map[string]bool{"approval_instance": true, "approval_task": true, "leave_approvalV2": true, "approval": true}

// SampleEvent returns a documented-shape event body of eventType, for the
// inbox's "send event" form and for scripts; fields in override replace
// the sample's top-level fields.
func SampleEvent(eventType string, override map[string]any) map[string]any {
	now := time.Now()
	ms := strconv.FormatInt(now.UnixMilli(), 10)
	user := map[string]any{"open_id": "ou_" + randHex(16), "user_id": "u" + randHex(4), "union_id": "on_" + randHex(16)}
	var ev map[string]any
	switch eventType {
	case "im.message.receive_v1":
		ev = map[string]any{
			"sender": map[string]any{"sender_id": user, "sender_type": "user", "tenant_key": "736588c9260f175e"},
			"message": map[string]any{"message_id": "om_" + randHex(16), "create_time": ms, "chat_id": "oc_demo",
				"chat_type": "group", "message_type": "text", "content": `{"text":"hello bot"}`},
		}
	case "approval_instance":
		ev = map[string]any{"approval_code": "7C468A54-8745-2245-9675-08B7C63E7A85", "instance_code": "81D31358-93AF-92D6-7425-01A5D67C4E71",
			"status": "APPROVED", "operate_time": ms, "instance_operate_time": ms, "uuid": randHex(8)}
	case "contact.user.created_v3", "contact.user.deleted_v3":
		ev = map[string]any{"object": map[string]any{"open_id": user["open_id"], "user_id": user["user_id"], "union_id": user["union_id"],
			"name": "张三", "en_name": "San Zhang", "email": "zhangsan@example.com", "department_ids": []string{"od-" + randHex(16)}}}
	case "contact.user.updated_v3":
		obj := map[string]any{"open_id": user["open_id"], "user_id": user["user_id"], "union_id": user["union_id"],
			"name": "张三", "en_name": "San Zhang", "email": "san.zhang@example.com"}
		ev = map[string]any{"object": obj, "old_object": map[string]any{"email": "zhangsan@example.com"}}
	case "contact.department.created_v3", "contact.department.updated_v3", "contact.department.deleted_v3":
		ev = map[string]any{"object": map[string]any{"name": "Ops", "parent_department_id": "0", "department_id": "d" + randHex(4),
			"open_department_id": "od-" + randHex(16)}}
	default:
		ev = map[string]any{}
	}
	for k, v := range override {
		ev[k] = v
	}
	return ev
}

// Toast is a card callback's toast.
type Toast struct {
	Type    string `json:"type"`
	Content string `json:"content"`
}

// ClickResult is what a card button click came to.
type ClickResult struct {
	EventID string `json:"event_id"`
	// Status is the listener's HTTP status.
	Status int `json:"status"`
	// Toast is shown to the user, if any.
	Toast *Toast `json:"toast,omitempty"`
	// CardUpdated reports whether the message's card was replaced.
	CardUpdated bool `json:"card_updated"`
	// Answer is the listener's answer as received.
	Answer json.RawMessage `json:"answer,omitempty"`
}

// errors of Click.
var (
	ErrNoMessage = errors.New("no such message")
	ErrNotCard   = errors.New("the message is not a card")
)

// Click sends the card.action.trigger callback Feishu sends when a user
// clicks a callback button whose value is value on message messageID, and
// applies the answer: a toast and/or a new card ({"type":"raw","data":
// card}) replacing the message's card. An answer that is not JSON, has an
// unknown toast type or a card that is not raw is an error, as Feishu then
// shows the user an error.
//
// The message is found by messageID, or by seq when messageID is empty
// (webhook messages have no id; the callback then names "om_seq_N").
func (f *Fake) Click(s *EventSender, messageID string, seq int, value json.RawMessage, operatorOpenID string) (ClickResult, error) {
	f.mu.Lock()
	idx := -1
	for i, m := range f.messages {
		if (messageID != "" && m.MessageID == messageID) || (messageID == "" && m.Seq == seq) {
			idx = i
		}
	}
	var chatID string
	if idx >= 0 {
		m := f.messages[idx]
		chatID = m.ReceiveID
		if m.ReceiveIDType != "chat_id" {
			chatID = "oc_" + hex.EncodeToString(sha256Sum(m.ReceiveID+m.Hook))
		}
		if messageID == "" {
			messageID = "om_seq_" + strconv.Itoa(m.Seq)
		}
	}
	isCard := idx >= 0 && f.messages[idx].MsgType == "interactive"
	f.mu.Unlock()
	if idx < 0 {
		return ClickResult{}, ErrNoMessage
	}
	if !isCard {
		return ClickResult{}, ErrNotCard
	}
	if len(value) == 0 {
		value = json.RawMessage("{}")
	}
	if operatorOpenID == "" {
		operatorOpenID = "ou_sandbox_user"
	}
	id := NewEventID()
	event := map[string]any{
		"operator": map[string]any{"tenant_key": "736588c9260f175e", "open_id": operatorOpenID, "user_id": "sandbox_user", "union_id": "on_sandbox_user"},
		"token":    "c-" + randHex(16),
		"action":   map[string]any{"value": value, "tag": "button"},
		"host":     "im_message",
		"context":  map[string]any{"open_message_id": messageID, "open_chat_id": chatID},
	}
	res, err := s.Post(s.Event2(id, "card.action.trigger", event))
	if err != nil {
		return ClickResult{EventID: id}, fmt.Errorf("listener: %w", err)
	}
	out := ClickResult{EventID: id, Status: res.Status, Answer: json.RawMessage(bytes.TrimSpace(res.Body))}
	if res.Status != http.StatusOK {
		return out, fmt.Errorf("listener answered HTTP %d", res.Status)
	}
	var ans struct {
		Toast *Toast `json:"toast"`
		Card  *struct {
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		} `json:"card"`
	}
	if err := json.Unmarshal(res.Body, &ans); err != nil {
		return out, fmt.Errorf("answer is not JSON: %v", err)
	}
	if ans.Toast != nil {
		switch ans.Toast.Type {
		case "info", "success", "error", "warning":
		default:
			return out, fmt.Errorf("answer: toast.type %q is not info, success, error or warning", ans.Toast.Type)
		}
		out.Toast = ans.Toast
	}
	if ans.Card != nil {
		if ans.Card.Type != "raw" {
			// Template cards (type "template") need the card builder,
			// which the fake does not have.
			return out, fmt.Errorf("answer: card.type %q is not supported here (want raw)", ans.Card.Type)
		}
		var card map[string]json.RawMessage
		if err := json.Unmarshal(ans.Card.Data, &card); err != nil || card == nil {
			return out, errors.New("answer: card.data is not a JSON object")
		}
		if code, msg := f.checkCard(ans.Card.Data); code != 0 {
			return out, fmt.Errorf("answer: card.data: %s", msg)
		}
		f.mu.Lock()
		f.messages[idx].Content = compactJSON(ans.Card.Data)
		f.mu.Unlock()
		out.CardUpdated = true
	}
	return out, nil
}

// EventsHandler serves, for scripts and the inbox, POST /api/events (send
// an event to the listener) and POST /api/callback (click a card button).
// s is nil when no listener is configured; both then answer 409.
func (f *Fake) EventsHandler(s *EventSender) http.Handler {
	mux := http.NewServeMux()
	fail := func(w http.ResponseWriter, status int, msg string) {
		writeAPI(w, status, map[string]any{"error": msg})
	}
	mux.HandleFunc("POST /api/events", func(w http.ResponseWriter, r *http.Request) {
		if s == nil || (s.URL == "" && s.Via == nil) {
			fail(w, http.StatusConflict, "no listener: start the sandbox with --callback-url")
			return
		}
		var req struct {
			Type    string         `json:"type"`
			Schema  string         `json:"schema"`
			EventID string         `json:"event_id"`
			Event   map[string]any `json:"event"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil || req.Type == "" {
			fail(w, http.StatusBadRequest, `want {"type": "event type", "event": {...}, "schema": "2.0"|"1.0", "event_id": "..."}`)
			return
		}
		if req.Schema == "" {
			req.Schema = "2.0"
			if Schema1Types[req.Type] {
				req.Schema = "1.0"
			}
		}
		if req.EventID == "" {
			req.EventID = NewEventID()
		}
		ev := SampleEvent(req.Type, req.Event)
		var body []byte
		switch req.Schema {
		case "2.0":
			body = s.Event2(req.EventID, req.Type, ev)
		case "1.0":
			body = s.Event1(req.EventID, req.Type, ev)
		default:
			fail(w, http.StatusBadRequest, "schema must be 2.0 or 1.0")
			return
		}
		res, err := s.Post(body)
		if errors.Is(err, ErrNotConnected) {
			fail(w, http.StatusConflict, "no listener: start the sandbox with --callback-url, or connect listen --long-connection")
			return
		}
		if err != nil {
			fail(w, http.StatusBadGateway, "listener: "+err.Error())
			return
		}
		writeAPI(w, http.StatusOK, map[string]any{"event_id": req.EventID, "schema": req.Schema, "status": res.Status,
			"answer": string(res.Body), "event": json.RawMessage(body)})
	})
	mux.HandleFunc("POST /api/callback", func(w http.ResponseWriter, r *http.Request) {
		if s == nil || (s.URL == "" && s.Via == nil) {
			fail(w, http.StatusConflict, "no listener: start the sandbox with --callback-url")
			return
		}
		var req struct {
			MessageID string          `json:"message_id"`
			Seq       int             `json:"seq"`
			Value     json.RawMessage `json:"value"`
			Operator  string          `json:"operator"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil || (req.MessageID == "" && req.Seq == 0) {
			fail(w, http.StatusBadRequest, `want {"message_id": "om_..." or "seq": N, "value": {...}}`)
			return
		}
		res, err := f.Click(s, req.MessageID, req.Seq, req.Value, req.Operator)
		switch {
		case errors.Is(err, ErrNoMessage):
			fail(w, http.StatusNotFound, err.Error())
		case errors.Is(err, ErrNotConnected):
			fail(w, http.StatusConflict, err.Error())
		case errors.Is(err, ErrNotCard):
			fail(w, http.StatusBadRequest, err.Error())
		case err != nil:
			writeAPI(w, http.StatusBadGateway, map[string]any{"error": err.Error(), "result": res})
		default:
			writeAPI(w, http.StatusOK, res)
		}
	})
	return mux
}

func writeAPI(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func sha256Sum(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:16]
}
