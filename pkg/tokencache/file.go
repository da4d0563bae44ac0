// Package tokencache keeps Feishu tenant access tokens in a file, so that a
// command started by cron every few minutes does not fetch a new token each
// time. It implements feishu.TokenStore.
//
// The file holds tokens only, never the app secret. It is written with mode
// 0600 by replacing it atomically under an advisory lock, so two processes
// saving at once both leave a valid file. A file that cannot be read or
// parsed is ignored with a warning: the cache can only save requests, never
// fail a send. So is a path that is not ours (see safefile.CheckFile): a
// symlink, a device such as /dev/null, a file owned by someone else or in a
// directory others can write to is neither read nor replaced, and the run
// goes on without a cache.
package tokencache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sync"
	"time"

	"github.com/gofrs/flock"

	"github.com/feishu-push/feishu-push/pkg/atomicfile"
	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/safefile"
)

// File is a token cache in one JSON file.
type File struct {
	// Path of the cache file. Its lock file is Path + ".lock".
	Path string
	// Warn receives one-line warnings: an unreadable cache, a failed save.
	Warn func(string)

	once      sync.Once
	checkOnce sync.Once
	checkErr  error
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
	if f.refused() {
		return feishu.Token{}, false
	}
	d, err := f.read()
	if err != nil {
		f.warn(fmt.Sprintf("token cache %s is unreadable (%v); ignoring it", f.Path, err))
		return feishu.Token{}, false
	}
	t, ok := d.Tokens[key]
	return feishu.Token{Value: t.Token, ExpiresAt: t.ExpiresAt}, ok
}

// Check reports whether the cache path may be used: a regular file or
// absent, in a directory owned by the running user that others cannot
// write to (created with mode 0700 when missing), and the same for its lock
// file. Load, Save and Delete call it and do nothing (after one warning)
// when it fails.
func (f *File) Check() error {
	if err := safefile.EnsureDir(filepath.Dir(f.Path)); err != nil {
		return err
	}
	if err := safefile.CheckFile(f.Path); err != nil {
		return err
	}
	return safefile.CheckFile(f.Path + ".lock")
}

// refused checks the path once per File and warns when it is not usable.
func (f *File) refused() bool {
	f.checkOnce.Do(func() {
		if f.checkErr = f.Check(); f.checkErr != nil {
			f.warn(fmt.Sprintf("token cache %s not used: %v", f.Path, f.checkErr))
		}
	})
	return f.checkErr != nil
}

// Save stores tok under key, keeping the other keys.
func (f *File) Save(key string, tok feishu.Token) error {
	if f.refused() {
		return f.checkErr
	}
	return f.update(func(d *fileData) { d.Tokens[key] = fileToken{Token: tok.Value, ExpiresAt: tok.ExpiresAt} })
}

// Delete forgets the token under key.
func (f *File) Delete(key string) error {
	if f.refused() {
		return f.checkErr
	}
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
	b, err := safefile.ReadState(f.Path, maxCache)
	if errors.Is(err, fs.ErrNotExist) {
		return d, nil
	}
	if err != nil {
		var se *safefile.Error
		if errors.As(err, &se) {
			err = se.Err
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
	if err := validate(d, time.Now()); err != nil {
		return &fileData{Version: 1, Tokens: map[string]fileToken{}}, fmt.Errorf("not a token cache: %v", err)
	}
	return d, nil
}

// Limits on what a cache holds; a tenant token lives two hours and is a
// short ASCII string.
const (
	maxCache    = 256 << 10
	maxTokens   = 64
	maxTokenLen = 512
	maxLifetime = 3 * time.Hour
)

// validate refuses a cache whose content feishu-push would never write: too
// many entries, tokens that could not be HTTP header values, expiry times
// further ahead than a tenant token lives.
func validate(d *fileData, now time.Time) error {
	if len(d.Tokens) > maxTokens {
		return fmt.Errorf("%d tokens", len(d.Tokens))
	}
	for k, t := range d.Tokens {
		if len(k) > 1024 {
			return fmt.Errorf("a key of %d bytes", len(k))
		}
		if t.Token == "" || len(t.Token) > maxTokenLen {
			return fmt.Errorf("a token of %d bytes", len(t.Token))
		}
		for i := 0; i < len(t.Token); i++ {
			if c := t.Token[i]; c <= ' ' || c >= 0x7f {
				return fmt.Errorf("a token with a character %q that no token has", c)
			}
		}
		if t.ExpiresAt.After(now.Add(maxLifetime)) {
			return fmt.Errorf("a token said to expire at %s, later than any token lives", t.ExpiresAt.Format(time.RFC3339))
		}
	}
	return nil
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
	lk := flock.New(f.Path+".lock", flock.SetPermissions(0o600))
	ctx, cancel := context.WithTimeout(context.Background(), lockWait)
	defer cancel()
	ok, err := lk.TryLockContext(ctx, 10*time.Millisecond)
	if err != nil || !ok {
		if err == nil || errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("another process held it for %v", lockWait)
		}
		return fmt.Errorf("lock: %v", err)
	}
	defer lk.Unlock()
	return fn()
}
