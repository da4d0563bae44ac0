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
		if got.Kind != e.Kind || got.UpdateKey != e.UpdateKey || got.ParentID != e.ParentID || got.InThread != e.InThread {
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
		"image with file key":  with(func(e *spool.Entry) { e.MsgType, e.Content = "image", json.RawMessage(`{"file_key":"file_v3_1"}`) }),
		"file with text":       with(func(e *spool.Entry) { e.MsgType = "file" }),
		"post of a locale":     with(func(e *spool.Entry) { e.MsgType, e.Content = "post", json.RawMessage(`{"fr_fr":{"title":"t"}}`) }),
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
