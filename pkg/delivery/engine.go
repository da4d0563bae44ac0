package delivery

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/spool"
)

// Sender is what a run hands its plan to: the Engine sends it, DryRun
// prints it, Preview draws it.
type Sender interface {
	// AttachImage makes an image available to the run's messages and
	// returns the key a card refers to it by: uploaded, printed or
	// embedded.
	AttachImage(ctx context.Context, name string, png []byte) (string, error)
	// Deliver sends (or prints, or draws) every job of p.
	Deliver(ctx context.Context, p *Plan) error
}

// Result is the outcome of one message, as printed with --json.
type Result struct {
	To            string `json:"to"`
	ReceiveIDType string `json:"receive_id_type,omitempty"`
	OK            bool   `json:"ok"`
	MessageID     string `json:"message_id,omitempty"`
	// Action is what a job of a message's life did: send, update, reply,
	// recall, superseded.
	Action   string       `json:"action,omitempty"`
	UUID     string       `json:"uuid,omitempty"`
	Attempts int          `json:"attempts"`
	Spooled  string       `json:"spooled,omitempty"`
	Error    *ResultError `json:"error,omitempty"`
}

// ResultError is the error of a failed message, as printed with --json.
type ResultError struct {
	Code      int    `json:"code"`
	Msg       string `json:"msg"`
	Hint      string `json:"hint,omitempty"`
	Retryable bool   `json:"retryable"`
	LogID     string `json:"log_id,omitempty"`
}

// Summary is a run's tally, as printed with --json.
type Summary struct {
	Sent      int     `json:"sent"`
	Failed    int     `json:"failed"`
	Spooled   int     `json:"spooled"`
	ElapsedMS int64   `json:"elapsed_ms"`
	Rate      float64 `json:"rate"`
}

// Stats count a run's messages, for the metrics file.
type Stats struct{ Sent, Failed, Spooled int }

// Failure is a message that was not delivered.
type Failure struct {
	To  string
	Err error
}

// Report is what Run found: one result per message, in the plan's order.
type Report struct {
	Results  []Result
	Failures []Failure
	Stats    Stats
	// Err, when set, stopped the run before anything was sent: the
	// write-ahead spool could not be written (errors.Is(Err, spool.ErrWrite)).
	Err error
}

// ReportedError is a failure whose details were already printed, one line
// per failed message; Summary, if any, is printed after them.
type ReportedError struct {
	Err     error
	Summary string
}

func (e *ReportedError) Error() string {
	if e.Summary != "" {
		return e.Summary
	}
	return e.Err.Error()
}
func (e *ReportedError) Unwrap() error { return e.Err }

// NotSentError is a message the run never tried to send.
type NotSentError struct{ Err error }

func (e *NotSentError) Error() string { return e.Err.Error() }
func (e *NotSentError) Unwrap() error { return e.Err }

// Engine sends plans: Workers messages in flight, the client's limiter
// pacing them and its policy retrying them, each outcome logged, recorded
// and printed in the plan's order.
type Engine struct {
	Client  *feishu.Client
	Command string
	Workers int
	// Log gets one line per message.
	Log zerolog.Logger
	// Recorder, if set, sees every job before its first attempt and after
	// its outcome: the spool.
	Recorder Recorder
	// Notifier, if set, alerts someone when messages fail.
	Notifier *Notifier
	Out      *Output

	mu    sync.Mutex
	stats Stats
}

// Recorder records outcomes. Before runs ahead of a job's first attempt;
// After sees the result and may set res.Spooled; it returns a note for the
// failure line.
type Recorder interface {
	Before(j *Job) error
	After(j *Job, res *Result, err error) (note string)
}

// WriteAhead is a Recorder that puts every job of a plan on disk before the
// first is attempted (the Spooler): Begin runs once per run, before any
// send, and its end function once the run is over. A Begin error stops the
// run with nothing sent.
type WriteAhead interface {
	Recorder
	Begin(ctx context.Context, p *Plan) (end func(), err error)
}

