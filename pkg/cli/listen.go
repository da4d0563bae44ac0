package cli

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/feishu-push/feishu-push/pkg/larkws"
	"github.com/feishu-push/feishu-push/pkg/listen"
	"github.com/feishu-push/feishu-push/pkg/safefile"
)

// ListenOptions are the options of the listen command.
type ListenOptions struct {
	f                     *Factory
	Addr                  string
	Path                  string
	LongConnection        bool
	On                    []string
	Workers               int
	HandlerTimeout        time.Duration
	CardTimeout           time.Duration
	MaxAttempts           int
	RetryBackoff          time.Duration
	MetricsAddr           string
	EncryptKey            string
	EncryptKeyFile        string
	VerificationToken     string
	VerificationTokenFile string
	MaxSkew               time.Duration
}

func newListenCmd(f *Factory, runF func(context.Context, *ListenOptions) error) *cobra.Command {
	opts := &ListenOptions{f: f}
	cmd := &cobra.Command{
		Use:   "listen",
		Short: "Receive Feishu events and card clicks and run a command for each",
		Long: `Receive events and card callbacks from Feishu and run a shell command for
each, with the event JSON on stdin and FEISHU_EVENT_TYPE, FEISHU_EVENT_ID
(and the app's settings) in its environment. An event no --on matches
(all of them, without --on) is printed as one JSON line on stdout. A config
profile can hold the handlers under on: (a mapping TYPE: COMMAND, or a list
of TYPE=COMMAND); --on adds to them and replaces a type the profile has.

HTTP callback mode (the default) serves the request URL set in the Feishu
console on --addr and --path: it answers the url_verification challenge,
decrypts bodies and checks X-Lark-Signature with the encrypt key, and checks
the verification token when one is set. Both event schemas (2.0 and 1.0)
are accepted.

Every event is recorded in a journal under --state-dir (fsync'd) before it
is acknowledged; handlers run from the journal, at most --workers at once,
in order within a chat. A failed handler is retried with backoff; an event
id whose handler succeeded never runs again, across restarts, so Feishu's
redeliveries and duplicates are dropped. SIGTERM stops accepting, lets the
running handlers finish and keeps the rest for the next start.

card.action.trigger callbacks are answered at once: the handler's stdout,
when it is a JSON object, is the answer (a toast and/or a card); empty
stdout answers {}; a failure or timeout answers an error toast.

Secrets come from the environment or files: FEISHU_ENCRYPT_KEY (or
FEISHU_ENCRYPT_KEY_FILE, --encrypt-key-file), FEISHU_VERIFICATION_TOKEN
(or FEISHU_VERIFICATION_TOKEN_FILE, --verification-token-file). They are
never logged and handlers do not inherit them.
`,
		Annotations: map[string]string{exitAnnotation: "0 1 2"},
		Example: `  feishu-push listen --addr 0.0.0.0:8080 --state-dir /var/lib/feishu-push \
      --on approval_instance='./approval-sync.sh' \
      --on card.action.trigger='./alert-button.sh'
  feishu-push listen | jq -c 'select(.header.event_type == "im.message.receive_v1")'`,
		Args: cobra.NoArgs,
		RunE: f.runE(func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runListen(cmd.Context(), opts)
		}),
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Addr, "addr", "127.0.0.1:8080", "`HOST:PORT` to serve HTTP callbacks on")
	fl.StringVar(&opts.Path, "path", "/", "`PATH` of the request URL")
	fl.BoolVar(&opts.LongConnection, "long-connection", false, "receive over Feishu's WebSocket long connection instead of HTTP (needs the app id and secret)")
	stringArrayVar(fl, &opts.On, "on", "`TYPE=COMMAND`: run COMMAND with the shell (/bin/sh -c; cmd.exe /d /s /c on Windows) for events of TYPE (or *); repeatable, adds to the profile's on:")
	fl.IntVar(&opts.Workers, "workers", 4, "`N` handlers running at once")
	fl.DurationVar(&opts.HandlerTimeout, "handler-timeout", 5*time.Minute, "kill a handler running longer than `DURATION`")
	fl.DurationVar(&opts.CardTimeout, "card-timeout", 2500*time.Millisecond, "kill a card.action.trigger handler running longer than `DURATION` (Feishu waits 3s)")
	fl.IntVar(&opts.MaxAttempts, "max-attempts", 10, "give an event up after `N` runs of its failing handler")
	fl.DurationVar(&opts.RetryBackoff, "retry-backoff", time.Second, "first wait (`DURATION`) before retrying a failed handler; it doubles up to 5m")
	fl.StringVar(&opts.MetricsAddr, "metrics-addr", "", "serve Prometheus metrics at /metrics on this `HOST:PORT`")
	fl.StringVar(&opts.EncryptKey, "encrypt-key", "", "the app's encrypt `KEY`; visible in ps, prefer FEISHU_ENCRYPT_KEY or --encrypt-key-file")
	fl.StringVar(&opts.EncryptKeyFile, "encrypt-key-file", "", "read the encrypt key from this `FILE`")
	fl.StringVar(&opts.VerificationToken, "verification-token", "", "the app's verification `TOKEN`; visible in ps, prefer FEISHU_VERIFICATION_TOKEN or --verification-token-file")
	fl.StringVar(&opts.VerificationTokenFile, "verification-token-file", "", "read the verification token from this `FILE`")
	fl.DurationVar(&opts.MaxSkew, "max-skew", listen.DefaultMaxSkew, "refuse signed requests whose timestamp is further than `DURATION` from now")
	return cmd
}

