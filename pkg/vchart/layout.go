package vchart

import (
	"fmt"
	"math"
)

// Draw lays c out as a w×h scene (pixels; fonts are 12px, so draw at about
// 600 wide and scale up for a sharper image).
func Draw(c *Chart, w, h float64) (*Scene, error) {
	p, err := fromChart(c)
	if err != nil {
		return nil, err
	}
	return p.draw(w, h), nil
}

const (
	fontSize  = 12.0
	titleSize = 14.0
	pad       = 12.0
	maxLabel  = 14 // runes of a category label before it is shortened
)

type layout struct {
	s   *Scene
	top float64
}

func (l *layout) add(sh Shape) { l.s.Shapes = append(l.s.Shapes, sh) }

// font is how a text is set: its size, colour and anchor.
type font struct {
	size   float64
	color  string
	anchor Anchor
}

func (l *layout) text(x, y float64, s string, f font) *Shape {
	l.add(Shape{Kind: KindText, X: x, Y: y, Text: s, Size: f.size, Fill: f.color, Anchor: f.anchor})
	return &l.s.Shapes[len(l.s.Shapes)-1]
}

func (p *plot) draw(w, h float64) *Scene {
	l := &layout{s: &Scene{W: w, H: h}, top: pad}
	l.add(Shape{Kind: KindRect, X: 0, Y: 0, W: w, H: h, Fill: "#FFFFFF"})
	if p.title != "" {
		t := l.text(pad, l.top+titleSize, shorten(p.title, int((w-2*pad)/titleSize*1.6)), font{titleSize, colorTitle, Start})
		t.Bold, t.Title = true, p.title
		l.top += titleSize + 12
	}
	if p.pie {
		p.drawPie(l, w, h)
	} else {
		p.drawCartesian(l, w, h)
	}
	return l.s
}

// legend draws a row (wrapping) of colour swatches and names.
func (l *layout) legend(names []string, marks []string, x0, x1 float64) {
	x, rowH := x0, 18.0
	for i, n := range names {
		label := shorten(n, 20)
		iw := 14 + TextWidth(label, fontSize) + 16
		if x > x0 && x+iw > x1 {
			x, l.top = x0, l.top+rowH
		}
		col := Palette[i%len(Palette)]
		if marks != nil && marks[i] == Line {
			l.add(Shape{Kind: KindLine, Pts: []Point{{x, l.top + 7}, {x + 10, l.top + 7}}, Stroke: col, LineWidth: 2})
			l.add(Shape{Kind: KindCircle, X: x + 5, Y: l.top + 7, R: 3, Fill: col})
		} else {
			l.add(Shape{Kind: KindRect, X: x, Y: l.top + 2, W: 10, H: 10, Fill: col})
		}
		t := l.text(x+14, l.top+11, label, font{fontSize, colorText, Start})
		t.Title = n
		x += iw
	}
	l.top += rowH + 6
}

// shorten cuts s to n runes with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if n < 2 || len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

type scale struct {
	ticks  []float64
	lo, hi float64
	money  bool
}

