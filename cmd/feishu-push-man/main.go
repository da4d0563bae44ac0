// Command feishu-push-man writes feishu-push's man pages from its command
// tree: make man.
package main

import (
	"flag"
	"fmt"
	"os"

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
	header := &doc.GenManHeader{Title: "FEISHU-PUSH", Section: "1", Source: "feishu-push", Manual: "feishu-push manual"}
	if err := doc.GenManTree(root, header, *dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
