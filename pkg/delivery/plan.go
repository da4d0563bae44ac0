// Package delivery is the delivery engine of feishu-push: it resolves who
// gets a run's messages (ResolveAudience), turns a message into one
// validated request per recipient (NewPlan), and hands the plan to a Sender:
// the Engine sends it (workers, rate limits, retries' results) and records
// each outcome (spool, log line, results, alert); DryRun prints it; Preview
// draws it. Every decision about a failure asks feishu.Classify.
//
// Where things plug in:
//   - A new kind of message (an image or file uploaded then sent, a
//     rich-text post, an update in place, a reply) is a Mode: its planner
//     returns a Plan whose Prepare builds job i on demand (checking what it
//     can, the message itself, before returning the plan), Engine.send
//     sends it, and DryRun and Preview need nothing new. An upload a message
//     depends on goes through Sender.AttachImage, which each Sender answers
//     its own way.
//   - The write-ahead spool is a WriteAhead Recorder (Spooler): Begin puts
//     every job of the plan on disk before the first attempt, After removes
//     each once accepted or keeps it for flush. Only app and webhook jobs of
//     the types the spool keeps are written ahead (see spoolable).
//   - A command builds a Selection, resolves it, plans and delivers; flush
//     builds its plan from the spool and runs it through Engine.Flush.
package delivery

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/spool"
)

// Mode says how a message travels. A new kind of message (an upload then a
// send, a rich-text post, an update in place, a reply) is a new Mode with
// its case in NewPlan's caller and in Engine.send.
type Mode int

const (
	// ModeApp sends through the app bot, im/v1 messages, one per recipient.
	ModeApp Mode = iota
	// ModeWebhook posts once to the custom bot's group.
	ModeWebhook
	// ModeBatch sends to many users with message/v4/batch_send.
	ModeBatch
)

// Selection is what a command line says about recipients, before anything
// is read.
type Selection struct {
	// To are the --to values, each possibly a comma-separated list.
	To []string
	// ToFile names a file of recipients, one a line, "-" for stdin.
	ToFile string
	// Batch asks for batch_send.
	Batch bool
	// UUID is the --uuid de-duplication key.
	UUID string
	// Defaults are the profile's recipients, used when none are given.
	Defaults []string
	// Webhook is set when a webhook is configured; WebhookFlag when it was
	// given by --webhook on this command line.
	Webhook, WebhookFlag bool
	// HasApp is set when app credentials are configured.
	HasApp bool
	// DryRun lets a plan be printed without credentials; Preview also lets
	// it have no recipient.
	DryRun, Preview bool
	// Read reads a file named by a flag, or stdin for "-".
	Read func(flag, path string) ([]byte, error)
}

// Audience is who gets a run's messages, resolved once per run.
type Audience struct {
	Mode       Mode
	Recipients []feishu.Recipient
	// UUID is the de-duplication key the plan derives uuids from.
	UUID string
}

// Names lists the recipients as shown to people, or "webhook".
func (a Audience) Names() []string {
	if a.Mode == ModeWebhook {
		return []string{"webhook"}
	}
	names := make([]string, len(a.Recipients))
	for i, r := range a.Recipients {
		names[i] = r.String()
	}
	return names
}

// ResolveAudience picks the mode and reads, parses and de-duplicates the
// recipients, once. An explicit --to or --to-file with app credentials
// selects the app bot even when a webhook comes from the environment or a
// config file. It has no side effect other than reading sel.ToFile.
func ResolveAudience(sel Selection) (Audience, error) {
	explicit := len(sel.To) > 0 || sel.ToFile != "" || sel.Batch
	if sel.Webhook && !(explicit && sel.HasApp && !sel.WebhookFlag) {
		if len(sel.To) > 0 {
			return Audience{}, feishu.Usagef("--to is not used with a webhook: a custom bot posts to its own group")
		}
		if sel.UUID != "" {
			return Audience{}, feishu.Usagef("--uuid is not used with a webhook: custom bots have no de-duplication")
		}
		if sel.ToFile != "" || sel.Batch {
			return Audience{}, feishu.Usagef("--to-file and --batch are not used with a webhook: a custom bot posts to its own group")
		}
		return Audience{Mode: ModeWebhook}, nil
	}
	if !sel.HasApp && !sel.DryRun && !sel.Preview {
		return Audience{}, feishu.Usagef("no credentials: set FEISHU_APP_ID and FEISHU_APP_SECRET (or --app-secret-file) for an app bot, or FEISHU_WEBHOOK_URL for a group bot")
	}
	to := sel.To
	if len(to) == 0 && sel.ToFile == "" {
		to = sel.Defaults
	}
	rcpts, err := feishu.ParseRecipients(to)
	if err != nil {
		return Audience{}, feishu.Usagef("--to: %v", err)
	}
	if sel.ToFile != "" {
		more, err := readRecipientFile(sel.Read, sel.ToFile)
		if err != nil {
			return Audience{}, err
		}
		rcpts = feishu.Dedupe(append(rcpts, more...))
	}
	if len(rcpts) == 0 && !sel.Preview {
		return Audience{}, feishu.Usagef("--to is required: who gets the message")
	}
	a := Audience{Mode: ModeApp, Recipients: rcpts, UUID: sel.UUID}
	if sel.Batch {
		if sel.UUID != "" {
			return Audience{}, feishu.Usagef("--uuid is not used with --batch: batch_send has no de-duplication")
		}
		a.Mode = ModeBatch
	}
	return a, nil
}

