// Command libsender is stdsender's send written on the libraries
// feishu-push is built on: the command line through cobra, the two
// requests through resty, a zerolog logger. It does nothing else, so it
// is the floor those libraries set for a cron-style send; feishu-push-bench
// runs it beside feishu-push and stdsender.
//
// Usage: FEISHU_BASE_URL=... FEISHU_APP_ID=... FEISHU_APP_SECRET=... libsender --to CHAT_ID --text TEXT
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/go-resty/resty/v2"
	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
)

func main() {
	var to, text string
	cmd := &cobra.Command{
		Use:           "libsender",
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(*cobra.Command, []string) error {
			log := zerolog.New(os.Stderr).Level(zerolog.WarnLevel)
			c := resty.New().SetBaseURL(os.Getenv("FEISHU_BASE_URL"))
			var tok struct {
				Code  int    `json:"code"`
				Token string `json:"tenant_access_token"`
			}
			if _, err := c.R().SetBody(map[string]string{"app_id": os.Getenv("FEISHU_APP_ID"), "app_secret": os.Getenv("FEISHU_APP_SECRET")}).
				SetResult(&tok).Post("/open-apis/auth/v3/tenant_access_token/internal"); err != nil || tok.Code != 0 {
				return fmt.Errorf("token: %v %d", err, tok.Code)
			}
			content, _ := json.Marshal(map[string]string{"text": text})
			var sent struct {
				Code int `json:"code"`
			}
			if _, err := c.R().SetAuthToken(tok.Token).SetQueryParam("receive_id_type", "chat_id").
				SetBody(map[string]string{"receive_id": to, "msg_type": "text", "content": string(content)}).
				SetResult(&sent).Post("/open-apis/im/v1/messages"); err != nil || sent.Code != 0 {
				return fmt.Errorf("send: %v %d", err, sent.Code)
			}
			log.Debug().Str("to", to).Msg("sent")
			return nil
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "chat id")
	cmd.Flags().StringVar(&text, "text", "", "text")
	if err := cmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "libsender:", err)
		os.Exit(1)
	}
}
