// Package vchart models the charts feishu-push draws and the subset of
// VChart's chart_spec that the Feishu card `chart` component takes: it builds
// a chart_spec from dashboard data (Spec, NewElement), lays a chart out as
// shapes (Draw), and draws a chart_spec as inline SVG for the sandbox inbox
// and preview (SVG).
package vchart

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// ErrUnsupported reports a chart_spec whose type or shape SVG cannot draw.
var ErrUnsupported = errors.New("vchart: unsupported chart_spec")

// SVG draws spec (a card chart element's chart_spec) as a self-contained
// <svg> element width pixels wide. It returns ErrUnsupported (wrapped) for a
// spec it cannot draw; the caller then shows a labelled placeholder. The
// output is escaped and safe to put inline in HTML: text from the spec only
// appears as escaped text, and no script, link or style comes from it.
func SVG(spec json.RawMessage, width int) (string, error) {
	p, err := fromSpec(spec)
	if err != nil {
		return "", err
	}
	if width < 200 {
		width = 200
	}
	w := float64(width)
	h := math.Max(240, w*9/16)
	if len(p.cats) > 12 && !p.pie && !p.horizontal {
		h = math.Max(300, w*3/4)
	}
	if p.horizontal {
		h = math.Max(h, float64(len(p.cats))*22+80)
	}
	return p.draw(w, h).SVG(), nil
}

// SVG writes the scene as an <svg> element.
func (s *Scene) SVG() string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="vchart" width="%s" height="%s" viewBox="0 0 %s %s" role="img" style="max-width:100%%;height:auto"`,
		num(s.W), num(s.H), num(s.W), num(s.H))
	b.WriteString(` font-family="PingFang SC, 'Microsoft YaHei', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif">`)
	for _, sh := range s.Shapes {
		if sh.Title != "" {
			b.WriteString("<g><title>" + html.EscapeString(sh.Title) + "</title>")
		}
		switch sh.Kind {
		case KindRect:
			fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s"%s/>`, num(sh.X), num(sh.Y), num(sh.W), num(sh.H), paint(sh))
		case KindLine:
			fmt.Fprintf(&b, `<line x1="%s" y1="%s" x2="%s" y2="%s"%s/>`, num(sh.Pts[0].X), num(sh.Pts[0].Y), num(sh.Pts[1].X), num(sh.Pts[1].Y), paint(sh))
		case KindPath:
			fmt.Fprintf(&b, `<polyline points="%s" fill="none"%s/>`, points(sh.Pts), paint(sh))
		case KindPolygon:
			fmt.Fprintf(&b, `<polygon points="%s"%s/>`, points(sh.Pts), paint(sh))
		case KindCircle:
			fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="%s"%s/>`, num(sh.X), num(sh.Y), num(sh.R), paint(sh))
		case KindText:
			anchor := [...]string{"start", "middle", "end"}[sh.Anchor]
			fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="%s" fill="%s" text-anchor="%s"`, num(sh.X), num(sh.Y), num(sh.Size), sh.Fill, anchor)
			if sh.Bold {
				b.WriteString(` font-weight="bold"`)
			}
			if sh.Angle != 0 {
				fmt.Fprintf(&b, ` transform="rotate(%s %s %s)"`, num(sh.Angle), num(sh.X), num(sh.Y))
			}
			b.WriteString(">" + html.EscapeString(sh.Text) + "</text>")
		}
		if sh.Title != "" {
			b.WriteString("</g>")
		}
	}
	b.WriteString("</svg>")
	return b.String()
}

func paint(sh Shape) string {
	var b strings.Builder
	if sh.Kind != KindPath && sh.Kind != KindLine {
		if sh.Fill == "" {
			b.WriteString(` fill="none"`)
		} else {
			b.WriteString(` fill="` + sh.Fill + `"`)
			if sh.Opacity > 0 && sh.Opacity < 1 {
				b.WriteString(` fill-opacity="` + num(sh.Opacity) + `"`)
			}
		}
	}
	if sh.Stroke != "" {
		fmt.Fprintf(&b, ` stroke="%s" stroke-width="%s"`, sh.Stroke, num(sh.LineWidth))
		if sh.Kind == KindPath {
			b.WriteString(` stroke-linejoin="round" stroke-linecap="round"`)
		}
	}
	return b.String()
}

func points(pts []Point) string {
	parts := make([]string, len(pts))
	for i, p := range pts {
		parts[i] = num(p.X) + "," + num(p.Y)
	}
	return strings.Join(parts, " ")
}

func num(f float64) string {
	return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64)
}
