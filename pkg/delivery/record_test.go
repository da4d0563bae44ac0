package delivery

import (
	"context"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/spool"
)

// TestSpoolerWritesAhead: Begin puts every message on disk before any
// attempt; After removes an accepted or rejected one and keeps a
// transient failure with its attempts and error.
func TestSpoolerWritesAhead(t *testing.T) {
	c := feishu.New(feishu.WithCredentials("cli_x", "s"))
	rcpts := []feishu.Recipient{{IDType: "chat_id", ID: "oc_a"}, {IDType: "chat_id", ID: "oc_b"}, {IDType: "chat_id", ID: "oc_c"}}
	p, err := NewPlan(c, Audience{Mode: ModeApp, Recipients: rcpts}, feishu.TextMessage("hi"))
	if err != nil {
		t.Fatal(err)
	}
	sp := &spool.Spool{Dir: t.TempDir() + "/spool"}
	s := &Spooler{Spool: sp, Command: "send-text", AppID: "cli_x", BaseURL: feishu.FeishuBaseURL, Warn: io.Discard}
	end, err := s.Begin(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	paths, _ := sp.List()
	if len(paths) != 3 || !sp.Busy(paths[0]) {
		t.Fatalf("spool before any attempt: %v", paths)
	}
	for i, outcome := range []error{nil,
		&feishu.APIError{Endpoint: feishu.EndpointMessagesCreate, HTTPStatus: 400, Code: 230002, Msg: "Bot is not in the chat"},
		&feishu.APIError{Endpoint: feishu.EndpointMessagesCreate, HTTPStatus: 503, Msg: "down"}} {
		j, _ := p.Job(i)
		res := &Result{Attempts: 4}
		note := s.After(&j, res, outcome)
		if (i == 2) != (res.Spooled != "") || (i == 2) != (note != "") {
			t.Errorf("job %d: spooled %q, note %q", i, res.Spooled, note)
		}
	}
	end()
	paths, _ = sp.List()
	if len(paths) != 1 || sp.Busy(paths[0]) {
		t.Fatalf("spool after the run: %v", paths)
	}
	e, err := sp.Load(paths[0])
	if err != nil || e.ReceiveID != "oc_c" || e.Attempts != 4 || e.LastError == "" || e.UUID == "" {
		t.Errorf("kept %+v %v", e, err)
	}
	j, _ := p.Job(2)
	if e.UUID != j.UUID {
		t.Errorf("spooled uuid %q, sent %q", e.UUID, j.UUID)
	}
}

// TestSpoolerWriteFailureStopsTheRun: a spool that cannot be written is a
// *spool.WriteError from Run, and nothing is sent.
func TestSpoolerWriteFailureStopsTheRun(t *testing.T) {
	c := feishu.New(feishu.WithCredentials("cli_x", "s"), feishu.WithBaseURL("http://127.0.0.1:1"))
	p, err := NewPlan(c, Audience{Mode: ModeApp, Recipients: []feishu.Recipient{{IDType: "chat_id", ID: "oc_a"}}}, feishu.TextMessage("hi"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir() + "/file"
	if err := writeFile(dir); err != nil {
		t.Fatal(err)
	}
	e := &Engine{Client: c, Workers: 1, Out: &Output{Out: io.Discard, ErrOut: io.Discard},
		Recorder: &Spooler{Spool: &spool.Spool{Dir: dir + "/spool"}, Command: "send-text", Warn: io.Discard}}
	rep := e.Run(context.Background(), p)
	if !errors.Is(rep.Err, spool.ErrWrite) || len(rep.Results) != 0 || rep.Stats.Failed != 1 {
		t.Errorf("report %+v", rep)
	}
}

func writeFile(p string) error { return os.WriteFile(p, []byte("not a directory\n"), 0o600) }
