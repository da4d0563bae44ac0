package feishutest

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Endpoints of the calls on a sent message, as named in faults and records.
const (
	EndpointUpdate = "message_update"
	EndpointRecall = "message_recall"
	EndpointReply  = "message_reply"
)

const (
	// maxCardAge: an app may update a card within 14 days of sending.
	maxCardAge = 14 * 24 * time.Hour
	// DefaultRecallWindow is how long after sending the fake lets a bot
	// recall a message. Feishu applies a limit the tenant's administrator
	// sets; its default is unconfirmed, and the fake assumes 24 hours.
	DefaultRecallWindow = 24 * time.Hour
	// updatesPerSecond: Feishu allows 5 updates per second of one message.
	updatesPerSecond = 5
)

// Edit is one update of a card: when it happened, the content it replaced
// and the content it set.
type Edit struct {
	Time     time.Time       `json:"time"`
	Previous json.RawMessage `json:"previous"`
	Content  json.RawMessage `json:"content"`
	// Body is the PATCH body exactly as received.
	Body json.RawMessage `json:"body"`
}

// lifeState is the fake's state for files and sent messages' lives.
type lifeState struct {
	files        map[string]File
	fileOrder    []string
	recallWindow time.Duration
	noThreads    map[string]bool // chat ids without thread replies
	updates      map[string][]time.Time
}

// WithRecallWindow sets how long after sending a message the bot may recall
// it (DefaultRecallWindow otherwise); later recalls get 230009.
func WithRecallWindow(d time.Duration) Option { return func(f *Fake) { f.life.recallWindow = d } }

// Clock is a settable clock for WithClock, so tests can make a message too
// old to update or recall without waiting. It is safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// DisableThreads makes replies in a thread to messages of chatID fail with
// 230071, as in chats that do not support threads.
func (f *Fake) DisableThreads(chatID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.life.noThreads == nil {
		f.life.noThreads = map[string]bool{}
	}
	f.life.noThreads[chatID] = true
}

// Message returns the message with id.
func (f *Fake) Message(id string) (Message, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if i := f.indexOf(id); i >= 0 {
		return f.messages[i], true
	}
	return Message{}, false
}

// DeleteMessage marks a message deleted, as when a user or an administrator
// deletes it: later calls on it get 230110.
func (f *Fake) DeleteMessage(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := f.indexOf(id)
	if i >= 0 {
		f.messages[i].Deleted = true
	}
	return i >= 0
}

// AddUserMessage stores a text message that a user (not an app) sent to a
// chat and returns it, so tests can reply to it or try to update or recall
// a message the bot did not send.
func (f *Fake) AddUserMessage(chatID, text string) Message {
	content, _ := json.Marshal(map[string]string{"text": text})
	f.mu.Lock()
	m := Message{Seq: len(f.messages) + 1, Time: f.now(), Mode: "user", ReceiveIDType: "chat_id", ReceiveID: chatID,
		MsgType: "text", Content: content, MessageID: "om_" + randHex(16), Body: content}
	f.messages = append(f.messages, m)
	f.mu.Unlock()
	return m
}

// indexOf returns the index of message id in f.messages, or -1. f.mu must
// be held.
func (f *Fake) indexOf(id string) int {
	if id == "" {
		return -1
	}
	for i := range f.messages {
		if f.messages[i].MessageID == id {
			return i
		}
	}
	return -1
}

// handleMessageByID routes /open-apis/im/v1/messages/{message_id}[/reply]:
// PATCH updates a card, DELETE recalls, POST …/reply replies.
func (f *Fake) handleMessageByID(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/open-apis/im/v1/messages/")
	id, sub, _ := strings.Cut(rest, "/")
	switch {
	case sub == "reply":
		f.handleReply(w, r, id)
	case sub != "" || id == "":
		f.reply(w, r, "", http.StatusNotFound, errBody(404, "404 page not found"))
	case r.Method == http.MethodDelete:
		f.handleRecall(w, r, id)
	default:
		f.handleUpdate(w, r, id)
	}
}

// target looks up the message a call is about and applies the checks every
// such call shares: it exists (an unknown id gets 230001; Feishu's code
// for it is unconfirmed), was not deleted (230110) or recalled (230011).
// It returns the index of the message with f.mu held, or a code with f.mu
// released.
func (f *Fake) target(id string) (int, int, string) {
	f.mu.Lock()
	i := f.indexOf(id)
	switch {
	case i < 0:
		f.mu.Unlock()
		return -1, 230001, "Your request contains an invalid request parameter: message_id " + id + " not found."
	case f.messages[i].Deleted:
		f.mu.Unlock()
		return -1, 230110, "Action unavailable as the message has been deleted."
	case f.messages[i].Recalled:
		f.mu.Unlock()
		return -1, 230011, "The message is recalled."
	}
	return i, 0, ""
}

