package spool_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/spool"
)

// Helpers shared by the tests of every platform; the Unix-only tests
// (modes, owners, FIFOs, SIGKILL) live in files built for unix.

func appEntry(i int) *spool.Entry {
	text, _ := json.Marshal(map[string]string{"text": fmt.Sprintf("message %d", i)})
	return &spool.Entry{Command: "send-text", Mode: spool.ModeApp, AppID: "cli_test", BaseURL: "https://open.feishu.cn",
		ReceiveIDType: "chat_id", ReceiveID: fmt.Sprintf("oc_%d", i), MsgType: "text", Content: text, UUID: fmt.Sprintf("u-%d", i)}
}

func newSpool(t *testing.T) *spool.Spool {
	dir := filepath.Join(t.TempDir(), "spool")
	return &spool.Spool{Dir: dir}
}
