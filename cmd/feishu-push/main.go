// GOMAXPROCS still follows the container's CPU limit at start; the
// goroutine that would follow later changes of the limit costs every run
// about 0.3 ms of start-up (8%), for nothing in a short-lived command.
//
//go:debug updatemaxprocs=0

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