// handleUpdate serves PATCH /open-apis/im/v1/messages/{message_id} with
// {"content":"<card JSON>"}: only interactive messages the same app sent,
// within 14 days, not recalled or deleted, shared (config.update_multi =
// true) both before and after, at most 5 updates per second.
func (f *Fake) handleUpdate(w http.ResponseWriter, r *http.Request, id string) {
	const ep = EndpointUpdate
	c, ok := f.beginApp(w, r, ep, http.MethodPatch)
	if !ok {
		return
	}
	defer c.done()
	w, app := c.w, c.app
	if !f.requireJSON(w, r, ep) {
		return
	}
	raw, _ := readBody(r)
	var req struct {
		Content *json.RawMessage `json:"content"`
	}
	var content string
	if json.Unmarshal(raw, &req) != nil || req.Content == nil || json.Unmarshal(*req.Content, &content) != nil {
		f.reply(w, r, ep, http.StatusBadRequest, fieldError(violation{Field: "content", Description: "content is required and must be a string holding JSON"}))
		return
	}
	if len(raw) > maxCardBody {
		f.reply(w, r, ep, http.StatusBadRequest, errBody(230025, "The length of the message content reaches its limit."))
		return
	}
	if code, msg := f.checkContent("interactive", []byte(content), false); code != 0 {
		f.reply(w, r, ep, http.StatusBadRequest, errBody(code, msg))
		return
	}
	now := f.now()
	i, code, msg := f.target(id)
	if code != 0 {
		f.reply(w, r, ep, http.StatusBadRequest, errBody(code, msg))
		return
	}
	m := &f.messages[i]
	switch {
	case m.Mode != "app" || m.AppID != app:
		// Feishu documents that the caller must be the sender, not the code
		// it answers otherwise; 230027 is the documented code that fits
		// (unconfirmed).
		code, msg = 230027, "Lack of necessary permissions: only the sender of the message can update it."
	case m.MsgType != "interactive":
		// Only cards can be updated; the code is unconfirmed (230054 is
		// what the other message calls answer for an unsupported type).
		code, msg = 230054, "This operation is not supported for this message type."
	case now.Sub(m.Time) > maxCardAge:
		code, msg = 230031, "Message can only be modified within 14 days after sending."
	case !sharedCard(m.Content) || !sharedCard(json.RawMessage(content)):
		// Feishu requires update_multi before and after; what it answers
		// when it is missing is unconfirmed, so the fake refuses.
		code, msg = 230001, "Your request contains an invalid request parameter: the card must declare config.update_multi=true both when sent and when updated."
	}
	if code == 0 && !f.allowUpdate(id, now) {
		code, msg = 230020, "This operation triggers the frequency limit."
	}
	if code != 0 {
		f.mu.Unlock()
		f.reply(w, r, ep, http.StatusBadRequest, errBody(code, msg))
		return
	}
	m.Edits = append(m.Edits, Edit{Time: now, Previous: m.Content, Content: json.RawMessage(content), Body: compactJSON(raw)})
	m.Content = json.RawMessage(content)
	f.mu.Unlock()
	f.reply(w, r, ep, http.StatusOK, map[string]any{"code": 0, "msg": "success", "data": map[string]any{}})
}

// allowUpdate applies the 5-per-second limit on updates of one message.
// f.mu must be held.
func (f *Fake) allowUpdate(id string, now time.Time) bool {
	if f.life.updates == nil {
		f.life.updates = map[string][]time.Time{}
	}
	var recent []time.Time
	for _, t := range f.life.updates[id] {
		if now.Sub(t) < time.Second {
			recent = append(recent, t)
		}
	}
	if len(recent) >= updatesPerSecond {
		f.life.updates[id] = recent
		return false
	}
	f.life.updates[id] = append(recent, now)
	return true
}

// sharedCard reports whether a card declares config.update_multi = true;
// template references and card entities are taken as shared, since that is
// set where they are built.
func sharedCard(content json.RawMessage) bool {
	var c struct {
		Type   string `json:"type"`
		Config struct {
			UpdateMulti bool `json:"update_multi"`
		} `json:"config"`
	}
	if json.Unmarshal(content, &c) != nil {
		return false
	}
	return c.Type == "template" || c.Type == "card" || c.Config.UpdateMulti
}

// handleRecall serves DELETE /open-apis/im/v1/messages/{message_id}: a bot
// recalls a message it sent (230026 otherwise) within the recall window
// (230009 after it). Recalling a recalled message answers 230011
// (unconfirmed: the recall API documents no code for it).
func (f *Fake) handleRecall(w http.ResponseWriter, r *http.Request, id string) {
	const ep = EndpointRecall
	c, ok := f.beginApp(w, r, ep, http.MethodDelete)
	if !ok {
		return
	}
	defer c.done()
	w, app := c.w, c.app
	now := f.now()
	i, code, msg := f.target(id)
	if code != 0 {
		f.reply(w, r, ep, http.StatusBadRequest, errBody(code, msg))
		return
	}
	m := &f.messages[i]
	window := f.life.recallWindow
	if window <= 0 {
		window = DefaultRecallWindow
	}
	switch {
	case m.Mode != "app" || m.AppID != app:
		code, msg = 230026, "No permission to recall this message."
	case now.Sub(m.Time) > window:
		code, msg = 230009, "Message has expired when recall message."
	}
	if code != 0 {
		f.mu.Unlock()
		f.reply(w, r, ep, http.StatusBadRequest, errBody(code, msg))
		return
	}
	m.Recalled, m.RecalledAt = true, now
	f.mu.Unlock()
	f.reply(w, r, ep, http.StatusOK, map[string]any{"code": 0, "msg": "success", "data": map[string]any{}})
}

