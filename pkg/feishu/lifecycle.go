package feishu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Endpoint names of the calls on a sent message.
const (
	EndpointMessagesUpdate = "im.messages.update"
	EndpointMessagesRecall = "im.messages.recall"
	EndpointMessagesReply  = "im.messages.reply"
)

// MaxCardAge is how long after sending Feishu lets an app update a card
// (230031 after that).
const MaxCardAge = 14 * 24 * time.Hour

// Reasons a call on a sent message fails, matched with errors.Is against
// the *APIError Feishu answered. They are all KindRejected: repeating the
// call does not help.
var (
	// ErrMessageRecalled: the message was recalled (230011).
	ErrMessageRecalled = errors.New("the message was recalled")
	// ErrMessageDeleted: the message was deleted (230110).
	ErrMessageDeleted = errors.New("the message was deleted")
	// ErrMessageTooOld: the message is past the window of the call: 14 days
	// for an update (230031), the tenant's recall limit for a recall (230009).
	ErrMessageTooOld = errors.New("the message is too old for this")
	// ErrNotOwnMessage: the bot did not send the message (230026 on recall;
	// 230027 on update, see below).
	ErrNotOwnMessage = errors.New("the message was not sent by this bot")
	// ErrMessageInvisible: the message is not visible to the bot (230050).
	ErrMessageInvisible = errors.New("the message is not visible to the bot")
	// ErrThreadUnsupported: the chat does not take replies in a thread (230071).
	ErrThreadUnsupported = errors.New("the chat does not support replies in a thread")
	// ErrUnsupportedMsgType: the call does not apply to this message type
	// (230054), e.g. updating anything but a card.
	ErrUnsupportedMsgType = errors.New("the call does not support this message type")
)

// Is lets errors.Is match an *APIError against the Err… reasons above.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrMessageRecalled:
		return e.Code == 230011
	case ErrMessageDeleted:
		return e.Code == 230110
	case ErrMessageTooOld:
		return e.Code == 230031 || e.Code == 230009
	case ErrNotOwnMessage:
		// The update API documents only that the caller must be the sender,
		// not the code it answers otherwise; 230027 ("lack of necessary
		// permissions") is the documented code that fits (unconfirmed).
		return e.Code == 230026 || (e.Code == 230027 && e.Endpoint == EndpointMessagesUpdate)
	case ErrMessageInvisible:
		return e.Code == 230050
	case ErrThreadUnsupported:
		return e.Code == 230071
	case ErrUnsupportedMsgType:
		return e.Code == 230054
	}
	return false
}

// MessageGone reports whether err says the message no longer exists for
// the bot: recalled or deleted.
func MessageGone(err error) bool {
	return errors.Is(err, ErrMessageRecalled) || errors.Is(err, ErrMessageDeleted)
}

// ShouldSendNew reports whether a failed update of a remembered message
// should fall back to sending a new message (and remembering that one): the
// old one was recalled or deleted or is past the 14-day window. Any other
// failure, "not the bot's message" included, is reported instead.
func ShouldSendNew(err error) bool {
	return MessageGone(err) || errors.Is(err, ErrMessageTooOld)
}

func init() {
	for code, h := range map[int]string{
		230009: "the message is older than the tenant's recall time limit",
		230011: "the message was recalled",
		230026: "a bot can recall only the messages it sent",
		230031: "a card can be updated only within 14 days of sending; send a new one",
		230050: "the message is not visible to the bot",
		230054: "this call does not support the message's type (only cards can be updated)",
		230055: "the msg_type does not match the uploaded file's type (opus: audio, mp4: media)",
		230071: "the chat does not support replies in a thread",
		230110: "the message was deleted",
		234006: "the upload is too large (image 10 MB, file 30 MB)",
		234010: "the upload is empty",
		234011: "the image format is not one Feishu accepts",
	} {
		hints[code] = h
	}
}

// validMessageID checks an om_ message id before it goes into a URL path.
func validMessageID(id string) error {
	if len(id) < 4 || len(id) > 128 || id[:3] != "om_" {
		return fmt.Errorf("message id %q does not look like om_…", id)
	}
	for _, r := range id[3:] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return fmt.Errorf("message id %q has a character other than letters, digits, _ and -", id)
		}
	}
	return nil
}

// SharedCard returns card with config.update_multi set to true, which Feishu
// requires both of the card first sent and of every update for an app to
// update it in place ("shared card": the update shows for every recipient).
// Other config fields are kept. A template reference or card entity
// ({"type":"template"|"card",…}) is returned unchanged: whether it is shared
// is set where the template is built.
func SharedCard(card json.RawMessage) (json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(card, &obj); err != nil || obj == nil {
		return nil, errors.New("card is not a JSON object")
	}
	var typ string
	_ = json.Unmarshal(obj["type"], &typ)
	if typ == "template" || typ == "card" {
		return card, nil
	}
	cfg := map[string]json.RawMessage{}
	if raw, ok := obj["config"]; ok {
		if err := json.Unmarshal(raw, &cfg); err != nil || cfg == nil {
			return nil, errors.New("card config is not a JSON object")
		}
	}
	cfg["update_multi"] = json.RawMessage("true")
	b, err := marshalJSON(cfg)
	if err != nil {
		return nil, err
	}
	obj["config"] = b
	return marshalJSON(obj)
}

// IsSharedCard reports whether card declares config.update_multi = true, or
// is a template reference or card entity whose sharing is set elsewhere.
func IsSharedCard(card json.RawMessage) bool {
	var c struct {
		Type   string `json:"type"`
		Config struct {
			UpdateMulti bool `json:"update_multi"`
		} `json:"config"`
	}
	if json.Unmarshal(card, &c) != nil {
		return false
	}
	return c.Type == "template" || c.Type == "card" || c.Config.UpdateMulti
}

