package feishu

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Kind classifies a failure by what the caller should do about it.
type Kind int

const (
	// KindRejected means Feishu refused the request for a reason that a retry
	// will not fix: bot not in the chat, user not visible, bad receive_id,
	// invalid card, monthly quota exhausted.
	KindRejected Kind = iota
	// KindAuth means the credentials were refused: a bad app id or secret, a
	// token that is invalid, a webhook signature or hook token that is wrong.
	KindAuth
	// KindTransient means the request may succeed if repeated later: rate
	// limits, server errors, timeouts, network failures.
	KindTransient
	// KindUsage means the input was wrong (a flag, a file, a card, a size
	// over Feishu's limits, missing settings), detected before anything was
	// sent.
	KindUsage
	// KindInterrupted means the run was stopped (a signal, a cancelled
	// context) before the request got an answer.
	KindInterrupted
	// KindInternal is anything else: a bug or an unexpected local failure.
	KindInternal
)

// Classify says once what kind of failure err is; every decision about a
// failure (retry, spool, flush, metrics, exit status) asks it. err must be
// non-nil.
func Classify(err error) Kind {
	var (
		usage  *UsageError
		limit  *LimitError
		apiErr *APIError
		netErr *NetworkError
		interr *InterruptedError
	)
	switch {
	case errors.As(err, &interr):
		return KindInterrupted
	case errors.As(err, &usage), errors.As(err, &limit),
		errors.Is(err, ErrNoCredentials), errors.Is(err, ErrNoWebhook):
		return KindUsage
	case errors.As(err, &apiErr):
		return apiErr.Kind()
	case errors.As(err, &netErr), errors.Is(err, context.DeadlineExceeded):
		return KindTransient
	case errors.Is(err, context.Canceled):
		return KindInterrupted
	}
	return KindInternal
}

// UsageError is bad input: a flag, a file, a template, a card, missing
// settings. It is detected before anything is sent.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef returns a UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// InterruptedError is a run stopped by a signal such as SIGINT or SIGTERM.
type InterruptedError struct{ Signal string }

func (e *InterruptedError) Error() string { return "interrupted by " + e.Signal }

// APIError is a response from Feishu whose body carries a non-zero code, or
// an HTTP failure status without a readable body. It carries what Feishu
// support asks for: the code, the message and the log id.
//
// See https://open.feishu.cn/document/server-docs/api-call-guide/generic-error-code.
type APIError struct {
	// Endpoint names the API called, e.g. "im.messages.create".
	Endpoint string
	// HTTPStatus is the HTTP status code of the response.
	HTTPStatus int
	// Code is Feishu's business code; 0 when the body had none.
	Code int
	// Msg is Feishu's message for the code.
	Msg string
	// LogID is the X-Tt-Logid of the response, the id Feishu support asks for.
	LogID string
	// RetryAfter is how long Feishu asked the caller to wait
	// (x-ogw-ratelimit-reset), zero when it did not say.
	RetryAfter time.Duration
}

// Error returns a one-line description with the code, message and log id.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(e.Endpoint)
	b.WriteString(": ")
	if e.Code != 0 {
		fmt.Fprintf(&b, "code %d: %s", e.Code, e.Msg)
	} else {
		fmt.Fprintf(&b, "HTTP %d", e.HTTPStatus)
		if e.Msg != "" {
			b.WriteString(": " + e.Msg)
		}
	}
	if e.LogID != "" {
		b.WriteString(" (log_id " + e.LogID + ")")
	}
	return b.String()
}

// Kind classifies the error; see the error-code table in the project docs.
func (e *APIError) Kind() Kind {
	if e.Endpoint == EndpointTenantToken {
		// Any answer from the token endpoint other than success is about the
		// credentials, except the server having a bad moment.
		if e.HTTPStatus >= 500 || isTransientCode(e.Code) {
			return KindTransient
		}
		return KindAuth
	}
	switch {
	case isAuthCode(e.Code):
		return KindAuth
	case isTransientCode(e.Code):
		return KindTransient
	case e.Code == 9499 && e.isWebhookRateLimit():
		return KindTransient
	case e.Code == 0 && (e.HTTPStatus >= 500 || e.HTTPStatus == 429):
		return KindTransient
	}
	return KindRejected
}

// isWebhookRateLimit tells the webhook's "too many request" apart from its
// "Bad Request", which share code 9499.
func (e *APIError) isWebhookRateLimit() bool {
	return strings.Contains(strings.ToLower(e.Msg), "too many request")
}

// Retryable reports whether repeating the same request later may succeed.
func (e *APIError) Retryable() bool { return e.Kind() == KindTransient }

// TokenInvalid reports whether the tenant token was refused in a way that a
// fresh token fixes (99991663, 99991664, 99991665).
func (e *APIError) TokenInvalid() bool {
	switch e.Code {
	case 99991663, 99991664, 99991665:
		return true
	}
	return false
}

