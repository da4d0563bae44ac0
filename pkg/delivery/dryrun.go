package delivery

import (
	"context"
	"io"

	"github.com/feishu-push/feishu-push/pkg/feishu"
)

// PlaceholderImageKey stands for an image's key until it is uploaded: in a
// dry run, in a preview, and while a card's size is checked. It is longer
// than real keys, so a card that fits with it fits with the real one.
const PlaceholderImageKey = "img_v3_placeholder_until_upload_0000000000000000000000000000000000"

// DryRun prints each request as JSON, credentials masked, and sends
// nothing.
type DryRun struct {
	Client *feishu.Client
	Out    io.Writer
}

// AttachImage prints the upload request and returns the placeholder key.
func (d *DryRun) AttachImage(_ context.Context, name string, png []byte) (string, error) {
	req, err := d.Client.Images.NewUploadRequest(name, png)
	if err != nil {
		return "", inputError(err)
	}
	return PlaceholderImageKey, writeJSON(d.Out, req.Redacted())
}

// Deliver prints every request of p, building one at a time, so that a
// dry run to many recipients holds one request, not all of them. It stops
// when ctx is done.
func (d *DryRun) Deliver(ctx context.Context, p *Plan) error {
	for i := 0; i < p.Len(); i++ {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		j, err := p.Job(i)
		if err != nil {
			return err
		}
		if err := writeJSON(d.Out, j.Req.Redacted()); err != nil {
			return err
		}
	}
	return nil
}
