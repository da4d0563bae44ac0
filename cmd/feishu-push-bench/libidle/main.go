// Command libidle links the libraries feishu-push is built on (cobra,
// resty, zerolog, and net/http through resty), runs their package
// initialisation and prints a line: the start-up floor those libraries set
// before any command runs, which feishu-push-bench sets beside hello-world.
package main

import (
	"fmt"

	_ "github.com/go-resty/resty/v2"
	_ "github.com/rs/zerolog"
	_ "github.com/spf13/cobra"
)

func main() { fmt.Println("hello, world") }
