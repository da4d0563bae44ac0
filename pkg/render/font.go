package render

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"slices"
	"sort"
	"sync"

	"github.com/feishu-push/feishu-push/pkg/chart"
)

// fontFace returns an @font-face rule for "FP Sans" holding the glyphs of
// the CJK characters in page, cut from the font pkg/chart embeds, or ""
// when the page has none or the font cannot be cut. The page then shows
// Chinese on a machine with no CJK font, at a size of a few kilobytes per
// hundred characters rather than the whole 5 MB font.
func fontFace(page string) string {
	var runes []rune
	seen := map[rune]bool{}
	for _, r := range page {
		if r >= 0x2E80 && r <= 0xFFEF && !seen[r] { // CJK, kana, full-width forms
			seen[r] = true
			runes = append(runes, r)
		}
	}
	if len(runes) == 0 {
		return ""
	}
	ttf, err := baseFont()
	if err != nil {
		return ""
	}
	sub, err := subsetFont(ttf, runes)
	if err != nil {
		return ""
	}
	return `@font-face{font-family:"FP Sans";src:url(data:font/ttf;base64,` + base64.StdEncoding.EncodeToString(sub) + `) format("truetype")}` + "\n"
}

var baseFont = sync.OnceValues(chart.FontTTF)

var errFont = errors.New("font: unsupported or damaged TrueType file")

type sfntTable struct {
	tag  string
	data []byte
}

// subsetFont cuts a TrueType font (glyf outlines) down to the glyphs of
// runes: glyphs are renumbered, composite glyphs keep their components,
// and cmap, hmtx, loca, maxp, hhea and post are rebuilt. Layout tables
// (GSUB, GPOS, kern, ...) are dropped.
func subsetFont(ttf []byte, runes []rune) (out []byte, err error) {
	defer func() {
		if recover() != nil {
			out, err = nil, errFont // a damaged font: index out of range
		}
	}()
	be := binary.BigEndian
	if len(ttf) < 12 {
		return nil, errFont
	}
	n := int(be.Uint16(ttf[4:6]))
	tables := map[string][]byte{}
	for i := 0; i < n; i++ {
		rec := ttf[12+16*i : 12+16*i+16]
		off, length := int(be.Uint32(rec[8:12])), int(be.Uint32(rec[12:16]))
		if off+length > len(ttf) {
			return nil, errFont
		}
		tables[string(rec[:4])] = ttf[off : off+length]
	}
	for _, t := range []string{"head", "hhea", "maxp", "cmap", "loca", "glyf", "hmtx"} {
		if tables[t] == nil {
			return nil, errFont
		}
	}
	head, hhea, maxp := tables["head"], tables["hhea"], tables["maxp"]
	numGlyphs := int(be.Uint16(maxp[4:6]))
	longLoca := be.Uint16(head[50:52]) == 1
	loca := func(g int) (int, int) {
		if longLoca {
			return int(be.Uint32(tables["loca"][4*g:])), int(be.Uint32(tables["loca"][4*g+4:]))
		}
		return 2 * int(be.Uint16(tables["loca"][2*g:])), 2 * int(be.Uint16(tables["loca"][2*g+2:]))
	}
	glyf := tables["glyf"]
	glyph := func(g int) []byte {
		a, b := loca(g)
		if b <= a {
			return nil
		}
		return glyf[a:b]
	}
	cmap := cmapLookup(tables["cmap"])
	if cmap == nil {
		return nil, errFont
	}

	// The glyphs to keep: .notdef, each rune's glyph, their components.
	keep := []int{0}
	newID := map[int]int{0: 0}
	var add func(g int)
	add = func(g int) {
		if _, ok := newID[g]; ok || g >= numGlyphs {
			return
		}
		newID[g] = len(keep)
		keep = append(keep, g)
		forComponents(glyph(g), func(pos int) { add(int(be.Uint16(glyph(g)[pos:]))) })
	}
	charToGlyph := map[rune]int{}
	for _, r := range runes {
		if g := cmap(r); g > 0 && g < numGlyphs {
			add(g)
			charToGlyph[r] = newID[g]
		}
	}

	// glyf and loca, components renumbered.
	var newGlyf []byte
	newLoca := make([]byte, 4*(len(keep)+1))
	for i, g := range keep {
		be.PutUint32(newLoca[4*i:], uint32(len(newGlyf)))
		data := append([]byte(nil), glyph(g)...)
		forComponents(data, func(pos int) { be.PutUint16(data[pos:], uint16(newID[int(be.Uint16(data[pos:]))])) })
		newGlyf = append(newGlyf, data...)
		for len(newGlyf)%4 != 0 {
			newGlyf = append(newGlyf, 0)
		}
	}
	be.PutUint32(newLoca[4*len(keep):], uint32(len(newGlyf)))

	// hmtx: one full metric per kept glyph.
	hmtx := tables["hmtx"]
	numHM := int(be.Uint16(hhea[34:36]))
	newHmtx := make([]byte, 4*len(keep))
	for i, g := range keep {
		var adv, lsb uint16
		if g < numHM {
			adv, lsb = be.Uint16(hmtx[4*g:]), be.Uint16(hmtx[4*g+2:])
		} else {
			adv = be.Uint16(hmtx[4*(numHM-1):])
			lsb = be.Uint16(hmtx[4*numHM+2*(g-numHM):])
		}
		be.PutUint16(newHmtx[4*i:], adv)
		be.PutUint16(newHmtx[4*i+2:], lsb)
	}

	newHead := append([]byte(nil), head...)
	be.PutUint32(newHead[8:12], 0) // checkSumAdjustment, set below
	be.PutUint16(newHead[50:52], 1)
	newHhea := append([]byte(nil), hhea...)
	be.PutUint16(newHhea[34:36], uint16(len(keep)))
	newMaxp := append([]byte(nil), maxp...)
	be.PutUint16(newMaxp[4:6], uint16(len(keep)))
	post := make([]byte, 32)
	if p := tables["post"]; len(p) >= 32 {
		copy(post, p[:32])
	}
	be.PutUint32(post[0:4], 0x00030000) // no glyph names

	out_ := []sfntTable{
		{"cmap", buildCmap(charToGlyph)}, {"glyf", newGlyf}, {"head", newHead}, {"hhea", newHhea},
		{"hmtx", newHmtx}, {"loca", newLoca}, {"maxp", newMaxp}, {"post", post},
	}
	for _, t := range []string{"OS/2", "name", "cvt ", "fpgm", "prep", "gasp"} {
		if d := tables[t]; d != nil {
			out_ = append(out_, sfntTable{t, d})
		}
	}
	sort.Slice(out_, func(i, j int) bool { return out_[i].tag < out_[j].tag })
	font := writeSFNT(out_)
	// head.checkSumAdjustment makes the whole file sum to 0xB1B0AFBA.
	headOff := 0
	for i := range out_ {
		if out_[i].tag == "head" {
			headOff = int(be.Uint32(font[12+16*i+8:]))
		}
	}
	be.PutUint32(font[headOff+8:], 0xB1B0AFBA-checksum(font))
	return font, nil
}

