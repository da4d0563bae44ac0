// Package spool keeps messages that could not be delivered, one JSON file
// each, until a later flush sends them. A spooled message holds everything
// needed to send it again (recipient, type, content and its uuid) and no
// credential: no secret, no token, no webhook URL.
package spool

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"time"

	"github.com/feishu-push/feishu-push/pkg/atomicfile"
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
	// MaybeDelivered marks a webhook post that may have landed: a webhook has
	// no uuid, so it is sent again only when asked to.
	MaybeDelivered bool `json:"maybe_delivered,omitempty"`
	// Attempts counts HTTP requests made for it so far.
	Attempts  int    `json:"attempts"`
	LastError string `json:"last_error,omitempty"`
	// DeadReason says why a message was moved to dead/.
	DeadReason string `json:"dead_reason,omitempty"`
}

// Spool is a spool directory.
type Spool struct {
	Dir string
}

// Put writes e to a new file atomically (mode 0600) and returns its path.
func (s *Spool) Put(e *Entry) (string, error) {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return "", err
	}
	e.Version = 1
	if e.Created.IsZero() {
		e.Created = time.Now()
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := fmt.Sprintf("%s-%s.json", e.Created.UTC().Format("20060102T150405.000000000Z"), hex.EncodeToString(b))
	path := filepath.Join(s.Dir, name)
	return path, writeJSON(path, e)
}

// Update rewrites the entry at path atomically.
func (s *Spool) Update(path string, e *Entry) error { return writeJSON(path, e) }

// List returns the paths of the spooled messages, oldest first.
func (s *Spool) List() ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(s.Dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	return paths, nil
}

// Load reads one spooled message.
func (s *Spool) Load(path string) (*Entry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var e Entry
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("corrupt spool file: %v", err)
	}
	switch {
	case e.Version != 1:
		return nil, fmt.Errorf("corrupt spool file: unknown version %d", e.Version)
	case e.Mode != ModeApp && e.Mode != ModeWebhook:
		return nil, fmt.Errorf("corrupt spool file: unknown mode %q", e.Mode)
	case e.MsgType == "" || !json.Valid(e.Content):
		return nil, errors.New("corrupt spool file: no msg_type or content")
	case e.Mode == ModeApp && (e.ReceiveIDType == "" || e.ReceiveID == ""):
		return nil, errors.New("corrupt spool file: no recipient")
	}
	return &e, nil
}

// Remove deletes a delivered message.
func (s *Spool) Remove(path string) error { return os.Remove(path) }

// Bury moves a message Feishu rejected for good to dead/, with the reason.
// e may be nil for a file that could not be read.
func (s *Spool) Bury(path string, e *Entry, reason string) (string, error) {
	dead := filepath.Join(s.Dir, DeadDir)
	if err := os.MkdirAll(dead, 0o700); err != nil {
		return "", err
	}
	dst := filepath.Join(dead, filepath.Base(path))
	if e == nil {
		if err := os.Rename(path, dst); err != nil {
			return "", err
		}
		return dst, os.WriteFile(dst+".reason", []byte(reason+"\n"), 0o600)
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
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(s.Dir, ".lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, err
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(path, append(b, '\n'), 0o600)
}
