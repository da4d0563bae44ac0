package feishutest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/feishu-push/feishu-push/pkg/feishu"
)

const (
	tokenLifetime = 2 * time.Hour
	// tokenReuse: a token with at least this long left is handed out again.
	tokenReuse = 30 * time.Minute
	uuidWindow = time.Hour
	signSkew   = time.Hour
	// maxRead bounds what the fake reads of a body; larger ones are refused
	// by the size checks anyway.
	maxRead = 1 << 20

	maxTextBody    = 150 * 1024
	maxCardBody    = 30 * 1024
	maxWebhookBody = 20 * 1024
)

func readBody(r *http.Request) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r.Body, maxRead))
}

// handleToken serves POST /open-apis/auth/v3/tenant_access_token/internal.
// The body of the answer is top level, with no "data" wrapper. A token with
// 30 minutes or more left is returned again with its remaining lifetime;
// otherwise a new one is issued and the old one stays valid until it expires.
func (f *Fake) handleToken(w http.ResponseWriter, r *http.Request) {
	const ep = EndpointToken
	w, done, ok := f.begin(w, r, ep)
	if !ok {
		return
	}
	defer done()
	b, _ := readBody(r)
	var req struct {
		AppID     string `json:"app_id"`
		AppSecret string `json:"app_secret"`
	}
	// The HTTP status of token errors is undocumented; third-party fakes
	// and observed answers use 200 with the code in the body.
	if json.Unmarshal(b, &req) != nil || req.AppID == "" {
		f.reply(w, r, ep, http.StatusOK, errBody(10003, "invalid param"))
		return
	}
	f.mu.Lock()
	secret, known := f.apps[req.AppID]
	f.mu.Unlock()
	switch {
	case !known:
		f.reply(w, r, ep, http.StatusOK, errBody(10003, "invalid param"))
		return
	case req.AppSecret != secret:
		f.reply(w, r, ep, http.StatusOK, errBody(10014, "app secret invalid"))
		return
	}
	now := f.now()
	f.mu.Lock()
	tok := f.current[req.AppID]
	it, ok := f.tokens[tok]
	if !ok || it.exp.Sub(now) < tokenReuse {
		tok = "t-" + randHex(20)
		it = issuedToken{app: req.AppID, exp: now.Add(tokenLifetime)}
		f.tokens[tok] = it
		f.current[req.AppID] = tok
	}
	f.mu.Unlock()
	f.reply(w, r, ep, http.StatusOK, map[string]any{
		"code": 0, "msg": "ok", "tenant_access_token": tok, "expire": int(it.exp.Sub(now).Seconds()),
	})
}

// checkBearer validates the Authorization header and returns the app id.
func (f *Fake) checkBearer(r *http.Request) (app string, status int, body map[string]any) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(tok) == "" {
		return "", http.StatusBadRequest, errBody(99991661, "Missing access token for authorization. Please make a request with token attached.")
	}
	if !strings.HasPrefix(tok, "t-") && !strings.HasPrefix(tok, "u-") {
		return "", http.StatusBadRequest, errBody(99991671, "Invalid access token for authorization. Please make a request with token attached.")
	}
	f.mu.Lock()
	it, known := f.tokens[tok]
	f.mu.Unlock()
	if !known || !f.now().Before(it.exp) {
		return "", http.StatusBadRequest, errBody(99991663, "Invalid access token for authorization. Please make a request with token attached.")
	}
	return it.app, 0, nil
}

type violation struct {
	Field       string `json:"field"`
	Value       string `json:"value,omitempty"`
	Description string `json:"description"`
}

func fieldError(v ...violation) map[string]any {
	return map[string]any{"code": 99992402, "msg": "field validation failed",
		"error": map[string]any{"field_violations": v}}
}

var receiveIDTypes = map[string]bool{"open_id": true, "union_id": true, "user_id": true, "email": true, "chat_id": true}

var msgTypes = map[string]bool{"text": true, "post": true, "image": true, "file": true, "audio": true, "media": true,
	"sticker": true, "interactive": true, "share_chat": true, "share_user": true, "system": true}

