// Package spool keeps messages on disk, one file each, until Feishu has
// accepted them. Used as a write-ahead log (Put before the first attempt,
// Done after acceptance), a message survives SIGKILL at any instant and a
// later flush finishes the job. A spooled message holds everything needed
// to send it again (recipient, type, content, uuid, time of the first
// attempt) and no credential: no secret, no token, no webhook URL.
//
// A sending run uses it as a write-ahead log:
//
//	b, err := sp.NewBatch()      // err is a *WriteError: its own exit code
//	defer b.Close()
//	path, err := b.Add(entry)    // once per recipient, before any attempt
//	err = b.Commit()             // all of the run's messages are now on disk
//	// for each message: send it with its uuid; once Feishu accepted it:
//	err = sp.Done(path)
//
// and flush, under Lock: List, skip Busy paths, Load (refusals go to
// dead/), hold Entry.Uncertain ones unless forced, send, Done; then Sweep.
//
// A spool file is written atomically (fsync'd file and directory, mode
// 0600) as a header line with the format version and the SHA-256 of the
// JSON body that follows. Load refuses what feishu-push did not write: a
// file not owned by the running user or writable by others, a symlink, a
// directory others can write to, a bad version or checksum, unknown fields,
// and any message type or content shape feishu-push never produces.
package spool

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofrs/flock"

	"github.com/feishu-push/feishu-push/pkg/atomicfile"
	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/msgstate"
	"github.com/feishu-push/feishu-push/pkg/safefile"
)

// Modes of a spooled message.
const (
	ModeApp     = "app"
	ModeWebhook = "webhook"
)

// DeadDir is the sub-folder for messages Feishu rejected for good.
const DeadDir = "dead"

// Entry is one spooled message.
type Entry struct {
	Version int       `json:"version"`
	Created time.Time `json:"created"`
	// Command that first tried to send it.
	Command string `json:"command"`
	// Mode is ModeApp or ModeWebhook.
	Mode string `json:"mode"`
	// AppID and BaseURL identify the app of an app message.
	AppID   string `json:"app_id,omitempty"`
	BaseURL string `json:"base_url,omitempty"`
	// WebhookID identifies the webhook of a webhook message without
	// revealing its token (a hash of it).
	WebhookID     string          `json:"webhook_id,omitempty"`
	ReceiveIDType string          `json:"receive_id_type,omitempty"`
	ReceiveID     string          `json:"receive_id,omitempty"`
	MsgType       string          `json:"msg_type"`
	Content       json.RawMessage `json:"content"`
	// UUID is the de-duplication key, the same on every attempt.
	UUID string `json:"uuid,omitempty"`
	// Kind is "update" for a card sent under an update key (UpdateKey),
	// flushed as an update of the remembered message, "reply" for a reply
	// to ParentID (in its thread when InThread), or "recall" for the recall
	// of MessageID (no type, no content, no uuid); empty for a send. A
	// recall by update key also holds the key and the recipient of the
	// entry to forget once the message is gone.
	Kind      string `json:"kind,omitempty"`
	UpdateKey string `json:"update_key,omitempty"`
	ParentID  string `json:"parent_id,omitempty"`
	InThread  bool   `json:"in_thread,omitempty"`
	MessageID string `json:"message_id,omitempty"`
	// MaybeDelivered marks a webhook post that may have landed: a webhook has
	// no uuid, so it is sent again only when asked to. A webhook entry (or an
	// app entry without a uuid) written ahead of its first attempt must set
	// it, since a kill during the attempt leaves the outcome open; Update it
	// to false only when a failure proves the post never landed.
	MaybeDelivered bool `json:"maybe_delivered,omitempty"`
	// FirstAttempt is when the message was first tried (for a write-ahead
	// entry, when it was put in the spool just before that). Zero in files
	// of format 1, where Created stands in for it.
	FirstAttempt time.Time `json:"first_attempt,omitzero"`
	// NotDelivered says that no attempt so far can have reached Feishu (each
	// failed before the request went out or was refused unprocessed), so
	// the message is never uncertain. Leave it false when in doubt.
	NotDelivered bool `json:"not_delivered,omitempty"`
	// Attempts counts HTTP requests made for it so far.
	Attempts  int    `json:"attempts"`
	LastError string `json:"last_error,omitempty"`
	// DeadReason says why a message was moved to dead/.
	DeadReason string `json:"dead_reason,omitempty"`
}

