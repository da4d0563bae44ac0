package cli

import (
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

// UsageError is bad input, detected before anything is sent.
type UsageError = feishu.UsageError

func usageErrorf(format string, args ...any) error { return feishu.Usagef(format, args...) }

// exitCodes is the one table from a failure's kind to the exit status.
var exitCodes = map[feishu.Kind]int{
	feishu.KindUsage:       ExitUsage,
	feishu.KindRejected:    ExitRejected,
	feishu.KindAuth:        ExitAuth,
	feishu.KindTransient:   ExitTransient,
	feishu.KindInterrupted: ExitInterrupted,
	feishu.KindInternal:    ExitInternal,
}

// ExitCode maps an error to the process exit code through its
// classification. It is the only place that does so.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	return exitCodes[feishu.Classify(err)]
}
