package card

import (
	"regexp"
	"sync"
)

// lazyRegexp compiles expr on first use, so that commands that never
// check a card do not pay for it at start-up.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
