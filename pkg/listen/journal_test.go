package listen

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestJournalSurvivesReopenAndTornLine(t *testing.T) {
	dir := t.TempDir()
	j, err := OpenJournal(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b", "c"} {
		if ok, err := j.Add(&Event{ID: id, Type: "t", Body: []byte(`{}`)}); !ok || err != nil {
			t.Fatal(ok, err)
		}
	}
	if ok, _ := j.Add(&Event{ID: "a", Type: "t", Body: []byte(`{}`)}); ok {
		t.Fatal("duplicate added")
	}
	if err := j.Finish("b", false); err != nil {
		t.Fatal(err)
	}
	j.Close()
	// A crash mid-write leaves a torn line: it was never acknowledged.
	f, _ := os.OpenFile(filepath.Join(dir, journalFile), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"op":"add","id":"d","ev":{"id":"d"`)
	f.Close()

	j, err = OpenJournal(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range j.Pending() {
		ids = append(ids, e.ID)
	}
	if fmt.Sprint(ids) != "[a c]" {
		t.Errorf("pending after reopen: %v", ids)
	}
	if ok, _ := j.Add(&Event{ID: "b", Type: "t"}); ok {
		t.Error("a finished id was accepted again after reopen")
	}
	if ok, _ := j.Add(&Event{ID: "d", Type: "t", Body: []byte(`{}`)}); !ok {
		t.Error("the torn event's id is blocked")
	}
	j.Close()

	// Finished ids are forgotten after KeepDone.
	later := func() time.Time { return time.Now().Add(KeepDone + time.Hour) }
	j, err = OpenJournal(dir, later)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if ok, _ := j.Add(&Event{ID: "b", Type: "t", Body: []byte(`{}`)}); !ok {
		t.Error("an id finished more than KeepDone ago is still remembered")
	}
	if ok, _ := j.Add(&Event{ID: "a", Type: "t"}); ok {
		t.Error("an unfinished id was forgotten")
	}
}

func TestJournalCompactsWhileRunning(t *testing.T) {
	defer func(n int) { compactEvery = n }(compactEvery)
	compactEvery = 100
	dir := t.TempDir()
	j, err := OpenJournal(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < compactEvery/2+10; i++ {
		id := fmt.Sprint(i)
		j.Add(&Event{ID: id, Type: "t", Body: []byte(`{}`)})
		j.Finish(id, false)
	}
	j.Add(&Event{ID: "open", Type: "t", Body: []byte(`{}`)})
	j.Close()
	b, _ := os.ReadFile(filepath.Join(dir, journalFile))
	if n := len(b); n == 0 || countLines(b) > compactEvery/2+30 {
		t.Errorf("journal not compacted: %d lines", countLines(b))
	}
	j, _ = OpenJournal(dir, nil)
	defer j.Close()
	if p := j.Pending(); len(p) != 1 || p[0].ID != "open" {
		t.Errorf("pending after compaction: %v", p)
	}
	if ok, _ := j.Add(&Event{ID: "7", Type: "t"}); ok {
		t.Error("a finished id was lost in compaction")
	}
}

func countLines(b []byte) int {
	n := 0
	for _, c := range b {
		if c == '\n' {
			n++
		}
	}
	return n
}

// BenchmarkJournalAddFinish measures one event's journal cost: an fsync'd
// add and an fsync'd finish.
func BenchmarkJournalAddFinish(b *testing.B) {
	j, err := OpenJournal(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	body := []byte(`{"schema":"2.0","header":{"event_id":"x","event_type":"im.message.receive_v1"},"event":{"message":{"chat_id":"oc_1","content":"{\"text\":\"hello\"}"}}}`)
	for i := 0; b.Loop(); i++ {
		id := fmt.Sprint(i)
		j.Add(&Event{ID: id, Type: "im.message.receive_v1", Body: body})
		j.Finish(id, false)
	}
}
