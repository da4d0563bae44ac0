package tokencache_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/feishu"
	"github.com/feishu-push/feishu-push/pkg/tokencache"
)

func TestSaveLoadDelete(t *testing.T) {
	p := filepath.Join(t.TempDir(), "tokens.json")
	c := &tokencache.File{Path: p}
	exp := time.Now().Add(time.Hour).Round(time.Second)
	if err := c.Save("https://open.feishu.cn|cli_a", feishu.Token{Value: "t-a", ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	tok, ok := c.Load("https://open.feishu.cn|cli_a")
	if !ok || tok.Value != "t-a" || !tok.ExpiresAt.Equal(exp) {
		t.Errorf("Load = %+v, %v", tok, ok)
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	if _, ok := c.Load("https://open.larksuite.com|cli_a"); ok {
		t.Error("a token for another base URL")
	}
	_ = c.Delete("https://open.feishu.cn|cli_a")
	if _, ok := c.Load("https://open.feishu.cn|cli_a"); ok {
		t.Error("deleted token still there")
	}
}

func TestCorruptCacheIsIgnored(t *testing.T) {
	p := filepath.Join(t.TempDir(), "tokens.json")
	os.WriteFile(p, []byte("{not json"), 0o600)
	var warnings []string
	c := &tokencache.File{Path: p, Warn: func(s string) { warnings = append(warnings, s) }}
	if _, ok := c.Load("k"); ok {
		t.Error("corrupt cache returned a token")
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "unreadable") {
		t.Errorf("warnings %q", warnings)
	}
	// Saving replaces the corrupt file.
	if err := c.Save("k", feishu.Token{Value: "t-k", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if tok, ok := c.Load("k"); !ok || tok.Value != "t-k" {
		t.Errorf("after save: %+v %v", tok, ok)
	}
}

func TestUnwritableCacheWarns(t *testing.T) {
	var warnings []string
	// The directory cannot be created: a file stands where it would be.
	blocker := filepath.Join(t.TempDir(), "no")
	os.WriteFile(blocker, nil, 0o600)
	c := &tokencache.File{Path: filepath.Join(blocker, "dir", "tokens.json"), Warn: func(s string) { warnings = append(warnings, s) }}
	if err := c.Save("k", feishu.Token{Value: "t", ExpiresAt: time.Now().Add(time.Hour)}); err == nil || len(warnings) != 1 {
		t.Errorf("err %v, warnings %q", err, warnings)
	}
}

// TestConcurrentSaves has many processes' worth of writers save at once:
// the file stays valid and keeps every key.
func TestConcurrentSaves(t *testing.T) {
	p := filepath.Join(t.TempDir(), "tokens.json")
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &tokencache.File{Path: p} // separate instances, as separate processes would have
			if err := c.Save(fmt.Sprint("key", i), feishu.Token{Value: fmt.Sprint("t-", i), ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	c := &tokencache.File{Path: p}
	for i := 0; i < 20; i++ {
		if tok, ok := c.Load(fmt.Sprint("key", i)); !ok || tok.Value != fmt.Sprint("t-", i) {
			t.Errorf("key%d: %+v %v", i, tok, ok)
		}
	}
}
