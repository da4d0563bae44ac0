package cli

import (
	"errors"

	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/spool"
)

// Exit codes. They are documented in the README and in every command's help;
// a caller should treat any other code as a failure.
const (
	ExitOK        = 0
	ExitInternal  = 1
	ExitUsage     = 2
	ExitRejected  = 3
	ExitAuth      = 4
	ExitTransient = 5
	// ExitSpoolWrite: the write-ahead spool could not be written (full or
	// read-only disk, refused directory), so nothing was sent and nothing
	// is kept. Unlike 5 it is not "kept, flush will do it".
	ExitSpoolWrite  = 6
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
// classification. It is the only place that does so. A failed spool write
// (spool.ErrWrite) is an outcome of its own, ahead of the classification:
// the message was neither sent nor kept.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, spool.ErrWrite) {
		return ExitSpoolWrite
	}
	return exitCodes[feishu.Classify(err)]
}
