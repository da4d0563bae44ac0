package render

import (
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/image/font/sfnt"
)

// TestFontSubset: the page embeds a font holding exactly the CJK glyphs it
// uses, and the font parses.
func TestFontSubset(t *testing.T) {
	face := fontFace("<p>飞书卡片 预览 ½ abc</p>")
	m := regexp.MustCompile(`base64,([^)]*)\)`).FindStringSubmatch(face)
	if m == nil {
		t.Fatalf("no embedded font: %q", face)
	}
	b, err := base64.StdEncoding.DecodeString(m[1])
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 40<<10 {
		t.Errorf("subset of 6 characters is %d bytes", len(b))
	}
	f, err := sfnt.Parse(b)
	if err != nil {
		t.Fatalf("subset font does not parse: %v", err)
	}
	var buf sfnt.Buffer
	index := func(r rune) sfnt.GlyphIndex {
		i, err := f.GlyphIndex(&buf, r)
		if err != nil {
			t.Fatalf("glyph index of %c: %v", r, err)
		}
		return i
	}
	for _, r := range "飞书卡片预览" {
		if index(r) == 0 {
			t.Errorf("%c missing from the subset", r)
		}
	}
	if index('字') != 0 {
		t.Error("a character the page does not use is in the subset")
	}
	if fontFace("plain ASCII page") != "" {
		t.Error("a font embedded for a page without CJK")
	}
	if !strings.Contains(Page("标题", "<p>中文</p>"), `@font-face{font-family:"FP Sans";src:url(data:font/ttf;base64,`) {
		t.Error("Page does not embed the font")
	}
}

func TestColorValue(t *testing.T) {
	for name, want := range map[string]string{"red": "#C02A26", "red-500": "#E22E28", "blue-300": "#94B4FF", "grey-300": "#DEE0E3", "Grey": "#646A73",
		"blue-350": "#7AA2FF", "green-700": mix("#1A7526", "#022C07", 1.0/3), "navy": "inherit", "red-x": "inherit", "white": "#FFFFFF", "sunflower": "#8F7C00"} {
		if got := colorValue(name); got != want {
			t.Errorf("colorValue(%s) = %s, want %s", name, got, want)
		}
	}
}