// Stats returns the counts of every run of e so far.
func (e *Engine) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stats
}

// AttachImage uploads png through the app and returns its image_key.
func (e *Engine) AttachImage(ctx context.Context, name string, png []byte) (string, error) {
	req, err := e.Client.Images.NewUploadRequest(name, png)
	if err != nil {
		return "", inputError(err)
	}
	key, _, err := e.Client.Images.Upload(ctx, req)
	return key, err
}

// Deliver runs p, prints the summary and the --json results, sends the
// alert, and returns the first failure as a ReportedError.
func (e *Engine) Deliver(ctx context.Context, p *Plan) error {
	start := time.Now()
	rep := e.Run(ctx, p)
	if rep.Err != nil {
		// Nothing was sent: say so, and alert, since the message is not
		// kept either.
		if e.Notifier != nil && !Interrupted(ctx) && errors.Is(rep.Err, spool.ErrWrite) {
			e.Notifier.Alert(ctx, e, p.Len(), []Failure{{To: "spool", Err: rep.Err}})
		}
		return rep.Err
	}
	elapsed := time.Since(start)
	st := rep.Stats
	sum := Summary{Sent: st.Sent, Failed: st.Failed, Spooled: st.Spooled, ElapsedMS: elapsed.Milliseconds()}
	if secs := elapsed.Seconds(); secs > 0 {
		sum.Rate = math.Round(float64(st.Sent)/secs*10) / 10
	}
	if e.Out.JSON {
		if err := writeJSON(e.Out.Out, map[string]any{"results": rep.Results, "summary": sum}); err != nil {
			return err
		}
	}
	total := len(rep.Results)
	line := fmt.Sprintf("sent %d, failed %d, spooled %d in %.1fs (%.1f msg/s)", sum.Sent, sum.Failed, sum.Spooled, elapsed.Seconds(), sum.Rate)
	if len(rep.Failures) == 0 {
		if total > 1 && e.Out.Terminal {
			fmt.Fprintln(e.Out.ErrOut, "feishu-push: "+line)
		}
		return nil
	}
	if e.Notifier != nil && !Interrupted(ctx) {
		e.Notifier.Alert(ctx, e, total, rep.Failures)
	}
	summary := ""
	if total > 1 {
		summary = fmt.Sprintf("%d of %d messages failed: %s", len(rep.Failures), total, line)
	}
	return &ReportedError{Err: rep.Failures[0].Err, Summary: summary}
}

// Run sends every job of p and reports each outcome. Jobs are built as
// workers take them (see Plan), so memory stays flat in the number of
// recipients. When the Recorder is a WriteAhead, every job is put on disk
// first; if that fails nothing is sent and Report.Err says why.
func (e *Engine) Run(ctx context.Context, p *Plan) *Report {
	n := p.Len()
	rep := &Report{}
	if wa, ok := e.Recorder.(WriteAhead); ok && n > 0 {
		end, err := wa.Begin(ctx, p)
		if err != nil {
			rep.Err = err
			if errors.Is(err, spool.ErrWrite) {
				e.Log.Error().Str("error", err.Error()).Int("messages", n).Msg("spool write failed; nothing sent")
			}
			// Every message of the run failed, none is kept.
			rep.Stats.Failed = n
			e.mu.Lock()
			e.stats.Failed += n
			e.mu.Unlock()
			return rep
		}
		defer end()
	}
	outs := make([][]outcome, n)
	prog := e.Out.startProgress(n)
	em := newEmitter(n, prog)
	job := func(i int) {
		j, err := p.Job(i)
		var o []outcome
		if err != nil {
			o = e.notSent(&j, err)
			if e.Recorder != nil && j.Mode != ModeBatch {
				o[0].note = e.Recorder.After(&j, &o[0].res, o[0].err)
			}
		} else {
			o = e.attempt(ctx, &j)
		}
		outs[i] = o
		for _, x := range o {
			prog.done(x.err == nil)
		}
		// The closure keeps the outcomes, not the job and its request,
		// while it waits for its turn.
		em.done(i, func() { e.print(o) })
	}
	if workers := min(max(e.Workers, 1), n); workers == 1 {
		// One message (a cron job's usual run) or one worker: no pool.
		for i := 0; i < n; i++ {
			job(i)
		}
	} else {
		work := make(chan int)
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range work {
					job(i)
				}
			}()
		}
		for i := 0; i < n; i++ {
			work <- i
		}
		close(work)
		wg.Wait()
	}
	prog.stop()

	for _, o := range outs {
		for _, x := range o {
			rep.Results = append(rep.Results, x.res)
			switch {
			case x.err == nil:
				rep.Stats.Sent++
			default:
				rep.Stats.Failed++
				if x.res.Spooled != "" {
					rep.Stats.Spooled++
				}
				rep.Failures = append(rep.Failures, Failure{To: x.res.To, Err: x.err})
			}
		}
	}
	e.mu.Lock()
	e.stats.Sent += rep.Stats.Sent
	e.stats.Failed += rep.Stats.Failed
	e.stats.Spooled += rep.Stats.Spooled
	e.mu.Unlock()
	return rep
}

