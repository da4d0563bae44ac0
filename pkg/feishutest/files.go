package feishutest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// EndpointFiles names POST /open-apis/im/v1/files in faults and records.
const EndpointFiles = "files"

const maxFile = 30 << 20

// bodyLimit bounds how much of a request body the fake reads: uploads up
// to their documented limits plus the multipart framing, everything else
// 1 MB.
func bodyLimit(path string) int64 {
	switch path {
	case "/open-apis/im/v1/files", "/open-apis/im/v1/images":
		return maxFile + 1<<20
	}
	return maxRead
}

// File is a file uploaded to the fake.
type File struct {
	Key  string    `json:"file_key"`
	Name string    `json:"file_name"`
	Type string    `json:"file_type"`
	Size int       `json:"size"`
	Time time.Time `json:"time"`
	// Duration is the duration field in milliseconds, 0 when not given.
	Duration int    `json:"duration,omitempty"`
	AppID    string `json:"app_id"`
	Data     []byte `json:"-"`
}

var fileTypes = map[string]bool{"opus": true, "mp4": true, "pdf": true, "doc": true, "xls": true, "ppt": true, "stream": true}

// Files returns the uploaded files, oldest first.
func (f *Fake) Files() []File {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]File, 0, len(f.life.fileOrder))
	for _, k := range f.life.fileOrder {
		out = append(out, f.life.files[k])
	}
	return out
}

// File returns the uploaded file with key.
func (f *Fake) File(key string) (File, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fl, ok := f.life.files[key]
	return fl, ok
}

// FilesHandler serves uploaded files for the sandbox's inbox:
// GET …/{file_key} downloads a file under its name, and the same path with
// ?meta=1 answers its name, type and size as JSON. Mount it with
// http.StripPrefix, e.g. at /api/files/.
func (f *Fake) FilesHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		fl, ok := f.File(strings.TrimPrefix(r.URL.Path, "/"))
		if !ok {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("meta") != "" {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			_ = json.NewEncoder(w).Encode(fl)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": fl.Name}))
		w.Header().Set("Content-Length", strconv.Itoa(len(fl.Data)))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if r.Method == http.MethodGet {
			_, _ = w.Write(fl.Data)
		}
	})
}

// handleFiles serves POST /open-apis/im/v1/files: multipart/form-data with
// file_type (opus, mp4, pdf, doc, xls, ppt, stream), file_name, an optional
// duration in milliseconds, and the file, 1 byte to 30 MB.
func (f *Fake) handleFiles(w http.ResponseWriter, r *http.Request) {
	const ep = EndpointFiles
	c, ok := f.beginApp(w, r, ep, http.MethodPost)
	if !ok {
		return
	}
	defer c.done()
	w, app := c.w, c.app
	if r.ContentLength > bodyLimit(r.URL.Path) {
		f.reply(w, r, ep, http.StatusBadRequest, errBody(234006, "The file size exceed the max value."))
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		f.reply(w, r, ep, http.StatusBadRequest, errBody(234001, "Invalid request param."))
		return
	}
	if err := r.ParseMultipartForm(maxFile + 1<<16); err != nil {
		f.reply(w, r, ep, http.StatusBadRequest, errBody(234001, "Invalid request param."))
		return
	}
	ft := r.FormValue("file_type")
	if !fileTypes[ft] {
		f.reply(w, r, ep, http.StatusBadRequest, errBody(234001, "Invalid request param: file_type."))
		return
	}
	name := r.FormValue("file_name")
	if strings.TrimSpace(name) == "" {
		f.reply(w, r, ep, http.StatusBadRequest, errBody(234001, "Invalid request param: file_name."))
		return
	}
	dur := 0
	if s := r.FormValue("duration"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			f.reply(w, r, ep, http.StatusBadRequest, errBody(234001, "Invalid request param: duration."))
			return
		}
		dur = n
	}
	data, _, ok := f.formUpload(w, r, ep, "file", maxFile)
	if !ok {
		return
	}
	// Whether Feishu checks that the content matches a specific file_type is
	// unconfirmed; the fake does, for the types with a clear signature, and
	// answers 234001 otherwise. stream takes anything.
	if !contentMatches(ft, data) {
		f.reply(w, r, ep, http.StatusBadRequest, errBody(234001, fmt.Sprintf("Invalid request param: file is not a %s file.", ft)))
		return
	}
	fl := File{Key: "file_v3_" + randHex(16), Name: name, Type: ft, Size: len(data), Time: f.now(), Duration: dur, AppID: app, Data: data}
	f.mu.Lock()
	if f.life.files == nil {
		f.life.files = map[string]File{}
	}
	f.life.files[fl.Key] = fl
	f.life.fileOrder = append(f.life.fileOrder, fl.Key)
	f.mu.Unlock()
	f.reply(w, r, ep, http.StatusOK, map[string]any{"code": 0, "msg": "success", "data": map[string]any{"file_key": fl.Key}})
}

// contentMatches checks the signature of the typed file formats.
func contentMatches(fileType string, data []byte) bool {
	switch fileType {
	case "pdf":
		return bytes.HasPrefix(data, []byte("%PDF-"))
	case "opus":
		return bytes.HasPrefix(data, []byte("OggS"))
	case "mp4":
		return len(data) >= 8 && string(data[4:8]) == "ftyp"
	case "doc", "xls", "ppt":
		// The legacy Office formats are OLE compound files.
		return bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	}
	return true
}

