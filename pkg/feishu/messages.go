package feishu

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// Message types this client sends.
const (
	MsgTypeText        = "text"
	MsgTypePost        = "post"
	MsgTypeInteractive = "interactive"
)

// Size limits of a request body, in bytes (KB = 1024), as documented for
// im/v1 (error 230025) and for custom-bot webhooks.
const (
	MaxTextBody    = 150 * 1024
	MaxCardBody    = 30 * 1024
	MaxWebhookBody = 20 * 1024
)

// MaxUUIDLen is the longest uuid im/v1 accepts for de-duplication.
const MaxUUIDLen = 50

// Message is what to send, independent of the way it is sent.
type Message struct {
	// MsgType is MsgTypeText, MsgTypePost or MsgTypeInteractive.
	MsgType string
	// Content is the content object as JSON: {"text":"..."} for text, the
	// locale map {"zh_cn":{...}} for post, and for interactive the card JSON
	// itself or a template reference {"type":"template","data":{...}}.
	Content json.RawMessage
}

// TextMessage returns a text message. The text is sent exactly as given.
func TextMessage(text string) Message {
	b, _ := marshalJSON(map[string]string{"text": text})
	return Message{MsgType: MsgTypeText, Content: b}
}

// CardMessage returns an interactive message for card, which must be a JSON
// object: card JSON 1.0 or 2.0, or a template reference.
func CardMessage(card json.RawMessage) Message {
	return Message{MsgType: MsgTypeInteractive, Content: card}
}

// TemplateCardMessage returns an interactive message that refers to a card
// built in Feishu's card builder. version may be empty for the latest.
func TemplateCardMessage(templateID, version string, vars map[string]any) Message {
	data := map[string]any{"template_id": templateID}
	if version != "" {
		data["template_version_name"] = version
	}
	if len(vars) > 0 {
		data["template_variable"] = vars
	}
	b, _ := marshalJSON(map[string]any{"type": "template", "data": data})
	return CardMessage(b)
}

// SentMessage is the part of im/v1's answer that callers use.
type SentMessage struct {
	MessageID  string `json:"message_id"`
	ChatID     string `json:"chat_id"`
	MsgType    string `json:"msg_type"`
	CreateTime string `json:"create_time"`
}

type createMessageBody struct {
	ReceiveID string `json:"receive_id"`
	MsgType   string `json:"msg_type"`
	Content   string `json:"content"`
	UUID      string `json:"uuid,omitempty"`
}

// NewCreateRequest prepares POST /open-apis/im/v1/messages for one
// recipient. The content is encoded as a JSON string, as im/v1 requires.
// A non-empty uuid makes Feishu send at most one message per uuid within an
// hour, which makes the request safe to repeat. The body is checked against
// Feishu's size limits.
//
// See https://open.feishu.cn/document/server-docs/im-v1/message/create.
func (s *MessagesService) NewCreateRequest(to Recipient, m Message, uuid string) (*Request, error) {
	if len(uuid) > MaxUUIDLen {
		return nil, fmt.Errorf("uuid %q is longer than %d characters", uuid, MaxUUIDLen)
	}
	if !json.Valid(m.Content) {
		return nil, fmt.Errorf("message content is not valid JSON")
	}
	req, err := s.client.newJSONRequest(EndpointMessagesCreate, http.MethodPost,
		s.client.baseURL+"/open-apis/im/v1/messages?receive_id_type="+url.QueryEscape(to.IDType),
		createMessageBody{ReceiveID: to.ID, MsgType: m.MsgType, Content: string(m.Content), UUID: uuid})
	if err != nil {
		return nil, err
	}
	limit, what := MaxCardBody, m.MsgType+" message body"
	if m.MsgType == MsgTypeText {
		limit = MaxTextBody
	}
	if len(req.Body) > limit {
		return nil, &LimitError{What: what, Size: len(req.Body), Limit: limit}
	}
	req.needsToken = true
	req.idempotent = uuid != ""
	req.rateKey = to.IDType + ":" + to.ID
	return req, nil
}

// Create sends a prepared create request and returns the sent message.
func (s *MessagesService) Create(ctx context.Context, req *Request) (*SentMessage, *Response, error) {
	return doData[SentMessage](ctx, s.client, req)
}

// doData sends req and returns the "data" object of Feishu's answer as a T.
func doData[T any](ctx context.Context, c *Client, req *Request) (*T, *Response, error) {
	var out struct {
		Data T `json:"data"`
	}
	resp, err := c.Do(ctx, req, &out)
	if err != nil {
		return nil, resp, err
	}
	return &out.Data, resp, nil
}
