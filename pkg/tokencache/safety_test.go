//go:build unix

package tokencache_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/tokencache"
)

// A cache path that is not ours is a warning and no cache: nothing read,
// nothing replaced, the secret-bearing token never written there.
func TestCacheRefusesPathsNotOurs(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, []byte("keep"), 0o600)
	link := filepath.Join(dir, "link.json")
	os.Symlink(victim, link)
	open := filepath.Join(dir, "open")
	os.Mkdir(open, 0o777)
	os.Chmod(open, 0o777)
	fifo := filepath.Join(dir, "fifo")
	os.WriteFile(fifo, nil, 0o600)
	os.Chmod(fifo, 0o666) // writable by others: someone else may have written it
	nullLink := filepath.Join(dir, "null.json")
	os.Symlink("/dev/null", nullLink)
	for _, p := range []string{"/dev/null", link, filepath.Join(open, "tokens.json"), fifo, nullLink} {
		var warnings []string
		c := &tokencache.File{Path: p, Warn: func(s string) { warnings = append(warnings, s) }}
		if err := c.Save("k", feishu.Token{Value: "t-secret", ExpiresAt: time.Now().Add(time.Hour)}); err == nil {
			t.Errorf("%s: saved", p)
		}
		if _, ok := c.Load("k"); ok {
			t.Errorf("%s: loaded a token", p)
		}
		if len(warnings) != 1 || !strings.Contains(warnings[0], "not used") || !strings.Contains(warnings[0], p) {
			t.Errorf("%s: warnings %q", p, warnings)
		}
	}
	if st, err := os.Stat("/dev/null"); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("/dev/null is no longer a device")
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("symlink target overwritten: %q", b)
	}
	if left, _ := os.ReadDir(open); len(left) != 0 {
		t.Errorf("wrote into a world-writable directory: %v", left)
	}
}

// A planted or damaged cache is validated, not trusted.
func TestCacheValidatesContent(t *testing.T) {
	far := time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339)
	soon := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	for name, body := range map[string]string{
		"header injection": `{"version":1,"tokens":{"k":{"tenant_access_token":"t-1\r\nX-Evil: 1","expires_at":"` + soon + `"}}}`,
		"far expiry":       `{"version":1,"tokens":{"k":{"tenant_access_token":"t-1","expires_at":"` + far + `"}}}`,
		"empty token":      `{"version":1,"tokens":{"k":{"tenant_access_token":"","expires_at":"` + soon + `"}}}`,
		"huge":             `{"version":1,"tokens":{"k":{"tenant_access_token":"` + strings.Repeat("a", 300<<10) + `"}}}`,
	} {
		p := filepath.Join(t.TempDir(), "tokens.json")
		os.WriteFile(p, []byte(body), 0o600)
		var warnings []string
		c := &tokencache.File{Path: p, Warn: func(s string) { warnings = append(warnings, s) }}
		if tok, ok := c.Load("k"); ok {
			t.Errorf("%s: loaded %q", name, tok.Value)
		}
		if len(warnings) != 1 || !strings.Contains(warnings[0], "unreadable") {
			t.Errorf("%s: warnings %q", name, warnings)
		}
	}
}

func TestCacheCreatesItsDirectory(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a", "b", "tokens.json")
	c := &tokencache.File{Path: p}
	if err := c.Save("k", feishu.Token{Value: "t-1", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Dir(p)); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("directory: %v %v", st, err)
	}
}
