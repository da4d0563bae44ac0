package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/spool"
	"github.com/feishu-push/feishu-push/pkg/tokencache"
)

// SendOptions are the flags every sending command shares.
type SendOptions struct {
	// To are the --to arguments, each possibly a comma-separated list.
	To []string
	// ToFile is a file of recipients, one a line, - for stdin.
	ToFile string
	// UUID is the --uuid de-duplication key.
	UUID string
	// Batch sends to users through message/v4/batch_send.
	Batch bool
}

func (o *SendOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&o.To, "to", nil, "recipient: ou_/on_/oc_ id, email, user id, or type:id; repeatable, comma-separated")
	cmd.Flags().StringVar(&o.ToFile, "to-file", "", "read recipients from this file, one a line (# comments), - for stdin")
	cmd.Flags().StringVar(&o.UUID, "uuid", "", "de-duplication key: Feishu sends at most one message per key (per recipient) within an hour")
	cmd.Flags().BoolVar(&o.Batch, "batch", false, "send to many users with Feishu's batch_send (users only, 200 ids a request)")
}

// retryBaseDelay is the first backoff; tests shorten it.
var retryBaseDelay = 500 * time.Millisecond

// job is one message prepared for one recipient.
type job struct {
	to   string // what the user sees: the recipient, or "webhook"
	rcpt feishu.Recipient
	uuid string
	msg  feishu.Message
	req  *feishu.Request
	// members are the recipients of a batch_send job.
	members []feishu.Recipient
}

func (j job) webhook() bool { return j.to == "webhook" }

// Result is the outcome of one message, as printed with --json.
type Result struct {
	To            string       `json:"to"`
	ReceiveIDType string       `json:"receive_id_type,omitempty"`
	OK            bool         `json:"ok"`
	MessageID     string       `json:"message_id,omitempty"`
	UUID          string       `json:"uuid,omitempty"`
	Attempts      int          `json:"attempts"`
	Spooled       string       `json:"spooled,omitempty"`
	Error         *ResultError `json:"error,omitempty"`
}

// ResultError is the error of a failed message, as printed with --json.
type ResultError struct {
	Code      int    `json:"code"`
	Msg       string `json:"msg"`
	Hint      string `json:"hint,omitempty"`
	Retryable bool   `json:"retryable"`
	LogID     string `json:"log_id,omitempty"`
}

// runStats counts a run's messages for the metrics file.
type runStats struct{ sent, failed, spooled int }

// failure is a message that was not delivered, for the alert.
type failure struct {
	to  string
	err error
}

// deliver sends msg to every recipient (or once through the webhook),
// printing and logging one result per message. All requests are prepared,
// and so validated, before the first is sent. Messages that fail
// transiently, or are cut off by an interrupt or the deadline, go to the
// spool when one is set.
func (f *Factory) deliver(ctx context.Context, command string, o *SendOptions, msg feishu.Message) (err error) {
	start := time.Now()
	s, err := f.Settings()
	if err != nil {
		return err
	}
	if f.preview != nil {
		return f.writePreview(command, s, o, msg)
	}
	var stats runStats
	if s.MetricsFile != "" && !s.DryRun {
		defer func() { f.writeMetrics(s, command, start, stats, err) }()
	}
	jobs, client, err := f.prepare(s, o, msg)
	if err != nil {
		return err
	}
	notifier, err := f.prepareNotify(s, client)
	if err != nil {
		return err
	}
	if s.DryRun {
		return f.printDryRun(jobs)
	}
	log, closeLog, err := openRunLog(s.LogFile, command)
	if err != nil {
		return err
	}
	defer closeLog()
	ctx, cancel := withDeadline(ctx, s.Deadline)
	defer cancel()

	if o.Batch {
		return f.deliverBatch(ctx, s, command, jobs, client, notifier, log, &stats, start)
	}

	results := make([]Result, len(jobs))
	errs := make([]error, len(jobs))
	notes := make([]string, len(jobs))
	prog := f.startProgress(len(jobs))
	out := newEmitter(f, len(jobs), s.JSON, prog)
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(s.Workers, len(jobs)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				j := jobs[i]
				res, err := f.attempt(ctx, client, j, log)
				if err != nil {
					if path, uncertain := f.spoolFailed(s, command, j, res, err); path != "" {
						res.Spooled = path
						notes[i] = "; spooled to " + path + " for `feishu-push flush`"
						if uncertain {
							notes[i] = "; the post may have landed, so it is spooled as uncertain to " + path + " (`feishu-push flush --resend-uncertain` sends it again)"
						}
					}
				}
				results[i], errs[i] = res, err
				prog.done(err == nil)
				out.done(i, func() {
					if err == nil {
						out.data(fmt.Sprintf("%s\t%s", res.To, res.MessageID))
					} else {
						f.reportFailure(j.to, err, notes[i])
					}
				})
			}
		}()
	}
	for i := range jobs {
		work <- i
	}
	close(work)
	wg.Wait()
	prog.stop()

	var failures []failure
	for i, err := range errs {
		switch {
		case err == nil:
			stats.sent++
		default:
			stats.failed++
			if results[i].Spooled != "" {
				stats.spooled++
			}
			failures = append(failures, failure{to: jobs[i].to, err: err})
		}
	}
	return f.finish(ctx, s, command, len(jobs), results, failures, notifier, log, stats, start)
}

