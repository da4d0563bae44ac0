package delivery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/msgstate"
	"github.com/feishu-push/feishu-push/pkg/spool"
)

// Modes of a message's life after it is sent.
const (
	// ModeReply replies to a message (im/v1 messages/{id}/reply).
	ModeReply Mode = 10 + iota
	// ModeKeyed sends a card under an update key: it updates the
	// remembered message in place, or sends a new one and remembers it.
	ModeKeyed
	// ModeRecall recalls a message the bot sent.
	ModeRecall
)

// Spool kinds of the messages of a message's life; a plain send has none.
const (
	KindUpdate = "update"
	KindReply  = "reply"
	KindRecall = "recall"
)

// Actions a keyed job reports in its result.
const (
	ActionSend       = "send"
	ActionUpdate     = "update"
	ActionRecall     = "recall"
	ActionGone       = "already gone"
	ActionSuperseded = "superseded"
)

// Life is what a job of a message's life needs beyond its request.
type Life struct {
	// Key and RecipientKey name the update-key entry of a keyed job or of
	// a recall by key.
	Key, RecipientKey string
	// Target is the message a keyed job updates; empty sends a new one.
	Target string
	// Fallback sends a new shared card when Target was recalled, deleted
	// or is too old to update.
	Fallback *feishu.Request
	// Why says, for a dry run, why a keyed job sends rather than updates.
	Why string
	// Superseded marks a spooled update that a later run already made
	// stale: it is dropped, not sent over the newer card.
	Superseded bool
	// ParentID and InThread are those of a reply.
	ParentID string
	InThread bool
	// State is the update-key state the job reads and writes.
	State *KeyState
}

// KeyState is the update-key state of a run: a locked msgstate
// transaction, shared by the run's workers, committed after each success.
// The state of a dry run (PeekKeyState) is never written, and may be empty
// with no transaction at all.
type KeyState struct {
	mu  sync.Mutex
	tx  *msgstate.Tx // nil: no state exists (a dry run's)
	now func() time.Time
	// readOnly drops every change: a dry run writes nothing.
	readOnly bool
	// Warn receives trouble saving the state.
	Warn io.Writer
}

// PeekKeyState opens the state in dir for a dry run, which writes nothing:
// when dir holds no state file, the state is empty and nothing is created
// (neither the directory nor its lock file); otherwise the state is read
// under its lock, as a run would see it, and never saved.
func PeekKeyState(ctx context.Context, dir string, now func() time.Time) (*KeyState, error) {
	if strings.TrimSpace(dir) == "" {
		return nil, feishu.Usagef("--state-dir: the state directory is empty")
	}
	if _, err := os.Lstat(filepath.Join(dir, msgstate.FileName)); errors.Is(err, fs.ErrNotExist) {
		return &KeyState{now: now, readOnly: true}, nil
	}
	k, err := OpenKeyState(ctx, dir, now, nil)
	if err != nil {
		return nil, err
	}
	k.readOnly = true
	return k, nil
}

// OpenKeyState opens the state directory and takes its lock until Close.
func OpenKeyState(ctx context.Context, dir string, now func() time.Time, warn io.Writer) (*KeyState, error) {
	st, err := msgstate.Open(dir)
	if err != nil {
		return nil, feishu.Usagef("--state-dir %s: %v", dir, unwrapPathError(err))
	}
	tx, err := st.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("--state-dir %s: %w", dir, err)
	}
	return &KeyState{tx: tx, now: now, Warn: warn}, nil
}

// Close releases the state's lock.
func (k *KeyState) Close() error {
	if k == nil {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.tx == nil {
		return nil
	}
	return k.tx.Close()
}

// Get returns the entry of key for a recipient.
func (k *KeyState) Get(key, rk string) (msgstate.Entry, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.tx == nil {
		return msgstate.Entry{}, false
	}
	return k.tx.Get(key, rk)
}

// Recipients lists the recipients key has entries for.
func (k *KeyState) Recipients(key string) []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.tx == nil {
		return nil
	}
	return k.tx.Recipients(key)
}

