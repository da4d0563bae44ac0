//go:build unix

package listen

import (
	"context"
	"os/exec"
	"syscall"
)

// shellCommand runs command with /bin/sh -c.
func shellCommand(ctx context.Context, command string) *exec.Cmd {
	return exec.CommandContext(ctx, "/bin/sh", "-c", command)
}

// startTree starts cmd in a process group of its own, so that when its
// context is done SIGKILL reaches the shell and everything it started
// (pipelines, background jobs, their children), not the shell alone. The
// returned function is called after cmd.Wait.
func startTree(cmd *exec.Cmd) (release func(), err error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	return func() {}, cmd.Start()
}