// outcome is the result of one message of a job: one for most jobs, one
// per member for a batch.
type outcome struct {
	res Result
	err error
	// note ends the failure line, e.g. where the message was spooled.
	note string
	// hidden is set for a batch member whose failure is the batch's own,
	// already printed once for the batch.
	hidden bool
	// recall is set for the outcome of a recall, whose failure line says so.
	recall bool
}

// print prints a job's outcomes: the result lines on stdout, one line per
// failure on stderr.
func (e *Engine) print(outs []outcome) {
	for _, o := range outs {
		switch {
		case o.err == nil:
			e.Out.data(fmt.Sprintf("%s\t%s", o.res.To, o.res.MessageID))
		case !o.hidden:
			what := "send to " + o.res.To
			if o.recall {
				what = "recall of " + o.res.To
			}
			e.Out.ReportFailure(what, o.err, o.note)
		}
	}
}

// attempt sends one job unless the run was already stopped, ties an
// interrupt to the error so that it exits 130, and records the outcome. A
// panic fails the job, not the process.
func (e *Engine) attempt(ctx context.Context, j *Job) (outs []outcome) {
	defer func() {
		if r := recover(); r != nil {
			err := fmt.Errorf("internal error: %v", r)
			outs = []outcome{{res: Result{To: j.To, Error: resultError(err)}, err: err}}
		}
	}()
	if ctx.Err() != nil {
		err := &NotSentError{fmt.Errorf("not sent: %w", context.Cause(ctx))}
		outs = e.notSent(j, err)
	} else {
		if e.Recorder != nil {
			if err := e.Recorder.Before(j); err != nil {
				return e.notSent(j, err)
			}
		}
		outs = e.send(ctx, j, e.Log)
	}
	for i := range outs {
		o := &outs[i]
		if o.err != nil && Interrupted(ctx) && !errors.As(o.err, new(*NotSentError)) {
			o.err = fmt.Errorf("%w: %w", context.Cause(ctx), o.err)
		}
	}
	if e.Recorder != nil && j.Mode != ModeBatch {
		outs[0].note = e.Recorder.After(j, &outs[0].res, outs[0].err)
	}
	return outs
}

// notSent is the outcome of a job never attempted.
func (e *Engine) notSent(j *Job, err error) []outcome {
	if j.Mode == ModeBatch {
		return e.batchOutcomes(j, nil, nil, err, 0)
	}
	res := Result{To: j.To, ReceiveIDType: j.Recipient.IDType, UUID: j.UUID, Error: resultError(err)}
	logResult(e.Log, j, res, 0, nil)
	return []outcome{{res: res, err: err, recall: j.Mode == ModeRecall}}
}

