package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/safefile"
	"github.com/feishu-push/feishu-push/pkg/validate"
)

// kind is the type of a setting's value.
type kind int

const (
	kString kind = iota
	kDuration
	kInt
	kFloat
	kBool
	kList
)

// setting is one global setting, declared once: the flag, the environment
// variable and the config-file key that give it (each optional), its
// default, its help, whether it is a secret, and how its value lands in
// Settings. Flags, environment lookup, config decoding, the help's
// environment list and the masking of values in errors all derive from
// the table below.
type setting struct {
	flag, env, key string
	def            string
	// arg is the flag's placeholder in the help, e.g. FILE.
	arg  string
	help string
	// secret values never appear in errors or output.
	secret bool
	kind   kind
	// pairs lets a kList config key also be a mapping, read as KEY=VALUE
	// entries in order.
	pairs bool
	// alt is a setting consulted at the same level right after this one:
	// the file holding a secret, or a shorthand for a URL. It is resolved
	// with its primary, never alone.
	alt string
	// obsolete, when set, says why the flag has no effect; it is hidden
	// from help and still accepted, so that old command lines run.
	obsolete string
	// apply stores a resolved value; nil for settings read elsewhere
	// (--config, --profile) and for alternates without a default.
	apply func(s *Settings, v value) error
}

// value is a resolved setting and where it came from, for error messages.
type value struct {
	text string
	list []string
	// from names the source: "--app-id", "FEISHU_APP_ID",
	// "app_id in /etc/feishu-push.yaml" or "default".
	from string
	// ctx ends a read the value asks for (a secret file).
	ctx context.Context
}

func (v value) duration() time.Duration { d, _ := time.ParseDuration(v.text); return d }
func (v value) int() int                { n, _ := strconv.Atoi(v.text); return n }
func (v value) bool() bool              { b, _ := strconv.ParseBool(v.text); return b }