func runListen(ctx context.Context, opts *ListenOptions) error {
	f := opts.f
	env := f.Getenv
	s, err := f.Settings()
	if err != nil {
		return err
	}
	handlers, err := listenHandlers(s.On, s.OnFrom, opts.On)
	if err != nil {
		return err
	}
	if opts.Workers < 1 || opts.MaxAttempts < 1 || opts.HandlerTimeout <= 0 || opts.CardTimeout <= 0 || opts.RetryBackoff <= 0 || opts.MaxSkew <= 0 {
		return usageErrorf("--workers, --max-attempts, --handler-timeout, --card-timeout, --retry-backoff and --max-skew must be positive")
	}
	encryptKey, err := listenSecret(opts.EncryptKey, opts.EncryptKeyFile, "--encrypt-key-file", "FEISHU_ENCRYPT_KEY", env)
	if err != nil {
		return err
	}
	token, err := listenSecret(opts.VerificationToken, opts.VerificationTokenFile, "--verification-token-file", "FEISHU_VERIFICATION_TOKEN", env)
	if err != nil {
		return err
	}
	// The journal shares the state directory (--state-dir) with the
	// update-key state; its file is its own.
	stateDir, err := f.stateDir(s)
	if err != nil {
		return err
	}
	// The journal is ours or refused: a directory of the running user's
	// that others cannot write to (created 0700 when missing).
	if err := safefile.EnsureDir(stateDir); err != nil {
		return usageErrorf("--state-dir %s: %v", stateDir, unwrapPathError(err))
	}
	var handlerEnv []string
	for k, v := range map[string]string{"FEISHU_APP_ID": s.AppID, "FEISHU_APP_SECRET": s.AppSecret, "FEISHU_BASE_URL": s.BaseURL} {
		if v != "" {
			handlerEnv = append(handlerEnv, k+"="+v)
		}
	}
	log := zerolog.New(f.IO.ErrOut).With().Timestamp().Logger()
	l, err := listen.New(listen.Config{
		Decoder:        listen.Decoder{EncryptKey: encryptKey, VerificationToken: token, MaxSkew: opts.MaxSkew, Now: f.Now},
		StateDir:       stateDir,
		Handlers:       handlers,
		Workers:        opts.Workers,
		HandlerTimeout: opts.HandlerTimeout,
		CardTimeout:    opts.CardTimeout,
		MaxAttempts:    opts.MaxAttempts,
		RetryBackoff:   opts.RetryBackoff,
		Env:            handlerEnv,
		Out:            f.IO.Out,
		ErrOut:         f.IO.ErrOut,
		Log:            log,
		Now:            f.Now,
	})
	if err != nil {
		return usageErrorf("%v", err)
	}
	if opts.MetricsAddr != "" {
		mln, err := net.Listen("tcp", opts.MetricsAddr)
		if err != nil {
			return usageErrorf("--metrics-addr %s: %v", opts.MetricsAddr, err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", l.Metrics())
		msrv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = msrv.Serve(mln) }()
		defer msrv.Close()
		log.Info().Str("metrics_addr", mln.Addr().String()).Msg("serving metrics")
	}
	if opts.LongConnection {
		if !s.HasApp() {
			return usageErrorf("--long-connection needs the app id and secret (FEISHU_APP_ID, FEISHU_APP_SECRET)")
		}
		return runLongConnection(ctx, l, s, log)
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return usageErrorf("--addr %s: %v", opts.Addr, err)
	}
	log.Info().Str("addr", ln.Addr().String()).Str("path", opts.Path).
		Bool("encrypted", encryptKey != "").Bool("token_checked", token != "").
		Int("handlers", len(handlers)).Msg("listening")
	err = l.Serve(ctx, ln, opts.Path)
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// listenHandlers are the profile's handlers (on, from where) with the
// --on flags added: a flag's type replaces the profile's handler of that
// type. A type given twice at one level is an error.
func listenHandlers(profile []string, from string, flags []string) ([]listen.Handler, error) {
	parse := func(list []string, where string) ([]listen.Handler, error) {
		var hs []listen.Handler
		seen := map[string]bool{}
		for _, s := range list {
			h, err := listen.ParseHandler(s)
			if err != nil {
				if where != "--on" {
					return nil, usageErrorf("%s: %s", where, strings.TrimPrefix(err.Error(), "--on "))
				}
				return nil, &UsageError{Err: err}
			}
			if seen[h.Type] {
				return nil, usageErrorf("%s: %s given twice", where, h.Type)
			}
			seen[h.Type] = true
			hs = append(hs, h)
		}
		return hs, nil
	}
	base, err := parse(profile, from)
	if err != nil {
		return nil, err
	}
	extra, err := parse(flags, "--on")
	if err != nil {
		return nil, err
	}
	for _, h := range extra {
		i := slices.IndexFunc(base, func(b listen.Handler) bool { return b.Type == h.Type })
		if i >= 0 {
			base[i] = h
		} else {
			base = append(base, h)
		}
	}
	return base, nil
}

// runLongConnection receives events over the WebSocket long connection.
func runLongConnection(ctx context.Context, l *listen.Listener, s *Settings, log zerolog.Logger) error {
	c := &larkws.Client{BaseURL: s.BaseURL, AppID: s.AppID, AppSecret: s.AppSecret, Handle: l.HandleLongConnection, Log: log,
		HTTPClient: &http.Client{Timeout: s.Timeout}}
	log.Info().Str("base_url", s.BaseURL).Str("app_id", s.AppID).Msg("connecting (long connection)")
	err := l.ServeWith(ctx, c.Run)
	var refused *larkws.Error
	if errors.As(err, &refused) {
		return &UsageError{Err: err}
	}
	return err
}

// listenSecret resolves one of the listener's secrets: the flag's value,
// then the file its file flag names, then the environment variable envName,
// then the file that envName_FILE names.
func listenSecret(flagVal, file, fileFlag, envName string, env func(string) string) (string, error) {
	switch {
	case flagVal != "":
		return flagVal, nil
	case file != "":
		return readSecretFile(value{text: file, from: fileFlag})
	case env(envName) != "":
		return env(envName), nil
	case env(envName+"_FILE") != "":
		return readSecretFile(value{text: env(envName + "_FILE"), from: envName + "_FILE"})
	}
	return "", nil
}
