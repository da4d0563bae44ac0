package atomicfile_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/feishu-push/feishu-push/pkg/atomicfile"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.json")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.Write(p, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	st, _ := os.Stat(p)
	if string(b) != "new" || st.Mode().Perm() != 0o600 {
		t.Errorf("content %q mode %v", b, st.Mode().Perm())
	}
	if left, _ := os.ReadDir(dir); len(left) != 1 {
		t.Errorf("temporary files left: %v", left)
	}
	// A directory that does not exist: an error, nothing written.
	if err := atomicfile.Write(filepath.Join(dir, "no", "f"), []byte("x"), 0o600); err == nil {
		t.Error("wrote into a missing directory")
	}
}