// send sends one prepared job and logs its result. Each Mode has its case.
func (e *Engine) send(ctx context.Context, j *Job, log zerolog.Logger) []outcome {
	start := time.Now()
	res := Result{To: j.To, ReceiveIDType: j.Recipient.IDType, UUID: j.UUID}
	var (
		resp *feishu.Response
		err  error
	)
	switch j.Mode {
	case ModeBatch:
		br, resp, err := e.Client.Messages.BatchSend(ctx, j.Req)
		return e.batchOutcomes(j, br, resp, err, time.Since(start))
	case ModeWebhook:
		resp, err = e.Client.Webhook.Send(ctx, j.Req)
	case ModeReply, ModeKeyed, ModeRecall:
		res.MessageID, res.Action, resp, err = e.sendLife(ctx, j)
	default:
		var sent *feishu.SentMessage
		sent, resp, err = e.Client.Messages.Create(ctx, j.Req)
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
	logResult(log, j, res, time.Since(start), resp)
	return []outcome{{res: res, err: err, recall: j.Mode == ModeRecall}}
}

// batchOutcomes reports one result per member of a batch: delivered, or
// listed by Feishu as invalid, or failed with the batch.
func (e *Engine) batchOutcomes(j *Job, br *feishu.BatchResult, resp *feishu.Response, err error, took time.Duration) []outcome {
	invalid := map[string]bool{}
	if br != nil {
		for _, l := range [][]string{br.InvalidOpenIDs, br.InvalidUserIDs, br.InvalidUnionIDs} {
			for _, id := range l {
				invalid[id] = true
			}
		}
	}
	var outs []outcome
	if err != nil {
		// The batch's failure is printed once, for the batch.
		e.Out.ReportFailure("send to "+j.To, err, "")
	}
	for _, m := range j.Members {
		mj := &Job{To: m.String(), Mode: ModeBatch, Recipient: m, Msg: j.Msg}
		r := Result{To: mj.To, ReceiveIDType: m.IDType}
		if resp != nil {
			r.Attempts = resp.Attempts
		}
		merr := err
		if err == nil && invalid[m.ID] {
			merr = &feishu.APIError{Endpoint: feishu.EndpointBatchSend, HTTPStatus: 200,
				Msg: fmt.Sprintf("Feishu lists %s as an invalid %s (batch %s)", m.ID, m.IDType, br.MessageID)}
		}
		if merr != nil {
			r.Error = resultError(merr)
		} else {
			r.OK, r.MessageID = true, br.MessageID
		}
		logResult(e.Log, mj, r, took, resp)
		outs = append(outs, outcome{res: r, err: merr, hidden: err != nil})
	}
	return outs
}

// WithDeadline bounds ctx by d; 0 leaves it unbounded.
func WithDeadline(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d)
}

// Interrupted reports whether ctx was cancelled by a signal.
func Interrupted(ctx context.Context) bool {
	var ie *feishu.InterruptedError
	return errors.As(context.Cause(ctx), &ie)
}

// logResult writes the log line of one message.
func logResult(log zerolog.Logger, j *Job, res Result, took time.Duration, resp *feishu.Response) {
	ev := log.Info()
	if res.Error != nil {
		ev = log.Error()
	}
	ev = ev.Str("recipient", j.To).Str("msg_type", j.Msg.MsgType).Bool("ok", res.OK).
		Int("attempts", res.Attempts).Int64("duration_ms", took.Milliseconds())
	if j.Recipient.IDType != "" {
		ev = ev.Str("receive_id_type", j.Recipient.IDType)
	}
	if j.UUID != "" {
		ev = ev.Str("uuid", j.UUID)
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

// resultError describes err for --json and the log.
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

// ResultErrorOf describes err as --json and the log do.
func ResultErrorOf(err error) *ResultError { return resultError(err) }
