package vchart

import "unicode"

// Scene is a drawn chart as a list of shapes in pixels, origin at the top
// left: the SVG and the PNG are written from the same scene, so they look
// the same.
type Scene struct {
	W, H   float64
	Shapes []Shape
}

// Kind is the kind of a Shape.
type Kind int

// Shape kinds.
const (
	KindRect    Kind = iota // X, Y, W, H
	KindLine                // Pts[0] to Pts[1]
	KindPath                // an open polyline through Pts
	KindPolygon             // a closed, filled polygon through Pts
	KindCircle              // centre X, Y, radius R
	KindText                // Text at X, Y (baseline), rotated Angle degrees about X, Y
)

// Anchor aligns text to its point.
type Anchor int

// Text anchors.
const (
	Start Anchor = iota
	Middle
	End
)

// Point is a position in pixels.
type Point struct{ X, Y float64 }

// Shape is one thing drawn. Colours are "#RRGGBB"; empty means none.
type Shape struct {
	Kind       Kind
	Pts        []Point
	X, Y, W, H float64
	R          float64
	Fill       string
	Opacity    float64 // of the fill; 0 means opaque
	Stroke     string
	LineWidth  float64
	Text       string
	Size       float64
	Anchor     Anchor
	Angle      float64
	Bold       bool
	// Title is the full text shown on hover (SVG <title>).
	Title string
}

// Colours: Feishu's blue, green, orange, violet, turquoise, red, yellow,
// indigo (the -500 shades of its colour table), for series and slices.
var Palette = []string{"#336DF4", "#2EA121", "#F80", "#7F3BF5", "#14C0FF", "#F54A45", "#FAD355", "#4954E6"}

const (
	colorText  = "#646A73"
	colorTitle = "#1F2329"
	colorGrid  = "#DEE0E3"
	colorAxis  = "#8F959E"
)

// TextWidth estimates the width of s in pixels at font size size, for the
// sans-serif CJK fonts that cards and the PNG use: full width for CJK,
// about half for Latin letters and digits.
func TextWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case r >= 0x1100 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) ||
			unicode.Is(unicode.Hangul, r) || (r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF)):
			w += 1.0
		case r == ' ' || r == '.' || r == ',' || r == ':' || r == ';' || r == '\'' || r == '|' || r == 'i' || r == 'l' || r == 'j':
			w += 0.3
		case r == 'm' || r == 'w' || r == 'M' || r == 'W' || r == '%':
			w += 0.85
		case unicode.IsUpper(r):
			w += 0.65
		default:
			w += 0.56
		}
	}
	return w * size
}
