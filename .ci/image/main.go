// Command image builds feishu-push's container image without a daemon or a
// base image, the way the Dockerfile's last stage lays it out: FROM scratch,
// the static binary, CA certificates and time-zone data copied from this
// (Debian) host, a non-root user. It writes a `docker load`-able tarball, and
// checks one by unpacking its filesystem and running the binary inside it
// with chroot as the image's user.
//
//	go run . build -bin feishu-push -version v1.2.3 -out image.tar
//	go run . check image.tar
package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// The image's user: not root, the same numbers as the Dockerfile's.
const (
	uid  = 65532
	home = "/home/nonroot"
)

func main() {
	if len(os.Args) < 2 {
		fatal(errors.New("usage: image build|check ..."))
	}
	var err error
	switch os.Args[1] {
	case "build":
		err = build(os.Args[2:])
	case "check":
		err = check(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "image:", err)
	os.Exit(1)
}

func build(args []string) error {
	fl := flag.NewFlagSet("build", flag.ExitOnError)
	bin := fl.String("bin", "", "static feishu-push binary (CGO_ENABLED=0)")
	version := fl.String("version", "dev", "version label")
	out := fl.String("out", "image.tar", "docker-load tarball to write")
	tag := fl.String("tag", "ghcr.io/feishu-push/feishu-push:snapshot", "image name inside the tarball")
	certs := fl.String("certs", "/etc/ssl/certs/ca-certificates.crt", "CA bundle to copy")
	zoneinfo := fl.String("zoneinfo", "/usr/share/zoneinfo", "time-zone database to copy")
	_ = fl.Parse(args)
	if *bin == "" {
		return errors.New("build: -bin is required")
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	epoch := time.Unix(0, 0)
	dir := func(p string, mode int64, owner int) error {
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: p + "/", Mode: mode, Uid: owner, Gid: owner, ModTime: epoch})
	}
	file := func(p string, mode int64, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: p, Mode: mode, Size: int64(len(data)), ModTime: epoch}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	for _, d := range []string{"etc", "etc/ssl", "etc/ssl/certs", "usr", "usr/share", "home"} {
		if err := dir(d, 0o755, 0); err != nil {
			return err
		}
	}
	if err := dir("tmp", 0o1777, 0); err != nil {
		return err
	}
	if err := dir(strings.TrimPrefix(home, "/"), 0o700, uid); err != nil {
		return err
	}
	b, err := os.ReadFile(*bin)
	if err != nil {
		return err
	}
	if err := file("feishu-push", 0o755, b); err != nil {
		return err
	}
	if b, err = os.ReadFile(*certs); err != nil {
		return err
	}
	if err := file("etc/ssl/certs/ca-certificates.crt", 0o644, b); err != nil {
		return err
	}
	if err := file("etc/passwd", 0o644, fmt.Appendf(nil, "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%d:%d:nonroot:%s:/sbin/nologin\n", uid, uid, home)); err != nil {
		return err
	}
	if err := file("etc/group", 0o644, fmt.Appendf(nil, "root:x:0:\nnonroot:x:%d:\n", uid)); err != nil {
		return err
	}
	// The zone database: regular files and directories only (Debian's has
	// symlinks for aliases; the embedded time/tzdata covers those anyway).
	err = filepath.WalkDir(*zoneinfo, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(filepath.Dir(*zoneinfo), p)
		rel = filepath.ToSlash(filepath.Join("usr/share", rel))
		switch {
		case d.IsDir():
			return dir(rel, 0o755, 0)
		case d.Type().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return file(rel, 0o644, b)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf.Bytes())), nil })
	if err != nil {
		return err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", goarch(*bin)
	cf.Created = v1.Time{Time: epoch}
	cf.Config = v1.Config{
		User:       fmt.Sprintf("%d:%d", uid, uid),
		Entrypoint: []string{"/feishu-push"},
		Cmd:        []string{"--help"},
		WorkingDir: home,
		Env:        []string{"PATH=/", "HOME=" + home, "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"},
		Labels: map[string]string{
			"org.opencontainers.image.title":    "feishu-push",
			"org.opencontainers.image.source":   "https://github.com/feishu-push/feishu-push",
			"org.opencontainers.image.licenses": "Apache-2.0",
			"org.opencontainers.image.version":  *version,
		},
	}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return err
	}
	ref, err := name.NewTag(*tag)
	if err != nil {
		return err
	}
	if err := tarball.WriteToFile(*out, ref, img); err != nil {
		return err
	}
	d, _ := img.Digest()
	fmt.Printf("image %s (%s) -> %s\n", ref, d, *out)
	return nil
}

