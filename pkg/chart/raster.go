package chart

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"

	xfont "golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"

	"github.com/feishu-push/feishu-push/pkg/vchart"
)

// Render draws a scene to PNG at scale pixels per scene unit.
func Render(s *vchart.Scene, scale float64) ([]byte, error) {
	f, err := Font()
	if err != nil {
		return nil, fmt.Errorf("chart font: %v", err)
	}
	w, h := int(math.Ceil(s.W*scale)), int(math.Ceil(s.H*scale))
	r := &raster{img: image.NewRGBA(image.Rect(0, 0, w, h)), z: vector.NewRasterizer(1, 1), font: f, k: scale}
	draw.Draw(r.img, r.img.Bounds(), image.White, image.Point{}, draw.Src)
	for _, sh := range s.Shapes {
		r.shape(sh)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, r.img); err != nil {
		return nil, fmt.Errorf("drawing the chart: %v", err)
	}
	return buf.Bytes(), nil
}

type raster struct {
	img    *image.RGBA
	z      *vector.Rasterizer
	font   *sfnt.Font
	buf    sfnt.Buffer
	k      float64
	origin image.Point // of the rasterizer's box in the image
}

func (r *raster) pt(p vchart.Point) (float32, float32) {
	return float32(p.X*r.k) - float32(r.origin.X), float32(p.Y*r.k) - float32(r.origin.Y)
}

// begin readies the rasterizer for a shape within the pixel box
// x0,y0..x1,y1 only, so small shapes cost little; end draws it in c.
func (r *raster) begin(x0, y0, x1, y1 float64) bool {
	box := image.Rect(int(math.Floor(x0))-2, int(math.Floor(y0))-2, int(math.Ceil(x1))+2, int(math.Ceil(y1))+2).Intersect(r.img.Bounds())
	if box.Empty() {
		return false
	}
	r.origin = box.Min
	r.z.Reset(box.Dx(), box.Dy())
	return true
}

func (r *raster) end(c image.Image) {
	box := image.Rectangle{Min: r.origin, Max: r.origin.Add(r.z.Size())}
	r.z.Draw(r.img, box, c, image.Point{})
}

func (r *raster) bbox(pts []vchart.Point) bool {
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, p := range pts {
		x0, y0 = math.Min(x0, p.X*r.k), math.Min(y0, p.Y*r.k)
		x1, y1 = math.Max(x1, p.X*r.k), math.Max(y1, p.Y*r.k)
	}
	return r.begin(x0, y0, x1, y1)
}

// fill fills the polygon pts (scene units) with c.
func (r *raster) fill(pts []vchart.Point, c color.Color) {
	if len(pts) < 3 {
		return
	}
	if !r.bbox(pts) {
		return
	}
	r.z.MoveTo(r.pt(pts[0]))
	for _, p := range pts[1:] {
		r.z.LineTo(r.pt(p))
	}
	r.z.ClosePath()
	r.end(image.NewUniform(c))
}

func circle(cx, cy, rad float64) []vchart.Point {
	n := 24
	pts := make([]vchart.Point, n)
	for i := range pts {
		a := 2 * math.Pi * float64(i) / float64(n)
		pts[i] = vchart.Point{X: cx + rad*math.Cos(a), Y: cy + rad*math.Sin(a)}
	}
	return pts
}

// stroke draws a polyline width lw (scene units) with round joins.
func (r *raster) stroke(pts []vchart.Point, lw float64, c color.Color, closed bool) {
	if closed && len(pts) > 2 {
		pts = append(append([]vchart.Point{}, pts...), pts[0])
	}
	hw := lw / 2
	for i := 0; i+1 < len(pts); i++ {
		a, b := pts[i], pts[i+1]
		dx, dy := b.X-a.X, b.Y-a.Y
		l := math.Hypot(dx, dy)
		if l == 0 {
			continue
		}
		nx, ny := -dy/l*hw, dx/l*hw
		r.fill([]vchart.Point{{X: a.X + nx, Y: a.Y + ny}, {X: b.X + nx, Y: b.Y + ny}, {X: b.X - nx, Y: b.Y - ny}, {X: a.X - nx, Y: a.Y - ny}}, c)
		if i+2 < len(pts) && lw >= 1.5 {
			r.fill(circle(b.X, b.Y, hw), c)
		}
	}
}