// DedupeWindow is how long Feishu de-duplicates a uuid: within it a
// message sent again with its uuid lands at most once.
const DedupeWindow = time.Hour

// UncertainAfter is how long after its first attempt an app message that
// may have landed stops being safe to send again: Feishu's dedupe window
// less a margin for clocks and for the time between the attempt and the
// spool write.
const UncertainAfter = DedupeWindow - 10*time.Minute

// Uncertain reports whether sending e again at now could deliver it twice,
// so that flush holds it unless forced: a webhook post that may have
// landed, an app message without a uuid that may have landed, or an app
// message that may have landed whose first attempt is older than
// UncertainAfter.
func (e *Entry) Uncertain(now time.Time) bool {
	if e.Mode == ModeWebhook || e.UUID == "" {
		return e.MaybeDelivered
	}
	if e.NotDelivered {
		return false
	}
	first := e.FirstAttempt
	if first.IsZero() {
		first = e.Created
	}
	return now.Sub(first) >= UncertainAfter
}

// ErrWrite is wrapped by every failure to write to the spool: the message
// is then not kept, and the caller must say so (it is not "kept for a
// later flush").
var ErrWrite = errors.New("spool write failed")

// WriteError is a failed spool write. errors.Is(err, ErrWrite) holds.
type WriteError struct {
	Dir string
	Err error
}

func (e *WriteError) Error() string   { return fmt.Sprintf("spool %s: not written: %v", e.Dir, e.Err) }
func (e *WriteError) Unwrap() error   { return e.Err }
func (e *WriteError) Is(t error) bool { return t == ErrWrite }

// Spool is a spool directory.
type Spool struct {
	Dir string
}

// Format of a spool file: a header line, then the JSON body.
const (
	formatVersion = 2
	headerPrefix  = "feishu-push-spool 2 sha256:"
	// maxEntry bounds a spool file: a message body is at most 150 KB.
	maxEntry = 1 << 20
)

