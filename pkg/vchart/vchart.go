// Package vchart models the charts feishu-push draws and the subset of
// VChart's chart_spec that the Feishu card `chart` component takes: it builds
// a chart_spec from dashboard data and draws a chart_spec as inline SVG for
// the sandbox inbox and preview.
package vchart

import (
	"encoding/json"
	"errors"
)

// ErrUnsupported reports a chart_spec whose type or shape SVG cannot draw.
var ErrUnsupported = errors.New("vchart: unsupported chart_spec")

// SVG draws spec (a card chart element's chart_spec) as a self-contained
// <svg> element width pixels wide. It returns ErrUnsupported (wrapped) for a
// spec it cannot draw; the caller then shows a labelled placeholder.
func SVG(spec json.RawMessage, width int) (string, error) {
	return "", ErrUnsupported
}