func newScale(vals []float64, n int, money, zero bool) scale {
	lo, hi := math.Inf(1), math.Inf(-1)
	if zero {
		lo, hi = 0, 0
	}
	for _, v := range vals {
		if !math.IsNaN(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if math.IsInf(lo, 0) {
		lo, hi = 0, 1
	}
	t := Ticks(lo, hi, n)
	return scale{ticks: t, lo: t[0], hi: t[len(t)-1], money: money}
}

func (s scale) step() float64 {
	if len(s.ticks) < 2 {
		return 1
	}
	return s.ticks[1] - s.ticks[0]
}

func (s scale) labels() []string { return AxisLabels(s.ticks, s.money) }

// at maps v to a fraction 0..1 of the axis.
func (s scale) at(v float64) float64 {
	if s.hi == s.lo {
		return 0
	}
	return (v - s.lo) / (s.hi - s.lo)
}

func maxWidth(labels []string, size float64) float64 {
	m := 0.0
	for _, s := range labels {
		m = math.Max(m, TextWidth(s, size))
	}
	return m
}

// axisValues are the values an axis must cover: each value, or the stacked
// sums when series stack.
func (p *plot) axisValues(right bool) []float64 {
	var out []float64
	if p.stack {
		for ci := range p.cats {
			pos, neg := 0.0, 0.0
			for _, s := range p.series {
				if s.right != right || math.IsNaN(s.values[ci]) {
					continue
				}
				if s.values[ci] >= 0 {
					pos += s.values[ci]
				} else {
					neg += s.values[ci]
				}
			}
			out = append(out, pos, neg)
		}
		return out
	}
	for _, s := range p.series {
		if s.right == right {
			out = append(out, s.values...)
		}
	}
	return out
}

// catLabels decides how the category labels fit a slot of the given width:
// level, at 45°, upright, then (only when even upright labels overlap)
// every step-th label. Every label keeps its full text for hover.
type catLabels struct {
	text   []string
	angle  float64
	step   int
	height float64
}

func fitCategories(cats []string, slot, maxHeight float64) catLabels {
	n := maxLabel
	for {
		cl := catLabels{text: make([]string, len(cats)), step: 1}
		for i, c := range cats {
			cl.text[i] = shorten(c, n)
		}
		lw := maxWidth(cl.text, fontSize)
		lineGap := fontSize * 1.15
		switch {
		case lw <= slot-6:
			cl.height = fontSize + 8
		case slot*math.Sin(math.Pi/4) >= lineGap:
			cl.angle = -45
			cl.height = lw*math.Sin(math.Pi/4) + fontSize + 6
		default:
			cl.angle = -90
			cl.height = lw + 10
			if slot < lineGap {
				cl.step = int(math.Ceil(lineGap / slot))
			}
		}
		if cl.height <= maxHeight || n <= 4 {
			return cl
		}
		n--
	}
}

func (p *plot) drawCartesian(l *layout, w, h float64) {
	if p.legend && len(p.series) > 1 {
		names := make([]string, len(p.series))
		marks := make([]string, len(p.series))
		for i, s := range p.series {
			names[i], marks[i] = s.name, s.mark
			if s.right {
				names[i] += "（右轴）"
			}
		}
		l.legend(names, marks, pad, w-pad)
	}
	hasRight := false
	for _, s := range p.series {
		hasRight = hasRight || s.right
	}
	if p.horizontal {
		p.drawHorizontal(l, w, h)
		return
	}
	nTicks := int(math.Max(2, math.Min(6, (h-l.top-60)/45)))
	left := newScale(p.axisValues(false), nTicks, p.money, p.zero || p.horizontal)
	var right scale
	leftW := maxWidth(left.labels(), fontSize) + 10
	rightW := pad + 8
	if hasRight {
		right = newScale(p.axisValues(true), len(left.ticks)-1, p.money, p.zero)
		rightW = maxWidth(right.labels(), fontSize) + 10 + pad
	}
	x0, x1 := pad+leftW, w-rightW
	n := len(p.cats)
	slot := (x1 - x0) / float64(n)
	cl := fitCategories(p.cats, slot, (h-l.top)*0.4)
	if cl.angle == -45 {
		// The first label leans left past its slot: keep it on the canvas.
		if need := pad + TextWidth(cl.text[0], fontSize)*math.Cos(math.Pi/4) - slot/2; need > x0 {
			x0 = need
			slot = (x1 - x0) / float64(n)
		}
	}
	y0, y1 := l.top+6, h-pad-cl.height
	yAt := func(sc scale, v float64) float64 { return y1 - sc.at(v)*(y1-y0) }

	// Grid and value axes.
	for i, t := range left.ticks {
		y := yAt(left, t)
		l.add(Shape{Kind: KindLine, Pts: []Point{{x0, y}, {x1, y}}, Stroke: colorGrid, LineWidth: 1})
		l.text(x0-6, y+4, left.labels()[i], font{fontSize, colorText, End})
	}
	if hasRight {
		for i, t := range right.ticks {
			l.text(x1+6, yAt(right, t)+4, right.labels()[i], font{fontSize, colorText, Start})
		}
	}
	base := yAt(left, math.Max(left.lo, math.Min(left.hi, 0)))
	l.add(Shape{Kind: KindLine, Pts: []Point{{x0, base}, {x1, base}}, Stroke: colorAxis, LineWidth: 1})

	// Category labels.
	for i, c := range p.cats {
		cx := x0 + slot*(float64(i)+0.5)
		if i%cl.step != 0 {
			l.add(Shape{Kind: KindLine, Pts: []Point{{cx, y1}, {cx, y1 + 3}}, Stroke: colorAxis, LineWidth: 1})
			continue
		}
		var t *Shape
		switch cl.angle {
		case 0:
			t = l.text(cx, y1+fontSize+4, cl.text[i], font{fontSize, colorText, Middle})
		case -45:
			t = l.text(cx+4, y1+fontSize, cl.text[i], font{fontSize, colorText, End})
		default:
			t = l.text(cx+4, y1+6, cl.text[i], font{fontSize, colorText, End})
		}
		t.Angle, t.Title = cl.angle, c
	}

	// Marks: bars first, then areas and lines over them.
	var bars []int
	for i, s := range p.series {
		if s.mark == Bar {
			bars = append(bars, i)
		}
	}
	if len(bars) > 0 {
		p.drawBars(l, bars, band{x0, slot}, left, yAt)
	}
	for si, s := range p.series {
		if s.mark == Bar {
			continue
		}
		sc := left
		if s.right {
			sc = right
		}
		col := Palette[si%len(Palette)]
		var pts []Point
		flush := func() {
			if len(pts) == 0 {
				return
			}
			if s.mark == Area {
				poly := append([]Point{{pts[0].X, yAt(sc, 0)}}, pts...)
				poly = append(poly, Point{pts[len(pts)-1].X, yAt(sc, 0)})
				l.add(Shape{Kind: KindPolygon, Pts: poly, Fill: col, Opacity: 0.2})
			}
			if len(pts) > 1 {
				l.add(Shape{Kind: KindPath, Pts: pts, Stroke: col, LineWidth: 2})
			}
			pts = nil
		}
		var dots []Shape
		cum := make([]float64, len(p.cats))
		for ci, v := range s.values {
			if math.IsNaN(v) {
				flush()
				continue
			}
			if p.stack && s.mark == Area {
				for _, o := range p.series[:si] {
					if o.mark == Area && o.right == s.right && !math.IsNaN(o.values[ci]) {
						cum[ci] += o.values[ci]
					}
				}
			}
			pt := Point{x0 + slot*(float64(ci)+0.5), yAt(sc, v+cum[ci])}
			pts = append(pts, pt)
			dots = append(dots, Shape{Kind: KindCircle, X: pt.X, Y: pt.Y, R: 3, Fill: "#FFFFFF", Stroke: col, LineWidth: 1.5,
				Title: hover(p.cats[ci], s.name, v, p.money)})
		}
		flush()
		if slot >= 8 {
			l.s.Shapes = append(l.s.Shapes, dots...)
		}
	}
}

func hover(cat, series string, v float64, money bool) string {
	return fmt.Sprintf("%s · %s: %s", cat, series, Group(v, decimals(v)))
}

func decimals(v float64) int {
	if v == math.Trunc(v) {
		return 0
	}
	return 2
}

// band is where the categories stand on the x axis: the first's left
// edge and the width of each.
type band struct{ x0, slot float64 }

func (p *plot) drawBars(l *layout, bars []int, b band, sc scale, yAt func(scale, float64) float64) {
	x0, slot := b.x0, b.slot
	group := slot * 0.7
	bw := group / float64(len(bars))
	if p.stack {
		bw = slot * 0.6
	}
	// Values on the bars only when every one fits its slot.
	showValues := len(bars) == 1 && !p.stack
	for ci := range p.cats {
		if v := p.series[bars[0]].values[ci]; showValues && !math.IsNaN(v) && TextWidth(ValueLabel(v, p.money), fontSize-1) > slot-2 {
			showValues = false
		}
	}
	for ci := range p.cats {
		pos, neg := 0.0, 0.0
		for k, si := range bars {
			s := p.series[si]
			v := s.values[ci]
			if math.IsNaN(v) {
				continue
			}
			x := x0 + slot*float64(ci) + (slot-group)/2 + bw*float64(k)
			from, to := 0.0, v
			if p.stack {
				x = x0 + slot*float64(ci) + (slot-bw)/2
				if v >= 0 {
					from, to = pos, pos+v
					pos += v
				} else {
					from, to = neg, neg+v
					neg += v
				}
			}
			ya, yb := yAt(sc, from), yAt(sc, to)
			gap := math.Min(2, bw*0.15)
			if len(bars) == 1 || p.stack {
				gap = 0
			}
			l.add(Shape{Kind: KindRect, X: x + gap/2, Y: math.Min(ya, yb), W: bw - gap, H: math.Abs(yb - ya), Fill: Palette[si%len(Palette)],
				Title: hover(p.cats[ci], s.name, v, p.money)})
			if showValues {
				y := yb - 4
				if v < 0 {
					y = yb + fontSize
				}
				l.text(x+bw/2, y, ValueLabel(v, p.money), font{fontSize - 1, colorText, Middle})
			}
		}
	}
}

// drawHorizontal draws bars growing right, with the categories down the
// left side (VChart's direction: horizontal).
func (p *plot) drawHorizontal(l *layout, w, h float64) {
	n := len(p.cats)
	labels := make([]string, n)
	for i, c := range p.cats {
		labels[i] = shorten(c, maxLabel)
	}
	leftW := math.Min(maxWidth(labels, fontSize)+10, w*0.35)
	nTicks := int(math.Max(2, math.Min(6, (w-leftW)/90)))
	sc := newScale(p.axisValues(false), nTicks, p.money, p.zero || p.horizontal)
	x0, x1 := pad+leftW, w-pad-TextWidth(sc.labels()[len(sc.ticks)-1], fontSize)/2
	y0, y1 := l.top+4, h-pad-fontSize-8
	slot := (y1 - y0) / float64(n)
	xAt := func(v float64) float64 { return x0 + sc.at(v)*(x1-x0) }
	for i, t := range sc.ticks {
		x := xAt(t)
		l.add(Shape{Kind: KindLine, Pts: []Point{{x, y0}, {x, y1}}, Stroke: colorGrid, LineWidth: 1})
		l.text(x, y1+fontSize+6, sc.labels()[i], font{fontSize, colorText, Middle})
	}
	step := 1
	if slot < fontSize*1.15 {
		step = int(math.Ceil(fontSize * 1.15 / slot))
	}
	for i, c := range p.cats {
		if i%step == 0 {
			t := l.text(x0-6, y0+slot*(float64(i)+0.5)+4, labels[i], font{fontSize, colorText, End})
			t.Title = c
		}
	}
	var bars []int
	for i, s := range p.series {
		if !s.right {
			bars = append(bars, i)
		}
	}
	group := slot * 0.7
	bw := group / float64(max(1, len(bars)))
	if p.stack {
		bw = slot * 0.6
	}
	for ci := range p.cats {
		pos := 0.0
		for k, si := range bars {
			v := p.series[si].values[ci]
			if math.IsNaN(v) {
				continue
			}
			y := y0 + slot*float64(ci) + (slot-group)/2 + bw*float64(k)
			from := 0.0
			if p.stack {
				y = y0 + slot*float64(ci) + (slot-bw)/2
				from = pos
				pos += v
			}
			xa, xb := xAt(from), xAt(from+v)
			l.add(Shape{Kind: KindRect, X: math.Min(xa, xb), Y: y, W: math.Abs(xb - xa), H: bw, Fill: Palette[si%len(Palette)],
				Title: hover(p.cats[ci], p.series[si].name, v, p.money)})
		}
	}
	l.add(Shape{Kind: KindLine, Pts: []Point{{xAt(0), y0}, {xAt(0), y1}}, Stroke: colorAxis, LineWidth: 1})
}

func (p *plot) drawPie(l *layout, w, h float64) {
	s := p.series[0]
	total := 0.0
	for _, v := range s.values {
		if !math.IsNaN(v) && v > 0 {
			total += v
		}
	}
	// Legend on the right: name and share.
	names := make([]string, len(p.cats))
	for i, c := range p.cats {
		v := s.values[i]
		share := 0.0
		if total > 0 && !math.IsNaN(v) {
			share = v / total * 100
		}
		names[i] = fmt.Sprintf("%s  %.1f%%", shorten(c, maxLabel), share)
	}
	legendW := math.Min(maxWidth(names, fontSize)+20, w*0.45)
	rowH := 18.0
	avail := h - l.top - pad
	ly := l.top + math.Max(0, (avail-rowH*float64(len(names)))/2)
	lx := w - pad - legendW
	for i, n := range names {
		if ly+rowH > h-pad {
			l.text(lx, ly+11, fmt.Sprintf("… %d 项", len(names)-i), font{fontSize, colorText, Start})
			break
		}
		l.add(Shape{Kind: KindRect, X: lx, Y: ly + 2, W: 10, H: 10, Fill: Palette[i%len(Palette)]})
		t := l.text(lx+14, ly+11, n, font{fontSize, colorText, Start})
		t.Title = p.cats[i]
		ly += rowH
	}
	cx := pad + (lx-2*pad)/2
	cy := l.top + avail/2
	r := math.Max(10, math.Min((lx-2*pad)/2, avail/2)-4)
	if total <= 0 {
		l.add(Shape{Kind: KindCircle, X: cx, Y: cy, R: r, Stroke: colorGrid, LineWidth: 1})
		return
	}
	a := -math.Pi / 2
	for i, v := range s.values {
		if math.IsNaN(v) || v <= 0 {
			continue
		}
		sweep := v / total * 2 * math.Pi
		var pts []Point
		steps := int(math.Max(2, sweep/(math.Pi/90)))
		for k := 0; k <= steps; k++ {
			t := a + sweep*float64(k)/float64(steps)
			pts = append(pts, Point{cx + r*math.Cos(t), cy + r*math.Sin(t)})
		}
		if p.donut > 0 {
			for k := steps; k >= 0; k-- {
				t := a + sweep*float64(k)/float64(steps)
				pts = append(pts, Point{cx + r*p.donut*math.Cos(t), cy + r*p.donut*math.Sin(t)})
			}
		} else if sweep < 2*math.Pi-1e-9 {
			pts = append(pts, Point{cx, cy})
		}
		l.add(Shape{Kind: KindPolygon, Pts: pts, Fill: Palette[i%len(Palette)], Stroke: "#FFFFFF", LineWidth: 1,
			Title: fmt.Sprintf("%s: %s (%.1f%%)", p.cats[i], Group(v, decimals(v)), v/total*100)})
		if sweep > 0.35 {
			mid := a + sweep/2
			rr := r * 0.65
			if p.donut > 0 {
				rr = r * (1 + p.donut) / 2
			}
			l.text(cx+rr*math.Cos(mid), cy+rr*math.Sin(mid)+4, fmt.Sprintf("%.0f%%", v/total*100), font{fontSize, "#FFFFFF", Middle})
		}
		a += sweep
	}
}
