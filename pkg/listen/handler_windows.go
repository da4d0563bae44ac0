//go:build windows

package listen

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// shellCommand runs command with cmd.exe /C: the shell every Windows has,
// found through %ComSpec% (else %SystemRoot%\System32\cmd.exe).
func shellCommand(ctx context.Context, command string) *exec.Cmd {
	shell := os.Getenv("ComSpec")
	if shell == "" || !filepath.IsAbs(shell) {
		root := os.Getenv("SystemRoot")
		if root == "" {
			root = `C:\Windows`
		}
		shell = filepath.Join(root, "System32", "cmd.exe")
	}
	cmd := exec.CommandContext(ctx, shell)
	cmd.SysProcAttr = &syscall.SysProcAttr{CmdLine: cmdLine(shell, command)}
	return cmd
}

// startTree starts cmd inside a job object of its own so that, when its
// context is done, TerminateJobObject kills cmd.exe and every process it
// started, however deep (what taskkill /T /F does, without walking parent
// ids that Windows reuses). The process is created suspended and only
// resumed once it is in the job, so nothing it starts can escape the job
// before then. Like a process group on Unix, the job is not killed when
// the handler exits by itself: what it left running in the background
// keeps running. The returned function, called after cmd.Wait, closes the
// job.
func startTree(cmd *exec.Cmd) (release func(), err error) {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return nil, fmt.Errorf("handler: job object: %w", err)
	}
	var (
		mu       sync.Mutex
		assigned bool
	)
	cmd.SysProcAttr.CreationFlags |= windows.CREATE_SUSPENDED
	cmd.Cancel = func() error {
		mu.Lock()
		defer mu.Unlock()
		if assigned {
			return windows.TerminateJobObject(job, 1)
		}
		// Still suspended: it has started nothing yet.
		return cmd.Process.Kill()
	}
	if err := cmd.Start(); err != nil {
		_ = windows.CloseHandle(job)
		return nil, err
	}
	mu.Lock()
	err = assign(job, cmd.Process.Pid)
	assigned = err == nil
	mu.Unlock()
	if err == nil {
		err = resume(cmd.Process.Pid)
	}
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = windows.CloseHandle(job)
		return nil, fmt.Errorf("handler: %w", err)
	}
	return func() { _ = windows.CloseHandle(job) }, nil
}

// assign puts process pid into job.
func assign(job windows.Handle, pid int) error {
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(pid))
	if err != nil {
		return fmt.Errorf("open process: %w", err)
	}
	defer windows.CloseHandle(h)
	if err := windows.AssignProcessToJobObject(job, h); err != nil {
		return fmt.Errorf("job object: %w", err)
	}
	return nil
}

// resume resumes the threads of process pid, created suspended (it has
// one: its main thread).
func resume(pid int) error {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPTHREAD, 0)
	if err != nil {
		return fmt.Errorf("thread snapshot: %w", err)
	}
	defer windows.CloseHandle(snap)
	te := windows.ThreadEntry32{Size: uint32(unsafe.Sizeof(windows.ThreadEntry32{}))}
	resumed := 0
	for err = windows.Thread32First(snap, &te); err == nil; err = windows.Thread32Next(snap, &te) {
		if te.OwnerProcessID != uint32(pid) {
			continue
		}
		th, err := windows.OpenThread(windows.THREAD_SUSPEND_RESUME, false, te.ThreadID)
		if err != nil {
			return fmt.Errorf("open thread: %w", err)
		}
		_, err = windows.ResumeThread(th)
		windows.CloseHandle(th)
		if err != nil {
			return fmt.Errorf("resume thread: %w", err)
		}
		resumed++
	}
	if !errors.Is(err, windows.ERROR_NO_MORE_FILES) {
		return fmt.Errorf("thread snapshot: %w", err)
	}
	if resumed == 0 {
		return errors.New("resume: no thread found")
	}
	return nil
}
