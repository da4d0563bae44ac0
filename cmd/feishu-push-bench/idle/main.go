// Command idle links every package of feishu-push, as the real binary
// does, runs their initialisation and prints a line without running a
// command: the start-up floor of feishu-push's packages, which
// feishu-push-bench sets beside hello-world. The linker drops the code no
// init reaches, so it also shows what the binary's size adds.
package main

import (
	"fmt"

	_ "time/tzdata" // as cmd/feishu-push

	_ "github.com/feishu-push/feishu-push/pkg/cli"
)

func main() { fmt.Println("hello, world") }
