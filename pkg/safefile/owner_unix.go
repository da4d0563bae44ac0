//go:build unix

package safefile

import (
	"io/fs"
	"os"
	"syscall"
)

const ownerChecks = true

// noFollow makes an open fail on a symlink.
const noFollow = syscall.O_NOFOLLOW

func owner(st fs.FileInfo) (int, bool) {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return int(s.Uid), true
	}
	return 0, false
}

func myUID() int { return os.Geteuid() }
