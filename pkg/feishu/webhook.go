package feishu

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// WebhookPathPrefix is the path under which Feishu serves custom-bot hooks.
const WebhookPathPrefix = "/open-apis/bot/v2/hook/"

// ErrNoWebhook is returned when a webhook call is made on a Client without a
// webhook URL.
var ErrNoWebhook = errors.New("no webhook URL configured")

type webhookConfig struct {
	url    string
	secret string
}

// ParseWebhookURL checks that s is a custom-bot webhook URL,
// http(s)://host/open-apis/bot/v2/hook/<token>, and returns its token.
// The error never repeats the URL, since the token is a credential.
func ParseWebhookURL(s string) (token string, err error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errors.New("not an http(s) URL; want https://open.feishu.cn" + WebhookPathPrefix + "<token>")
	}
	if !strings.HasPrefix(u.Path, WebhookPathPrefix) {
		return "", errors.New("path is not " + WebhookPathPrefix + "<token>")
	}
	token = strings.TrimPrefix(u.Path, WebhookPathPrefix)
	if token == "" || strings.Contains(token, "/") {
		return "", errors.New("no token after " + WebhookPathPrefix)
	}
	return token, nil
}

// RedactWebhookURL replaces the token in a webhook URL with "****".
func RedactWebhookURL(s string) string {
	i := strings.Index(s, WebhookPathPrefix)
	if i < 0 {
		return s
	}
	return s[:i+len(WebhookPathPrefix)] + "****"
}

// Sign computes a custom-bot signature: base64(HMAC-SHA256(key =
// timestamp + "\n" + secret, message = empty)), timestamp in Unix seconds.
//
// See https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot.
func Sign(secret string, timestamp int64) string {
	mac := hmac.New(sha256.New, []byte(strconv.FormatInt(timestamp, 10)+"\n"+secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// NewSendRequest prepares a POST to the webhook. Unlike im/v1, the content
// is an object, a card goes in "card", and a post is wrapped in {"post":…}.
// When a secret is set the body carries "timestamp" and "sign". The whole
// body must fit in 20 KB.
func (s *WebhookService) NewSendRequest(m Message) (*Request, error) {
	c := s.client
	if c.hook == nil {
		return nil, ErrNoWebhook
	}
	body, err := objectBody(m)
	if err != nil {
		return nil, err
	}
	if c.hook.secret != "" {
		ts := c.now().Unix()
		body["timestamp"] = strconv.FormatInt(ts, 10)
		body["sign"] = Sign(c.hook.secret, ts)
	}
	req, err := c.newJSONRequest(EndpointWebhook, http.MethodPost, c.hook.url, body)
	if err != nil {
		return nil, err
	}
	if len(req.Body) > MaxWebhookBody {
		return nil, &LimitError{What: "webhook body", Size: len(req.Body), Limit: MaxWebhookBody}
	}
	return req, nil
}

// objectBody is the body shape of the webhook and of batch_send: content
// as an object, a card in "card", a post wrapped in {"post": …}.
func objectBody(m Message) (map[string]any, error) {
	if !json.Valid(m.Content) {
		return nil, fmt.Errorf("message content is not valid JSON")
	}
	body := map[string]any{"msg_type": m.MsgType}
	switch m.MsgType {
	case MsgTypeInteractive:
		body["card"] = m.Content
	case MsgTypePost:
		body["content"] = map[string]json.RawMessage{"post": m.Content}
	default:
		body["content"] = m.Content
	}
	return body, nil
}

// Send posts a prepared webhook request. A webhook has no uuid, so a failure
// after the request may have reached Feishu is not retried: only rate-limit
// answers and refused connections are.
func (s *WebhookService) Send(ctx context.Context, req *Request) (*Response, error) {
	return s.client.Do(ctx, req, nil)
}
