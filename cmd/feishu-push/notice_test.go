package main

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestNoticeCoversDependencies holds NOTICE to the binary: every module
// compiled into feishu-push is credited there, so a new dependency cannot
// ship without its licence's credit.
func TestNoticeCoversDependencies(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("SKIP: no go command to list the binary's modules")
	}
	out, err := exec.Command(goBin, "list", "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	notice := string(mustRead(t, "../../NOTICE"))
	seen := map[string]bool{}
	for _, m := range strings.Fields(string(out)) {
		if seen[m] || m == "github.com/feishu-push/feishu-push" {
			continue
		}
		seen[m] = true
		// golang.org/x modules are credited together: "golang.org/x/image, x/net, ...".
		name := m
		if x, ok := strings.CutPrefix(m, "golang.org/x/"); ok {
			name = "x/" + x
		}
		if !strings.Contains(notice, name) {
			t.Errorf("NOTICE does not credit %s, which is compiled into the binary", m)
		}
	}
	// And the other way: a module NOTICE names is in the binary, so that
	// a dependency dropped does not leave its credit behind.
	for _, m := range noticeModules(notice) {
		if !seen[m] {
			t.Errorf("NOTICE credits %s, which is not compiled into the binary", m)
		}
	}
	if len(seen) < 5 {
		t.Errorf("go list found only %v", seen)
	}
	if !strings.Contains(notice, "WenQuanYi Micro Hei") {
		t.Error("NOTICE does not credit the embedded font")
	}
}

// noticeModules returns the module paths NOTICE names, with "x/NAME" read
// as golang.org/x/NAME.
func noticeModules(notice string) []string {
	var mods []string
	for _, m := range regexp.MustCompile(`(?:github\.com|google\.golang\.org|go\.yaml\.in|golang\.org)/[A-Za-z0-9_.\-/]*[A-Za-z0-9]|\bx/[a-z]+`).FindAllString(notice, -1) {
		if strings.HasPrefix(m, "x/") {
			m = "golang.org/" + m
		}
		mods = append(mods, m)
	}
	return mods
}
