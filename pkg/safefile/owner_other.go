//go:build !unix

package safefile

import "io/fs"

// Ownership and Unix modes do not apply here; the type checks still do.
const ownerChecks = false

const noFollow = 0

func owner(fs.FileInfo) (int, bool) { return 0, false }

func myUID() int { return -1 }