// readRecipientFile reads --to-file: one recipient (or a comma-separated
// list) a line, of any length, blank lines and # comments ignored, a
// leading byte-order mark stripped (feishu.ParseRecipientList).
func readRecipientFile(read func(flag, path string) ([]byte, error), path string) ([]feishu.Recipient, error) {
	b, err := read("--to-file", path)
	if err != nil {
		return nil, err
	}
	name := path
	if path == "-" {
		name = "stdin"
	}
	rs, err := feishu.ParseRecipientList(b)
	if err != nil {
		var le *feishu.ListError
		if errors.As(err, &le) {
			return nil, feishu.Usagef("--to-file %s:%d: %v", name, le.Line, le.Err)
		}
		return nil, feishu.Usagef("--to-file %s: %v", name, err)
	}
	return rs, nil
}

// Job is one prepared request of a plan.
type Job struct {
	// Index is the job's place in its plan, from 0.
	Index int
	// To is what people see: the recipient, "webhook", or "batch N (...)".
	To   string
	Mode Mode
	// Recipient is the app recipient; zero for a webhook or a batch.
	Recipient feishu.Recipient
	UUID      string
	Msg       feishu.Message
	Req       *feishu.Request
	// Members are the recipients of a batch job.
	Members []feishu.Recipient
	// Spooled is the spool entry a flushed job came from.
	Spooled *SpoolRef
	// Life is set for a reply, an update by key and a recall (life.go).
	Life *Life
}

// SpoolRef names a spooled message that a job sends again.
type SpoolRef struct {
	Path  string
	Entry *spool.Entry
}

// Plan is a run's messages, each validated, before the first is sent.
//
// Its jobs are either prepared up front (Jobs: a webhook post, batches, a
// flush) or built on demand (Count and Prepare: one message per recipient),
// so that a fan-out to many recipients holds one request per worker, not
// one per recipient. A Sender reads jobs only through Len and Job. A new
// kind of message fans out the same way: its planner sets Count and a
// Prepare that builds job i from the audience's recipient i, and checks
// what it can (the message itself) before returning the plan.
type Plan struct {
	Audience Audience
	Msg      feishu.Message
	// Jobs are the jobs prepared up front; unused when Prepare is set.
	Jobs []Job
	// Count is the number of jobs Prepare builds.
	Count int
	// Prepare builds job i (0 <= i < Count). It must return the same job
	// (recipient, uuid, content) each time it is called with i: the spool
	// writes job i ahead of the run and the engine builds it again to send
	// it.
	Prepare func(i int) (Job, error)
}

// Len is the number of jobs of p.
func (p *Plan) Len() int {
	if p.Prepare != nil {
		return p.Count
	}
	return len(p.Jobs)
}

// Job returns job i of p, building it when p prepares jobs on demand. A
// job that cannot be built is an error of that job alone.
func (p *Plan) Job(i int) (Job, error) {
	if p.Prepare == nil {
		j := p.Jobs[i]
		j.Index = i
		return j, nil
	}
	j, err := p.Prepare(i)
	j.Index = i
	return j, err
}

