package render

// fontFace returns an @font-face rule embedding a CJK font for the text of
// page, or "" when none is needed or available.
func fontFace(page string) string { return "" }
