//go:build !unix && !windows

package listen

import (
	"context"
	"os/exec"
)

// shellCommand runs command with sh -c from PATH.
func shellCommand(ctx context.Context, command string) *exec.Cmd {
	return exec.CommandContext(ctx, "sh", "-c", command)
}

// startTree starts cmd; without process groups only the shell itself is
// killed when its context is done.
func startTree(cmd *exec.Cmd) (release func(), err error) {
	return func() {}, cmd.Start()
}
