// Package msgstate remembers which message an update key refers to, so that
// a later run can edit that message in place instead of sending a new one.
//
// The state of a directory is one small JSON file, state.json, mode 0600,
// replaced atomically. Every read-modify-write happens under an exclusive
// lock on .state.lock in the same directory (github.com/gofrs/flock, which
// uses flock(2) on Unix and LockFileEx on Windows), so concurrent processes
// sharing a state directory neither lose entries nor both send a first
// message for the same key and recipient: hold a Tx across "look up, send or
// update, remember".
package msgstate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/feishu-push/feishu-push/pkg/atomicfile"
	"github.com/gofrs/flock"
)

// EnvDir names the environment variable that sets the state directory when
// no --state-dir flag is given.
const EnvDir = "FEISHU_PUSH_STATE_DIR"

// FileName and LockName are the files a Store keeps in its directory.
const (
	FileName = "state.json"
	LockName = ".state.lock"
)

// MaxKeyLen bounds an update key.
const MaxKeyLen = 128

// formatVersion is written into the file; a file with a newer version is
// refused rather than silently rewritten in the old shape.
const formatVersion = 1

// lockRetry is how often a waiting Lock tries again.
const lockRetry = 20 * time.Millisecond

// Entry is the message an update key refers to for one recipient.
type Entry struct {
	// MessageID is the om_… id of the message to update.
	MessageID string `json:"message_id"`
	// SentAt is when the message was first sent; Feishu edits only messages
	// younger than 14 days.
	SentAt time.Time `json:"sent_at"`
	// UpdatedAt is when it was last updated in place, zero if never.
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// OlderThan reports whether the message was sent more than d before now,
// e.g. feishu.MaxCardAge: a planner can then send a new message without
// first trying an update Feishu would refuse.
func (e Entry) OlderThan(d time.Duration, now time.Time) bool { return now.Sub(e.SentAt) > d }

// RecipientKey is the recipient part of an entry: "receive_id_type:id",
// e.g. "chat_id:oc_…". Webhook recipients have no message ids to update
// and no entries.
func RecipientKey(idType, id string) string { return idType + ":" + id }

// file is the JSON shape of state.json: key -> recipient -> entry.
type file struct {
	Version int                         `json:"version"`
	Keys    map[string]map[string]Entry `json:"keys"`
}

// Store is the update-key state of one directory. It holds no open files
// between calls.
type Store struct {
	dir string
}

// Open returns the store in dir, creating the directory (0700) if needed.
func Open(dir string) (*Store, error) {
	if strings.TrimSpace(dir) == "" {
		return nil, errors.New("state directory is empty")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	return &Store{dir: dir}, nil
}

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.dir }

// Path returns the path of the state file.
func (s *Store) Path() string { return filepath.Join(s.dir, FileName) }

// ValidateKey checks an update key: 1 to MaxKeyLen characters, printable,
// no whitespace at either end.
func ValidateKey(key string) error {
	switch {
	case key == "":
		return errors.New("update key is empty")
	case len(key) > MaxKeyLen:
		return fmt.Errorf("update key is longer than %d bytes", MaxKeyLen)
	case strings.TrimSpace(key) != key:
		return errors.New("update key has leading or trailing spaces")
	}
	for _, r := range key {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("update key has a non-printable character %q", r)
		}
	}
	return nil
}

// Tx is a locked view of the state. Changes are written by Commit; the lock
// is released by Close. A Tx is not safe for concurrent use.
type Tx struct {
	store   *Store
	lock    *flock.Flock
	data    file
	changed bool
	closed  bool
}

// Begin takes the directory's lock, waiting until ctx is done, and reads
// the state.
func (s *Store) Begin(ctx context.Context) (*Tx, error) {
	lk := flock.New(filepath.Join(s.dir, LockName), flock.SetPermissions(0o600))
	ok, err := lk.TryLockContext(ctx, lockRetry)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("waiting for the state lock in %s: %w", s.dir, ctx.Err())
		}
		return nil, fmt.Errorf("state lock: %w", err)
	}
	if !ok {
		return nil, fmt.Errorf("state lock in %s is held by another process", s.dir)
	}
	tx := &Tx{store: s, lock: lk}
	if err := tx.read(); err != nil {
		_ = lk.Unlock()
		return nil, err
	}
	return tx, nil
}

func (tx *Tx) read() error {
	tx.data = file{Version: formatVersion, Keys: map[string]map[string]Entry{}}
	b, err := os.ReadFile(tx.store.Path())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	var f file
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("state file %s is not valid JSON: %v", tx.store.Path(), err)
	}
	if f.Version > formatVersion {
		return fmt.Errorf("state file %s has version %d, newer than this program's %d", tx.store.Path(), f.Version, formatVersion)
	}
	if f.Keys != nil {
		tx.data.Keys = f.Keys
	}
	return nil
}

// Get returns the entry of key for recipient.
func (tx *Tx) Get(key, recipient string) (Entry, bool) {
	e, ok := tx.data.Keys[key][recipient]
	return e, ok
}

// Recipients returns the recipients key has entries for, sorted.
func (tx *Tx) Recipients(key string) []string {
	out := make([]string, 0, len(tx.data.Keys[key]))
	for r := range tx.data.Keys[key] {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// Keys returns every key with at least one entry, sorted.
func (tx *Tx) Keys() []string {
	out := make([]string, 0, len(tx.data.Keys))
	for k := range tx.data.Keys {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Put remembers e as the message of key for recipient.
func (tx *Tx) Put(key, recipient string, e Entry) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if recipient == "" || e.MessageID == "" {
		return errors.New("state entry needs a recipient and a message id")
	}
	m := tx.data.Keys[key]
	if m == nil {
		m = map[string]Entry{}
		tx.data.Keys[key] = m
	}
	m[recipient] = e
	tx.changed = true
	return nil
}

// Delete forgets the entry of key for recipient.
func (tx *Tx) Delete(key, recipient string) {
	m := tx.data.Keys[key]
	if _, ok := m[recipient]; !ok {
		return
	}
	delete(m, recipient)
	if len(m) == 0 {
		delete(tx.data.Keys, key)
	}
	tx.changed = true
}

// Commit writes the state if it changed: a temporary file, flushed, renamed
// over state.json, mode 0600. The lock stays held until Close.
func (tx *Tx) Commit() error {
	if tx.closed {
		return errors.New("state transaction is closed")
	}
	if !tx.changed {
		return nil
	}
	b, err := json.MarshalIndent(tx.data, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(tx.store.Path(), append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	tx.changed = false
	return nil
}

// Close releases the lock without writing uncommitted changes. It is safe
// to call more than once.
func (tx *Tx) Close() error {
	if tx.closed {
		return nil
	}
	tx.closed = true
	return tx.lock.Unlock()
}

// Update runs fn in a Tx and commits when fn returns nil.
func (s *Store) Update(ctx context.Context, fn func(*Tx) error) error {
	tx, err := s.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Close()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Get reads the entry of key for recipient under the lock.
func (s *Store) Get(ctx context.Context, key, recipient string) (Entry, bool, error) {
	tx, err := s.Begin(ctx)
	if err != nil {
		return Entry{}, false, err
	}
	defer tx.Close()
	e, ok := tx.Get(key, recipient)
	return e, ok, nil
}
