package listen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/feishu-push/feishu-push/pkg/atomicfile"
)

// journalFile is the journal's name inside the state directory.
const journalFile = "events.journal"

// KeepDone is how long ids of finished events are remembered to drop
// redeliveries. Feishu redelivers for up to about 7.5 hours (15 s, 5 min,
// 1 h, 6 h); a day leaves room.
const KeepDone = 24 * time.Hour

// record is one journal line.
type record struct {
	Op    string    `json:"op"` // "add", "done" (handled), "dead" (gave up)
	ID    string    `json:"id"`
	Time  time.Time `json:"t"`
	Event *Event    `json:"ev,omitempty"`
}

// Journal is an append-only, fsync'd log of events received and finished.
// Every event is written before it is acknowledged, so an event answered
// with 200 survives a crash; an id seen before is a duplicate.
type Journal struct {
	mu      sync.Mutex
	f       *os.File
	pending []*Event // in arrival order
	seen    map[string]time.Time
	byID    map[string]*Event
	now     func() time.Time
	path    string
	appends int
}

// OpenJournal opens (creating) the journal in dir, compacting it: finished
// events older than KeepDone are forgotten, unfinished ones kept in order.
func OpenJournal(dir string, now func() time.Time) (*Journal, error) {
	if now == nil {
		now = time.Now
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	j := &Journal{seen: map[string]time.Time{}, byID: map[string]*Event{}, now: now}
	path := filepath.Join(dir, journalFile)
	if err := j.load(path); err != nil {
		return nil, err
	}
	j.path = path
	if err := j.compactLocked(); err != nil {
		return nil, err
	}
	return j, nil
}

// compactEvery is how many appends trigger a compaction while running.
var compactEvery = 10000

// compactLocked rewrites the journal with only what matters: ids finished
// within KeepDone and the unfinished events in order. It writes a new file,
// fsyncs it and renames it over the old one. j.mu is held (or j is new).
func (j *Journal) compactLocked() error {
	tmp := j.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	cutoff := j.now().Add(-KeepDone)
	for id, t := range j.seen {
		if _, open := j.byID[id]; open {
			continue
		}
		if t.Before(cutoff) {
			delete(j.seen, id)
			continue
		}
		_ = enc.Encode(record{Op: "done", ID: id, Time: t})
	}
	for _, ev := range j.pending {
		_ = enc.Encode(record{Op: "add", ID: ev.ID, Time: j.seen[ev.ID], Event: ev})
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	f.Close()
	// The old file is closed first: Windows refuses to rename over a file
	// that is open. On failure it is opened again, complete as it was.
	if j.f != nil {
		j.f.Close()
		j.f = nil
	}
	renameErr := os.Rename(tmp, j.path)
	if renameErr == nil {
		_ = atomicfile.SyncDir(filepath.Dir(j.path))
	}
	nf, err := os.OpenFile(j.path, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return errors.Join(renameErr, err)
	}
	j.f = nf
	if renameErr != nil {
		return renameErr
	}
	j.appends = 0
	return nil
}

func (j *Journal) load(path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		var r record
		if len(line) == 0 || json.Unmarshal(line, &r) != nil || r.ID == "" {
			continue // a line torn by a crash was never acknowledged
		}
		switch r.Op {
		case "add":
			if _, dup := j.seen[r.ID]; dup || r.Event == nil {
				continue
			}
			j.seen[r.ID] = r.Time
			j.byID[r.ID] = r.Event
			j.pending = append(j.pending, r.Event)
		case "done", "dead":
			j.seen[r.ID] = r.Time
			if _, open := j.byID[r.ID]; open {
				delete(j.byID, r.ID)
				j.pending = removeEvent(j.pending, r.ID)
			}
		}
	}
	return nil
}

func removeEvent(evs []*Event, id string) []*Event {
	for i, e := range evs {
		if e.ID == id {
			return append(evs[:i:i], evs[i+1:]...)
		}
	}
	return evs
}

func (j *Journal) append(r record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if j.f == nil { // a compaction could not reopen it
		f, err := os.OpenFile(j.path, os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		j.f = f
	}
	if _, err := j.f.Write(append(b, '\n')); err != nil {
		return err
	}
	if err := j.f.Sync(); err != nil {
		return err
	}
	j.appends++
	return nil
}

// maybeCompact compacts after many appends, once the in-memory state
// matches the file. A failed compaction leaves the old, complete file.
func (j *Journal) maybeCompact() {
	if j.appends >= compactEvery {
		_ = j.compactLocked()
	}
}

// Add records ev durably. It reports false, writing nothing, when the id
// was seen before (a duplicate or a redelivery).
func (j *Journal) Add(ev *Event) (added bool, err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, dup := j.seen[ev.ID]; dup {
		return false, nil
	}
	if err := j.append(record{Op: "add", ID: ev.ID, Time: j.now(), Event: ev}); err != nil {
		return false, fmt.Errorf("journal: %w", err)
	}
	j.seen[ev.ID] = j.now()
	j.byID[ev.ID] = ev
	j.pending = append(j.pending, ev)
	j.maybeCompact()
	return true, nil
}

// Finish records that ev's handler succeeded (dead=false) or was given up
// on (dead=true); either way it is not run again.
func (j *Journal) Finish(id string, dead bool) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, open := j.byID[id]; !open {
		return nil
	}
	op := "done"
	if dead {
		op = "dead"
	}
	if err := j.append(record{Op: op, ID: id, Time: j.now()}); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	delete(j.byID, id)
	j.pending = removeEvent(j.pending, id)
	j.maybeCompact()
	return nil
}

// Pending returns the unfinished events, oldest first.
func (j *Journal) Pending() []*Event {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]*Event(nil), j.pending...)
}

// Depth is the number of unfinished events.
func (j *Journal) Depth() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.pending)
}

// Close closes the journal file.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	return j.f.Close()
}