func (r *raster) shape(sh vchart.Shape) {
	switch sh.Kind {
	case vchart.KindText:
		r.text(sh)
		return
	case vchart.KindRect:
		pts := []vchart.Point{{X: sh.X, Y: sh.Y}, {X: sh.X + sh.W, Y: sh.Y}, {X: sh.X + sh.W, Y: sh.Y + sh.H}, {X: sh.X, Y: sh.Y + sh.H}}
		if sh.Fill != "" {
			r.fill(pts, parseColor(sh.Fill, sh.Opacity))
		}
		if sh.Stroke != "" && sh.LineWidth > 0 {
			r.stroke(pts, sh.LineWidth, parseColor(sh.Stroke, 0), true)
		}
	case vchart.KindLine, vchart.KindPath:
		if sh.Stroke != "" && sh.LineWidth > 0 {
			r.stroke(sh.Pts, sh.LineWidth, parseColor(sh.Stroke, 0), false)
		}
	case vchart.KindPolygon:
		if sh.Fill != "" {
			r.fill(sh.Pts, parseColor(sh.Fill, sh.Opacity))
		}
		if sh.Stroke != "" && sh.LineWidth > 0 {
			r.stroke(sh.Pts, sh.LineWidth, parseColor(sh.Stroke, 0), true)
		}
	case vchart.KindCircle:
		pts := circle(sh.X, sh.Y, sh.R)
		if sh.Fill != "" {
			r.fill(pts, parseColor(sh.Fill, sh.Opacity))
		}
		if sh.Stroke != "" && sh.LineWidth > 0 {
			r.stroke(pts, sh.LineWidth, parseColor(sh.Stroke, 0), true)
		}
	}
}

// text draws sh.Text from its glyph outlines, so it can be rotated.
func (r *raster) text(sh vchart.Shape) {
	size := sh.Size * r.k
	ppem := fixed.Int26_6(math.Round(size * 64))
	type glyph struct {
		idx sfnt.GlyphIndex
		x   float64
	}
	var glyphs []glyph
	pen := 0.0
	prev := sfnt.GlyphIndex(0)
	for i, ru := range sh.Text {
		idx, err := r.font.GlyphIndex(&r.buf, ru)
		if err != nil || idx == 0 {
			idx, _ = r.font.GlyphIndex(&r.buf, '?')
		}
		if i > 0 {
			if k, err := r.font.Kern(&r.buf, prev, idx, ppem, xfont.HintingNone); err == nil {
				pen += float64(k) / 64
			}
		}
		glyphs = append(glyphs, glyph{idx, pen})
		adv, err := r.font.GlyphAdvance(&r.buf, idx, ppem, xfont.HintingNone)
		if err == nil {
			pen += float64(adv) / 64
		}
		prev = idx
	}
	off := 0.0
	switch sh.Anchor {
	case vchart.Middle:
		off = -pen / 2
	case vchart.End:
		off = -pen
	}
	a := sh.Angle * math.Pi / 180
	cos, sin := math.Cos(a), math.Sin(a)
	ox, oy := sh.X*r.k, sh.Y*r.k
	tr := func(p fixed.Point26_6, gx float64) (float32, float32) {
		x, y := gx+off+float64(p.X)/64, float64(p.Y)/64
		return float32(ox+x*cos-y*sin) - float32(r.origin.X), float32(oy+x*sin+y*cos) - float32(r.origin.Y)
	}
	src := image.NewUniform(parseColor(sh.Fill, 0))
	passes := []float64{0}
	if sh.Bold {
		passes = append(passes, 0.5*r.k) // a second pass a hair to the right reads as bold
	}
	for _, g := range glyphs {
		segs, err := r.font.LoadGlyph(&r.buf, g.idx, ppem, nil)
		if err != nil || len(segs) == 0 {
			continue
		}
		for _, dx := range passes {
			// The glyph lies within a square of the size around its pen position.
			gx := g.x + dx + off + size/2
			cx, cy := ox+gx*cos, oy+gx*sin
			if !r.begin(cx-size*1.5, cy-size*1.5, cx+size*1.5, cy+size*1.5) {
				continue
			}
			for _, s := range segs {
				switch s.Op {
				case sfnt.SegmentOpMoveTo:
					r.z.MoveTo(tr(s.Args[0], g.x+dx))
				case sfnt.SegmentOpLineTo:
					r.z.LineTo(tr(s.Args[0], g.x+dx))
				case sfnt.SegmentOpQuadTo:
					x1, y1 := tr(s.Args[0], g.x+dx)
					x2, y2 := tr(s.Args[1], g.x+dx)
					r.z.QuadTo(x1, y1, x2, y2)
				case sfnt.SegmentOpCubeTo:
					x1, y1 := tr(s.Args[0], g.x+dx)
					x2, y2 := tr(s.Args[1], g.x+dx)
					x3, y3 := tr(s.Args[2], g.x+dx)
					r.z.CubeTo(x1, y1, x2, y2, x3, y3)
				}
			}
			r.z.ClosePath()
			r.end(src)
		}
	}
}
