package inbox_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feishu-push/feishu-push/internal/browser"
	"github.com/feishu-push/feishu-push/pkg/card"
	"github.com/feishu-push/feishu-push/pkg/feishu"
)

// withUploadedImages uploads an image for every image key the card file
// uses, as a sender must before Feishu accepts the card, and writes the
// card with the uploaded keys into dir.
func withUploadedImages(t *testing.T, c *feishu.Client, src, dir string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := card.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	done := map[string]bool{}
	for i, ref := range card.ImageKeys(obj) {
		if done[ref.Key] {
			continue
		}
		done[ref.Key] = true
		req, _ := c.Images.NewUploadRequest(ref.Key+".png", swatch(i))
		key, _, err := c.Images.Upload(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		text = strings.ReplaceAll(text, `"`+ref.Key+`"`, `"`+key+`"`)
	}
	out := filepath.Join(dir, filepath.Base(src))
	if err := os.WriteFile(out, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// swatch is a 480x160 PNG: a diagonal gradient in the i-th of a few
// Feishu colours, so each image of the card is told apart on screen.
func swatch(i int) []byte {
	base := []color.RGBA{{0x33, 0x70, 0xFF, 255}, {0x2E, 0xA1, 0x21, 255}, {0xF5, 0x4A, 0x45, 255}, {0xFF, 0x88, 0x00, 255}, {0x7F, 0x3B, 0xF5, 255}, {0x00, 0xB2, 0xB2, 255}}[i%6]
	img := image.NewRGBA(image.Rect(0, 0, 480, 160))
	for y := 0; y < 160; y++ {
		for x := 0; x < 480; x++ {
			f := float64(x+y) / 640
			img.SetRGBA(x, y, color.RGBA{uint8(float64(base.R) + (255-float64(base.R))*f*0.8), uint8(float64(base.G) + (255-float64(base.G))*f*0.8), uint8(float64(base.B) + (255-float64(base.B))*f*0.8), 255})
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

// TestEveryComponentInBrowser sends the cards that use every documented
// component (2.0 by the app bot, 1.0 by a group webhook, as senders do),
// loads the inbox in headless Chromium and checks that each component has
// its own drawing: no placeholder, no chart fallback, every image loaded.
// UPDATE_DOCS=1 writes the screenshot to docs/inbox-components.png.
func TestEveryComponentInBrowser(t *testing.T) {
	bin := browser.Find(t)
	e := inboxEnv(t).Webhook()
	c := apiClient(e)
	dir := t.TempDir()
	v2 := withUploadedImages(t, c, "../card/testdata/all-v2.json", dir)
	v1 := withUploadedImages(t, c, "../card/testdata/all-v1.json", dir)
	// The inbox shows the newest first: the 2.0 card on top. Without --to
	// the card goes to the (signed) group webhook; an explicit --to selects
	// the app bot even with the webhook in the environment.
	send(t, e, "send-card", "--card-file", v1)
	send(t, e, "send-card", "--to", "oc_demo", "--card-file", v2)
	if n := len(e.Srv.Messages()); n != 2 {
		t.Fatalf("%d messages stored, want 2", n)
	}
	if m := e.Srv.Messages(); m[0].Mode != "webhook" || m[1].Mode != "app" {
		t.Fatalf("sent as %s and %s, want webhook and app", m[0].Mode, m[1].Mode)
	}

	dom := string(headless(t, bin, e.Srv.URL+"/", "--dump-dom"))
	if !strings.Contains(dom, `data-ready="true"`) {
		t.Fatalf("the page never drew the messages:\n%.2000s", dom)
	}
	list := between(dom, `<ol id="messages"`, `</ol>`) // the page's style sheet names the placeholders too
	if n := strings.Count(list, `<li class="msg"`); n != 2 {
		t.Fatalf("%d messages drawn, want 2", n)
	}
	for _, bad := range []string{"fp-unknown", "fp-chart-fallback", "could not be drawn"} {
		if strings.Contains(list, bad) {
			t.Errorf("a component is drawn as a placeholder (%s):\n%s", bad, list)
		}
	}
	v2HTML, v1HTML := between(dom, `id="msg-2"`, `<pre class="json"`), between(dom, `id="msg-1"`, `<pre class="json"`)
	for _, c := range []struct{ html, component, want string }{
		{v2HTML, "header template", `<div class="fp-header fp-tpl-indigo">`},
		{v2HTML, "header standard_icon", `<svg class="fp-icon fp-header-icon"`},
		{v2HTML, "header text_tag", `<span class="fp-tag fp-tag-green">新</span>`},
		{v2HTML, "header subtitle", `<div class="fp-subtitle">副标题 subtitle</div>`},
		{v2HTML, "markdown", `<strong>粗体</strong> <em>斜体</em> <del>删除</del> <a href="https://open.feishu.cn"`},
		{v2HTML, "markdown <at>", `<span class="fp-at">@所有人</span>`},
		{v2HTML, "markdown <person>", `<span class="fp-person-chip" title="ou_1">`},
		{v2HTML, "markdown emoji", `✅ 👍`},
		{v2HTML, "markdown <font>", `<span class="fp-font" style="color:#C02A26">红色</span>`},
		{v2HTML, "markdown <text_tag>", `<span class="fp-tag fp-tag-orange">标签</span>`},
		{v2HTML, "markdown <number_tag>", `<span class="fp-number-tag">7</span>`},
		{v2HTML, "markdown table", `<table class="fp-md-table"><thead><tr><th>地区</th>`},
		{v2HTML, "div with standard_icon", `<div class="fp-md fp-with-icon fp-align-left"><svg class="fp-icon`},
		{v2HTML, "plain_text colour", `<span class="" style="color:#646A73">普通文本 plain text</span>`},
		{v2HTML, "hr", `<hr class="fp-hr">`},
		{v2HTML, "column_set flex_mode", `<div class="fp-colset fp-flex-bisect" style="gap:8px">`},
		{v2HTML, "column background", `style="flex:1 1 0;background:#F0F4FF;padding:8px 12px"`},
		{v2HTML, "column custom colour", `background:rgba(5,157,178,0.52)`},
		{v2HTML, "img", `<figure class="fp-figure"><img class="fp-img" src="/api/images/img_v3_`},
		{v2HTML, "img_combination", `<div class="fp-img-combo fp-combo-double"><div class="fp-combo-cell"><img class="fp-img"`},
		{v2HTML, "chart", `<div class="fp-chart"><svg`},
		{v2HTML, "table", `<table class="fp-table"><thead><tr><th>负责人</th><th>日期</th><th class="fp-num">数</th><th>状态</th>`},
		{v2HTML, "table cells", `<td>2023-11-15</td><td class="fp-num">3.1</td><td><span class="fp-tag fp-tag-green">完成</span>`},
		{v2HTML, "collapsible_panel expanded", `<details class="fp-panel" open="" style="border:1px solid #646A73"><summary><span class="fp-panel-title"><p><strong>展开的面板</strong>`},
		{v2HTML, "collapsible_panel collapsed", `<details class="fp-panel"><summary><span class="fp-panel-title">收起的面板</span>`},
		{v2HTML, "interactive_container", `<div class="fp-container" style="border:1px solid #646A73;border-radius:8px;padding:8px" data-href="https://open.feishu.cn">`},
		{v2HTML, "form", `<div class="fp-form">`},
		{v2HTML, "input", `<span class="fp-label">输入框</span><div class="fp-ctl fp-input" aria-disabled="true"><span class="fp-ctl-value"><span class="fp-ph">请输入</span>`},
		{v2HTML, "select_static", `<span class="fp-ph">单选</span>`},
		{v2HTML, "multi_select_static", `<span class="fp-chip">乙</span>`},
		{v2HTML, "select_person", `<span class="fp-ph">选人</span>`},
		{v2HTML, "multi_select_person", `<span class="fp-ph">选多人</span>`},
		{v2HTML, "date_picker", `<span class="fp-ctl-value">2024-01-01</span>`},
		{v2HTML, "picker_time", `<span class="fp-ctl-value">10:00</span>`},
		{v2HTML, "picker_datetime", `<span class="fp-ph">日期时间</span>`},
		{v2HTML, "select_img", `<div class="fp-select-img fp-combo-bisect" aria-disabled="true"><div class="fp-combo-cell"><img class="fp-img"`},
		{v2HTML, "form submit button", `<button type="button" class="fp-btn fp-btn-primary_filled">提交</button>`},
		{v2HTML, "checker", `<div class="fp-checker fp-checked" aria-disabled="true"><span class="fp-check-box">☑</span><span>待办事项</span>`},
		{v2HTML, "overflow", `<span class="fp-btn fp-overflow" aria-disabled="true"`},
		{v2HTML, "person", `<div class="fp-person fp-person-medium"><span class="fp-person-chip" title="ou_1">`},
		{v2HTML, "person_list", `<div class="fp-person-list"><span class="fp-person-chip" title="ou_1">`},
		{v2HTML, "audio", `<div class="fp-audio" aria-disabled="true"><svg`},
		{v2HTML, "callback button", `data-element-id="cb">回调</button>`},
		{v2HTML, "open_url button", `<a class="fp-btn fp-btn-danger" href="https://open.feishu.cn"`},
		{v1HTML, "1.0 i18n_header", `<div class="fp-header fp-tpl-green"><div class="fp-title">一点零卡片</div></div>`},
		{v1HTML, "1.0 div lark_md", `<strong>中文</strong> 内容 <span class="fp-at">@所有人</span>`},
		{v1HTML, "1.0 div fields", `<div class="fp-field fp-short"><strong>环境</strong><br>prod</div>`},
		{v1HTML, "1.0 div extra button", `<div class="fp-extra"><a class="fp-btn fp-btn-default" href="https://open.feishu.cn"`},
		{v1HTML, "1.0 img", `<figure class="fp-figure"><img class="fp-img" src="/api/images/img_v3_`},
		{v1HTML, "1.0 action layout", `<div class="fp-actions fp-layout-bisected">`},
		{v1HTML, "1.0 button", `data-callback="{&quot;ok&quot;:true}">同意</button>`},
		{v1HTML, "1.0 select_static", `<span class="fp-ph">选择</span>`},
		{v1HTML, "1.0 overflow", `<span class="fp-btn fp-overflow" aria-disabled="true"`},
		{v1HTML, "1.0 date_picker", `<span class="fp-ctl-value">2024-01-01</span>`},
		{v1HTML, "1.0 note", `<div class="fp-note"><img class="fp-note-img" src="/api/images/img_v3_`},
	} {
		if !strings.Contains(c.html, c.want) {
			t.Errorf("%s: the inbox lacks %s", c.component, c.want)
		}
	}
	// Every image (img, combination, image picker, note) was uploaded and
	// loads: 5 in the 2.0 card, 2 in the 1.0 card.
	for name, h := range map[string]struct {
		html string
		n    int
	}{"2.0": {v2HTML, 5}, "1.0": {v1HTML, 2}} {
		if imgs, loaded := strings.Count(h.html, "<img "), strings.Count(h.html, `data-loaded="true"`); imgs != h.n || loaded != h.n {
			t.Errorf("%s card: %d images, %d loaded, want %d", name, imgs, loaded, h.n)
		}
	}

	// The picture for the docs: the page cut below the last message.
	shot := filepath.Join(t.TempDir(), "components.png")
	headless(t, bin, e.Srv.URL+"/", "--window-size=800,4000", "--screenshot="+shot)
	b, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil || img.Bounds().Dx() != 800 || img.Bounds().Dy() != 4000 {
		t.Fatalf("screenshot: %v %v", err, img.Bounds())
	}
	cut := trimBackground(img)
	if h := cut.Bounds().Dy(); h < 1500 || h >= 4000 {
		t.Errorf("the page is %dpx high: the cards are not all drawn, or longer than the window", h)
	}
	if os.Getenv("UPDATE_DOCS") != "" {
		var out bytes.Buffer
		if err := png.Encode(&out, cut); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("../../docs/inbox-components.png", out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// between is the part of s from the first from to the next to after it.
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}

// trimBackground cuts the page's empty background below the last message,
// leaving a 24px margin.
func trimBackground(img image.Image) image.Image {
	bg := color.RGBAModel.Convert(img.At(img.Bounds().Max.X-1, img.Bounds().Max.Y-1))
	last := img.Bounds().Min.Y
	for y := img.Bounds().Max.Y - 1; y >= img.Bounds().Min.Y && last == img.Bounds().Min.Y; y-- {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			if color.RGBAModel.Convert(img.At(x, y)) != bg {
				last = y
				break
			}
		}
	}
	r := img.Bounds()
	r.Max.Y = min(r.Max.Y, last+24)
	out := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(out, out.Bounds(), img, r.Min, draw.Src)
	return out
}
