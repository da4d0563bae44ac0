// Package chart draws the dashboard chart to PNG, in process and in pure Go
// (gonum.org/v1/plot's image canvas), with an embedded font that covers
// Chinese. The layout is pkg/vchart's, the same as the SVG the sandbox and
// preview draw for a native chart element.
//
// Only the canvas packages of gonum.org/v1/plot are used, not its plot
// package, whose init parses a dozen embedded Liberation fonts: a command
// that draws no chart pays nothing at start-up, and the font is parsed on
// first use.
package chart

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"sync"

	"golang.org/x/image/font/opentype"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"

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

// Size of the PNG, in pixels: 8:5, inside Feishu's recommended 1500×3000 and
// its 16:9 height-to-width limit for card images. It is drawn at twice the
// layout's size (Scale), so it stays sharp when the client scales it down.
const (
	Width  = 1200
	Height = 750
	Scale  = 2
)

//go:embed fonts/wqy-microhei.ttc
var fontData []byte

var (
	fontOnce sync.Once
	fontFace *opentype.Font
	fontErr  error
)

// FontTTF returns the embedded font as a plain TrueType file, e.g. to
// serve to a browser.
func FontTTF() ([]byte, error) { return firstFace(fontData) }

// Font returns the embedded font, parsed on first use only: commands that
// draw no chart never pay for it.
func Font() (*opentype.Font, error) {
	fontOnce.Do(func() {
		var ttf []byte
		if ttf, fontErr = firstFace(fontData); fontErr == nil {
			fontFace, fontErr = opentype.Parse(ttf)
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

// Render draws a scene to PNG, scale pixels per scene unit.
func Render(s *vchart.Scene, scale float64) ([]byte, error) {
	f, err := Font()
	if err != nil {
		return nil, fmt.Errorf("chart font: %v", err)
	}
	w, h := s.W*scale, s.H*scale
	cv := vgimg.NewWith(vgimg.UseWH(vg.Length(w), vg.Length(h)), vgimg.UseDPI(72))
	pt := func(p vchart.Point) vg.Point { return vg.Point{X: vg.Length(p.X * scale), Y: vg.Length(h - p.Y*scale)} }
	faces := map[float64]font.Face{}
	face := func(size float64) font.Face {
		if fc, ok := faces[size]; ok {
			return fc
		}
		fc := font.Face{Font: font.Font{Typeface: "WenQuanYi Micro Hei", Size: vg.Length(size * scale)}, Face: f}
		faces[size] = fc
		return fc
	}
	for _, sh := range s.Shapes {
		var path vg.Path
		switch sh.Kind {
		case vchart.KindRect:
			path.Move(pt(vchart.Point{X: sh.X, Y: sh.Y}))
			path.Line(pt(vchart.Point{X: sh.X + sh.W, Y: sh.Y}))
			path.Line(pt(vchart.Point{X: sh.X + sh.W, Y: sh.Y + sh.H}))
			path.Line(pt(vchart.Point{X: sh.X, Y: sh.Y + sh.H}))
			path.Close()
		case vchart.KindLine, vchart.KindPath, vchart.KindPolygon:
			for i, p := range sh.Pts {
				if i == 0 {
					path.Move(pt(p))
				} else {
					path.Line(pt(p))
				}
			}
			if sh.Kind == vchart.KindPolygon {
				path.Close()
			}
		case vchart.KindCircle:
			c := pt(vchart.Point{X: sh.X, Y: sh.Y})
			path.Move(vg.Point{X: c.X + vg.Length(sh.R*scale), Y: c.Y})
			path.Arc(c, vg.Length(sh.R*scale), 0, 2*math.Pi)
			path.Close()
		case vchart.KindText:
			fc := face(sh.Size)
			if sh.Bold {
				fc.Font.Weight = 700 // the face has no bold; the weight is nominal
			}
			dx := 0.0
			switch sh.Anchor {
			case vchart.Middle:
				dx = -float64(fc.Width(sh.Text)) / 2
			case vchart.End:
				dx = -float64(fc.Width(sh.Text))
			}
			cv.Push()
			cv.SetColor(parseColor(sh.Fill, 0))
			cv.Translate(pt(vchart.Point{X: sh.X, Y: sh.Y}))
			cv.Rotate(-sh.Angle * math.Pi / 180)
			cv.FillString(fc, vg.Point{X: vg.Length(dx)}, sh.Text)
			if sh.Bold { // a second pass, a hair to the right, reads as bold
				cv.FillString(fc, vg.Point{X: vg.Length(dx + 0.6*scale/2)}, sh.Text)
			}
			cv.Pop()
			continue
		}
		if sh.Fill != "" && sh.Kind != vchart.KindLine && sh.Kind != vchart.KindPath {
			cv.SetColor(parseColor(sh.Fill, sh.Opacity))
			cv.Fill(path)
		}
		if sh.Stroke != "" && sh.LineWidth > 0 {
			cv.SetColor(parseColor(sh.Stroke, 0))
			cv.SetLineWidth(vg.Length(sh.LineWidth * scale))
			cv.Stroke(path)
		}
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: cv}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("drawing the chart: %v", err)
	}
	return buf.Bytes(), nil
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
