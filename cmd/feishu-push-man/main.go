// Command feishu-push-man writes feishu-push's man pages from its command
// tree: make man.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/feishu-push/feishu-push/pkg/cli"
)

func main() {
	dir := flag.String("dir", "man", "directory for the pages")
	flag.Parse()
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	root := cli.NewRootCmd(cli.NewFactory(cli.SystemStreams(), os.Getenv))
	root.DisableAutoGenTag = true
	addExitStatus(root)
	header := &doc.GenManHeader{Title: "FEISHU-PUSH", Section: "1", Source: "feishu-push", Manual: "feishu-push manual"}
	if err := doc.GenManTree(root, header, *dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// addExitStatus ends each page's description with the exit codes that
// apply to its command, as its --help does.
func addExitStatus(cmd *cobra.Command) {
	cmd.Long = strings.TrimRight(first(cmd.Long, cmd.Short), "\n") + "\n\nExit status:\n" + cli.ExitCodesHelp(cmd)
	for _, c := range cmd.Commands() {
		addExitStatus(c)
	}
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
