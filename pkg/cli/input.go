package cli

import (
	"bytes"
	"io"
	"os"
	"slices"
	"strings"
	"unicode/utf8"
)

// maxInput bounds what is read from a file or stdin: well above Feishu's
// largest message (150 KB), small enough that a wrong file fails fast.
const maxInput = 1 << 20

// readInput reads the file named by a flag, or stdin for "-", and checks
// that it is UTF-8 text. Errors name the flag and the file.
func (f *Factory) readInput(flag, path string) ([]byte, error) {
	name := path
	var r io.Reader
	if path == "-" {
		name = "stdin"
		r = f.IO.In
	} else {
		fh, err := os.Open(path)
		if err != nil {
			return nil, usageErrorf("%s %s: %v", flag, path, unwrapPathError(err))
		}
		defer fh.Close()
		if st, err := fh.Stat(); err == nil && st.IsDir() {
			return nil, usageErrorf("%s %s: is a directory", flag, path)
		}
		r = fh
	}
	b, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, usageErrorf("%s %s: %v", flag, name, unwrapPathError(err))
	}
	if len(b) > maxInput {
		return nil, usageErrorf("%s %s: larger than %d KB", flag, name, maxInput/1024)
	}
	if bytes.IndexByte(b, 0) >= 0 || !utf8.Valid(b) {
		return nil, usageErrorf("%s %s: not UTF-8 text", flag, name)
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