// NewUpdateRequest prepares PATCH /open-apis/im/v1/messages/{message_id}:
// replace the card of a message the app sent, within 14 days. The card is
// made shared with SharedCard (the card first sent must have been shared
// too) and its body must fit in 30 KB. Repeating an update is harmless, so
// it is retried like a send with a uuid.
//
// See https://open.feishu.cn/document/server-docs/im-v1/message-card/patch.
func (s *MessagesService) NewUpdateRequest(messageID string, card json.RawMessage) (*Request, error) {
	if err := validMessageID(messageID); err != nil {
		return nil, err
	}
	shared, err := SharedCard(card)
	if err != nil {
		return nil, err
	}
	req, err := s.client.newJSONRequest(EndpointMessagesUpdate, http.MethodPatch,
		s.client.baseURL+"/open-apis/im/v1/messages/"+url.PathEscape(messageID),
		map[string]string{"content": string(shared)})
	if err != nil {
		return nil, err
	}
	if len(req.Body) > MaxCardBody {
		return nil, &LimitError{What: "card update body", Size: len(req.Body), Limit: MaxCardBody}
	}
	req.needsToken = true
	req.idempotent = true
	// Feishu limits updates of one message to 5 per second.
	req.rateKey = "message:" + messageID
	return req, nil
}

// Update sends a prepared update. Match the error with ShouldSendNew to
// decide whether to send a new message instead.
func (s *MessagesService) Update(ctx context.Context, req *Request) (*Response, error) {
	return s.client.Do(ctx, req, nil)
}

// NewRecallRequest prepares DELETE /open-apis/im/v1/messages/{message_id}:
// recall a message the bot sent, within the recall time limit the tenant's
// administrator set. It has no body.
//
// See https://open.feishu.cn/document/server-docs/im-v1/message/delete.
func (s *MessagesService) NewRecallRequest(messageID string) (*Request, error) {
	if err := validMessageID(messageID); err != nil {
		return nil, err
	}
	// An empty body, with the content type the SDKs send on every call
	// (resty also needs a non-nil body to send none).
	h := http.Header{}
	h.Set("Content-Type", "application/json; charset=utf-8")
	return &Request{Method: http.MethodDelete, URL: s.client.baseURL + "/open-apis/im/v1/messages/" + url.PathEscape(messageID),
		Header: h, Body: []byte{}, shown: json.RawMessage("null"), Endpoint: EndpointMessagesRecall, needsToken: true,
		// A repeated recall cannot do harm: see Recall.
		idempotent: true}, nil
}

// Recall sends a prepared recall. When a retry after a lost answer finds
// the message already recalled, the first attempt did it and Recall reports
// success.
func (s *MessagesService) Recall(ctx context.Context, req *Request) (*Response, error) {
	resp, err := s.client.Do(ctx, req, nil)
	if err != nil && resp != nil && resp.Attempts > 1 && errors.Is(err, ErrMessageRecalled) {
		return resp, nil
	}
	return resp, err
}

// RepliedMessage is the part of a reply's answer that callers use.
type RepliedMessage struct {
	SentMessage
	// RootID is the first message of the reply chain, ParentID the message
	// replied to, ThreadID the omt_ thread when the reply is in one.
	RootID   string `json:"root_id"`
	ParentID string `json:"parent_id"`
	ThreadID string `json:"thread_id"`
}

type replyBody struct {
	Content       string `json:"content"`
	MsgType       string `json:"msg_type"`
	ReplyInThread bool   `json:"reply_in_thread,omitempty"`
	UUID          string `json:"uuid,omitempty"`
}

// NewReplyRequest prepares POST /open-apis/im/v1/messages/{message_id}/reply:
// m sent in the chat of the message replied to, in its thread when
// inThread. uuid de-duplicates like NewCreateRequest's, and the body has
// the same size limits.
//
// See https://open.feishu.cn/document/server-docs/im-v1/message/reply.
func (s *MessagesService) NewReplyRequest(parentID string, m Message, inThread bool, uuid string) (*Request, error) {
	if err := validMessageID(parentID); err != nil {
		return nil, err
	}
	if len(uuid) > MaxUUIDLen {
		return nil, fmt.Errorf("uuid %q is longer than %d characters", uuid, MaxUUIDLen)
	}
	if !json.Valid(m.Content) {
		return nil, fmt.Errorf("message content is not valid JSON")
	}
	req, err := s.client.newJSONRequest(EndpointMessagesReply, http.MethodPost,
		s.client.baseURL+"/open-apis/im/v1/messages/"+url.PathEscape(parentID)+"/reply",
		replyBody{Content: string(m.Content), MsgType: m.MsgType, ReplyInThread: inThread, UUID: uuid})
	if err != nil {
		return nil, err
	}
	limit := MaxCardBody
	if m.MsgType == MsgTypeText {
		limit = MaxTextBody
	}
	if len(req.Body) > limit {
		return nil, &LimitError{What: "reply " + m.MsgType + " body", Size: len(req.Body), Limit: limit}
	}
	req.needsToken = true
	req.idempotent = uuid != ""
	// The chat is not known before the answer; the 5 QPS per chat limit is
	// approximated per message replied to.
	req.rateKey = "message:" + parentID
	return req, nil
}

// Reply sends a prepared reply and returns the new message.
func (s *MessagesService) Reply(ctx context.Context, req *Request) (*RepliedMessage, *Response, error) {
	return doData[RepliedMessage](ctx, s.client, req)
}
