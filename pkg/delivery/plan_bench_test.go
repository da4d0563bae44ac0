package delivery

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/feishu"
)

// BenchmarkDryRunFanOut prints a 29 KB card to 20,000 recipients. Jobs are
// built one at a time, so the bytes allocated per recipient stay those of
// one request and the live heap does not grow with the recipients (see
// the README's peak RSS figures).
func BenchmarkDryRunFanOut(b *testing.B) {
	c := feishu.New(feishu.WithCredentials("cli_x", "s"))
	rcpts := make([]feishu.Recipient, 20000)
	for i := range rcpts {
		rcpts[i] = feishu.Recipient{IDType: feishu.IDTypeOpenID, ID: fmt.Sprintf("ou_%030d", i)}
	}
	card := `{"schema":"2.0","body":{"elements":[{"tag":"markdown","content":"` + strings.Repeat("销售额 12345.67 ", 1450) + `"}]}}`
	msg := feishu.CardMessage([]byte(card))
	b.ReportAllocs()
	for b.Loop() {
		p, err := NewPlan(c, Audience{Mode: ModeApp, Recipients: rcpts}, msg)
		if err != nil {
			b.Fatal(err)
		}
		if err := (&DryRun{Client: c, Out: io.Discard}).Deliver(context.Background(), p); err != nil {
			b.Fatal(err)
		}
	}
}