// finish prints the summary and the --json results, sends the alert, and
// returns the run's error.
func (f *Factory) finish(ctx context.Context, s *Settings, command string, total int, results []Result, failures []failure,
	notifier *notifier, log zerolog.Logger, stats runStats, start time.Time) error {
	elapsed := time.Since(start)
	sum := Summary{Sent: stats.sent, Failed: stats.failed, Spooled: stats.spooled, ElapsedMS: elapsed.Milliseconds()}
	if secs := elapsed.Seconds(); secs > 0 {
		sum.Rate = math.Round(float64(stats.sent)/secs*10) / 10
	}
	if s.JSON {
		if err := writeJSON(f.IO.Out, map[string]any{"results": results, "summary": sum}); err != nil {
			return err
		}
	}
	line := fmt.Sprintf("sent %d, failed %d, spooled %d in %.1fs (%.1f msg/s)", sum.Sent, sum.Failed, sum.Spooled, elapsed.Seconds(), sum.Rate)
	if len(failures) == 0 {
		if total > 1 && f.stderrIsTerminal() {
			fmt.Fprintln(f.IO.ErrOut, "feishu-push: "+line)
		}
		return nil
	}
	if notifier != nil && !interrupted(ctx) {
		notifier.alert(ctx, f, log, command, total, failures)
	}
	summary := ""
	if total > 1 {
		summary = fmt.Sprintf("%d of %d messages failed: %s", len(failures), total, line)
	}
	return &reportedError{err: failures[0].err, summary: summary}
}

// Summary is a run's tally, as printed with --json.
type Summary struct {
	Sent      int     `json:"sent"`
	Failed    int     `json:"failed"`
	Spooled   int     `json:"spooled"`
	ElapsedMS int64   `json:"elapsed_ms"`
	Rate      float64 `json:"rate"`
}

// withDeadline bounds ctx by --deadline; 0 leaves it unbounded.
func withDeadline(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d)
}

// attempt sends one job unless the run was already stopped, and ties an
// interrupt to the error so that it exits 130.
func (f *Factory) attempt(ctx context.Context, client *feishu.Client, j job, log zerolog.Logger) (Result, error) {
	if ctx.Err() != nil {
		err := fmt.Errorf("not sent: %w", context.Cause(ctx))
		res := Result{To: j.to, ReceiveIDType: j.rcpt.IDType, UUID: j.uuid, Error: resultError(err)}
		logResult(log, j, res, err, 0, nil)
		return res, &notSentError{err}
	}
	res, err := f.sendOne(ctx, client, j, log)
	if err != nil && interrupted(ctx) {
		err = fmt.Errorf("%w: %w", context.Cause(ctx), err)
	}
	return res, err
}

// notSentError is a message the run never tried to send.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