// save runs fn on the transaction and commits; trouble is a warning, since
// the message itself was delivered. A dry run's state saves nothing.
func (k *KeyState) save(fn func(tx *msgstate.Tx) error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.readOnly || k.tx == nil {
		return
	}
	err := fn(k.tx)
	if err == nil {
		err = k.tx.Commit()
	}
	if err != nil && k.Warn != nil {
		fmt.Fprintf(k.Warn, "feishu-push: warning: update-key state not saved: %v\n", err)
	}
}

// NewKeyedPlan plans a card under an update key: for each recipient, an
// update of the message remembered for key if it is younger than 14 days,
// else a new shared card (and the new message is remembered once sent).
// Only app recipients have message ids to update.
func NewKeyedPlan(c *feishu.Client, a Audience, msg feishu.Message, key string, state *KeyState) (*Plan, error) {
	if err := msgstate.ValidateKey(key); err != nil {
		return nil, feishu.Usagef("--update-key: %v", err)
	}
	switch {
	case a.Mode == ModeWebhook:
		return nil, feishu.Usagef("--update-key needs app credentials and --to: a webhook message cannot be updated")
	case a.Mode == ModeBatch:
		return nil, feishu.Usagef("--update-key is not used with --batch: batch_send returns no message ids to update")
	case msg.MsgType != feishu.MsgTypeInteractive:
		return nil, feishu.Usagef("--update-key: only cards can be updated in place")
	}
	shared, err := feishu.SharedCard(msg.Content)
	if err != nil {
		return nil, inputError(err)
	}
	msg = feishu.CardMessage(shared)
	p := &Plan{Audience: a, Msg: msg}
	now := state.now()
	for _, r := range a.Recipients {
		id, err := DeriveUUID(a.UUID, r, len(a.Recipients))
		if err != nil {
			return nil, err
		}
		create, err := c.Messages.NewCreateRequest(r, msg, id)
		if err != nil {
			return nil, inputError(err)
		}
		life := &Life{Key: key, RecipientKey: msgstate.RecipientKey(r.IDType, r.ID), State: state, Why: "no message remembered"}
		j := Job{To: r.String(), Mode: ModeKeyed, Recipient: r, UUID: id, Msg: msg, Req: create, Life: life}
		if e, ok := state.Get(key, life.RecipientKey); ok {
			life.Why = "the message " + e.MessageID + " is older than 14 days"
			if !e.OlderThan(feishu.MaxCardAge, now) {
				upd, err := c.Messages.NewUpdateRequest(e.MessageID, msg.Content)
				if err != nil {
					return nil, inputError(err)
				}
				life.Target, life.Fallback, life.Why = e.MessageID, create, ""
				j.Req = upd
			}
		}
		p.Jobs = append(p.Jobs, j)
	}
	return p, nil
}

// Describe says what a job of a message's life will do, for a dry run:
// "update om_…", "send (…)", "reply to om_…", "recall om_…".
func (j *Job) Describe() string {
	l := j.Life
	switch {
	case j.Mode == ModeRecall:
		return "recall " + l.Target
	case j.Mode == ModeReply:
		s := "reply to " + l.ParentID
		if l.InThread {
			s += " in its thread"
		}
		return s
	case l == nil:
		return "send"
	case l.Target != "":
		return "update " + l.Target
	}
	return "send (" + l.Why + ")"
}

// NewReplyPlan plans msg as a reply to the message parentID, in its thread
// when inThread. The reply always carries a uuid, derived from uuidKey.
func NewReplyPlan(c *feishu.Client, parentID string, inThread bool, uuidKey string, msg feishu.Message) (*Plan, error) {
	id, err := DeriveUUID(uuidKey, feishu.Recipient{IDType: "message_id", ID: parentID}, 1)
	if err != nil {
		return nil, err
	}
	req, err := c.Messages.NewReplyRequest(parentID, msg, inThread, id)
	if err != nil {
		return nil, feishu.Usagef("--reply-to: %v", err)
	}
	a := Audience{Mode: ModeReply, UUID: uuidKey}
	return &Plan{Audience: a, Msg: msg, Jobs: []Job{{To: "reply:" + parentID, Mode: ModeReply, UUID: id, Msg: msg, Req: req,
		Life: &Life{ParentID: parentID, InThread: inThread}}}}, nil
}