// forComponents calls fn with the offset of each component's glyph index
// in a composite glyph; simple glyphs have none.
func forComponents(g []byte, fn func(pos int)) {
	be := binary.BigEndian
	if len(g) < 10 || int16(be.Uint16(g)) >= 0 {
		return
	}
	pos := 10
	for pos+4 <= len(g) {
		flags := be.Uint16(g[pos:])
		fn(pos + 2)
		pos += 4
		if flags&0x0001 != 0 {
			pos += 4
		} else {
			pos += 2
		}
		switch {
		case flags&0x0008 != 0:
			pos += 2
		case flags&0x0040 != 0:
			pos += 4
		case flags&0x0080 != 0:
			pos += 8
		}
		if flags&0x0020 == 0 {
			return
		}
	}
}

// cmapLookup returns a rune-to-glyph function from a cmap's Unicode
// subtable (format 12, else format 4), or nil.
func cmapLookup(cmap []byte) func(rune) int {
	be := binary.BigEndian
	n := int(be.Uint16(cmap[2:4]))
	var f4, f12 []byte
	for i := 0; i < n; i++ {
		rec := cmap[4+8*i:]
		pid, eid, off := be.Uint16(rec), be.Uint16(rec[2:]), int(be.Uint32(rec[4:]))
		if off+4 > len(cmap) {
			continue
		}
		sub := cmap[off:]
		switch format := be.Uint16(sub); {
		case format == 12 && (pid == 3 && eid == 10 || pid == 0):
			f12 = sub
		case format == 4 && (pid == 3 && eid == 1 || pid == 0):
			f4 = sub
		}
	}
	switch {
	case f12 != nil:
		groups := int(be.Uint32(f12[12:16]))
		return func(r rune) int {
			for i := 0; i < groups; i++ {
				g := f12[16+12*i:]
				start, end := rune(be.Uint32(g)), rune(be.Uint32(g[4:]))
				if r >= start && r <= end {
					return int(be.Uint32(g[8:])) + int(r-start)
				}
			}
			return 0
		}
	case f4 != nil:
		segX2 := int(be.Uint16(f4[6:8]))
		ends, starts := f4[14:], f4[16+segX2:]
		deltas, ranges := f4[16+2*segX2:], f4[16+3*segX2:]
		return func(r rune) int {
			if r > 0xFFFF {
				return 0
			}
			c := uint16(r)
			for i := 0; i < segX2/2; i++ {
				if c > be.Uint16(ends[2*i:]) {
					continue
				}
				start := be.Uint16(starts[2*i:])
				if c < start {
					return 0
				}
				delta, ro := be.Uint16(deltas[2*i:]), int(be.Uint16(ranges[2*i:]))
				if ro == 0 {
					return int(c + delta)
				}
				p := 16 + 3*segX2 + 2*i + ro + 2*int(c-start)
				if p+2 > len(f4) {
					return 0
				}
				if g := be.Uint16(f4[p:]); g != 0 {
					return int(g + delta)
				}
				return 0
			}
			return 0
		}
	}
	return nil
}