// checkMedia validates the content of image, file, audio and media
// messages: the keys must have been uploaded, and a file's type must match
// the msg_type (230055): audio takes opus, media takes mp4, file takes the
// rest. The code Feishu answers for an unknown key is unconfirmed; the fake
// answers 230001.
func (f *Fake) checkMedia(msgType string, obj map[string]json.RawMessage) (int, string) {
	var imageKey, fileKey string
	_ = json.Unmarshal(obj["image_key"], &imageKey)
	_ = json.Unmarshal(obj["file_key"], &fileKey)
	switch msgType {
	case "image":
		if imageKey == "" {
			return 230001, "invalid content: image_key is required"
		}
		if !f.knownImage(imageKey) {
			return 230001, "invalid content: image_key " + imageKey + " was not uploaded"
		}
		return 0, ""
	case "file", "audio", "media":
	default:
		return 0, ""
	}
	if fileKey == "" {
		return 230001, "invalid content: file_key is required"
	}
	fl, ok := f.File(fileKey)
	if !ok {
		return 230001, "invalid content: file_key " + fileKey + " was not uploaded"
	}
	want := "file"
	switch fl.Type {
	case "opus":
		want = "audio"
	case "mp4":
		want = "media"
	}
	if want != msgType {
		return 230055, fmt.Sprintf("The type of file upload does not match the type of message being sent: a %s file is sent as msg_type %s", fl.Type, want)
	}
	if msgType == "media" && imageKey != "" && !f.knownImage(imageKey) {
		return 230001, "invalid content: image_key " + imageKey + " was not uploaded"
	}
	return 0, ""
}

var postTags = map[string]bool{"text": true, "a": true, "at": true, "img": true, "media": true, "emotion": true,
	"hr": true, "code_block": true, "md": true}

var postStyles = map[string]bool{"bold": true, "underline": true, "lineThrough": true, "italic": true}

// checkPostLocale validates one locale of a post: paragraphs of known
// elements with their required fields, img/media/md alone in a paragraph,
// uploaded image and file keys, known styles. A webhook post takes neither
// style (documented as unsupported; the fake refuses it rather than
// guessing it is ignored) nor md (documented for im/v1 only).
func (f *Fake) checkPostLocale(loc string, raw json.RawMessage, webhook bool) (int, string) {
	bad := func(format string, a ...any) (int, string) {
		if webhook {
			return 9499, "Bad Request"
		}
		return 230001, "invalid content: post " + loc + ": " + fmt.Sprintf(format, a...)
	}
	var p struct {
		Title   *string                        `json:"title"`
		Content [][]map[string]json.RawMessage `json:"content"`
	}
	if json.Unmarshal(raw, &p) != nil {
		return bad("not an object with title and content paragraphs")
	}
	if (p.Title == nil || *p.Title == "") && len(p.Content) == 0 {
		return bad("needs a title or content")
	}
	for i, para := range p.Content {
		for _, el := range para {
			var tag, text, href, userID, imageKey, fileKey, emoji string
			var style []string
			_ = json.Unmarshal(el["tag"], &tag)
			_ = json.Unmarshal(el["text"], &text)
			_ = json.Unmarshal(el["href"], &href)
			_ = json.Unmarshal(el["user_id"], &userID)
			_ = json.Unmarshal(el["image_key"], &imageKey)
			_ = json.Unmarshal(el["file_key"], &fileKey)
			_ = json.Unmarshal(el["emoji_type"], &emoji)
			if s, ok := el["style"]; ok {
				if json.Unmarshal(s, &style) != nil {
					return bad("paragraph %d: style must be a list", i+1)
				}
				if webhook && len(style) > 0 {
					return bad("style is not supported by the webhook")
				}
			}
			for _, st := range style {
				if !postStyles[st] {
					return bad("paragraph %d: unknown style %q", i+1, st)
				}
			}
			if !postTags[tag] {
				return bad("paragraph %d: unknown tag %q", i+1, tag)
			}
			alone := tag == "img" || tag == "media" || tag == "md"
			if alone && len(para) != 1 {
				return bad("paragraph %d: %s must be alone in its paragraph", i+1, tag)
			}
			switch tag {
			case "text", "code_block":
				if text == "" {
					return bad("paragraph %d: %s needs text", i+1, tag)
				}
			case "md":
				if webhook {
					return bad("md is not supported by the webhook")
				}
				if text == "" {
					return bad("paragraph %d: md needs text", i+1)
				}
			case "a":
				if text == "" || !(strings.HasPrefix(href, "http://") || strings.HasPrefix(href, "https://")) {
					return bad("paragraph %d: a needs text and an http(s) href", i+1)
				}
			case "at":
				if userID == "" {
					return bad("paragraph %d: at needs user_id", i+1)
				}
			case "img":
				if !f.knownImage(imageKey) {
					return bad("paragraph %d: image_key %q was not uploaded", i+1, imageKey)
				}
			case "media":
				if _, ok := f.File(fileKey); !ok {
					return bad("paragraph %d: file_key %q was not uploaded", i+1, fileKey)
				}
			case "emotion":
				if emoji == "" {
					return bad("paragraph %d: emotion needs emoji_type", i+1)
				}
			}
		}
	}
	return 0, ""
}