// goarch reads the target of a Go binary from its build info.
func goarch(bin string) string {
	out, err := exec.Command("go", "version", "-m", bin).Output()
	if err == nil {
		for _, l := range strings.Split(string(out), "\n") {
			if f := strings.Fields(l); len(f) == 2 && f[0] == "build" && strings.HasPrefix(f[1], "GOARCH=") {
				return strings.TrimPrefix(f[1], "GOARCH=")
			}
		}
	}
	return "amd64"
}

// check unpacks the image and runs the binary inside it, as its user.
func check(args []string) error {
	if len(args) != 1 {
		return errors.New("check: one image tarball")
	}
	img, err := tarball.ImageFromPath(args[0], nil)
	if err != nil {
		return err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	if u := cf.Config.User; u == "" || u == "0" || strings.HasPrefix(u, "0:") || u == "root" {
		return fmt.Errorf("the image runs as root (User %q)", u)
	}
	if len(cf.Config.Entrypoint) != 1 || cf.Config.Entrypoint[0] != "/feishu-push" {
		return fmt.Errorf("entrypoint %q", cf.Config.Entrypoint)
	}
	root, err := os.MkdirTemp("", "feishu-push-image-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(root)
	if err := os.Chmod(root, 0o755); err != nil { // the image's / is world-readable
		return err
	}
	if err := untar(mutate.Extract(img), root); err != nil {
		return err
	}
	for _, p := range []string{"etc/ssl/certs/ca-certificates.crt", "usr/share/zoneinfo/Asia/Shanghai", "etc/passwd"} {
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			return fmt.Errorf("the image lacks /%s", p)
		}
	}
	if os.Geteuid() != 0 {
		fmt.Println("SKIP: running the binary inside the image needs chroot, which needs root")
		return nil
	}
	// The image's own environment and user, nothing from this host.
	run := func(env []string, args ...string) (string, error) {
		cmd := exec.Command("chroot", append([]string{"--userspec=" + cf.Config.User, root}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run(cf.Config.Env, "/feishu-push", "version")
	if err != nil || !strings.Contains(out, "feishu-push") {
		return fmt.Errorf("feishu-push version in the image: %v\n%s", err, out)
	}
	fmt.Print("in the image: ", out)
	// TZ=Asia/Shanghai works: a dashboard's dry run stamps its data time in
	// the process's zone and names it.
	for _, tz := range []string{"Asia/Shanghai", "America/New_York"} {
		env := append(cf.Config.Env, "TZ="+tz, "FEISHU_APP_ID=cli_imagecheck", "FEISHU_APP_SECRET=image-check")
		out, err := run(env, "/feishu-push", "push-dashboard", "--dry-run", "--to", "oc_a0553eda9014c201e6969b478895c230",
			"--title", "t", "--url", "https://bi.example.com", "--content", "x")
		if err != nil || !strings.Contains(out, "("+tz+")") {
			return fmt.Errorf("TZ=%s in the image: the dashboard is not stamped in that zone: %v\n%s", tz, err, out)
		}
		fmt.Printf("in the image: TZ=%s stamps the data time in %s\n", tz, tz)
	}
	return nil
}

func untar(r io.Reader, root string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		p := filepath.Join(root, filepath.Clean("/"+h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
			if err := os.Chmod(p, fs.FileMode(h.Mode)&fs.ModePerm|modeBits(h.Mode)); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, fs.FileMode(h.Mode)&fs.ModePerm)
			if err != nil {
				return err
			}
			if _, err := io.Copy(f, tr); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
		default:
			continue
		}
		if os.Geteuid() == 0 {
			if err := os.Lchown(p, h.Uid, h.Gid); err != nil {
				return err
			}
		}
	}
}

func modeBits(m int64) fs.FileMode {
	if m&0o1000 != 0 {
		return fs.ModeSticky
	}
	return 0
}