// RecallTarget is a message to recall, with the update-key entry it came
// from, if any.
type RecallTarget struct {
	MessageID string
	// Key and RecipientKey name the entry forgotten once the message is
	// recalled or found already gone.
	Key, RecipientKey string
}

// NewRecallPlan plans the recall of each target.
func NewRecallPlan(c *feishu.Client, targets []RecallTarget, state *KeyState) (*Plan, error) {
	p := &Plan{Audience: Audience{Mode: ModeRecall}}
	for _, t := range targets {
		req, err := c.Messages.NewRecallRequest(t.MessageID)
		if err != nil {
			return nil, feishu.Usagef("recall: %v", err)
		}
		to := t.MessageID
		if t.Key != "" {
			to = t.RecipientKey
		}
		p.Jobs = append(p.Jobs, Job{To: to, Mode: ModeRecall, Req: req, Msg: feishu.Message{MsgType: "recall"},
			Life: &Life{Key: t.Key, RecipientKey: t.RecipientKey, Target: t.MessageID, State: state}})
	}
	return p, nil
}

// sendLife sends one job of a message's life and returns the message id
// it concerns and the action taken.
func (e *Engine) sendLife(ctx context.Context, j *Job) (id, action string, resp *feishu.Response, err error) {
	l := j.Life
	switch j.Mode {
	case ModeReply:
		var m *feishu.RepliedMessage
		m, resp, err = e.Client.Messages.Reply(ctx, j.Req)
		if m != nil {
			id = m.MessageID
		}
		return id, "reply", resp, err
	case ModeRecall:
		resp, err = e.Client.Messages.Recall(ctx, j.Req)
		gone := err != nil && feishu.MessageGone(err)
		if (err == nil || gone) && l.Key != "" && l.State != nil {
			// Forget the key's entry only while it still names this
			// message: a spooled recall flushed after a later run sent a
			// new card under the key leaves the new card's entry alone.
			l.State.save(func(tx *msgstate.Tx) error {
				if ent, ok := tx.Get(l.Key, l.RecipientKey); ok && ent.MessageID == l.Target {
					tx.Delete(l.Key, l.RecipientKey)
				}
				return nil
			})
		}
		if gone {
			// Recalled or deleted already: what was asked for holds.
			return l.Target, ActionGone, resp, nil
		}
		switch {
		case err == nil:
		case errors.Is(err, feishu.ErrMessageTooOld) && l.Key != "":
			err = fmt.Errorf("recall %s: %w (the update key %s still refers to it)", l.Target, err, l.Key)
		default:
			err = fmt.Errorf("recall %s: %w", l.Target, err)
		}
		return l.Target, ActionRecall, resp, err
	}
	// ModeKeyed.
	if l.Superseded {
		ent, _ := l.State.Get(l.Key, l.RecipientKey)
		return ent.MessageID, ActionSuperseded, nil, nil
	}
	req := j.Req
	var attempts int
	if l.Target != "" {
		resp, err = e.Client.Messages.Update(ctx, req)
		if err == nil {
			now := l.State.now()
			l.State.save(func(tx *msgstate.Tx) error {
				ent, _ := tx.Get(l.Key, l.RecipientKey)
				if ent.MessageID != l.Target {
					ent = msgstate.Entry{MessageID: l.Target, SentAt: now}
				}
				ent.UpdatedAt = now
				return tx.Put(l.Key, l.RecipientKey, ent)
			})
			return l.Target, ActionUpdate, resp, nil
		}
		if errors.Is(err, feishu.ErrNotOwnMessage) {
			err = fmt.Errorf("update key %s: the message %s was not sent by this bot, so it cannot be updated (use another key): %w", l.Key, l.Target, err)
		}
		if !feishu.ShouldSendNew(err) || l.Fallback == nil {
			return l.Target, ActionUpdate, resp, err
		}
		e.Log.Info().Str("recipient", j.To).Str("message_id", l.Target).Str("reason", err.Error()).
			Msg("update-key message gone or too old: sending a new one")
		if resp != nil {
			attempts = resp.Attempts
		}
		req = l.Fallback
	}
	sent, cresp, err := e.Client.Messages.Create(ctx, req)
	if cresp != nil {
		cresp.Attempts += attempts
	}
	if err != nil {
		return "", ActionSend, cresp, err
	}
	now := l.State.now()
	l.State.save(func(tx *msgstate.Tx) error {
		return tx.Put(l.Key, l.RecipientKey, msgstate.Entry{MessageID: sent.MessageID, SentAt: now})
	})
	return sent.MessageID, ActionSend, cresp, nil
}