// Hint returns a short piece of advice for the common codes, or "".
func (e *APIError) Hint() string {
	if h, ok := hints[e.Code]; ok {
		return h
	}
	if e.Code == 9499 {
		if e.isWebhookRateLimit() {
			return "the webhook allows 5 messages/s and 100/min; retry later"
		}
		return "the webhook refused the body: check the JSON shape and that it is under 20 KB"
	}
	if e.Code == 0 && e.HTTPStatus >= 500 {
		return "Feishu had a server error; retry later"
	}
	return ""
}

var hints = map[int]string{
	10003:    "check the app id (cli_...)",
	10014:    "check the app secret",
	10015:    "check the app secret",
	99991543: "check the app id and app secret",
	99991661: "the request carried no token",
	99991663: "the tenant token was refused; it is fetched again automatically",
	99991671: "the token must start with t-",
	99991672: "add the im:message:send_as_bot scope to the app and publish a version",
	99991401: "the app's IP whitelist does not include this machine",
	99991400: "rate limited by Feishu; retry after the reset time",
	99991403: "the tenant's monthly API quota is used up; it resets on the 1st",
	99991406: "the Lark advanced-API package is used up",
	230001:   "the request has an invalid parameter",
	230002:   "the bot is not a member of this chat: add the bot to the group",
	230006:   "enable the bot ability for the app and publish a version",
	230013:   "the user is outside the app's availability: widen the app's availability range",
	230020:   "more than 5 messages/s to this chat or user; retry later",
	230025:   "the message is too long (text 150 KB, card 30 KB)",
	230027:   "the bot lacks the permission needed for this chat",
	230034:   "the receive_id does not match its receive_id_type",
	230035:   "the bot may not send here (muted, blocked or tenant policy)",
	230053:   "the user has stopped messages from this bot",
	230099:   "Feishu could not build the card: check the card JSON (see ext= in the message)",
	232009:   "the chat has been dissolved",
	99992402: "a request field failed validation",
	99992351: "the open_id does not exist",
	99992361: "the open_id belongs to another app: open_ids are per app",
	19001:    "the webhook token is invalid: copy the webhook URL again from the group's bot settings",
	19007:    "the custom bot is disabled in the group",
	19021:    "the webhook signature was refused: check the webhook secret and the machine's clock",
	19022:    "this machine's IP is not in the webhook's whitelist",
	19024:    "the message has none of the webhook's security keywords",
	11232:    "Feishu is congested (often on the hour and half hour); retry later",
}

func isAuthCode(code int) bool {
	switch code {
	case 99991661, 99991663, 99991664, 99991665, 99991671, 99991668, 99991677,
		10003, 10012, 10013, 10014, 10015, 99991543,
		19001, 19021:
		return true
	}
	return false
}

func isTransientCode(code int) bool {
	switch code {
	case 99991400, 230020, 11232, 11233, 230049, 18121,
		2200, 1500, 1663, 1668, 5000, 10101:
		return true
	}
	return false
}

// NetworkError is a failure to get any response: the connection was refused
// or reset, or the request timed out. Its message never contains the request
// URL, which for a webhook holds its token.
type NetworkError struct {
	// Endpoint names the API called, e.g. "webhook".
	Endpoint string
	// Err is the underlying error with the URL stripped.
	Err error
	// MaybeDelivered is true when the request may have reached Feishu before
	// the failure, so repeating it could deliver twice.
	MaybeDelivered bool
}

// Error describes the failure without the request URL.
func (e *NetworkError) Error() string {
	return fmt.Sprintf("%s: %v", e.Endpoint, e.Err)
}

// Unwrap returns the underlying error.
func (e *NetworkError) Unwrap() error { return e.Err }

// newNetworkError strips the URL from a transport error and decides whether
// the request could have reached the server.
func newNetworkError(endpoint string, err error) *NetworkError {
	inner := err
	var ue *url.Error
	if errors.As(err, &ue) {
		inner = ue.Err
	}
	return &NetworkError{Endpoint: endpoint, Err: inner, MaybeDelivered: !neverSent(inner)}
}

// neverSent reports whether err proves the request never reached a server:
// the name did not resolve or the connection was refused.
func neverSent(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	return false
}

// NotDelivered reports whether err proves that the request was not acted
// on: Feishu answered with a code (a rejection or a rate limit), or no
// connection was ever made. A timeout, a reset or a bare HTTP 5xx prove
// nothing: the message may have landed.
func NotDelivered(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Code != 0
	}
	var netErr *NetworkError
	if errors.As(err, &netErr) {
		return !netErr.MaybeDelivered
	}
	return false
}

// LimitError reports a request that exceeds one of Feishu's documented size
// or count limits. It is detected before anything is sent.
type LimitError struct {
	// What names the limit, e.g. "card message body".
	What string
	// Size and Limit are in bytes.
	Size, Limit int
}

// Error says how far over the limit the request is.
func (e *LimitError) Error() string {
	return fmt.Sprintf("%s is %s, over Feishu's limit of %s", e.What, humanBytes(e.Size), humanBytes(e.Limit))
}

func humanBytes(n int) string {
	if n < 1024 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%.1f KB (%d bytes)", float64(n)/1024, n)
}