func interrupted(ctx context.Context) bool {
	var ie *feishu.InterruptedError
	return errors.As(context.Cause(ctx), &ie)
}

// spoolFailed writes a failed message to the spool when one is set and the
// failure is transient (or an interrupt): a retry later may deliver it. It
// returns the spool file, and whether a webhook post may already have landed.
func (f *Factory) spoolFailed(s *Settings, command string, j job, res Result, err error) (path string, uncertain bool) {
	if s.SpoolDir == "" {
		return "", false
	}
	if k := feishu.Classify(err); k != feishu.KindTransient && k != feishu.KindInterrupted {
		return "", false
	}
	var ns *notSentError
	e := &spool.Entry{Command: command, MsgType: j.msg.MsgType, Content: j.msg.Content, UUID: j.uuid,
		Attempts: res.Attempts, LastError: err.Error()}
	if j.webhook() {
		e.Mode, e.WebhookID = spool.ModeWebhook, webhookID(s.Webhook)
		// Without a uuid only a failure that proves the post never landed
		// lets flush send it again by itself.
		e.MaybeDelivered = !errors.As(err, &ns) && !feishu.NotDelivered(err)
	} else {
		e.Mode, e.AppID, e.BaseURL = spool.ModeApp, s.AppID, s.BaseURL
		e.ReceiveIDType, e.ReceiveID = j.rcpt.IDType, j.rcpt.ID
	}
	sp := &spool.Spool{Dir: s.SpoolDir}
	p, werr := sp.Put(e)
	if werr != nil {
		fmt.Fprintf(f.IO.ErrOut, "feishu-push: spool %s: %v\n", s.SpoolDir, unwrapPathError(werr))
		return "", false
	}
	return p, e.MaybeDelivered
}

// webhookID names a webhook in the spool without revealing its token.
func webhookID(hookURL string) string {
	tok, err := feishu.ParseWebhookURL(hookURL)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:6])
}

// prepare resolves recipients and builds every request, so that bad input
// fails before anything is sent or any token fetched.
func (f *Factory) prepare(s *Settings, o *SendOptions, msg feishu.Message) ([]job, *feishu.Client, error) {
	client := f.client(s)
	if s.HasWebhook() {
		if len(o.To) > 0 {
			return nil, nil, usageErrorf("--to is not used with a webhook: a custom bot posts to its own group")
		}
		if o.UUID != "" {
			return nil, nil, usageErrorf("--uuid is not used with a webhook: custom bots have no de-duplication")
		}
		if o.ToFile != "" || o.Batch {
			return nil, nil, usageErrorf("--to-file and --batch are not used with a webhook: a custom bot posts to its own group")
		}
		req, err := client.Webhook.NewSendRequest(msg)
		if err != nil {
			return nil, nil, inputError(err)
		}
		return []job{{to: "webhook", msg: msg, req: req}}, client, nil
	}
	if !s.HasApp() {
		return nil, nil, usageErrorf("no credentials: set FEISHU_APP_ID and FEISHU_APP_SECRET (or --app-secret-file) for an app bot, or FEISHU_WEBHOOK_URL for a group bot")
	}
	to := o.To
	if len(to) == 0 && o.ToFile == "" {
		to = s.DefaultTo
	}
	rcpts, err := feishu.ParseRecipients(to)
	if err != nil {
		return nil, nil, usageErrorf("--to: %v", err)
	}
	if o.ToFile != "" {
		more, err := f.readRecipientFile(o.ToFile)
		if err != nil {
			return nil, nil, err
		}
		rcpts = feishu.Dedupe(append(rcpts, more...))
	}
	if len(rcpts) == 0 {
		return nil, nil, usageErrorf("--to is required: who gets the message")
	}
	if o.Batch {
		return f.prepareBatch(client, rcpts, msg, o)
	}
	jobs := make([]job, 0, len(rcpts))
	for _, r := range rcpts {
		id, err := deriveUUID(o.UUID, r, len(rcpts))
		if err != nil {
			return nil, nil, err
		}
		req, err := client.Messages.NewCreateRequest(r, msg, id)
		if err != nil {
			return nil, nil, inputError(err)
		}
		jobs = append(jobs, job{to: r.String(), rcpt: r, uuid: id, msg: msg, req: req})
	}
	return jobs, client, nil
}