// buildCmap writes a cmap with one format 4 subtable (Windows Unicode BMP),
// one segment per character.
func buildCmap(m map[rune]int) []byte {
	be := binary.BigEndian
	var chars []rune
	for r := range m {
		if r <= 0xFFFF {
			chars = append(chars, r)
		}
	}
	slices.Sort(chars)
	seg := len(chars) + 1
	sub := make([]byte, 16+8*seg)
	be.PutUint16(sub[0:], 4)
	be.PutUint16(sub[2:], uint16(len(sub)))
	be.PutUint16(sub[6:], uint16(2*seg))
	sr := 1
	for sr*2 <= seg {
		sr *= 2
	}
	be.PutUint16(sub[8:], uint16(2*sr))
	es := 0
	for 1<<(es+1) <= sr {
		es++
	}
	be.PutUint16(sub[10:], uint16(es))
	be.PutUint16(sub[12:], uint16(2*seg-2*sr))
	ends, starts, deltas := sub[14:], sub[16+2*seg:], sub[16+4*seg:]
	for i, r := range chars {
		be.PutUint16(ends[2*i:], uint16(r))
		be.PutUint16(starts[2*i:], uint16(r))
		be.PutUint16(deltas[2*i:], uint16(m[r]-int(r)))
	}
	be.PutUint16(ends[2*(seg-1):], 0xFFFF)
	be.PutUint16(starts[2*(seg-1):], 0xFFFF)
	be.PutUint16(deltas[2*(seg-1):], 1)
	out := make([]byte, 12, 12+len(sub))
	be.PutUint16(out[2:], 1)
	be.PutUint16(out[4:], 3)
	be.PutUint16(out[6:], 1)
	be.PutUint32(out[8:], 12)
	return append(out, sub...)
}

func checksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:min(i+4, len(b))])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}

// writeSFNT writes a TrueType file: the table directory (tables sorted by
// tag), then each table aligned to 4 bytes.
func writeSFNT(tables []sfntTable) []byte {
	be := binary.BigEndian
	n := len(tables)
	out := make([]byte, 12+16*n)
	be.PutUint32(out[0:], 0x00010000)
	be.PutUint16(out[4:], uint16(n))
	sr := 1
	es := 0
	for sr*2 <= n {
		sr *= 2
		es++
	}
	be.PutUint16(out[6:], uint16(16*sr))
	be.PutUint16(out[8:], uint16(es))
	be.PutUint16(out[10:], uint16(16*n-16*sr))
	off := len(out)
	for i, t := range tables {
		rec := out[12+16*i:]
		copy(rec[0:4], t.tag)
		be.PutUint32(rec[4:], checksum(t.data))
		be.PutUint32(rec[8:], uint32(off))
		be.PutUint32(rec[12:], uint32(len(t.data)))
		off += (len(t.data) + 3) &^ 3
	}
	for _, t := range tables {
		out = append(out, t.data...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out
}
