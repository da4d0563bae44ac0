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