// handleMessages serves POST /open-apis/im/v1/messages?receive_id_type=…
func (f *Fake) handleMessages(w http.ResponseWriter, r *http.Request) {
	const ep = EndpointMessages
	c, ok := f.beginApp(w, r, ep, http.MethodPost)
	if !ok {
		return
	}
	defer c.done()
	w, app := c.w, c.app
	if !f.requireJSON(w, r, ep) {
		return
	}
	idType := r.URL.Query().Get("receive_id_type")
	if idType == "" {
		f.reply(w, r, ep, http.StatusBadRequest, fieldError(violation{Field: "receive_id_type", Description: "receive_id_type is required"}))
		return
	}
	if !receiveIDTypes[idType] {
		f.reply(w, r, ep, http.StatusBadRequest, fieldError(violation{Field: "receive_id_type", Value: idType, Description: "receive_id_type is invalid"}))
		return
	}
	raw, _ := readBody(r)
	var req struct {
		ReceiveID *string          `json:"receive_id"`
		MsgType   *string          `json:"msg_type"`
		Content   *json.RawMessage `json:"content"`
		UUID      string           `json:"uuid"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		f.reply(w, r, ep, http.StatusBadRequest, errBody(230001, "invalid request body: "+err.Error()))
		return
	}
	var vs []violation
	if req.ReceiveID == nil || *req.ReceiveID == "" {
		vs = append(vs, violation{Field: "receive_id", Description: "receive_id is required"})
	}
	if req.MsgType == nil || *req.MsgType == "" {
		vs = append(vs, violation{Field: "msg_type", Description: "msg_type is required"})
	}
	var content string
	if req.Content == nil {
		vs = append(vs, violation{Field: "content", Description: "content is required"})
	} else if json.Unmarshal(*req.Content, &content) != nil {
		// im/v1 takes content as a JSON-encoded string; an object here is
		// the most common mistake.
		vs = append(vs, violation{Field: "content", Description: "content must be a string holding JSON"})
	}
	if len(req.UUID) > 50 {
		vs = append(vs, violation{Field: "uuid", Description: "uuid is longer than 50 characters"})
	}
	if len(vs) > 0 {
		f.reply(w, r, ep, http.StatusBadRequest, fieldError(vs...))
		return
	}
	receiveID, msgType := *req.ReceiveID, *req.MsgType
	if lim, ok := f.limits.allowSend(app, idType+":"+receiveID, f.now()); !ok {
		f.rateLimited(w, r, ep, lim)
		return
	}
	if !msgTypes[msgType] {
		f.reply(w, r, ep, http.StatusBadRequest, errBody(230001, "invalid msg_type: "+msgType))
		return
	}
	// The same rule as the client's (feishu.CheckReceiveID): characters
	// Feishu never issues, full-width prefixes and zero-width characters
	// are refused here as Feishu refuses them.
	if feishu.CheckReceiveID(idType, receiveID) != nil {
		f.reply(w, r, ep, http.StatusBadRequest, errBody(230034, "The receive_id is invalid for the receive_id_type."))
		return
	}
	limit := maxCardBody
	if msgType == "text" {
		limit = maxTextBody
	}
	if len(raw) > limit {
		f.reply(w, r, ep, http.StatusBadRequest, errBody(230025, "The message content is too long."))
		return
	}
	f.mu.Lock()
	rej, rejected := f.rejects[receiveID]
	f.mu.Unlock()
	if rejected {
		st := rej.Status
		if st == 0 {
			st = http.StatusBadRequest
		}
		f.reply(w, r, ep, st, errBody(rej.Code, rej.Msg))
		return
	}
	if code, msg := f.checkContent(msgType, []byte(content), false); code != 0 {
		f.reply(w, r, ep, http.StatusBadRequest, errBody(code, msg))
		return
	}
	now := f.now()
	f.mu.Lock()
	if req.UUID != "" {
		// What Feishu answers for a repeated uuid is undocumented. The fake
		// answers like the first send (code 0, the same message) and stores
		// nothing, which is what a sender must treat as delivered anyway.
		if i, ok := f.byUUID[app+"|"+req.UUID]; ok && now.Sub(f.messages[i].Time) < uuidWindow {
			m := f.messages[i]
			f.mu.Unlock()
			f.reply(w, r, ep, http.StatusOK, messageData(m, content))
			return
		}
	}
	m := Message{Seq: len(f.messages) + 1, Time: now, Mode: "app", AppID: app, ReceiveIDType: idType,
		ReceiveID: receiveID, MsgType: msgType, Content: json.RawMessage(content), UUID: req.UUID,
		MessageID: "om_" + randHex(16), Body: compactJSON(raw)}
	f.storeAndUnlock(m)
	f.reply(w, r, ep, http.StatusOK, messageData(m, content))
}

// storeAndUnlock stores m, indexed by its app and uuid when it has one,
// releases f.mu (held by the caller), and then tells the OnMessage hook.
func (f *Fake) storeAndUnlock(m Message) {
	f.messages = append(f.messages, m)
	if m.UUID != "" {
		f.byUUID[m.AppID+"|"+m.UUID] = len(f.messages) - 1
	}
	onMessage := f.onMessage
	f.mu.Unlock()
	if onMessage != nil {
		onMessage(m)
	}
}

// messageData is im/v1's answer for a sent message.
func messageData(m Message, content string) map[string]any {
	chatID := m.ReceiveID
	if m.ReceiveIDType != "chat_id" {
		sum := sha256.Sum256([]byte(m.ReceiveID))
		chatID = "oc_" + fmt.Sprintf("%x", sum[:16])
	}
	ms := strconv.FormatInt(m.Time.UnixMilli(), 10)
	return map[string]any{"code": 0, "msg": "success", "data": map[string]any{
		"message_id": m.MessageID, "msg_type": m.MsgType, "create_time": ms, "update_time": ms,
		"deleted": false, "updated": false, "chat_id": chatID,
		"sender": map[string]any{"id": m.AppID, "id_type": "app_id", "sender_type": "app", "tenant_key": "736588c9260f175e"},
		"body":   map[string]any{"content": content},
	}}
}

// handleWebhook serves POST /open-apis/bot/v2/hook/{token}.
func (f *Fake) handleWebhook(w http.ResponseWriter, r *http.Request) {
	const ep = EndpointWebhook
	w, done, ok := f.begin(w, r, ep)
	if !ok {
		return
	}
	defer done()
	token := strings.TrimPrefix(r.URL.Path, "/open-apis/bot/v2/hook/")
	f.mu.Lock()
	secret, known := f.hooks[token]
	if !known && f.anyHook && token != "" && !strings.Contains(token, "/") {
		secret, known = f.anySecret, true
	}
	f.mu.Unlock()
	// The HTTP status of 19xxx answers is undocumented; observed answers
	// use 200, while 9499 (bad body, rate limit) comes with 400.
	if !known {
		f.reply(w, r, ep, http.StatusOK, webhookErr(19001, "param invalid: incoming webhook access token invalid"))
		return
	}
	if lim, ok := f.limits.allowWebhook(token, f.now()); !ok {
		f.rateLimited(w, r, ep, lim)
		return
	}
	raw, _ := readBody(r)
	if len(raw) > maxWebhookBody {
		f.reply(w, r, ep, http.StatusBadRequest, webhookErr(9499, "Bad Request"))
		return
	}
	var req map[string]json.RawMessage
	if json.Unmarshal(raw, &req) != nil {
		f.reply(w, r, ep, http.StatusBadRequest, webhookErr(9499, "Bad Request"))
		return
	}
	if secret != "" && !f.signOK(req, secret) {
		f.reply(w, r, ep, http.StatusOK, webhookErr(19021, "sign match fail or timestamp is not within one hour from current time"))
		return
	}
	var msgType string
	_ = json.Unmarshal(req["msg_type"], &msgType)
	var content json.RawMessage
	switch msgType {
	case "interactive":
		content = req["card"]
	case "text", "post", "image", "share_chat":
		content = req["content"]
	default:
		f.reply(w, r, ep, http.StatusBadRequest, webhookErr(9499, "Bad Request"))
		return
	}
	// The webhook takes content as an object. Whether it also accepts the
	// string form some clients send is unconfirmed: the fake refuses it.
	if len(content) == 0 || bytes.TrimSpace(content)[0] != '{' {
		f.reply(w, r, ep, http.StatusBadRequest, webhookErr(9499, "Bad Request"))
		return
	}
	if code, msg := f.checkContent(msgType, content, true); code != 0 {
		f.reply(w, r, ep, http.StatusBadRequest, webhookErr(code, msg))
		return
	}
	f.mu.Lock()
	m := Message{Seq: len(f.messages) + 1, Time: f.now(), Mode: "webhook", Hook: token, MsgType: msgType,
		Content: compactJSON(content), Body: compactJSON(raw)}
	f.storeAndUnlock(m)
	f.reply(w, r, ep, http.StatusOK, map[string]any{"StatusCode": 0, "StatusMessage": "success", "code": 0, "data": map[string]any{}, "msg": "success"})
}

func webhookErr(code int, msg string) map[string]any {
	return map[string]any{"code": code, "msg": msg, "data": map[string]any{}}
}

// signOK checks "timestamp" (seconds, as a string or a number) and "sign" =
// base64(HMAC-SHA256(key = timestamp+"\n"+secret, message = empty)), and
// that the timestamp is within an hour of the fake's clock.
func (f *Fake) signOK(req map[string]json.RawMessage, secret string) bool {
	var sign string
	if json.Unmarshal(req["sign"], &sign) != nil || sign == "" {
		return false
	}
	var tsStr string
	if json.Unmarshal(req["timestamp"], &tsStr) != nil {
		var n json.Number
		if json.Unmarshal(req["timestamp"], &n) != nil {
			return false
		}
		tsStr = n.String()
	}
	ts, err := strconv.ParseInt(tsStr, 10, 64)
	if err != nil {
		return false
	}
	skew := f.now().Sub(time.Unix(ts, 0))
	if skew > signSkew || skew < -signSkew {
		return false
	}
	mac := hmac.New(sha256.New, []byte(tsStr+"\n"+secret))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	return hmac.Equal([]byte(want), []byte(sign))
}

// checkContent validates a content object for its msg_type and returns a
// Feishu code and message, or 0.
func (f *Fake) checkContent(msgType string, content []byte, webhook bool) (int, string) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(content, &obj) != nil {
		if msgType == "interactive" {
			return 230099, "Failed to create card content, ext=ErrCode: 200621; ErrMsg: card json is not an object"
		}
		return 230001, "invalid content: not a JSON object"
	}
	switch msgType {
	case "text":
		var text string
		if json.Unmarshal(obj["text"], &text) != nil || text == "" {
			return 230001, "invalid content: text is required"
		}
	case "post":
		if webhook {
			// The webhook wraps the locale map in {"post": …}.
			var inner map[string]json.RawMessage
			if json.Unmarshal(obj["post"], &inner) != nil {
				return 9499, "Bad Request"
			}
			obj = inner
		}
		if len(obj) == 0 {
			return 230001, "invalid content: post needs at least one locale"
		}
		for loc, v := range obj {
			var p struct {
				Content [][]json.RawMessage `json:"content"`
			}
			if json.Unmarshal(v, &p) != nil {
				return 230001, "invalid content: post locale " + loc + " has no content paragraphs"
			}
			if code, msg := f.checkPostLocale(loc, v, webhook); code != 0 {
				return code, msg
			}
		}
	case "interactive":
		if sub, msg := f.checkCard(content); sub != 0 {
			return 230099, "Failed to create card content, ext=ErrCode: " + strconv.Itoa(sub) + "; " + msg
		}
	case "image", "file", "audio", "media":
		return f.checkMedia(msgType, obj)
	}
	return 0, ""
}

func compactJSON(b []byte) json.RawMessage {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return json.RawMessage(strconv.Quote(string(b)))
	}
	return buf.Bytes()
}
