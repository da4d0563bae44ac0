// Command feishu-push pushes text and cards to Feishu/Lark as a bot.
package main

import (
	"os"
	_ "time/tzdata" // --tz works on machines without a zoneinfo database

	"github.com/feishu-push/feishu-push/pkg/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.SystemStreams()))
}