// settings is the table of global settings, in the order of the help.
var settings = []setting{
	{flag: "app-id", env: "FEISHU_APP_ID", key: "app_id", arg: "ID", help: "app id, cli_...",
		apply: func(s *Settings, v value) error { s.AppID = v.text; return nil }},
	{flag: "app-secret", env: "FEISHU_APP_SECRET", key: "app_secret", arg: "SECRET", secret: true, alt: "app-secret-file",
		help:  "app secret; visible in ps, prefer FEISHU_APP_SECRET or --app-secret-file",
		apply: func(s *Settings, v value) error { s.AppSecret = v.text; return nil }},
	{flag: "app-secret-file", env: "FEISHU_APP_SECRET_FILE", key: "app_secret_file", arg: "FILE", help: "read the app secret from this file",
		apply: func(s *Settings, v value) (err error) { s.AppSecret, err = readSecretFile(v); return err }},
	{flag: "base-url", env: "FEISHU_BASE_URL", key: "base_url", arg: "URL", alt: "domain", def: feishu.FeishuBaseURL,
		help: "API base URL", apply: setBaseURL},
	{flag: "domain", env: "FEISHU_DOMAIN", key: "domain", arg: "feishu|lark", help: "shorthand for the base URL: feishu or lark",
		apply: func(s *Settings, v value) error {
			u, err := domainURL(v.text, v.from)
			if err != nil {
				return err
			}
			return setBaseURL(s, value{text: u, from: v.from})
		}},
	{flag: "webhook", env: "FEISHU_WEBHOOK_URL", key: "webhook", arg: "URL", secret: true, alt: "webhook-file",
		help:  "group custom-bot webhook URL; visible in ps, prefer FEISHU_WEBHOOK_URL or --webhook-file; messages go through it unless --to is given with app credentials",
		apply: setWebhook},
	{flag: "webhook-file", env: "FEISHU_WEBHOOK_URL_FILE", key: "webhook_file", arg: "FILE", help: "read the webhook URL from this file",
		apply: func(s *Settings, v value) error {
			u, err := readSecretFile(v)
			if err != nil {
				return err
			}
			return setWebhook(s, value{text: u, from: v.from + " " + v.text})
		}},
	{flag: "webhook-secret", env: "FEISHU_WEBHOOK_SECRET", key: "webhook_secret", arg: "SECRET", secret: true, help: "webhook signing secret",
		apply: func(s *Settings, v value) error { s.WebhookSecret = v.text; return nil }},
	{flag: "log-file", env: "FEISHU_PUSH_LOG_FILE", key: "log_file", arg: "FILE", help: "append one JSON line per message result to this file",
		apply: func(s *Settings, v value) error { s.LogFile = v.text; return nil }},
	{flag: "config", env: "FEISHU_PUSH_CONFIG", arg: "FILE", help: "YAML config file with named profiles (default ~/.config/feishu-push/config.yaml)"},
	{flag: "profile", env: "FEISHU_PUSH_PROFILE", arg: "NAME", help: "profile of the config file to use"},
	{key: "to", kind: kList, help: "default recipients",
		apply: func(s *Settings, v value) error { s.DefaultTo = v.list; return nil }},
	{flag: "timeout", kind: kDuration, def: "10s", arg: "DURATION", help: "timeout of each HTTP request",
		apply: func(s *Settings, v value) error {
			s.Timeout = v.duration()
			return checked(validate.Duration("--timeout", s.Timeout, time.Millisecond, validate.MaxTimeout))
		}},
	{flag: "retries", kind: kInt, def: "3", arg: "N", help: "retries of a transient failure (network, 5xx, rate limit)",
		apply: func(s *Settings, v value) error {
			s.Retries = v.int()
			return checked(validate.Count("--retries", s.Retries, 0, validate.MaxRetries))
		}},
	{flag: "retry-max-wait", kind: kDuration, def: "1m0s", arg: "DURATION", help: "most time spent waiting between retries, in total",
		apply: func(s *Settings, v value) error {
			s.RetryMaxWait = v.duration()
			return checked(validate.Duration("--retry-max-wait", s.RetryMaxWait, 0, validate.MaxRetryWait))
		}},
	{flag: "retry-budget", kind: kDuration, def: "5m0s", arg: "DURATION", help: "most time all messages of a run spend waiting between retries, together (0: bounded by --deadline only)",
		apply: func(s *Settings, v value) error {
			s.RetryBudget = v.duration()
			return checked(validate.Duration("--retry-budget", s.RetryBudget, 0, validate.MaxRetryWait))
		}},
	{flag: "token-cache", env: "FEISHU_PUSH_TOKEN_CACHE", key: "token_cache", arg: "FILE", help: "keep tenant tokens in this file between runs",
		apply: func(s *Settings, v value) error { s.TokenCache = v.text; return nil }},
	{flag: "spool-dir", env: "FEISHU_PUSH_SPOOL_DIR", key: "spool_dir", arg: "DIR", help: "keep messages that could not be delivered here for flush",
		apply: func(s *Settings, v value) error { s.SpoolDir = v.text; return nil }},
	{flag: "notify-on-failure", env: "FEISHU_PUSH_NOTIFY", key: "notify_on_failure", arg: "TARGET", secret: true,
		help: `on failure, alert this recipient, "webhook", or a webhook URL`,
		apply: func(s *Settings, v value) error {
			s.Notify, s.NotifyFrom = strings.TrimSpace(v.text), v.from
			return nil
		}},
	{env: "FEISHU_PUSH_NOTIFY_SECRET", key: "notify_secret", secret: true, help: "signing secret of the alert webhook URL",
		apply: func(s *Settings, v value) error { s.NotifySecret = v.text; return nil }},
	{flag: "metrics-file", env: "FEISHU_PUSH_METRICS_FILE", key: "metrics_file", arg: "FILE", help: "write Prometheus textfile metrics here",
		apply: func(s *Settings, v value) error { s.MetricsFile = v.text; return nil }},
	{flag: "job", env: "FEISHU_PUSH_JOB", arg: "NAME", help: "name of the job in the metrics file (default: the command)",
		apply: func(s *Settings, v value) error { s.Job = v.text; return nil }},
	{flag: "deadline", kind: kDuration, def: "0", arg: "DURATION", help: "bound the whole run, retries included (0: no bound)",
		apply: func(s *Settings, v value) error {
			s.Deadline = v.duration()
			return checked(validate.Duration("--deadline", s.Deadline, 0, validate.MaxDeadline))
		}},
	{flag: "rate", kind: kFloat, def: ftoa(feishu.AppLimits.PerSecond), arg: "N", help: "app messages per second, at most (Feishu: 50)",
		apply: func(s *Settings, v value) (err error) {
			s.Limits.PerSecond, err = validate.ParseRate("--rate", v.text, validate.MinRate, validate.MaxRate)
			return checked(err)
		}},
	{flag: "rate-per-minute", kind: kFloat, def: ftoa(feishu.AppLimits.PerMinute), arg: "N", help: "app messages per minute, at most (Feishu: 1000)",
		apply: func(s *Settings, v value) (err error) {
			s.Limits.PerMinute, err = validate.ParseRate("--rate-per-minute", v.text, validate.MinRatePerMinute, validate.MaxRatePerMinute)
			return checked(err)
		}},
	// --burst is accepted for old command lines and has no effect: the
	// sliding-window limiter lets a full window leave at once.
	{flag: "burst", kind: kInt, def: strconv.Itoa(feishu.AppLimits.Burst), arg: "N", help: "deprecated, no effect",
		obsolete: "no effect: --rate and --rate-per-minute are sliding windows, and a full window may leave at once",
		apply: func(s *Settings, v value) error {
			s.Limits.Burst = v.int()
			return checked(validate.Count("--burst", s.Limits.Burst, 1, validate.MaxBurst))
		}},
	{flag: "workers", kind: kInt, def: "16", arg: "N", help: "messages in flight at once",
		apply: func(s *Settings, v value) error {
			s.Workers = v.int()
			return checked(validate.Count("--workers", s.Workers, 1, validate.MaxWorkers))
		}},
	// The listener's own settings: read by listen (its flags are its own),
	// declared here so the help lists every variable.
	{env: "FEISHU_ENCRYPT_KEY", secret: true, help: "listen: the app's encrypt key"},
	{env: "FEISHU_ENCRYPT_KEY_FILE", help: "listen: read the encrypt key from this file"},
	{env: "FEISHU_VERIFICATION_TOKEN", secret: true, help: "listen: the app's verification token"},
	{env: "FEISHU_VERIFICATION_TOKEN_FILE", help: "listen: read the verification token from this file"},
	{flag: "state-dir", env: "FEISHU_PUSH_STATE_DIR", key: "state_dir", arg: "DIR",
		help:  "directory of the --update-key state (default ~/.local/state/feishu-push); listen keeps its event journal here",
		apply: func(s *Settings, v value) error { s.StateDir = v.text; return nil }},
	{key: "on", kind: kList, pairs: true, help: "listen: handlers, TYPE: COMMAND (or a list of TYPE=COMMAND); --on adds to them and overrides a type",
		apply: func(s *Settings, v value) error { s.On, s.OnFrom = v.list, v.from; return nil }},
	{flag: "dry-run", kind: kBool, def: "false", help: "print the request(s) as JSON, secrets masked, and send nothing; needs no credentials",
		apply: func(s *Settings, v value) error { s.DryRun = v.bool(); return nil }},
	{flag: "json", kind: kBool, def: "false", help: "print the result as JSON on stdout",
		apply: func(s *Settings, v value) error { s.JSON = v.bool(); return nil }},
}