// spoolFields marks a spooled job of a message's life so that flush sends
// it the same way: an update by key, a reply to its message.
func (l *Life) spoolFields(j *Job, e *spool.Entry) {
	switch j.Mode {
	case ModeKeyed:
		e.Kind, e.UpdateKey = KindUpdate, l.Key
	case ModeReply:
		e.Kind, e.ParentID, e.InThread = KindReply, l.ParentID, l.InThread
		e.ReceiveIDType, e.ReceiveID = "", ""
	case ModeRecall:
		// A recall carries no message and no uuid; done twice it finds the
		// message gone, so it is never uncertain.
		e.Kind, e.MessageID, e.MsgType, e.Content, e.UUID, e.MaybeDelivered = KindRecall, l.Target, "", nil, "", false
		e.ReceiveIDType, e.ReceiveID = "", ""
		if l.Key != "" {
			e.UpdateKey = l.Key
			e.ReceiveIDType, e.ReceiveID, _ = strings.Cut(l.RecipientKey, ":")
		}
	}
}

// flushLifeJob rebuilds a spooled update, reply or recall. An update goes
// through the update-key state as a new run would, and one older than the
// state's last change of its message is superseded. A recall by update key
// forgets the key's entry once the message is gone, if the state is open
// and the entry still names that message.
func flushLifeJob(c *feishu.Client, o FlushOptions, e *spool.Entry) (Job, string) {
	msg := feishu.Message{MsgType: e.MsgType, Content: e.Content}
	switch e.Kind {
	case KindRecall:
		t := RecallTarget{MessageID: e.MessageID}
		if e.UpdateKey != "" {
			t.Key, t.RecipientKey = e.UpdateKey, msgstate.RecipientKey(e.ReceiveIDType, e.ReceiveID)
		}
		p, err := NewRecallPlan(c, []RecallTarget{t}, o.State)
		if err != nil {
			return Job{}, err.Error()
		}
		return p.Jobs[0], ""
	case KindReply:
		req, err := c.Messages.NewReplyRequest(e.ParentID, msg, e.InThread, e.UUID)
		if err != nil {
			return Job{}, err.Error()
		}
		return Job{To: "reply:" + e.ParentID, Mode: ModeReply, UUID: e.UUID, Msg: msg, Req: req,
			Life: &Life{ParentID: e.ParentID, InThread: e.InThread}}, ""
	case KindUpdate:
		if o.State == nil {
			return Job{}, "an update by key, and no state directory is set (--state-dir or FEISHU_PUSH_STATE_DIR)"
		}
		r := feishu.Recipient{IDType: e.ReceiveIDType, ID: e.ReceiveID}
		p, err := NewKeyedPlan(c, Audience{Mode: ModeApp, Recipients: []feishu.Recipient{r}}, msg, e.UpdateKey, o.State)
		if err != nil {
			return Job{}, err.Error()
		}
		j := p.Jobs[0]
		// Keep the spooled uuid, so a send that had landed is not repeated.
		if e.UUID != "" {
			if req, err := c.Messages.NewCreateRequest(r, p.Msg, e.UUID); err == nil {
				j.UUID = e.UUID
				if j.Life.Target == "" {
					j.Req = req
				} else {
					j.Life.Fallback = req
				}
			}
		}
		created := e.FirstAttempt
		if created.IsZero() {
			created = e.Created
		}
		if ent, ok := o.State.Get(e.UpdateKey, j.Life.RecipientKey); ok && ent.MessageID != "" {
			last := ent.SentAt
			if ent.UpdatedAt.After(last) {
				last = ent.UpdatedAt
			}
			j.Life.Superseded = last.After(created)
		}
		return j, ""
	}
	return Job{}, fmt.Sprintf("an entry of unknown kind %q", e.Kind)
}