// Put writes e to a new file before its first attempt (or after a failure)
// and returns its path. The file is complete and on disk (file and
// directory fsync'd, mode 0600) when Put returns. It sets e.Version,
// e.Created and, when zero, e.FirstAttempt. A failure is a *WriteError.
func (s *Spool) Put(e *Entry) (string, error) {
	if err := safefile.EnsureDir(s.Dir); err != nil {
		return "", &WriteError{Dir: s.Dir, Err: err}
	}
	now := time.Now()
	if e.Created.IsZero() {
		e.Created = now
	}
	if e.FirstAttempt.IsZero() {
		e.FirstAttempt = now
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := fmt.Sprintf("%s-%s.json", e.Created.UTC().Format("20060102T150405.000000000Z"), hex.EncodeToString(b))
	path := filepath.Join(s.Dir, name)
	if err := s.write(path, e); err != nil {
		return "", err
	}
	return path, nil
}

// Update rewrites the entry at path atomically. A failure is a *WriteError.
func (s *Spool) Update(path string, e *Entry) error { return s.write(path, e) }

// Done removes a message Feishu accepted, durably: once Done returns, a
// crash does not bring it back.
func (s *Spool) Done(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	dir := filepath.Dir(path)
	if err := atomicfile.SyncDir(dir); err != nil {
		return err
	}
	if id, ok := strings.CutPrefix(filepath.Base(dir), batchPrefix); ok && os.Remove(dir) == nil {
		// The last message of a batch: its directory goes too, and its
		// lock unless its run still holds it (Close removes it then).
		if lk := s.batchLockPath(id); !lockHeld(lk) {
			_ = os.Remove(lk)
		}
		return atomicfile.SyncDir(filepath.Dir(dir))
	}
	return nil
}

// List returns the paths of the spooled messages, oldest first. A spool
// directory that is not the running user's, or that others can write to,
// is refused: its files cannot be trusted.
func (s *Spool) List() ([]string, error) {
	if err := safefile.CheckDir(s.Dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	paths, err := filepath.Glob(filepath.Join(s.Dir, "*.json"))
	if err != nil {
		return nil, err
	}
	inBatches, err := filepath.Glob(filepath.Join(s.Dir, batchPrefix+"*", "*.json"))
	if err != nil {
		return nil, err
	}
	paths = append(paths, inBatches...)
	sort.Slice(paths, func(i, j int) bool { return filepath.Base(paths[i]) < filepath.Base(paths[j]) })
	return paths, nil
}

// Batch directories: a batch is staged in a hidden directory and enters
// the spool by one rename, so that a run's messages are all in the spool or
// none are, whenever the process dies.
const (
	batchPrefix = "batch-"
	stagePrefix = ".stage-"
)

// Batch stages the messages of one run (one entry per recipient) so that
// they enter the spool together, before the first of them is attempted.
// Each Add writes one entry to disk, so memory stays flat in the number of
// entries. Not safe for concurrent use.
type Batch struct {
	s     *Spool
	id    string
	stage string
	n     int
	lock  *flock.Flock
	files []string
}

// lockPrefix names the file beside a batch directory that the run sending
// the batch holds locked until Close, so that a flush leaves its messages
// alone. It is outside the directory, which can then be renamed on every
// system while locked.
const lockPrefix = ".lock-"

func (s *Spool) batchLockPath(id string) string { return filepath.Join(s.Dir, lockPrefix+id) }

// NewBatch starts a batch. A failure is a *WriteError.
func (s *Spool) NewBatch() (*Batch, error) {
	if err := safefile.EnsureDir(s.Dir); err != nil {
		return nil, &WriteError{Dir: s.Dir, Err: err}
	}
	r := make([]byte, 6)
	_, _ = rand.Read(r)
	id := time.Now().UTC().Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(r)
	stage := filepath.Join(s.Dir, stagePrefix+id)
	lk := flock.New(s.batchLockPath(id), flock.SetPermissions(0o600))
	if ok, err := lk.TryLock(); err != nil || !ok {
		if err == nil {
			err = errors.New("batch lock taken")
		}
		return nil, &WriteError{Dir: s.Dir, Err: err}
	}
	if err := os.Mkdir(stage, 0o700); err != nil {
		_ = lk.Unlock()
		_ = os.Remove(s.batchLockPath(id))
		return nil, &WriteError{Dir: s.Dir, Err: err}
	}
	return &Batch{s: s, id: id, stage: stage, lock: lk}, nil
}

// Close releases the batch when its run ends, delivered or not; what is
// left of it is then flush's to send.
func (b *Batch) Close() {
	_ = b.lock.Unlock()
	if !exists(b.stage) && !exists(filepath.Join(b.s.Dir, batchPrefix+b.id)) {
		_ = os.Remove(b.s.batchLockPath(b.id))
	}
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// Busy reports whether the message at path belongs to a batch that a
// running process is still sending; flush skips it.
func (s *Spool) Busy(path string) bool {
	dir := filepath.Base(filepath.Dir(path))
	id, ok := strings.CutPrefix(dir, batchPrefix)
	return ok && lockHeld(s.batchLockPath(id))
}

func lockHeld(p string) bool {
	if _, err := os.Lstat(p); err != nil {
		return false
	}
	lk := flock.New(p)
	ok, err := lk.TryLock()
	if err != nil || !ok {
		return err == nil
	}
	_ = lk.Unlock()
	return false
}

// Add writes e to the batch (fsync'd, mode 0600) and returns the path it
// has once the batch is committed: the path to give Done after Feishu
// accepted the message. It sets e.Created and e.FirstAttempt like Put. A
// failure is a *WriteError.
func (b *Batch) Add(e *Entry) (string, error) {
	now := time.Now()
	if e.Created.IsZero() {
		e.Created = now
	}
	if e.FirstAttempt.IsZero() {
		e.FirstAttempt = now
	}
	b.n++
	name := fmt.Sprintf("%s-%06d.json", b.id, b.n)
	p := filepath.Join(b.stage, name)
	data, err := encode(e)
	if err == nil {
		// The staging directory is invisible to flush until Commit, which
		// syncs everything at once: no rename and no fsync per entry here.
		err = writeNew(p, data)
	}
	if err != nil {
		return "", &WriteError{Dir: b.s.Dir, Err: err}
	}
	b.files = append(b.files, p)
	return filepath.Join(b.s.Dir, batchPrefix+b.id, name), nil
}

func writeNew(p string, data []byte) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Commit puts every entry of the batch in the spool at once (one rename,
// then the directory is fsync'd). Call it before the first attempt. A
// failure is a *WriteError, and none of the batch is in the spool.
func (b *Batch) Commit() error {
	if err := syncFiles(b.stage, b.files); err != nil {
		return &WriteError{Dir: b.s.Dir, Err: err}
	}
	if err := atomicfile.SyncDir(b.stage); err != nil {
		return &WriteError{Dir: b.s.Dir, Err: err}
	}
	if err := os.Rename(b.stage, filepath.Join(b.s.Dir, batchPrefix+b.id)); err != nil {
		return &WriteError{Dir: b.s.Dir, Err: err}
	}
	if err := atomicfile.SyncDir(b.s.Dir); err != nil {
		return &WriteError{Dir: b.s.Dir, Err: err}
	}
	return nil
}

// Abort removes an uncommitted batch and releases it.
func (b *Batch) Abort() {
	_ = os.RemoveAll(b.stage)
	b.Close()
}

// Load reads one spooled message and checks that feishu-push wrote it (see
// the package comment). Every error starts with "refused:" or "corrupt
// spool file:".
func (s *Spool) Load(path string) (*Entry, error) {
	b, err := safefile.ReadState(path, maxEntry)
	if err != nil {
		var se *safefile.Error
		if errors.As(err, &se) && (errors.Is(err, safefile.ErrUnsafe) || errors.Is(err, safefile.ErrTooLarge)) {
			return nil, fmt.Errorf("refused: %v", se.Err)
		}
		return nil, err
	}
	return Decode(b)
}

// Decode parses and checks the bytes of a spool file.
func Decode(b []byte) (*Entry, error) {
	body := b
	version := 1
	if bytes.HasPrefix(b, []byte("feishu-push-spool ")) {
		nl := bytes.IndexByte(b, '\n')
		if nl < 0 {
			return nil, errors.New("corrupt spool file: no header line")
		}
		header := string(b[:nl])
		if !strings.HasPrefix(header, headerPrefix) {
			return nil, fmt.Errorf("corrupt spool file: unknown format %.40q", header)
		}
		body = b[nl+1:]
		sum := sha256.Sum256(body)
		if header[len(headerPrefix):] != hex.EncodeToString(sum[:]) {
			return nil, errors.New("corrupt spool file: checksum mismatch")
		}
		version = formatVersion
	}
	// Format 1 (earlier versions' files, plain JSON with no checksum) is
	// still read, under the same owner, mode and field checks, so that an
	// upgrade does not strand messages.
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var e Entry
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("corrupt spool file: %v", err)
	}
	if dec.More() {
		return nil, errors.New("corrupt spool file: data after the entry")
	}
	if e.Version != version {
		return nil, fmt.Errorf("corrupt spool file: version %d in a format %d file", e.Version, version)
	}
	if err := e.check(); err != nil {
		return nil, fmt.Errorf("refused: %v", err)
	}
	// The file is indented for people to read; the content goes back to
	// its compact form.
	var c bytes.Buffer
	if err := json.Compact(&c, e.Content); err != nil {
		return nil, fmt.Errorf("corrupt spool file: %v", err)
	}
	e.Content = c.Bytes()
	return &e, nil
}

// check refuses an entry feishu-push would never write.
func (e *Entry) check() error {
	switch e.Mode {
	case ModeApp:
		if e.WebhookID != "" {
			return errors.New("an app message with webhook fields")
		}
		if e.Kind != "recall" && e.MessageID != "" {
			return errors.New("a message id on an entry that is not a recall")
		}
		switch e.Kind {
		case "reply":
			if !strings.HasPrefix(e.ParentID, "om_") || !printable(e.ParentID, 128) || e.ReceiveID != "" {
				return fmt.Errorf("a reply to %+q", e.ParentID)
			}
		case "recall":
			if err := e.checkRecall(); err != nil {
				return err
			}
		case "", "update":
			if e.ReceiveIDType == "" || e.ReceiveID == "" {
				return errors.New("an app message without a recipient")
			}
			if err := feishu.CheckReceiveID(e.ReceiveIDType, e.ReceiveID); err != nil {
				return fmt.Errorf("recipient %s %+q: %v", e.ReceiveIDType, e.ReceiveID, err)
			}
			if (e.Kind == "update") != (e.UpdateKey != "") || (e.Kind == "update" && e.MsgType != feishu.MsgTypeInteractive) {
				return errors.New("an update without a key or card")
			}
		default:
			return fmt.Errorf("unknown kind %+q", e.Kind)
		}
		if !printable(e.AppID, 64) || e.AppID == "" {
			return fmt.Errorf("app id %+q", e.AppID)
		}
		if u, err := feishu.NormalizeBaseURL(e.BaseURL); err != nil || u != e.BaseURL {
			return fmt.Errorf("base URL %+q", e.BaseURL)
		}
	case ModeWebhook:
		if e.ReceiveIDType != "" || e.ReceiveID != "" || e.AppID != "" || e.BaseURL != "" || e.UUID != "" || e.Kind != "" {
			return errors.New("a webhook message with app fields")
		}
		if !isHex(e.WebhookID, 12) {
			return fmt.Errorf("webhook id %+q", e.WebhookID)
		}
	default:
		return fmt.Errorf("unknown mode %+q", e.Mode)
	}
	if len(e.UUID) > feishu.MaxUUIDLen || !printable(e.UUID, feishu.MaxUUIDLen) {
		return fmt.Errorf("uuid %+q", e.UUID)
	}
	if !printable(e.Command, 32) || e.Command == "" {
		return fmt.Errorf("command %+q", e.Command)
	}
	if e.Attempts < 0 || e.Attempts > 1<<20 {
		return fmt.Errorf("%d attempts", e.Attempts)
	}
	if e.DeadReason != "" {
		return errors.New("a message already moved to dead/")
	}
	if e.Kind == "recall" {
		return nil // checkRecall checked that it carries no message
	}
	return checkContent(e.MsgType, e.Content)
}

// checkRecall accepts the recall of one om_ message: no message type, no
// content, no uuid (the recall API takes none), never uncertain (a recall
// done twice finds the message gone), and, for a recall by update key, a
// valid key and recipient.
func (e *Entry) checkRecall() error {
	switch {
	case !strings.HasPrefix(e.MessageID, "om_") || !printable(e.MessageID, 128):
		return fmt.Errorf("a recall of %+q", e.MessageID)
	case e.MsgType != "" || (len(e.Content) != 0 && string(bytes.TrimSpace(e.Content)) != "null"):
		return errors.New("a recall that carries a message")
	case e.UUID != "" || e.MaybeDelivered || e.ParentID != "" || e.InThread:
		return errors.New("a recall with fields of a send")
	case e.UpdateKey == "":
		if e.ReceiveIDType != "" || e.ReceiveID != "" {
			return errors.New("a recall by id with a recipient")
		}
		return nil
	}
	if err := msgstate.ValidateKey(e.UpdateKey); err != nil {
		return fmt.Errorf("a recall by update key: %v", err)
	}
	if err := feishu.CheckReceiveID(e.ReceiveIDType, e.ReceiveID); err != nil || e.ReceiveID == "" {
		return fmt.Errorf("a recall by update key for recipient %s %+q", e.ReceiveIDType, e.ReceiveID)
	}
	return nil
}

// checkContent accepts exactly the messages feishu-push sends: text as
// {"text": "..."}, cards (interactive) as a JSON object, posts as a map of
// locales, and images, files, audio and media by their key.
func checkContent(msgType string, content json.RawMessage) error {
	switch msgType {
	case feishu.MsgTypeText:
		dec := json.NewDecoder(bytes.NewReader(content))
		dec.DisallowUnknownFields()
		var t struct {
			Text *string `json:"text"`
		}
		if err := dec.Decode(&t); err != nil || t.Text == nil || dec.More() {
			return errors.New(`a text message whose content is not {"text": "..."}`)
		}
		if *t.Text == "" || !utf8.ValidString(*t.Text) {
			return errors.New("a text message with no text or invalid UTF-8")
		}
	case feishu.MsgTypeInteractive:
		var card map[string]json.RawMessage
		if err := json.Unmarshal(content, &card); err != nil || len(card) == 0 {
			return errors.New("a card that is not a JSON object")
		}
	case feishu.MsgTypePost:
		var locales map[string]json.RawMessage
		if err := json.Unmarshal(content, &locales); err != nil || len(locales) == 0 {
			return errors.New("a post whose content is not a map of locales")
		}
		for loc, p := range locales {
			var post map[string]json.RawMessage
			if loc != feishu.LocaleZhCN && loc != feishu.LocaleEnUS && loc != feishu.LocaleJaJP || json.Unmarshal(p, &post) != nil || post == nil {
				return fmt.Errorf("a post with locale %+q", loc)
			}
		}
	case feishu.MsgTypeImage, feishu.MsgTypeFile, feishu.MsgTypeAudio, feishu.MsgTypeMedia:
		// {"image_key": "img_…"} or {"file_key": "file_…"}, a video's
		// cover image aside.
		dec := json.NewDecoder(bytes.NewReader(content))
		dec.DisallowUnknownFields()
		var k struct {
			ImageKey string `json:"image_key"`
			FileKey  string `json:"file_key"`
		}
		if err := dec.Decode(&k); err != nil || dec.More() {
			return fmt.Errorf("a %s message whose content is not {\"image_key\"} or {\"file_key\"}", msgType)
		}
		var ok bool
		switch msgType {
		case feishu.MsgTypeImage:
			ok = k.ImageKey != "" && k.FileKey == ""
		case feishu.MsgTypeMedia:
			ok = k.FileKey != ""
		default:
			ok = k.FileKey != "" && k.ImageKey == ""
		}
		if !ok {
			return fmt.Errorf("a %s message without its key", msgType)
		}
		if !printable(k.ImageKey, 128) || !printable(k.FileKey, 128) {
			return fmt.Errorf("a %s message with a bad key", msgType)
		}
	default:
		return fmt.Errorf("message type %+q, which feishu-push never sends", msgType)
	}
	return nil
}

func printable(s string, max int) bool {
	if len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// Sweep removes the temporary files that a write cut short (by SIGKILL or
// a full disk) left in the spool, when older than age. It returns how many
// it removed. Call it under Lock.
func (s *Spool) Sweep(age time.Duration) (int, error) {
	if err := safefile.CheckDir(s.Dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return 0, nil
		}
		return 0, err
	}
	ents, err := os.ReadDir(s.Dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, de := range ents {
		name := de.Name()
		p := filepath.Join(s.Dir, name)
		info, err := de.Info()
		if err != nil || time.Since(info.ModTime()) < age {
			continue
		}
		switch {
		case de.IsDir() && strings.HasPrefix(name, stagePrefix):
			// A batch never committed: its run died before the first
			// attempt, so none of it was sent.
			if !lockHeld(s.batchLockPath(name[len(stagePrefix):])) && os.RemoveAll(p) == nil {
				n++
			}
		case de.IsDir() && strings.HasPrefix(name, batchPrefix):
			if !lockHeld(s.batchLockPath(name[len(batchPrefix):])) && os.Remove(p) == nil { // only when empty
				n++
			}
		case de.Type().IsRegular() && strings.HasPrefix(name, lockPrefix):
			id := name[len(lockPrefix):]
			if !exists(filepath.Join(s.Dir, stagePrefix+id)) && !exists(filepath.Join(s.Dir, batchPrefix+id)) && !lockHeld(p) && os.Remove(p) == nil {
				n++
			}
		case de.Type().IsRegular() && strings.HasPrefix(name, ".") && strings.Contains(name, ".json."):
			// atomicfile's temporary names: "." + final name + "." + digits.
			if os.Remove(p) == nil {
				n++
			}
		}
	}
	return n, nil
}

// Remove deletes a delivered message.
func (s *Spool) Remove(path string) error { return os.Remove(path) }

// Bury moves a message Feishu rejected for good to dead/, with the reason.
// e may be nil for a file that could not be read.
func (s *Spool) Bury(path string, e *Entry, reason string) (string, error) {
	dead := filepath.Join(s.Dir, DeadDir)
	if err := safefile.EnsureDir(dead); err != nil {
		return "", err
	}
	dst := filepath.Join(dead, filepath.Base(path))
	if e == nil {
		if err := os.Rename(path, dst); err != nil {
			return "", err
		}
		return dst, atomicfile.Write(dst+".reason", []byte(reason+"\n"), 0o600)
	}
	e.DeadReason = reason
	if err := writeJSON(dst, e); err != nil {
		return "", err
	}
	return dst, os.Remove(path)
}

// Lock takes the spool's lock, waiting until ctx is done; two flushes never
// work on the same spool at once. Call the returned function to release it.
func (s *Spool) Lock(ctx context.Context) (func(), error) {
	if err := safefile.EnsureDir(s.Dir); err != nil {
		return nil, err
	}
	p := filepath.Join(s.Dir, ".lock")
	if err := safefile.CheckFile(p); err != nil {
		return nil, err
	}
	lk := flock.New(p, flock.SetPermissions(0o600))
	ok, err := lk.TryLockContext(ctx, 20*time.Millisecond)
	if err != nil || !ok {
		_ = lk.Close()
		if err == nil {
			err = ctx.Err()
		}
		return nil, err
	}
	return func() { _ = lk.Unlock() }, nil
}

func (s *Spool) write(path string, e *Entry) error {
	if err := writeJSON(path, e); err != nil {
		return &WriteError{Dir: s.Dir, Err: err}
	}
	return nil
}

// writeJSON writes e in the current format atomically.
func writeJSON(path string, e *Entry) error {
	data, err := encode(e)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, data, 0o600)
}

// encode returns e in the current format: header line, then the body.
func encode(e *Entry) ([]byte, error) {
	e.Version = formatVersion
	body, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return nil, err
	}
	body = append(body, '\n')
	if len(body) > maxEntry {
		return nil, fmt.Errorf("entry of %d bytes is larger than %d", len(body), maxEntry)
	}
	sum := sha256.Sum256(body)
	return append([]byte(headerPrefix+hex.EncodeToString(sum[:])+"\n"), body...), nil
}

func syncEach(files []string) error {
	for _, p := range files {
		f, err := os.OpenFile(p, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}
