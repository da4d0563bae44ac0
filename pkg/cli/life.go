package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/feishu-push/feishu-push/pkg/delivery"
	"github.com/feishu-push/feishu-push/pkg/msgstate"
)

// stateLockWait bounds the wait for another run holding the update-key
// state's lock.
const stateLockWait = time.Minute

// keyedRun is the update key of a run and its locked state.
type keyedRun struct {
	key   string
	state *delivery.KeyState
}

func (o *SendOptions) addReplyFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.ReplyTo, "reply-to", "", "reply to this message (`MESSAGE_ID` om_...) in its chat, instead of --to; needs app credentials")
	cmd.Flags().BoolVar(&o.InThread, "in-thread", false, "with --reply-to: reply in the message's thread")
}

// addUpdateKeyFlag declares --update-key on the commands whose card can be
// updated in place.
func (o *SendOptions) addUpdateKeyFlag(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.UpdateKey, "update-key", "", "update the card this `KEY` sent before (per recipient, within 14 days) instead of sending a new one; state in --state-dir")
}

// checkLife checks --reply-to, --in-thread and --update-key, before any
// setting is used.
func (r *sendRun) checkLife(o *SendOptions) error {
	if o.InThread && o.ReplyTo == "" {
		return usageErrorf("--in-thread goes with --reply-to")
	}
	if o.UpdateKey != "" {
		if err := msgstate.ValidateKey(o.UpdateKey); err != nil {
			return usageErrorf("--update-key: %v", err)
		}
	}
	if o.ReplyTo == "" {
		return nil
	}
	switch {
	case len(o.To) > 0 || o.ToFile != "" || o.Batch:
		return usageErrorf("--reply-to replaces --to, --to-file and --batch: the reply goes to the chat of the message")
	case o.UpdateKey != "":
		return usageErrorf("--reply-to and --update-key: give one; a reply is a new message")
	}
	r.reply = o
	return nil
}

// resolve resolves the audience: the message replied to, or the
// recipients.
func (r *sendRun) resolve(sel delivery.Selection) (delivery.Audience, error) {
	if r.reply == nil {
		return delivery.ResolveAudience(sel)
	}
	if !r.s.HasApp() && !r.s.DryRun && !r.preview {
		return delivery.Audience{}, usageErrorf("--reply-to needs app credentials (FEISHU_APP_ID and FEISHU_APP_SECRET): a custom-bot webhook cannot reply")
	}
	return delivery.Audience{Mode: delivery.ModeReply, UUID: sel.UUID}, nil
}

// openState opens and locks the update-key state of an --update-key run.
// A preview draws the card and needs none.
func (r *sendRun) openState(o *SendOptions) error {
	if o.UpdateKey == "" || r.preview {
		return nil
	}
	switch r.aud.Mode {
	case delivery.ModeWebhook:
		return usageErrorf("--update-key needs app credentials and --to: a message sent through a webhook cannot be updated")
	case delivery.ModeBatch:
		return usageErrorf("--update-key is not used with --batch: batch_send returns no message ids to update")
	}
	st, err := r.f.openKeyState()
	if err != nil {
		return err
	}
	r.keyed = &keyedRun{key: o.UpdateKey, state: st}
	return nil
}

// openKeyState opens and locks the update-key state directory. A dry run
// only reads the state, if there is one, and creates nothing.
func (f *Factory) openKeyState() (*delivery.KeyState, error) {
	s, err := f.Settings()
	if err != nil {
		return nil, err
	}
	dir, err := f.stateDir(s)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), stateLockWait)
	defer cancel()
	if s.DryRun {
		return delivery.PeekKeyState(ctx, dir, f.Now)
	}
	return delivery.OpenKeyState(ctx, dir, f.Now, f.stderr())
}

// stateDir is --state-dir, else $XDG_STATE_HOME/feishu-push, else
// ~/.local/state/feishu-push, ~ being HOME (USERPROFILE on Windows).
func (f *Factory) stateDir(s *Settings) (string, error) {
	if s.StateDir != "" {
		return s.StateDir, nil
	}
	if x := f.Getenv("XDG_STATE_HOME"); x != "" {
		return filepath.Join(x, "feishu-push"), nil
	}
	if h := first(f.Getenv("HOME"), f.Getenv("USERPROFILE")); h != "" { // USERPROFILE: Windows
		return filepath.Join(h, ".local", "state", "feishu-push"), nil
	}
	return "", usageErrorf("no state directory: give --state-dir or FEISHU_PUSH_STATE_DIR (there is no HOME to default to)")
}

// close releases what the run holds: the update-key state's lock.
func (r *sendRun) close() {
	if r.keyed != nil {
		_ = r.keyed.state.Close()
	}
}

// describe says, in a dry run, what each job of a reply, an update by key
// or a recall would do.
func (r *sendRun) describe(p *delivery.Plan) {
	if r.preview {
		return
	}
	describePlan(r.f.stderr(), p)
}

func describePlan(w io.Writer, p *delivery.Plan) {
	for i := range p.Jobs {
		j := &p.Jobs[i]
		if j.Life != nil {
			fmt.Fprintf(w, "feishu-push: dry run: %s: %s\n", j.To, j.Describe())
		}
	}
}

// upload uploads u once through the run's Sender, logged to --log-file and
// bounded by --deadline like the sends that follow.
func (r *sendRun) upload(ctx context.Context, u *delivery.Upload) (string, error) {
	if r.engine == nil {
		return u.Run(ctx, r.sender)
	}
	log, closeLog, err := openRunLog(r.s.LogFile, r.command)
	if err != nil {
		return "", err
	}
	defer closeLog()
	r.engine.Log = log
	ctx, cancel := delivery.WithDeadline(ctx, r.s.Deadline)
	defer cancel()
	return u.Run(ctx, r.sender)
}

// readBinary reads the file named by a flag, or stdin for "-", as bytes:
// at most limit+1 of them, so that a file over the limit is refused by the
// upload's own check without reading all of it.
func (f *Factory) readBinary(flag, path string, limit int) ([]byte, error) {
	var rd io.Reader = f.IO.In
	name := "stdin"
	if path != "-" {
		name = path
		fh, err := os.Open(path)
		if err != nil {
			return nil, usageErrorf("%s %s: %v", flag, path, unwrapPathError(err))
		}
		defer fh.Close()
		if st, err := fh.Stat(); err == nil && st.IsDir() {
			return nil, usageErrorf("%s %s: is a directory", flag, path)
		}
		rd = fh
	}
	b, err := io.ReadAll(io.LimitReader(rd, int64(limit)+1))
	if err != nil {
		return nil, usageErrorf("%s %s: %v", flag, name, unwrapPathError(err))
	}
	return b, nil
}