func inputError(err error) error {
	var le *feishu.LimitError
	if errors.As(err, &le) {
		return err
	}
	return &UsageError{Err: err}
}

// deriveUUID returns the uuid of the message to r. Without a key each
// message gets a random one, which still makes its own retries (and a later
// flush) safe. With a key and one recipient the key is used as is; with
// several, each recipient gets key-<hash of recipient>, within Feishu's 50
// characters.
func deriveUUID(key string, r feishu.Recipient, n int) (string, error) {
	if key == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		return "fp-" + hex.EncodeToString(b), nil
	}
	if len(key) > feishu.MaxUUIDLen {
		return "", usageErrorf("--uuid %q is longer than %d characters", key, feishu.MaxUUIDLen)
	}
	if n == 1 {
		return key, nil
	}
	sum := sha256.Sum256([]byte(r.IDType + ":" + r.ID))
	id := key + "-" + hex.EncodeToString(sum[:6])
	if len(id) > feishu.MaxUUIDLen {
		sum = sha256.Sum256([]byte(key + "\x00" + r.IDType + ":" + r.ID))
		id = "fp-" + hex.EncodeToString(sum[:])[:feishu.MaxUUIDLen-3]
	}
	return id, nil
}

// client returns the invocation's one API client, built on first use from
// s (the Factory's settings, themselves resolved once), so that every
// request of a run shares its tenant token and its rate limiter.
func (f *Factory) client(s *Settings) *feishu.Client {
	if f.apiClient != nil {
		return f.apiClient
	}
	opts := []feishu.Option{
		feishu.WithBaseURL(s.BaseURL),
		feishu.WithTimeout(s.Timeout),
		feishu.WithUserAgent("feishu-push/" + version()),
		feishu.WithClock(f.Now),
		feishu.WithRetryPolicy(feishu.RetryPolicy{Retries: s.Retries, BaseDelay: retryBaseDelay,
			MaxDelay: 10 * time.Second, MaxWait: s.RetryMaxWait}),
	}
	if f.sleep != nil {
		opts = append(opts, feishu.WithSleep(f.sleep))
	}
	opts = append(opts, feishu.WithRateLimiter(feishu.NewRateLimiter(s.Limits, feishu.WebhookLimits)))
	if s.HasApp() {
		opts = append(opts, feishu.WithCredentials(s.AppID, s.AppSecret))
	}
	if s.HasWebhook() {
		opts = append(opts, feishu.WithWebhook(s.Webhook, s.WebhookSecret))
	}
	if s.TokenCache != "" {
		opts = append(opts, feishu.WithTokenStore(&tokencache.File{Path: s.TokenCache,
			Warn: func(w string) { fmt.Fprintln(f.IO.ErrOut, "feishu-push: warning: "+w) }}))
	}
	f.apiClient = feishu.New(opts...)
	return f.apiClient
}

func (f *Factory) printDryRun(jobs []job) error {
	for _, j := range jobs {
		if err := writeJSON(f.IO.Out, j.req.Redacted()); err != nil {
			return err
		}
	}
	return nil
}

// sendOne sends one prepared message and logs its result.
func (f *Factory) sendOne(ctx context.Context, client *feishu.Client, j job, log zerolog.Logger) (Result, error) {
	start := time.Now()
	res := Result{To: j.to, ReceiveIDType: j.rcpt.IDType, UUID: j.uuid}
	var (
		resp *feishu.Response
		err  error
	)
	if j.webhook() {
		resp, err = client.Webhook.Send(ctx, j.req)
	} else {
		var sent *feishu.SentMessage
		sent, resp, err = client.Messages.Create(ctx, j.req)
		if sent != nil {
			res.MessageID = sent.MessageID
		}
	}
	res.OK = err == nil
	if resp != nil {
		res.Attempts = resp.Attempts
	}
	if err != nil {
		res.Error = resultError(err)
	}
	logResult(log, j, res, err, time.Since(start), resp)
	return res, err
}

