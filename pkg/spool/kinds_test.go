package spool_test

import (
	"encoding/json"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/spool"
)

// Updates by key, replies, posts, images and files are kept and read back;
// entries feishu-push would never write for them are refused when read.
func TestKindsAndMediaRoundTrip(t *testing.T) {
	sp := newSpool(t)
	with := func(fn func(e *spool.Entry)) *spool.Entry {
		e := appEntry(1)
		fn(e)
		return e
	}
	card := json.RawMessage(`{"config":{"update_multi":true},"elements":[]}`)
	good := map[string]*spool.Entry{
		"update": with(func(e *spool.Entry) {
			e.Kind, e.UpdateKey, e.MsgType, e.Content = "update", "status board", "interactive", card
		}),
		"reply": with(func(e *spool.Entry) {
			e.Kind, e.ParentID, e.InThread, e.ReceiveIDType, e.ReceiveID = "reply", "om_abc", true, "", ""
		}),
		"recall": with(func(e *spool.Entry) {
			*e = spool.Entry{Command: "recall", Mode: spool.ModeApp, AppID: e.AppID, BaseURL: e.BaseURL, Kind: "recall", MessageID: "om_abc"}
		}),
		"recall by key": with(func(e *spool.Entry) {
			*e = spool.Entry{Command: "recall", Mode: spool.ModeApp, AppID: e.AppID, BaseURL: e.BaseURL, Kind: "recall", MessageID: "om_abc",
				UpdateKey: "status board", ReceiveIDType: "chat_id", ReceiveID: "oc_a"}
		}),
		"post": with(func(e *spool.Entry) {
			e.MsgType, e.Content = "post", json.RawMessage(`{"zh_cn":{"title":"t","content":[]}}`)
		}),
		"image": with(func(e *spool.Entry) { e.MsgType, e.Content = "image", json.RawMessage(`{"image_key":"img_v3_1"}`) }),
		"file":  with(func(e *spool.Entry) { e.MsgType, e.Content = "file", json.RawMessage(`{"file_key":"file_v3_1"}`) }),
		"media": with(func(e *spool.Entry) {
			e.MsgType, e.Content = "media", json.RawMessage(`{"file_key":"file_v3_1","image_key":"img_v3_1"}`)
		}),
	}
	for name, e := range good {
		p, err := sp.Put(e)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := sp.Load(p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.Kind != e.Kind || got.UpdateKey != e.UpdateKey || got.ParentID != e.ParentID || got.InThread != e.InThread ||
			got.MessageID != e.MessageID || got.ReceiveID != e.ReceiveID {
			t.Errorf("%s: read back %+v", name, got)
		}
	}
	bad := map[string]*spool.Entry{
		"update without key":   with(func(e *spool.Entry) { e.Kind, e.MsgType, e.Content = "update", "interactive", card }),
		"update of a text":     with(func(e *spool.Entry) { e.Kind, e.UpdateKey = "update", "k" }),
		"key without update":   with(func(e *spool.Entry) { e.UpdateKey = "k" }),
		"reply to a recipient": with(func(e *spool.Entry) { e.Kind, e.ParentID = "reply", "om_abc" }),
		"reply to no message":  with(func(e *spool.Entry) { e.Kind, e.ReceiveIDType, e.ReceiveID = "reply", "", "" }),
		"unknown kind":         with(func(e *spool.Entry) { e.Kind = "edit" }),
		"recall of no message": recallWith(func(e *spool.Entry) { e.MessageID = "" }),
		"recall of a non-id":   recallWith(func(e *spool.Entry) { e.MessageID = "om_a b" }),
		"recall with a text": recallWith(func(e *spool.Entry) {
			e.MsgType, e.Content = "text", json.RawMessage(`{"text":"x"}`)
		}),
		"recall with a uuid":        recallWith(func(e *spool.Entry) { e.UUID = "fp-1" }),
		"recall maybe delivered":    recallWith(func(e *spool.Entry) { e.MaybeDelivered = true }),
		"recall with a parent":      recallWith(func(e *spool.Entry) { e.ParentID = "om_p" }),
		"recall by id to someone":   recallWith(func(e *spool.Entry) { e.ReceiveIDType, e.ReceiveID = "chat_id", "oc_a" }),
		"recall by key to no one":   recallWith(func(e *spool.Entry) { e.UpdateKey = "k" }),
		"recall by a bad key":       recallWith(func(e *spool.Entry) { e.UpdateKey, e.ReceiveIDType, e.ReceiveID = " k", "chat_id", "oc_a" }),
		"recall by key, bad target": recallWith(func(e *spool.Entry) { e.UpdateKey, e.ReceiveIDType, e.ReceiveID = "k", "chat_id", "oc:a" }),
		"message id on a send":      with(func(e *spool.Entry) { e.MessageID = "om_abc" }),
		"image with file key":       with(func(e *spool.Entry) { e.MsgType, e.Content = "image", json.RawMessage(`{"file_key":"file_v3_1"}`) }),
		"file with text":            with(func(e *spool.Entry) { e.MsgType = "file" }),
		"post of a locale":          with(func(e *spool.Entry) { e.MsgType, e.Content = "post", json.RawMessage(`{"fr_fr":{"title":"t"}}`) }),
		"webhook update": with(func(e *spool.Entry) {
			*e = spool.Entry{Command: "send-card", Mode: spool.ModeWebhook, WebhookID: "0123456789ab", Kind: "update", UpdateKey: "k", MsgType: "interactive", Content: card}
		}),
	}
	for name, e := range bad {
		p, err := sp.Put(e)
		if err != nil {
			continue
		}
		if got, err := sp.Load(p); err == nil {
			t.Errorf("%s: loaded %+v", name, got)
		}
	}
}

// recallWith is a well-formed recall entry changed by fn.
func recallWith(fn func(e *spool.Entry)) *spool.Entry {
	a := appEntry(1)
	e := &spool.Entry{Command: "recall", Mode: spool.ModeApp, AppID: a.AppID, BaseURL: a.BaseURL, Kind: "recall", MessageID: "om_abc"}
	fn(e)
	return e
}