// NewPlan checks msg for a and returns the plan that sends it, so that bad
// input fails before anything is sent or any token fetched. One message
// per recipient is built on demand (see Plan); the largest is built here,
// which checks the message (size, card rules) and the uuid.
func NewPlan(c *feishu.Client, a Audience, msg feishu.Message) (*Plan, error) {
	p := &Plan{Audience: a, Msg: msg}
	switch a.Mode {
	case ModeWebhook:
		req, err := c.Webhook.NewSendRequest(msg)
		if err != nil {
			return nil, inputError(err)
		}
		p.Jobs = []Job{{To: "webhook", Mode: ModeWebhook, Msg: msg, Req: req}}
	case ModeBatch:
		jobs, err := planBatch(c, a.Recipients, msg)
		if err != nil {
			return nil, err
		}
		p.Jobs = jobs
	default:
		key, derive := a.UUID, a.UUID != ""
		if !derive {
			// Each message gets its own uuid, derived from one random key
			// per run so that building job i again yields the same uuid.
			b := make([]byte, 16)
			_, _ = rand.Read(b)
			key = hex.EncodeToString(b)
		}
		n := len(a.Recipients)
		p.Count = n
		p.Prepare = func(i int) (Job, error) {
			r := a.Recipients[i]
			var id string
			if derive {
				var err error
				if id, err = DeriveUUID(key, r, n); err != nil {
					return Job{To: r.String(), Mode: ModeApp, Recipient: r}, err
				}
			} else {
				sum := sha256.Sum256([]byte(key + "\x00" + r.IDType + ":" + r.ID))
				id = "fp-" + hex.EncodeToString(sum[:16])
			}
			j := Job{To: r.String(), Mode: ModeApp, Recipient: r, UUID: id, Msg: msg}
			req, err := c.Messages.NewCreateRequest(r, msg, id)
			if err != nil {
				return j, inputError(err)
			}
			return Job{To: r.String(), Mode: ModeApp, Recipient: r, UUID: id, Msg: msg, Req: req}, nil
		}
		if n > 0 {
			// The message is the same for every recipient; the request
			// with the longest recipient is the largest, so it is the one
			// checked against the size limits.
			longest := 0
			for i, r := range a.Recipients {
				if len(r.ID)+len(r.IDType) > len(a.Recipients[longest].ID)+len(a.Recipients[longest].IDType) {
					longest = i
				}
			}
			if _, err := p.Prepare(longest); err != nil {
				return nil, err
			}
		}
	}
	return p, nil
}

// inputError marks a request that could not be prepared as bad input,
// keeping a LimitError as it is.
func inputError(err error) error {
	var le *feishu.LimitError
	if errors.As(err, &le) {
		return err
	}
	return &feishu.UsageError{Err: err}
}

// DeriveUUID returns the uuid of the message to r. Without a key it is a
// random one, which still makes the message's own retries (and a later
// flush) safe. With a key and one recipient the key is used as is; with
// several, each recipient gets key-<hash of recipient>, within Feishu's 50
// characters.
func DeriveUUID(key string, r feishu.Recipient, n int) (string, error) {
	if key == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		return "fp-" + hex.EncodeToString(b), nil
	}
	if len(key) > feishu.MaxUUIDLen {
		return "", feishu.Usagef("--uuid %q is longer than %d characters", key, feishu.MaxUUIDLen)
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

// planBatch groups user recipients into batch_send requests of at most
// 200 ids of one type each.
func planBatch(c *feishu.Client, rcpts []feishu.Recipient, msg feishu.Message) ([]Job, error) {
	byType := map[string][]feishu.Recipient{}
	var order []string
	for _, r := range rcpts {
		switch r.IDType {
		case feishu.IDTypeOpenID, feishu.IDTypeUserID, feishu.IDTypeUnionID:
		default:
			return nil, feishu.Usagef("--batch sends to users by open_id, user_id or union_id: %s is a %s", r, r.IDType)
		}
		if _, ok := byType[r.IDType]; !ok {
			order = append(order, r.IDType)
		}
		byType[r.IDType] = append(byType[r.IDType], r)
	}
	var jobs []Job
	for _, typ := range order {
		list := byType[typ]
		for start := 0; start < len(list); start += feishu.MaxBatchIDs {
			members := list[start:min(start+feishu.MaxBatchIDs, len(list))]
			var br feishu.BatchRecipients
			for _, m := range members {
				switch typ {
				case feishu.IDTypeOpenID:
					br.OpenIDs = append(br.OpenIDs, m.ID)
				case feishu.IDTypeUserID:
					br.UserIDs = append(br.UserIDs, m.ID)
				default:
					br.UnionIDs = append(br.UnionIDs, m.ID)
				}
			}
			req, err := c.Messages.NewBatchSendRequest(msg, br)
			if err != nil {
				return nil, inputError(err)
			}
			jobs = append(jobs, Job{To: fmt.Sprintf("batch %d (%d %ss)", len(jobs)+1, len(members), typ),
				Mode: ModeBatch, Msg: msg, Req: req, Members: members})
		}
	}
	return jobs, nil
}
