package feishutest

import (
	"bytes"
	"image"
	_ "image/gif"  // formats Feishu accepts
	_ "image/jpeg" // formats Feishu accepts
	_ "image/png"  // formats Feishu accepts
	"io"
	"mime/multipart"
	"net/http"
	"strings"
)

const maxImage = 10 << 20

// Image is an image uploaded to the fake.
type Image struct {
	Key           string
	ContentType   string
	Width, Height int
	Data          []byte
}

// Images returns the uploaded images, oldest first.
func (f *Fake) Images() []Image {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Image, 0, len(f.imageOrder))
	for _, k := range f.imageOrder {
		out = append(out, f.images[k])
	}
	return out
}

// handleImages serves POST /open-apis/im/v1/images: multipart/form-data
// with image_type (message or avatar) and the image, at most 10 MB.
func (f *Fake) handleImages(w http.ResponseWriter, r *http.Request) {
	const ep = EndpointImages
	w, done, ok := f.begin(w, r, ep)
	if !ok {
		return
	}
	defer done()
	if _, status, body := f.checkBearer(r); body != nil {
		f.reply(w, r, ep, status, body)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		f.reply(w, r, ep, http.StatusBadRequest, errBody(234001, "Invalid request param."))
		return
	}
	if err := r.ParseMultipartForm(maxImage + 1<<16); err != nil {
		f.reply(w, r, ep, http.StatusBadRequest, errBody(234001, "Invalid request param."))
		return
	}
	if t := r.FormValue("image_type"); t != "message" && t != "avatar" {
		f.reply(w, r, ep, http.StatusBadRequest, errBody(234001, "Invalid request param: image_type."))
		return
	}
	data, hdr, ok := f.formUpload(w, r, ep, "image", maxImage)
	if !ok {
		return
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		f.reply(w, r, ep, http.StatusBadRequest, errBody(234011, "Can't recognize image format."))
		return
	}
	if cfg.Width > 12000 || cfg.Height > 12000 {
		f.reply(w, r, ep, http.StatusBadRequest, errBody(234039, "Image resolution exceeds limit."))
		return
	}
	img := Image{Key: "img_v3_" + randHex(16), ContentType: hdr.Header.Get("Content-Type"), Width: cfg.Width, Height: cfg.Height, Data: data}
	f.mu.Lock()
	f.images[img.Key] = img
	f.imageOrder = append(f.imageOrder, img.Key)
	f.mu.Unlock()
	f.reply(w, r, ep, http.StatusOK, map[string]any{"code": 0, "msg": "success", "data": map[string]any{"image_key": img.Key}})
}

// knownImage reports whether key was uploaded to the fake.
func (f *Fake) knownImage(key string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.images[key]
	return ok
}

// formUpload reads the multipart file field of an upload, refusing, as
// Feishu does, a missing field (234001), an empty file (234010) and one
// over limit bytes (234006); false means the request has been answered.
func (f *Fake) formUpload(w http.ResponseWriter, r *http.Request, ep, field string, limit int) ([]byte, *multipart.FileHeader, bool) {
	file, hdr, err := r.FormFile(field)
	if err != nil {
		f.reply(w, r, ep, http.StatusBadRequest, errBody(234001, "Invalid request param: "+field+"."))
		return nil, nil, false
	}
	defer file.Close()
	data, _ := io.ReadAll(io.LimitReader(file, int64(limit)+1))
	switch {
	case len(data) == 0:
		f.reply(w, r, ep, http.StatusBadRequest, errBody(234010, "File's size can't be 0."))
		return nil, nil, false
	case len(data) > limit:
		f.reply(w, r, ep, http.StatusBadRequest, errBody(234006, "The file size exceed the max value."))
		return nil, nil, false
	}
	return data, hdr, true
}
