package feishutest

import (
	"encoding/json"
	"net/http"
	"strings"
)

// handleBatch serves POST /open-apis/message/v4/batch_send/: one message to
// up to 200 ids per list, users and departments only. Ids that do not exist
// (the wrong prefix, or rejected with Reject) come back as invalid; the
// others each get the message, stored with the batch's bm- id.
func (f *Fake) handleBatch(w http.ResponseWriter, r *http.Request) {
	const ep = EndpointBatch
	c, ok := f.beginApp(w, r, ep, http.MethodPost)
	if !ok {
		return
	}
	defer c.done()
	w, app := c.w, c.app
	// batch_send counts against the same app limits as im/v1 sends.
	if lim, ok := f.limits.allowApp(app, f.now()); !ok {
		f.rateLimited(w, r, ep, lim)
		return
	}
	raw, _ := readBody(r)
	var req struct {
		MsgType       string          `json:"msg_type"`
		Content       json.RawMessage `json:"content"`
		Card          json.RawMessage `json:"card"`
		OpenIDs       []string        `json:"open_ids"`
		UserIDs       []string        `json:"user_ids"`
		UnionIDs      []string        `json:"union_ids"`
		DepartmentIDs []string        `json:"department_ids"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		f.reply(w, r, ep, http.StatusOK, errBody(10003, "invalid param: "+err.Error()))
		return
	}
	lists := [][]string{req.OpenIDs, req.UserIDs, req.UnionIDs, req.DepartmentIDs}
	total := 0
	for _, l := range lists {
		if len(l) > 200 {
			f.reply(w, r, ep, http.StatusOK, errBody(10003, "invalid param: more than 200 ids in a list"))
			return
		}
		total += len(l)
	}
	if total == 0 {
		f.reply(w, r, ep, http.StatusOK, errBody(10003, "invalid param: no recipients"))
		return
	}
	content := req.Content
	switch req.MsgType {
	case "interactive":
		content = req.Card
	case "text", "image", "post", "share_chat":
	default:
		f.reply(w, r, ep, http.StatusOK, errBody(10003, "invalid param: msg_type"))
		return
	}
	if len(content) == 0 || strings.TrimSpace(string(content))[0] != '{' {
		f.reply(w, r, ep, http.StatusOK, errBody(10003, "invalid param: content must be an object"))
		return
	}
	if code, msg := f.checkContent(req.MsgType, content, true); code != 0 {
		f.reply(w, r, ep, http.StatusOK, errBody(code, msg))
		return
	}
	batchID := "bm-" + randHex(16)
	invalid := map[string][]string{}
	var accepted []Message
	f.mu.Lock()
	for _, spec := range []struct {
		list   []string
		typ    string
		prefix string
		key    string
	}{
		{req.OpenIDs, "open_id", "ou_", "invalid_open_ids"},
		{req.UserIDs, "user_id", "", "invalid_user_ids"},
		{req.UnionIDs, "union_id", "on_", "invalid_union_ids"},
		{req.DepartmentIDs, "department_id", "od-", "invalid_department_ids"},
	} {
		invalid[spec.key] = []string{}
		for _, id := range spec.list {
			if _, rejected := f.rejects[id]; rejected || !strings.HasPrefix(id, spec.prefix) {
				invalid[spec.key] = append(invalid[spec.key], id)
				continue
			}
			m := Message{Seq: len(f.messages) + 1, Time: f.now(), Mode: "batch", AppID: app, ReceiveIDType: spec.typ, ReceiveID: id,
				MsgType: req.MsgType, Content: compactJSON(content), MessageID: batchID, Body: compactJSON(raw)}
			f.messages = append(f.messages, m)
			accepted = append(accepted, m)
		}
	}
	onMessage := f.onMessage
	f.mu.Unlock()
	if onMessage != nil {
		for _, m := range accepted {
			onMessage(m)
		}
	}
	data := map[string]any{"message_id": batchID}
	for k, v := range invalid {
		data[k] = v
	}
	f.reply(w, r, ep, http.StatusOK, map[string]any{"code": 0, "msg": "success", "data": data})
}
