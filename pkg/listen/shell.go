package listen

// cmdLine is the Windows command line that runs command with the cmd.exe
// at shell: /D skips AutoRun commands from the registry, and /S /C "..."
// makes cmd.exe strip exactly the outer quotes and run the rest as typed,
// so the handler line reaches it unchanged (Go's argument escaping follows
// the C runtime's rules, which cmd.exe does not read). It is built on every
// platform so that it is tested everywhere.
func cmdLine(shell, command string) string {
	// A Windows path cannot contain '"', so quoting it is enough.
	return `"` + shell + `" /d /s /c "` + command + `"`
}
