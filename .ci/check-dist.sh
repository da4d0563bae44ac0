#!/bin/sh
# Checks what `make release-snapshot` left in dist/: every platform's archive
# with the binary, man pages and completions; checksums that verify; deb
# packages holding the binary, man pages, completions, the units and
# /etc/feishu-push.env at mode 600 (a conffile); the Homebrew cask.
set -eu
cd "${1:-dist}"
fail() { echo "check-dist: $*" >&2; exit 1; }
sha256sum --quiet -c checksums.txt || fail "checksums.txt does not verify"
for p in linux_amd64 linux_arm64 darwin_amd64 darwin_arm64 windows_amd64 windows_arm64; do
	case $p in
	windows_*) a=$(ls feishu-push_*_"$p".zip 2>/dev/null) || fail "no archive for $p"; list=$(unzip -Z1 "$a"); bin=feishu-push.exe ;;
	*) a=$(ls feishu-push_*_"$p".tar.gz 2>/dev/null) || fail "no archive for $p"; list=$(tar -tzf "$a"); bin=feishu-push ;;
	esac
	grep -q "$a" checksums.txt || fail "$a is not in checksums.txt"
	for f in "$bin" LICENSE NOTICE man/feishu-push.1 completions/feishu-push.bash completions/_feishu-push completions/feishu-push.fish; do
		echo "$list" | grep -qx "$f" || fail "$a lacks $f"
	done
done
for deb in feishu-push_*_amd64.deb feishu-push_*_arm64.deb; do
	[ -f "$deb" ] || fail "no deb package"
	c=$(dpkg-deb -c "$deb")
	for f in ./usr/bin/feishu-push ./usr/share/man/man1/feishu-push.1 ./usr/share/bash-completion/completions/feishu-push \
		./usr/lib/systemd/system/feishu-push-flush.service ./usr/lib/systemd/system/feishu-push-flush.timer; do
		echo "$c" | awk '{print $6}' | grep -qx "$f" || fail "$deb lacks $f"
	done
	echo "$c" | grep -q '^-rw------- root/root .* ./etc/feishu-push.env$' || fail "$deb: /etc/feishu-push.env is not mode 600 root"
	dpkg-deb -I "$deb" conffiles | grep -qx /etc/feishu-push.env || fail "$deb: /etc/feishu-push.env is not a conffile"
done
ls feishu-push-*.x86_64.rpm feishu-push-*.aarch64.rpm >/dev/null || fail "no rpm packages"
grep -q 'binary "feishu-push"' homebrew/Casks/feishu-push.rb || fail "no Homebrew cask"
echo "check-dist: $(wc -l < checksums.txt) artefacts verified"
