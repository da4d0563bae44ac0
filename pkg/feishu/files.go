package feishu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// EndpointFilesCreate names POST /open-apis/im/v1/files in errors and logs.
const EndpointFilesCreate = "im.files.create"

// MaxFileSize is the largest file Feishu's upload accepts (30 MB).
const MaxFileSize = 30 << 20

// Message types of uploaded files: a file shows as a document, audio (opus)
// as a voice message, media (mp4) as a video.
const (
	MsgTypeFile  = "file"
	MsgTypeAudio = "audio"
	MsgTypeMedia = "media"
)

// FilesService handles POST /open-apis/im/v1/files.
type FilesService service

// FileTypes are the file_type values the upload takes; "stream" is any other
// file.
var FileTypes = []string{"opus", "mp4", "pdf", "doc", "xls", "ppt", "stream"}

// FileTypeFor returns the upload file_type for a file name from its
// extension: opus, mp4, pdf, doc, xls or ppt for exactly those extensions,
// and stream for everything else (CSV, text, archives…). Whether .docx,
// .xlsx and .pptx may be declared doc, xls and ppt is unconfirmed, so they
// go as stream, which takes any file.
func FileTypeFor(name string) string {
	switch ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(name), ".")); ext {
	case "opus", "mp4", "pdf", "doc", "xls", "ppt":
		return ext
	}
	return "stream"
}

// FileUpload is a file to upload.
type FileUpload struct {
	// Name is the file name with its extension, as recipients see it.
	Name string
	// Data is the whole file, 1 byte to 30 MB.
	Data []byte
	// FileType overrides the type FileTypeFor derives from Name.
	FileType string
	// Duration of an audio or video file; sent in milliseconds when not zero
	// so the client can show it.
	Duration time.Duration
}

// NewUploadRequest prepares the upload of a file as multipart/form-data
// (file_type, file_name, duration, file). An empty file
// (*EmptyUploadError), one over 30 MB (*LimitError), a missing name and an
// unknown file_type are refused here, before any request.
//
// See https://open.feishu.cn/document/server-docs/im-v1/file/create.
func (s *FilesService) NewUploadRequest(u FileUpload) (*Request, error) {
	name := strings.TrimSpace(u.Name)
	if name == "" || strings.ContainsAny(name, "/\\\x00\r\n") {
		return nil, fmt.Errorf("file name %q is empty or has a path separator or control character", u.Name)
	}
	if len(u.Data) == 0 {
		return nil, &EmptyUploadError{What: "file " + name}
	}
	if len(u.Data) > MaxFileSize {
		return nil, &LimitError{What: "file " + name, Size: len(u.Data), Limit: MaxFileSize}
	}
	ft := u.FileType
	if ft == "" {
		ft = FileTypeFor(name)
	}
	known := false
	for _, t := range FileTypes {
		known = known || t == ft
	}
	if !known {
		return nil, &FormatError{What: "file " + name, Detected: ft, Want: "file_type " + strings.Join(FileTypes, ", ")}
	}
	if u.Duration < 0 {
		return nil, errors.New("file duration is negative")
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("file_type", ft)
	_ = mw.WriteField("file_name", name)
	fields := map[string]string{"file_type": ft, "file_name": name}
	if u.Duration > 0 {
		ms := strconv.FormatInt(u.Duration.Milliseconds(), 10)
		_ = mw.WriteField("duration", ms)
		fields["duration"] = ms
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, name))
	h.Set("Content-Type", "application/octet-stream")
	part, err := mw.CreatePart(h)
	if err != nil {
		return nil, err
	}
	_, _ = part.Write(u.Data)
	if err := mw.Close(); err != nil {
		return nil, err
	}
	hdr := http.Header{}
	hdr.Set("Content-Type", mw.FormDataContentType())
	fields["file"] = fmt.Sprintf("%s (%d bytes)", name, len(u.Data))
	shown, _ := json.Marshal(fields)
	return &Request{Method: http.MethodPost, URL: s.client.baseURL + "/open-apis/im/v1/files", Header: hdr,
		Body: body.Bytes(), Endpoint: EndpointFilesCreate, needsToken: true,
		// A repeated upload only makes another key for the same file.
		idempotent: true, shown: shown}, nil
}

// Upload sends a prepared upload and returns the file_key.
func (s *FilesService) Upload(ctx context.Context, req *Request) (string, *Response, error) {
	var out struct {
		Data struct {
			FileKey string `json:"file_key"`
		} `json:"data"`
	}
	resp, err := s.client.Do(ctx, req, &out)
	if err != nil {
		return "", resp, err
	}
	if out.Data.FileKey == "" {
		return "", resp, &APIError{Endpoint: req.Endpoint, HTTPStatus: resp.HTTPStatus, Msg: "response has no file_key", LogID: resp.LogID}
	}
	return out.Data.FileKey, resp, nil
}

// FileMessage returns a file message for a key from FilesService.Upload:
// {"file_key":"file_…"}. Only app bots send files; a custom-bot webhook
// cannot (see WebhookSupports).
func FileMessage(fileKey string) Message {
	b, _ := marshalJSON(map[string]string{"file_key": fileKey})
	return Message{MsgType: MsgTypeFile, Content: b}
}

// MsgTypeForFileType returns the msg_type that sends a file of an upload
// file_type: audio for opus, media for mp4, file for the rest. Feishu refuses
// a mismatch with 230055.
func MsgTypeForFileType(fileType string) string {
	switch fileType {
	case "opus":
		return MsgTypeAudio
	case "mp4":
		return MsgTypeMedia
	}
	return MsgTypeFile
}

// ErrWebhookUnsupported is returned by WebhookSupports for a message a
// custom-bot webhook cannot send.
var ErrWebhookUnsupported = errors.New("a custom-bot webhook cannot send this message type")

// WebhookSupports reports whether a custom-bot webhook can send msgType:
// text, post, image (whose key still needs an app to upload it), share_chat
// and interactive. Files, audio and media need an app bot.
func WebhookSupports(msgType string) error {
	switch msgType {
	case MsgTypeText, MsgTypePost, MsgTypeImage, MsgTypeInteractive, "share_chat":
		return nil
	}
	return fmt.Errorf("%w: %s (use app credentials)", ErrWebhookUnsupported, msgType)
}

// EmptyUploadError reports an empty image or file; Feishu refuses them
// (234010). It is detected before anything is sent.
type EmptyUploadError struct {
	// What names the upload, e.g. "file report.csv".
	What string
}

// Error says what is empty.
func (e *EmptyUploadError) Error() string {
	return e.What + " is empty; Feishu refuses empty uploads"
}

// FormatError reports an upload whose type Feishu does not accept. It is
// detected before anything is sent.
type FormatError struct {
	// What names the upload, Detected is what it looks like and Want lists
	// what is accepted.
	What, Detected, Want string
}

// Error names the upload, its detected type and the accepted ones.
func (e *FormatError) Error() string {
	return fmt.Sprintf("%s is %s; Feishu accepts %s", e.What, e.Detected, e.Want)
}
