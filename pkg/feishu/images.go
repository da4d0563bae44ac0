package feishu

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
)

// EndpointImagesCreate names POST /open-apis/im/v1/images in errors and logs.
const EndpointImagesCreate = "im.images.create"

// MaxImageSize is the largest image Feishu accepts (10 MB).
const MaxImageSize = 10 << 20

// MsgTypeImage is the msg_type of an image message.
const MsgTypeImage = "image"

// ImagesService handles POST /open-apis/im/v1/images.
type ImagesService service

// ImageFormat returns the MIME type of an image in one of the formats
// Feishu's upload accepts (JPEG, PNG, WEBP, GIF, BMP, ICO, TIFF, HEIC), or
// "" when data is none of them.
func ImageFormat(data []byte) string {
	switch ct := http.DetectContentType(data); ct {
	case "image/jpeg", "image/png", "image/webp", "image/gif", "image/bmp", "image/x-icon":
		return ct
	}
	switch {
	case bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		return "image/tiff"
	case len(data) >= 12 && string(data[4:8]) == "ftyp":
		switch string(data[8:12]) {
		case "heic", "heix", "heim", "heis", "mif1", "msf1":
			return "image/heic"
		}
	}
	return ""
}

// NewUploadRequest prepares the upload of an image to use in messages
// (image_type=message), as multipart/form-data. An empty image
// (*EmptyUploadError), one over 10 MB (*LimitError) and one in a format
// Feishu does not take (*FormatError) are refused here, before any request.
//
// See https://open.feishu.cn/document/server-docs/im-v1/image/create.
func (s *ImagesService) NewUploadRequest(name string, data []byte) (*Request, error) {
	if len(data) == 0 {
		return nil, &EmptyUploadError{What: "image " + name}
	}
	if len(data) > MaxImageSize {
		return nil, &LimitError{What: "image " + name, Size: len(data), Limit: MaxImageSize}
	}
	ctype := ImageFormat(data)
	if ctype == "" {
		return nil, &FormatError{What: "image " + name, Detected: http.DetectContentType(data),
			Want: "JPEG, PNG, WEBP, GIF, BMP, ICO, TIFF or HEIC"}
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("image_type", "message")
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="image"; filename=%q`, name))
	h.Set("Content-Type", ctype)
	part, err := mw.CreatePart(h)
	if err != nil {
		return nil, err
	}
	_, _ = part.Write(data)
	if err := mw.Close(); err != nil {
		return nil, err
	}
	hdr := http.Header{}
	hdr.Set("Content-Type", mw.FormDataContentType())
	shown, _ := json.Marshal(map[string]string{"image_type": "message", "image": fmt.Sprintf("%s (%s, %d bytes)", name, ctype, len(data))})
	return &Request{Method: http.MethodPost, URL: s.client.baseURL + "/open-apis/im/v1/images", Header: hdr,
		Body: body.Bytes(), Endpoint: EndpointImagesCreate, needsToken: true,
		// A repeated upload only makes another key for the same image.
		idempotent: true, shown: shown}, nil
}

// Upload sends a prepared upload and returns the image_key.
func (s *ImagesService) Upload(ctx context.Context, req *Request) (string, *Response, error) {
	var out struct {
		Data struct {
			ImageKey string `json:"image_key"`
		} `json:"data"`
	}
	resp, err := s.client.Do(ctx, req, &out)
	if err != nil {
		return "", resp, err
	}
	if out.Data.ImageKey == "" {
		return "", resp, &APIError{Endpoint: req.Endpoint, HTTPStatus: resp.HTTPStatus, Msg: "response has no image_key", LogID: resp.LogID}
	}
	return out.Data.ImageKey, resp, nil
}

// ImageMessage returns an image message for a key from ImagesService.Upload:
// {"image_key":"img_…"}. The same content works for im/v1 and the webhook.
func ImageMessage(imageKey string) Message {
	b, _ := marshalJSON(map[string]string{"image_key": imageKey})
	return Message{MsgType: MsgTypeImage, Content: b}
}
