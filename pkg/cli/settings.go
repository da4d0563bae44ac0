package cli

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/feishu-push/feishu-push/pkg/feishu"
)

// GlobalOptions are the persistent flags, valid before or after the
// subcommand. Empty means "not given": the environment, then the config
// file, then the default decide.
type GlobalOptions struct {
	AppID         string
	AppSecret     string
	AppSecretFile string
	BaseURL       string
	Domain        string
	Webhook       string
	WebhookSecret string
	LogFile       string
	ConfigPath    string
	Profile       string
	Timeout       time.Duration
	DryRun        bool
	JSON          bool
	Retries       int
	RetryMaxWait  time.Duration
	TokenCache    string
	SpoolDir      string
	Notify        string
	MetricsFile   string
	Deadline      time.Duration
	Rate          float64
	RatePerMinute float64
	Burst         int
	Workers       int
}

// Settings are the resolved settings of one invocation.
type Settings struct {
	AppID         string
	AppSecret     string
	BaseURL       string
	Webhook       string
	WebhookSecret string
	LogFile       string
	Timeout       time.Duration
	DryRun        bool
	JSON          bool
	Retries       int
	RetryMaxWait  time.Duration
	TokenCache    string
	SpoolDir      string
	// Notify is where failure alerts go: a recipient, "webhook", or a
	// webhook URL; NotifySecret signs posts to such a URL.
	Notify       string
	NotifySecret string
	MetricsFile  string
	Deadline     time.Duration
	// Limits pace app sends; Workers bounds messages in flight.
	Limits  feishu.Limits
	Workers int
	// DefaultTo are the profile's default recipients.
	DefaultTo []string
}

// WebhookMode reports whether messages go through the custom-bot webhook.
func (s *Settings) WebhookMode() bool { return s.Webhook != "" }

// HasApp reports whether app credentials are configured.
func (s *Settings) HasApp() bool { return s.AppID != "" && s.AppSecret != "" }

// resolveSettings applies flag > environment > config file > default.
// Errors are usage errors: nothing has been sent.
func (f *Factory) resolveSettings() (*Settings, error) {
	g, env := f.Globals, f.Getenv
	cfgPath, explicit := g.ConfigPath, g.ConfigPath != ""
	if cfgPath == "" {
		cfgPath = env("FEISHU_PUSH_CONFIG")
		explicit = cfgPath != ""
	}
	if cfgPath == "" {
		cfgPath = defaultConfigPath(env)
	}
	profile := first(g.Profile, env("FEISHU_PUSH_PROFILE"))
	cfg, err := loadProfile(cfgPath, explicit, profile, func(w string) { fmt.Fprintln(f.IO.ErrOut, w) })
	if err != nil {
		return nil, &UsageError{Err: err}
	}

	s := &Settings{
		AppID:         first(g.AppID, env("FEISHU_APP_ID"), cfg.AppID),
		Webhook:       strings.TrimSpace(first(g.Webhook, env("FEISHU_WEBHOOK_URL"), cfg.Webhook)),
		WebhookSecret: first(g.WebhookSecret, env("FEISHU_WEBHOOK_SECRET"), cfg.WebhookSecret),
		LogFile:       first(g.LogFile, env("FEISHU_PUSH_LOG_FILE"), cfg.LogFile),
		Timeout:       g.Timeout,
		Retries:       g.Retries,
		RetryMaxWait:  g.RetryMaxWait,
		DryRun:        g.DryRun,
		JSON:          g.JSON,
		DefaultTo:     cfg.To,
		TokenCache:    first(g.TokenCache, env("FEISHU_PUSH_TOKEN_CACHE"), cfg.TokenCache),
		SpoolDir:      first(g.SpoolDir, env("FEISHU_PUSH_SPOOL_DIR"), cfg.SpoolDir),
		Notify:        strings.TrimSpace(first(g.Notify, env("FEISHU_PUSH_NOTIFY"), cfg.NotifyOnFailure)),
		NotifySecret:  first(env("FEISHU_PUSH_NOTIFY_SECRET"), cfg.NotifySecret),
		MetricsFile:   first(g.MetricsFile, env("FEISHU_PUSH_METRICS_FILE"), cfg.MetricsFile),
		Deadline:      g.Deadline,
		Limits:        feishu.Limits{PerSecond: g.Rate, PerMinute: g.RatePerMinute, PerRecipient: feishu.AppLimits.PerRecipient, Burst: g.Burst},
		Workers:       g.Workers,
	}
	if s.Timeout <= 0 {
		return nil, usageErrorf("--timeout must be positive")
	}
	if s.Retries < 0 || s.RetryMaxWait < 0 || s.Deadline < 0 {
		return nil, usageErrorf("--retries, --retry-max-wait and --deadline cannot be negative")
	}
	if g.Rate <= 0 || g.RatePerMinute <= 0 || g.Burst < 1 || g.Workers < 1 {
		return nil, usageErrorf("--rate, --rate-per-minute, --burst and --workers must be positive")
	}

	s.AppSecret, err = resolveSecret([]secretSource{
		{value: g.AppSecret},
		{file: g.AppSecretFile, name: "--app-secret-file"},
		{value: env("FEISHU_APP_SECRET")},
		{file: env("FEISHU_APP_SECRET_FILE"), name: "FEISHU_APP_SECRET_FILE"},
		{value: cfg.AppSecret},
		{file: cfg.AppSecretFile, name: "app_secret_file in " + cfgPath},
	})
	if err != nil {
		return nil, err
	}

	if g.BaseURL != "" && g.Domain != "" {
		return nil, usageErrorf("--base-url and --domain both given; use one")
	}
	base := ""
	switch {
	case g.BaseURL != "":
		base = g.BaseURL
	case g.Domain != "":
		base, err = domainURL(g.Domain, "--domain")
	case env("FEISHU_BASE_URL") != "":
		base = env("FEISHU_BASE_URL")
	case env("FEISHU_DOMAIN") != "":
		base, err = domainURL(env("FEISHU_DOMAIN"), "FEISHU_DOMAIN")
	case cfg.BaseURL != "":
		base = cfg.BaseURL
	case cfg.Domain != "":
		base, err = domainURL(cfg.Domain, "domain in "+cfgPath)
	default:
		base = feishu.FeishuBaseURL
	}
	if err != nil {
		return nil, err
	}
	if s.BaseURL, err = feishu.NormalizeBaseURL(base); err != nil {
		return nil, usageErrorf("base URL %q: %v", base, err)
	}
	if s.Webhook != "" {
		if _, err := feishu.ParseWebhookURL(s.Webhook); err != nil {
			return nil, usageErrorf("webhook URL: %v", err)
		}
	}
	return s, nil
}

func domainURL(d, from string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(d)) {
	case "feishu":
		return feishu.FeishuBaseURL, nil
	case "lark", "larksuite":
		return feishu.LarkBaseURL, nil
	}
	return "", usageErrorf("%s: unknown domain %q (want feishu or lark)", from, d)
}

type secretSource struct {
	value string
	file  string
	name  string
}

// resolveSecret returns the first secret given, reading files as needed.
func resolveSecret(sources []secretSource) (string, error) {
	for _, src := range sources {
		if src.value != "" {
			return src.value, nil
		}
		if src.file != "" {
			b, err := os.ReadFile(src.file)
			if err != nil {
				return "", usageErrorf("%s %s: %v", src.name, src.file, unwrapPathError(err))
			}
			v := strings.TrimSpace(string(b))
			if v == "" {
				return "", usageErrorf("%s %s is empty", src.name, src.file)
			}
			return v, nil
		}
	}
	return "", nil
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
