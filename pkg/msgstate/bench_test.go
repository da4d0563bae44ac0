package msgstate_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/msgstate"
)

// BenchmarkUpdate measures one locked read-modify-write (with fsync) of a
// state file holding 100 keys × 10 recipients.
func BenchmarkUpdate(b *testing.B) {
	s, _ := msgstate.Open(b.TempDir())
	ctx := context.Background()
	_ = s.Update(ctx, func(tx *msgstate.Tx) error {
		for k := 0; k < 100; k++ {
			for r := 0; r < 10; r++ {
				_ = tx.Put("key-"+strconv.Itoa(k), "chat_id:oc_"+strconv.Itoa(r), msgstate.Entry{MessageID: "om_0123456789abcdef0123456789abcdef", SentAt: time.Now()})
			}
		}
		return nil
	})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		err := s.Update(ctx, func(tx *msgstate.Tx) error {
			return tx.Put("key-1", "chat_id:oc_1", msgstate.Entry{MessageID: "om_" + strconv.Itoa(i), SentAt: time.Now()})
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
