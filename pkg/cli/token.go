package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/feishu-push/feishu-push/pkg/delivery"
)

// TokenOptions are the options of the token command.
type TokenOptions struct {
	f *Factory
}

func newTokenCmd(f *Factory) *cobra.Command {
	opts := &TokenOptions{f: f}
	return &cobra.Command{
		Use:   "token",
		Short: "Print a tenant_access_token",
		Long: `Print a tenant_access_token of the app, alone on stdout, for scripts that call
other Feishu APIs. With --json, print {"tenant_access_token":..., "expire":...},
expire being the seconds it stays valid.

Feishu returns the same token while it has 30 minutes or more left.
`,
		Example: `  export FEISHU_APP_ID=cli_xxx FEISHU_APP_SECRET=...
  TOKEN=$(feishu-push token)
  curl -H "Authorization: Bearer $TOKEN" https://open.feishu.cn/open-apis/...`,
		Args:        cobra.NoArgs,
		Annotations: map[string]string{exitAnnotation: "0 1 2 4 5 130"},
		RunE: f.runE(func(cmd *cobra.Command, _ []string) error {
			return runToken(cmd.Context(), opts)
		}),
	}
}

func runToken(ctx context.Context, opts *TokenOptions) error {
	f := opts.f
	s, err := f.Settings()
	if err != nil {
		return err
	}
	if !s.HasApp() && !s.DryRun {
		return usageErrorf("token needs app credentials: set FEISHU_APP_ID and FEISHU_APP_SECRET (or --app-secret-file)")
	}
	client := f.client(s)
	if s.DryRun {
		req, err := client.Auth.NewTenantTokenRequest()
		if err != nil {
			return err
		}
		return writeJSON(f.IO.Out, req.Redacted())
	}
	log, closeLog, err := openRunLog(s.LogFile, "token")
	if err != nil {
		return err
	}
	defer closeLog()
	start := time.Now()
	tok, err := client.Auth.TenantToken(ctx)
	ev := log.Info()
	if err != nil {
		re := delivery.ResultErrorOf(err)
		ev = log.Error().Int("code", re.Code).Str("error", re.Msg)
		if re.LogID != "" {
			ev = ev.Str("log_id", re.LogID)
		}
	} else {
		ev = ev.Int("code", 0)
	}
	ev.Bool("ok", err == nil).Int64("duration_ms", time.Since(start).Milliseconds()).Send()
	if err != nil {
		return err
	}
	if s.JSON {
		expire := int(tok.ExpiresAt.Sub(f.Now()).Seconds())
		return writeJSON(f.IO.Out, map[string]any{"tenant_access_token": tok.Value, "expire": expire})
	}
	_, err = fmt.Fprintln(f.IO.Out, tok.Value)
	return err
}
