// Command hello prints a line: the start-up floor of a Go binary, against
// which feishu-push-bench sets `feishu-push version`.
package main

import "fmt"

func main() { fmt.Println("hello, world") }
