// Package chart draws the dashboard chart to PNG, in process and in pure Go,
// with an embedded font that covers Chinese. The layout is pkg/vchart's,
// the same as the SVG the sandbox and preview draw for a native chart
// element; this package rasterizes it with golang.org/x/image (vector for
// shapes, sfnt for glyph outlines, so rotated labels are real text).
//
// gonum.org/v1/plot was considered: its image canvas rests on
// github.com/golang/freetype (archived) through git.sr.ht/~sbinet/gg, and its
// plot package's init parses a dozen embedded fonts, so it is not used.
// Nothing here runs at start-up: the font is parsed on first use.
package chart

import (
	_ "embed"
	"encoding/binary"
	"fmt"
	"image/color"
	"strconv"
	"sync"

	"golang.org/x/image/font/sfnt"

	"github.com/feishu-push/feishu-push/pkg/vchart"
)

// Chart types.
const (
	Line = vchart.Line
	Bar  = vchart.Bar
	Area = vchart.Area
	Pie  = vchart.Pie
)

// Chart and Series are the one chart model, vchart's.
type (
	Chart  = vchart.Chart
	Series = vchart.Series
)

// Size of the PNG, in pixels: 2:1, inside Feishu's recommended 1500×3000 and
// its 16:9 height-to-width limit for card images. It is drawn at twice the
// layout's size (Scale), so it stays sharp when the client scales it down.
const (
	Width  = 1200
	Height = 600
	Scale  = 2
)

//go:embed fonts/wqy-microhei.ttc
var fontData []byte

var (
	fontOnce sync.Once
	fontFace *sfnt.Font
	fontErr  error
)

// FontTTF returns the embedded font as a plain TrueType file, e.g. to
// serve to a browser.
func FontTTF() ([]byte, error) { return firstFace(fontData) }

// Font returns the embedded font, parsed on first use only: commands that
// draw no chart never pay for it.
func Font() (*sfnt.Font, error) {
	fontOnce.Do(func() {
		var ttf []byte
		if ttf, fontErr = firstFace(fontData); fontErr == nil {
			fontFace, fontErr = sfnt.Parse(ttf)
		}
	})
	return fontFace, fontErr
}

// firstFace returns the first font of a TrueType collection as a plain
// TrueType file: its table directory, with each table copied after it and
// aligned to 4 bytes as browsers' font sanitizers require.
func firstFace(ttc []byte) ([]byte, error) {
	if len(ttc) < 16 || string(ttc[:4]) != "ttcf" {
		return ttc, nil // already a plain font
	}
	be := binary.BigEndian
	off := int(be.Uint32(ttc[12:16]))
	if off+12 > len(ttc) {
		return nil, fmt.Errorf("font collection truncated")
	}
	numTables := int(be.Uint16(ttc[off+4 : off+6]))
	dirLen := 12 + 16*numTables
	if off+dirLen > len(ttc) {
		return nil, fmt.Errorf("font collection truncated")
	}
	out := make([]byte, dirLen, len(ttc))
	copy(out, ttc[off:off+dirLen])
	for i := 0; i < numTables; i++ {
		rec := out[12+16*i:]
		tOff, tLen := int(be.Uint32(rec[8:12])), int(be.Uint32(rec[12:16]))
		if tOff+tLen > len(ttc) {
			return nil, fmt.Errorf("font collection truncated")
		}
		be.PutUint32(rec[8:12], uint32(len(out)))
		out = append(out, ttc[tOff:tOff+tLen]...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out, nil
}

// PNG draws c as a Width×Height PNG: title, legend for two or more series,
// round ticks (万/亿 for Chinese money), every category label (rotated when
// they do not fit), bars side by side, a right axis for a series an order
// of magnitude smaller.
func PNG(c *Chart) ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	sc, err := vchart.Draw(c, Width/Scale, Height/Scale)
	if err != nil {
		return nil, err
	}
	return Render(sc, Scale)
}

// parseColor reads "#RGB" or "#RRGGBB" with an opacity (0 means opaque).
func parseColor(s string, opacity float64) color.Color {
	h := s
	if len(h) > 0 && h[0] == '#' {
		h = h[1:]
	}
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if err != nil || len(h) != 6 {
		return color.Black
	}
	a := 255.0
	if opacity > 0 && opacity < 1 {
		a = 255 * opacity
	}
	return color.NRGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: uint8(a)}
}