// handleReply serves POST /open-apis/im/v1/messages/{message_id}/reply with
// content, msg_type, reply_in_thread and uuid: a new message in the chat of
// the message replied to, checked like a send. In a thread, the message
// replied to becomes the thread's root when it is in none.
func (f *Fake) handleReply(w http.ResponseWriter, r *http.Request, parentID string) {
	const ep = EndpointReply
	c, ok := f.beginApp(w, r, ep, http.MethodPost)
	if !ok {
		return
	}
	defer c.done()
	w, app := c.w, c.app
	if !f.requireJSON(w, r, ep) {
		return
	}
	raw, _ := readBody(r)
	var req struct {
		MsgType       *string          `json:"msg_type"`
		Content       *json.RawMessage `json:"content"`
		ReplyInThread bool             `json:"reply_in_thread"`
		UUID          string           `json:"uuid"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		f.reply(w, r, ep, http.StatusBadRequest, errBody(230001, "invalid request body: "+err.Error()))
		return
	}
	var vs []violation
	if req.MsgType == nil || *req.MsgType == "" {
		vs = append(vs, violation{Field: "msg_type", Description: "msg_type is required"})
	}
	var content string
	if req.Content == nil || json.Unmarshal(*req.Content, &content) != nil {
		vs = append(vs, violation{Field: "content", Description: "content is required and must be a string holding JSON"})
	}
	if len(req.UUID) > 50 {
		vs = append(vs, violation{Field: "uuid", Description: "uuid is longer than 50 characters"})
	}
	if len(vs) > 0 {
		f.reply(w, r, ep, http.StatusBadRequest, fieldError(vs...))
		return
	}
	msgType := *req.MsgType
	if !msgTypes[msgType] {
		f.reply(w, r, ep, http.StatusBadRequest, errBody(230001, "invalid msg_type: "+msgType))
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
	if code, msg := f.checkContent(msgType, []byte(content), false); code != 0 {
		f.reply(w, r, ep, http.StatusBadRequest, errBody(code, msg))
		return
	}
	i, code, msg := f.target(parentID)
	if code != 0 {
		f.reply(w, r, ep, http.StatusBadRequest, errBody(code, msg))
		return
	}
	parent := f.messages[i]
	if parent.Mode == "webhook" {
		f.mu.Unlock()
		f.reply(w, r, ep, http.StatusBadRequest, errBody(230001, "Your request contains an invalid request parameter: message_id."))
		return
	}
	if req.ReplyInThread && f.life.noThreads[parent.ReceiveID] {
		f.mu.Unlock()
		f.reply(w, r, ep, http.StatusBadRequest, errBody(230071, "The chat does not support thread replies."))
		return
	}
	now := f.now()
	if req.UUID != "" {
		if j, ok := f.byUUID[app+"|"+req.UUID]; ok && now.Sub(f.messages[j].Time) < uuidWindow {
			m := f.messages[j]
			f.mu.Unlock()
			f.reply(w, r, ep, http.StatusOK, replyData(m, content))
			return
		}
	}
	f.mu.Unlock()
	if lim, ok := f.limits.allowSend(app, parent.ReceiveIDType+":"+parent.ReceiveID, now); !ok {
		f.rateLimited(w, r, ep, lim)
		return
	}
	f.mu.Lock()
	// Re-read the parent: it may have changed while the lock was released.
	if i = f.indexOf(parentID); i < 0 || f.messages[i].Recalled || f.messages[i].Deleted {
		f.mu.Unlock()
		f.reply(w, r, ep, http.StatusBadRequest, errBody(230011, "The message is recalled."))
		return
	}
	root := f.messages[i].RootID
	if root == "" {
		root = parentID
	}
	thread := f.messages[i].ThreadID
	if req.ReplyInThread && thread == "" {
		thread = "omt_" + randHex(12)
		f.messages[i].ThreadID = thread
	}
	m := Message{Seq: len(f.messages) + 1, Time: now, Mode: "app", AppID: app, ReceiveIDType: parent.ReceiveIDType,
		ReceiveID: parent.ReceiveID, MsgType: msgType, Content: json.RawMessage(content), UUID: req.UUID,
		MessageID: "om_" + randHex(16), Body: compactJSON(raw), ParentID: parentID, RootID: root, ThreadID: thread}
	f.storeAndUnlock(m)
	f.reply(w, r, ep, http.StatusOK, replyData(m, content))
}

// replyData is im/v1's answer for a reply: a sent message with its place
// in the chain.
func replyData(m Message, content string) map[string]any {
	out := messageData(m, content)
	data := out["data"].(map[string]any)
	data["root_id"], data["parent_id"], data["thread_id"] = m.RootID, m.ParentID, m.ThreadID
	return out
}