// logResult writes the log line of one message.
func logResult(log zerolog.Logger, j job, res Result, err error, took time.Duration, resp *feishu.Response) {
	ev := log.Info()
	if err != nil {
		ev = log.Error()
	}
	ev = ev.Str("recipient", j.to).Str("msg_type", j.msg.MsgType).Bool("ok", res.OK).
		Int("attempts", res.Attempts).Int64("duration_ms", took.Milliseconds())
	if j.rcpt.IDType != "" {
		ev = ev.Str("receive_id_type", j.rcpt.IDType)
	}
	if j.uuid != "" {
		ev = ev.Str("uuid", j.uuid)
	}
	if res.MessageID != "" {
		ev = ev.Str("message_id", res.MessageID)
	}
	if res.Error != nil {
		ev = ev.Int("code", res.Error.Code).Str("error", res.Error.Msg)
		if res.Error.LogID != "" {
			ev = ev.Str("log_id", res.Error.LogID)
		}
	} else {
		ev = ev.Int("code", 0)
		if resp != nil && resp.LogID != "" {
			ev = ev.Str("log_id", resp.LogID)
		}
	}
	ev.Send()
}

func resultError(err error) *ResultError {
	var apiErr *feishu.APIError
	var re *ResultError
	if errors.As(err, &apiErr) {
		msg := apiErr.Msg
		if apiErr.Code == 0 && apiErr.HTTPStatus != 0 {
			msg = fmt.Sprintf("HTTP %d: %s", apiErr.HTTPStatus, apiErr.Msg)
		}
		re = &ResultError{Code: apiErr.Code, Msg: msg, Hint: apiErr.Hint(), Retryable: apiErr.Retryable(), LogID: apiErr.LogID}
	} else {
		re = &ResultError{Msg: err.Error(), Retryable: feishu.Classify(err) == feishu.KindTransient}
	}
	var netErr *feishu.NetworkError
	webhook := (apiErr != nil && apiErr.Endpoint == feishu.EndpointWebhook) || (errors.As(err, &netErr) && netErr.Endpoint == feishu.EndpointWebhook)
	if webhook && re.Retryable && !feishu.NotDelivered(err) {
		re.Hint = "the post may have landed; it was not repeated because a webhook has no de-duplication"
	}
	return re
}

// reportFailure prints one line about a failed message on stderr.
func (f *Factory) reportFailure(to string, err error, note string) {
	var b strings.Builder
	fmt.Fprintf(&b, "feishu-push: send to %s failed: %v", to, err)
	if re := resultError(err); re.Hint != "" {
		b.WriteString("; hint: " + re.Hint)
	}
	b.WriteString(note)
	fmt.Fprintln(f.IO.ErrOut, b.String())
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// openRunLog opens the log file for appending, or returns a no-op logger
// when path is empty. Every line carries the time and the command.
func openRunLog(path, command string) (zerolog.Logger, func(), error) {
	if path == "" {
		return zerolog.Nop(), func() {}, nil
	}
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return zerolog.Nop(), nil, usageErrorf("--log-file %s: %v", path, unwrapPathError(err))
	}
	l := zerolog.New(fh).With().Timestamp().Str("command", command).Logger()
	return l, func() { _ = fh.Close() }, nil
}

// readRecipientFile reads --to-file: one recipient (or a comma-separated
// list) a line, blank lines and # comments ignored.
func (f *Factory) readRecipientFile(path string) ([]feishu.Recipient, error) {
	b, err := f.readInput("--to-file", path)
	if err != nil {
		return nil, err
	}
	var out []feishu.Recipient
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if strings.TrimSpace(line) == "" {
			continue
		}
		rs, err := feishu.ParseRecipients([]string{line})
		if err != nil {
			return nil, usageErrorf("--to-file %s:%d: %v", displayName(path), n, err)
		}
		out = append(out, rs...)
	}
	return out, nil
}
