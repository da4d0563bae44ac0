package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/feishu-push/feishu-push/pkg/feishu"
)

// Exit codes. They are documented in the README and in every command's help;
// a caller should treat any other code as a failure.
const (
	ExitOK          = 0
	ExitInternal    = 1
	ExitUsage       = 2
	ExitRejected    = 3
	ExitAuth        = 4
	ExitTransient   = 5
	ExitInterrupted = 130
)

// exitCodesHelp is appended to every command's long help.
const exitCodesHelp = `
Exit status:
  0    every message accepted (or the token, or the dry run, printed)
  1    unexpected internal error
  2    usage or input error: bad flag, missing credentials, unreadable file,
       invalid card JSON, template error, content over Feishu's size limit;
       nothing was sent and no token fetched
  3    Feishu rejected the message (bot not in chat, user not visible, ...)
  4    authentication failed: app id/secret, token, webhook signature or token
  5    transient failure: network, timeout, HTTP 5xx, rate limit; retrying
       later may succeed
  130  interrupted
With several recipients the status is that of the first failed one.`

// UsageError is bad input: a flag, a file, a template, a card, missing
// settings. It is detected before anything is sent.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usageErrorf(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// ExitCode maps an error to the process exit code. It is the only place that
// does so.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var (
		usage  *UsageError
		limit  *feishu.LimitError
		apiErr *feishu.APIError
		netErr *feishu.NetworkError
		interr *interruptedError
	)
	switch {
	case errors.As(err, &interr):
		return ExitInterrupted
	case errors.As(err, &usage), errors.As(err, &limit):
		return ExitUsage
	case errors.Is(err, feishu.ErrNoCredentials), errors.Is(err, feishu.ErrNoWebhook):
		return ExitUsage
	case errors.As(err, &apiErr):
		switch apiErr.Kind() {
		case feishu.KindAuth:
			return ExitAuth
		case feishu.KindTransient:
			return ExitTransient
		}
		return ExitRejected
	case errors.As(err, &netErr), errors.Is(err, context.DeadlineExceeded):
		return ExitTransient
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	}
	return ExitInternal
}

// interruptedError is a run stopped by SIGINT or SIGTERM.
type interruptedError struct{ sig string }

func (e *interruptedError) Error() string { return "interrupted by " + e.sig }
