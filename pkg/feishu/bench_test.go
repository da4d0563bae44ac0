package feishu_test

import (
	"context"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
)

// BenchmarkSendText is one im/v1 send through the client to the fake on
// loopback, token cached: the client's own cost per message.
func BenchmarkSendText(b *testing.B) {
	srv := feishutest.NewServer(b)
	c := feishu.New(feishu.WithBaseURL(srv.URL), feishu.WithCredentials(feishutest.DefaultAppID, feishutest.DefaultAppSecret))
	r := feishu.Recipient{IDType: feishu.IDTypeChatID, ID: "oc_bench"}
	b.ReportAllocs()
	for b.Loop() {
		req, err := c.Messages.NewCreateRequest(r, feishu.TextMessage("nightly backup done"), "")
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.Messages.Create(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewCreateRequest is preparing (and size-checking) one message.
func BenchmarkNewCreateRequest(b *testing.B) {
	c := feishu.New(feishu.WithCredentials("cli_x", "s"))
	r := feishu.Recipient{IDType: feishu.IDTypeOpenID, ID: "ou_x"}
	m := feishu.TextMessage("nightly backup done")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Messages.NewCreateRequest(r, m, "fp-0123456789"); err != nil {
			b.Fatal(err)
		}
	}
}
