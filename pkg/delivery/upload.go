package delivery

import (
	"context"
	"fmt"
	"time"

	"github.com/feishu-push/feishu-push/pkg/feishu"
)

// PlaceholderFileKey stands for a file's key until it is uploaded, in a
// dry run and a preview.
const PlaceholderFileKey = "file_v3_placeholder_until_upload_0000000000000000000000000000000000"

// Upload is an image or file upload prepared (and so checked: empty, too
// large, wrong type) before anything is sent or any token fetched. It is
// uploaded once and its key reused for every recipient.
type Upload struct {
	// Name is the file name shown to people.
	Name string
	// Image is set for an image, else it is a file.
	Image bool
	// FileType is the upload's file_type (files only).
	FileType string
	Data     []byte
	Req      *feishu.Request
}

// PrepareImage checks an image and builds its upload request.
func PrepareImage(c *feishu.Client, name string, data []byte) (*Upload, error) {
	req, err := c.Images.NewUploadRequest(name, data)
	if err != nil {
		return nil, &feishu.UsageError{Err: err}
	}
	return &Upload{Name: name, Image: true, Data: data, Req: req}, nil
}

// PrepareFile checks a file and builds its upload request; its file_type
// comes from the name's extension.
func PrepareFile(c *feishu.Client, name string, data []byte) (*Upload, error) {
	ft := feishu.FileTypeFor(name)
	req, err := c.Files.NewUploadRequest(feishu.FileUpload{Name: name, Data: data, FileType: ft})
	if err != nil {
		return nil, &feishu.UsageError{Err: err}
	}
	return &Upload{Name: name, FileType: ft, Data: data, Req: req}, nil
}

// Message returns the message that sends the upload by key.
func (u *Upload) Message(key string) feishu.Message {
	if u.Image {
		return feishu.ImageMessage(key)
	}
	m := feishu.FileMessage(key)
	m.MsgType = feishu.MsgTypeForFileType(u.FileType)
	return m
}

// UploadError is an upload that failed: nothing was sent.
type UploadError struct {
	Name string
	Err  error
}

func (e *UploadError) Error() string {
	return fmt.Sprintf("upload %s failed, nothing sent: %v", e.Name, e.Err)
}
func (e *UploadError) Unwrap() error { return e.Err }

// Run uploads u through s: the engine uploads it (retried, logged), a dry
// run prints the request and a preview keeps the image, both returning a
// placeholder key.
func (u *Upload) Run(ctx context.Context, s Sender) (string, error) {
	switch s := s.(type) {
	case *Engine:
		start := time.Now()
		var (
			key  string
			resp *feishu.Response
			err  error
		)
		if u.Image {
			key, resp, err = s.Client.Images.Upload(ctx, u.Req)
		} else {
			key, resp, err = s.Client.Files.Upload(ctx, u.Req)
		}
		ev := s.Log.Info()
		if err != nil {
			ev = s.Log.Error().Str("error", err.Error())
		}
		ev = ev.Str("upload", u.Name).Int("bytes", len(u.Data)).Bool("ok", err == nil).
			Int64("duration_ms", time.Since(start).Milliseconds())
		if resp != nil {
			ev = ev.Int("attempts", resp.Attempts).Str("log_id", resp.LogID)
		}
		if key != "" {
			ev = ev.Str("key", key)
		}
		ev.Send()
		if err != nil {
			return "", &UploadError{Name: u.Name, Err: err}
		}
		return key, nil
	case *DryRun:
		if err := writeJSON(s.Out, u.Req.Redacted()); err != nil {
			return "", err
		}
	case *Preview:
		if u.Image {
			return s.AttachImage(ctx, u.Name, u.Data)
		}
		return PlaceholderFileKey, nil
	}
	if u.Image {
		return PlaceholderImageKey, nil
	}
	return PlaceholderFileKey, nil
}
