// Package tokencache keeps Feishu tenant access tokens in a file, so that a
// command started by cron every few minutes does not fetch a new token each
// time. It implements feishu.TokenStore.
//
// The file holds tokens only, never the app secret. It is written with mode
// 0600 by replacing it atomically under an advisory lock, so two processes
// saving at once both leave a valid file. A file that cannot be read or
// parsed is ignored with a warning: the cache can only save requests, never
// fail a send.
package tokencache

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/feishu-push/feishu-push/pkg/atomicfile"
	"github.com/feishu-push/feishu-push/pkg/feishu"
)

// File is a token cache in one JSON file.
type File struct {
	// Path of the cache file. Its lock file is Path + ".lock".
	Path string
	// Warn receives one-line warnings: an unreadable cache, a failed save.
	Warn func(string)

	once sync.Once
}

var _ feishu.TokenStore = (*File)(nil)

type fileData struct {
	Version int                  `json:"version"`
	Tokens  map[string]fileToken `json:"tokens"`
}

type fileToken struct {
	Token     string    `json:"tenant_access_token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Load returns the token stored under key, if it is there and readable.
func (f *File) Load(key string) (feishu.Token, bool) {
	d, err := f.read()
	if err != nil {
		f.warn(fmt.Sprintf("token cache %s is unreadable (%v); ignoring it", f.Path, err))
		return feishu.Token{}, false
	}
	t, ok := d.Tokens[key]
	return feishu.Token{Value: t.Token, ExpiresAt: t.ExpiresAt}, ok
}

// Save stores tok under key, keeping the other keys.
func (f *File) Save(key string, tok feishu.Token) error {
	return f.update(func(d *fileData) { d.Tokens[key] = fileToken{Token: tok.Value, ExpiresAt: tok.ExpiresAt} })
}

// Delete forgets the token under key.
func (f *File) Delete(key string) error {
	return f.update(func(d *fileData) { delete(d.Tokens, key) })
}

func (f *File) warn(msg string) {
	if f.Warn != nil {
		f.once.Do(func() { f.Warn(msg) }) // one warning per run is enough
	}
}

// read parses the file; a missing file is an empty cache.
func (f *File) read() (*fileData, error) {
	d := &fileData{Version: 1, Tokens: map[string]fileToken{}}
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return d, nil
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return d, err
	}
	if err := json.Unmarshal(b, d); err != nil || d.Version != 1 {
		if err == nil {
			err = fmt.Errorf("unknown version %d", d.Version)
		}
		return &fileData{Version: 1, Tokens: map[string]fileToken{}}, fmt.Errorf("not a token cache: %v", err)
	}
	if d.Tokens == nil {
		d.Tokens = map[string]fileToken{}
	}
	return d, nil
}

// update applies fn to the cache under the lock and replaces the file.
func (f *File) update(fn func(*fileData)) error {
	err := f.withLock(func() error {
		d, err := f.read()
		if err != nil {
			// A corrupt cache is replaced rather than kept forever.
			d = &fileData{Version: 1, Tokens: map[string]fileToken{}}
		}
		now := time.Now()
		for k, t := range d.Tokens {
			if !now.Before(t.ExpiresAt) {
				delete(d.Tokens, k)
			}
		}
		fn(d)
		b, err := json.MarshalIndent(d, "", "  ")
		if err != nil {
			return err
		}
		return atomicfile.Write(f.Path, b, 0o600)
	})
	if err != nil {
		f.warn(fmt.Sprintf("token cache %s not saved: %v", f.Path, err))
	}
	return err
}

// lockWait bounds how long a save waits for another process's save.
const lockWait = 2 * time.Second

func (f *File) withLock(fn func() error) error {
	lf, err := os.OpenFile(f.Path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer lf.Close()
	deadline := time.Now().Add(lockWait)
	for {
		err = syscall.Flock(int(lf.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			return fmt.Errorf("lock: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	defer syscall.Flock(int(lf.Fd()), syscall.LOCK_UN)
	return fn()
}