func ftoa(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// checked makes a validate error a usage error (exit 2).
func checked(err error) error {
	if err != nil {
		return usageErrorf("%v", err)
	}
	return nil
}

// settingByName returns the setting whose flag, or else config key, is name.
func settingByName(name string) *setting {
	for i := range settings {
		if settings[i].flag == name || (settings[i].flag == "" && settings[i].key == name) {
			return &settings[i]
		}
	}
	return nil
}

// Settings are the resolved settings of one invocation.
type Settings struct {
	AppID         string
	AppSecret     string
	BaseURL       string
	Webhook       string
	WebhookSecret string
	// WebhookFrom names where Webhook came from, e.g. FEISHU_WEBHOOK_URL.
	WebhookFrom  string
	LogFile      string
	Timeout      time.Duration
	DryRun       bool
	JSON         bool
	Retries      int
	RetryMaxWait time.Duration
	// RetryBudget bounds the waits of all messages of a run together.
	RetryBudget time.Duration
	TokenCache  string
	SpoolDir    string
	// StateDir holds the update-key state; empty means the default.
	StateDir string
	// Notify is where failure alerts go: a recipient, "webhook", or a
	// webhook URL; NotifySecret signs posts to such a URL.
	Notify       string
	NotifyFrom   string
	NotifySecret string
	MetricsFile  string
	// Job names the run's series in the metrics file.
	Job      string
	Deadline time.Duration
	// Limits pace app sends; Workers bounds messages in flight.
	Limits  feishu.Limits
	Workers int
	// DefaultTo are the profile's default recipients.
	DefaultTo []string
	// On are the profile's listen handlers, TYPE=COMMAND; OnFrom names
	// where they came from.
	On     []string
	OnFrom string

	// secrets are the values of the settings marked secret, for Mask.
	secrets []string
}

// HasWebhook reports whether a custom-bot webhook is configured.
func (s *Settings) HasWebhook() bool { return s.Webhook != "" }

// HasApp reports whether app credentials are configured.
func (s *Settings) HasApp() bool { return s.AppID != "" && s.AppSecret != "" }

// flagValue is a global flag's value as given on the command line; its
// Type is the placeholder shown in the help.
type flagValue struct {
	s   *setting
	val string
	set bool
}

func (v *flagValue) String() string { return v.val }
func (v *flagValue) Type() string {
	if v.s.kind == kBool {
		return "bool"
	}
	return v.s.arg
}

func (v *flagValue) Set(x string) error {
	if err := checkKind(v.s.kind, x); err != nil {
		return err
	}
	v.val, v.set = x, true
	return nil
}

func checkKind(k kind, x string) error {
	var err error
	switch k {
	case kDuration:
		_, err = time.ParseDuration(x)
	case kInt:
		_, err = strconv.Atoi(x)
	case kFloat:
		_, err = strconv.ParseFloat(x, 64)
	case kBool:
		_, err = strconv.ParseBool(x)
	}
	return err
}

// globalFlags holds the values of the table's flags for one invocation.
type globalFlags map[string]*flagValue

// addFlags declares every setting that has a flag on fs.
func (g globalFlags) addFlags(fs *pflag.FlagSet) {
	for i := range settings {
		s := &settings[i]
		if s.flag == "" {
			continue
		}
		v := &flagValue{s: s, val: s.def}
		g[s.flag] = v
		help := s.help
		if s.env != "" {
			help += " (env " + s.env + ")"
		}
		fl := fs.VarPF(v, s.flag, "", help)
		if s.kind == kBool {
			fl.NoOptDefVal = "true"
		}
		if s.obsolete != "" {
			// Hidden, not pflag's Deprecated: cobra prints that notice on
			// stdout, which would break --json output.
			fl.Hidden = true
		}
	}
}

// get returns the flag's value as given, or "".
func (g globalFlags) get(name string) string {
	if v := g[name]; v != nil && v.set {
		return v.val
	}
	return ""
}

// bool reports a boolean flag's value, default included.
func (g globalFlags) bool(name string) bool {
	b, _ := strconv.ParseBool(g[name].val)
	return b
}

// envHelp lists the environment variables of the table for the root help.
func envHelp() string {
	var names []string
	for _, s := range settings {
		if s.env != "" {
			names = append(names, s.env)
		}
	}
	var b strings.Builder
	line := " "
	for i, n := range names {
		word := " " + n
		if i < len(names)-1 {
			word += ","
		} else {
			word += "."
		}
		if len(line)+len(word) > 78 {
			b.WriteString(line + "\n")
			line = " "
		}
		line += word
	}
	b.WriteString(line)
	return b.String()
}

// resolveSettings applies flag > environment > config file > default to
// every setting of the table. Errors are usage errors that name where the
// value came from: nothing has been sent.
func (f *Factory) resolveSettings() (*Settings, error) {
	g, env := f.flags, f.Getenv
	cfgPath, explicit, cfgFrom := g.get("config"), true, ""
	if cfgPath == "" {
		cfgPath, cfgFrom = env("FEISHU_PUSH_CONFIG"), "FEISHU_PUSH_CONFIG: "
	}
	if cfgPath == "" {
		cfgPath, explicit, cfgFrom = defaultConfigPath(env), false, ""
	}
	profile := profileRef{name: g.get("profile"), from: "--profile"}
	if profile.name == "" {
		profile = profileRef{name: env("FEISHU_PUSH_PROFILE"), from: "FEISHU_PUSH_PROFILE"}
	}
	cfg, err := loadProfile(f.context(), cfgPath, explicit, profile, func(w string) { fmt.Fprintln(f.IO.ErrOut, w) })
	if err != nil {
		if !errors.As(err, new(*safefile.Error)) && f.context().Err() != nil {
			return nil, err // interrupted
		}
		return nil, usageErrorf("%s%w", cfgFrom, err)
	}
	if g.get("base-url") != "" && g.get("domain") != "" {
		return nil, usageErrorf("--base-url and --domain both given; use one")
	}

	s := &Settings{Limits: feishu.Limits{PerRecipient: feishu.AppLimits.PerRecipient}}
	for i := range settings {
		st := &settings[i]
		if st.apply == nil || isAlt(st) {
			continue
		}
		chain := []*setting{st}
		if st.alt != "" {
			chain = append(chain, settingByName(st.alt))
		}
		v, from, ok := lookup(chain, g, env, cfg, cfgPath)
		if !ok {
			v, from = value{text: st.def, from: "default"}, st
		}
		v.ctx = f.context()
		if err := from.apply(s, v); err != nil {
			return nil, err
		}
		if from.secret && !(st.flag == "notify-on-failure" && !strings.Contains(v.text, "/hook/")) {
			// An alert target is secret when it is a webhook URL, not a
			// recipient.
			s.secrets = append(s.secrets, secretPart(v.text))
		}
	}
	s.secrets = append(s.secrets, s.AppSecret, secretPart(s.Webhook))
	return s, nil
}

// secretPart returns what is secret in a secret setting's value: a webhook
// URL's token, or the value itself.
func secretPart(v string) string {
	if tok, err := feishu.ParseWebhookURL(v); err == nil {
		return tok
	}
	return v
}

// Mask replaces every secret value of s (those the table marks secret,
// and a webhook URL's token) in text with "****": a last guard on what is
// printed.
func (s *Settings) Mask(text string) string {
	for _, v := range s.secrets {
		if len(v) >= 4 {
			text = strings.ReplaceAll(text, v, "****")
		}
	}
	return text
}

// isAlt reports whether s is another setting's alternate.
func isAlt(s *setting) bool {
	for _, o := range settings {
		if o.alt != "" && o.alt == s.flag {
			return true
		}
	}
	return false
}

// lookup returns the first value given for chain, level by level: flags,
// environment, config file.
func lookup(chain []*setting, g globalFlags, env func(string) string, cfg profileValues, cfgPath string) (value, *setting, bool) {
	for _, s := range chain {
		if s.flag != "" {
			if v := g[s.flag]; v != nil && v.set {
				return value{text: v.val, from: "--" + s.flag}, s, true
			}
		}
	}
	for _, s := range chain {
		if s.env != "" {
			if x := env(s.env); x != "" {
				return value{text: x, from: s.env}, s, true
			}
		}
	}
	for _, s := range chain {
		if s.key != "" {
			if x, ok := cfg[s.key]; ok && (x.text != "" || len(x.list) > 0) {
				x.from = s.key + " in " + cfgPath
				return x, s, true
			}
		}
	}
	return value{}, nil, false
}

// setWebhook checks and stores the webhook URL. Its token is never shown:
// an error names where the URL came from, not the URL.
func setWebhook(s *Settings, v value) error {
	s.Webhook, s.WebhookFrom = strings.TrimSpace(v.text), v.from
	if s.Webhook == "" {
		return nil
	}
	if _, err := feishu.ParseWebhookURL(s.Webhook); err != nil {
		return usageErrorf("%s: webhook URL: %v", v.from, err)
	}
	return nil
}

func setBaseURL(s *Settings, v value) error {
	if _, err := feishu.ParseWebhookURL(v.text); err == nil {
		// Not printed: the URL carries the webhook's token.
		return usageErrorf("%s: a webhook URL is not an API base URL; give it with FEISHU_WEBHOOK_URL or --webhook-file", v.from)
	}
	u, err := feishu.NormalizeBaseURL(v.text)
	if err != nil {
		if v.from == "--base-url" || v.from == "default" {
			return usageErrorf("base URL %q: %v", v.text, err)
		}
		return usageErrorf("%s: base URL %q: %v", v.from, v.text, err)
	}
	s.BaseURL = u
	return nil
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

// readSecretFile reads a secret from the file a setting names, at most
// safefile.MaxSecret bytes (so /dev/zero is an error, not a crash).
func readSecretFile(v value) (string, error) {
	ctx := v.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	b, err := safefile.ReadFile(ctx, v.text, safefile.MaxSecret)
	if err != nil {
		if !errors.As(err, new(*safefile.Error)) {
			return "", err // interrupted
		}
		return "", usageErrorf("%s %s: %v", v.from, v.text, unwrapPathError(err))
	}
	x := strings.TrimSpace(string(b))
	if x == "" {
		return "", usageErrorf("%s %s is empty", v.from, v.text)
	}
	return x, nil
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
