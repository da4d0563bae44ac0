package cli

import (
	"errors"
	"slices"
	"strings"

	"github.com/feishu-push/feishu-push/pkg/safefile"
	"github.com/feishu-push/feishu-push/pkg/validate"
)

// maxInput bounds what is read from a file: well above Feishu's largest
// message (150 KB), small enough that a wrong file fails fast. Standard
// input is bounded by safefile.MaxStdin.
const maxInput = 1 << 20

// readInput reads the file named by a flag, or stdin for "-", and checks
// that it is text (validate.Text: valid UTF-8, no NUL), the same rule as
// for text given on the command line. Errors name the flag and the file.
func (f *Factory) readInput(flag, path string) ([]byte, error) {
	b, err := f.readRaw(flag, path)
	if err != nil {
		return nil, err
	}
	if err := validate.Text(flag+" "+displayName(path), string(b)); err != nil {
		return nil, usageErrorf("%v", err)
	}
	return b, nil
}

// readRaw reads the file named by a flag, or stdin for "-", bounded in
// size. The read ends when the command's context is cancelled, even while
// stdin or a FIFO delivers nothing: a signal always ends the run.
func (f *Factory) readRaw(flag, path string) ([]byte, error) {
	ctx := f.context()
	var (
		b   []byte
		err error
	)
	if path == "-" {
		b, err = safefile.ReadAll(ctx, "stdin", f.IO.In, safefile.MaxStdin)
	} else {
		b, err = safefile.ReadFile(ctx, path, maxInput)
	}
	if err != nil {
		if !errors.As(err, new(*safefile.Error)) {
			return nil, err // interrupted: not bad input
		}
		return nil, usageErrorf("%s %s: %v", flag, displayName(path), unwrapPathError(err))
	}
	return b, nil
}

// oneStdin fails when more than one flag wants to read stdin.
func oneStdin(flags map[string]string) error {
	var users []string
	for flag, v := range flags {
		if v == "-" {
			users = append(users, flag)
		}
	}
	if len(users) > 1 {
		slices.Sort(users)
		return usageErrorf("only one of %s can read stdin", strings.Join(users, ", "))
	}
	return nil
}

func countSet(vals ...bool) int {
	n := 0
	for _, v := range vals {
		if v {
			n++
		}
	}
	return n
}
