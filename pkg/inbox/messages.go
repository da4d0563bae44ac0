package inbox

import (
	"net/url"

	"github.com/feishu-push/feishu-push/pkg/feishutest"
	"github.com/feishu-push/feishu-push/pkg/render"
)

// draw renders the fake's messages as the client shows them, with their
// lives (replies, threads, edits, recalls), uploaded images from
// /api/images/ and files from /api/files/, multilingual cards and posts in
// locale (zh_cn when empty, as the client defaults).
func draw(fake *feishutest.Fake, msgs []feishutest.Message, locale string) []string {
	opts := render.Options{
		Locale:   locale,
		ImageURL: func(key string) string { return "/api/images/" + url.PathEscape(key) },
		File: func(key string) (render.FileInfo, bool) {
			f, ok := fake.File(key)
			return render.FileInfo{Name: f.Name, Size: int64(f.Size), Type: f.Type, Duration: f.Duration,
				URL: "/api/files/" + url.PathEscape(key)}, ok
		},
	}
	list := make([]render.Stored, len(msgs))
	for i, m := range msgs {
		list[i] = render.Stored{Seq: m.Seq, Time: m.Time, Mode: m.Mode, MsgType: m.MsgType, Content: m.Content, MessageID: m.MessageID,
			ParentID: m.ParentID, RootID: m.RootID, ThreadID: m.ThreadID, Recalled: m.Recalled, RecalledAt: m.RecalledAt, Deleted: m.Deleted}
		for _, e := range m.Edits {
			list[i].Edits = append(list[i].Edits, render.Edit{Time: e.Time, Previous: e.Previous})
		}
	}
	return drawAll(list, opts)
}

// renderMessages draws the whole list; a variable so a test can make
// drawing fail.
var renderMessages = render.Messages

// drawAll draws the list with its lives (threads, quotes, edits). The
// renderer already recovers per message; should drawing the list fail as a
// whole, each message is drawn on its own instead (drawSafe), so one bad
// message never takes /api/messages down.
func drawAll(list []render.Stored, opts render.Options) (out []string) {
	defer func() {
		if recover() != nil {
			out = make([]string, len(list))
			for i, m := range list {
				out[i] = drawSafe(m.MsgType, m.Content, opts)
			}
		}
	}()
	return renderMessages(list, opts)
}
