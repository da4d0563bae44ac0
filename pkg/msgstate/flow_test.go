package msgstate_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/feishutest"
	"github.com/feishu-push/feishu-push/pkg/msgstate"
)

// pushCard is the update-key flow the send commands build on, against the
// real client: under the state lock, update the remembered message; when
// there is none, or it was recalled, deleted or is too old, send a new
// shared card and remember it.
// board is a card kept up to date under one update key.
type board struct {
	c   *feishu.Client
	s   *msgstate.Store
	key string
}

func pushCard(ctx context.Context, b board, to feishu.Recipient, card json.RawMessage, now time.Time) (string, string, error) {
	c, s, key := b.c, b.s, b.key
	tx, err := s.Begin(ctx)
	if err != nil {
		return "", "", err
	}
	defer tx.Close()
	rk := msgstate.RecipientKey(to.IDType, to.ID)
	if e, ok := tx.Get(key, rk); ok && !e.OlderThan(feishu.MaxCardAge, now) {
		req, err := c.Messages.NewUpdateRequest(e.MessageID, card)
		if err != nil {
			return "", "", err
		}
		_, err = c.Messages.Update(ctx, req)
		if err == nil {
			e.UpdatedAt = now
			if err := tx.Put(key, rk, e); err != nil {
				return "", "", err
			}
			return "update", e.MessageID, tx.Commit()
		}
		if !feishu.ShouldSendNew(err) {
			return "", "", err
		}
	}
	shared, err := feishu.SharedCard(card)
	if err != nil {
		return "", "", err
	}
	req, err := c.Messages.NewCreateRequest(to, feishu.CardMessage(shared), "")
	if err != nil {
		return "", "", err
	}
	sent, _, err := c.Messages.Create(ctx, req)
	if err != nil {
		return "", "", err
	}
	if err := tx.Put(key, rk, msgstate.Entry{MessageID: sent.MessageID, SentAt: now}); err != nil {
		return "", "", err
	}
	return "send", sent.MessageID, tx.Commit()
}

func TestUpdateKeyFlowAgainstTheFake(t *testing.T) {
	clock := feishutest.NewClock(time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC))
	srv := feishutest.NewServer(t, feishutest.WithClock(clock.Now))
	newClient := func() *feishu.Client {
		return feishu.New(feishu.WithBaseURL(srv.URL), feishu.WithCredentials(feishutest.DefaultAppID, feishutest.DefaultAppSecret),
			feishu.WithClock(clock.Now), feishu.WithTimeout(5*time.Second))
	}
	c := newClient()
	s, _ := msgstate.Open(t.TempDir())
	ctx := context.Background()
	to := feishu.Recipient{IDType: "chat_id", ID: "oc_board"}
	card := func(v string) json.RawMessage {
		return json.RawMessage(`{"elements":[{"tag":"markdown","content":"` + v + `"}]}`)
	}
	step := func(v, wantAction string) string {
		t.Helper()
		action, id, err := pushCard(ctx, board{c, s, "status"}, to, card(v), clock.Now())
		if err != nil || action != wantAction {
			t.Fatalf("%s: %s %s %v, want %s", v, action, id, err, wantAction)
		}
		return id
	}
	first := step("v1", "send")
	clock.Advance(5 * time.Minute)
	if id := step("v2", "update"); id != first {
		t.Fatalf("updated %s, want %s", id, first)
	}
	if m, _ := srv.Message(first); len(m.Edits) != 1 {
		t.Errorf("edits = %d", len(m.Edits))
	}
	// Someone recalls the board: the next run sends a new one.
	rreq, _ := c.Messages.NewRecallRequest(first)
	if _, err := c.Messages.Recall(ctx, rreq); err != nil {
		t.Fatal(err)
	}
	second := step("v3", "send")
	step("v4", "update")
	// Deleted: a new one again.
	srv.DeleteMessage(second)
	third := step("v5", "send")
	// Past 14 days the planner does not even try to update.
	clock.Advance(15 * 24 * time.Hour)
	c = newClient() // its cached token expired with the jump
	before := srv.CountRequests(feishutest.EndpointUpdate)
	fourth := step("v6", "send")
	if srv.CountRequests(feishutest.EndpointUpdate) != before || fourth == third {
		t.Error("tried to update a message older than 14 days")
	}
	e, _, _ := s.Get(ctx, "status", "chat_id:oc_board")
	if e.MessageID != fourth {
		t.Errorf("state remembers %s, want %s", e.MessageID, fourth)
	}
	// A message the bot did not send is an error, not a silent resend.
	user := srv.AddUserMessage("oc_board", "hi").MessageID
	_ = s.Update(ctx, func(tx *msgstate.Tx) error {
		return tx.Put("status", "chat_id:oc_board", msgstate.Entry{MessageID: user, SentAt: clock.Now()})
	})
	if _, _, err := pushCard(ctx, board{c, s, "status"}, to, card("v7"), clock.Now()); !errors.Is(err, feishu.ErrNotOwnMessage) {
		t.Errorf("not own: %v", err)
	}
}

func TestConcurrentFirstRunsSendOnce(t *testing.T) {
	srv := feishutest.NewServer(t)
	dir := t.TempDir()
	to := feishu.Recipient{IDType: "chat_id", ID: "oc_board"}
	const runs = 4
	var wg sync.WaitGroup
	actions := make(chan string, runs)
	for i := 0; i < runs; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := feishu.New(feishu.WithBaseURL(srv.URL), feishu.WithCredentials(feishutest.DefaultAppID, feishutest.DefaultAppSecret))
			s, _ := msgstate.Open(dir)
			a, _, err := pushCard(context.Background(), board{c, s, "status"}, to, json.RawMessage(`{"elements":[]}`), time.Now())
			if err != nil {
				t.Error(err)
			}
			actions <- a
		}()
	}
	wg.Wait()
	close(actions)
	sends := 0
	for a := range actions {
		if a == "send" {
			sends++
		}
	}
	if sends != 1 || len(srv.Messages()) != 1 {
		t.Errorf("%d sends, %d messages; want 1 of each", sends, len(srv.Messages()))
	}
}
