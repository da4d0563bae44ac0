#!/bin/sh
# deb/rpm postinstall: the system user the packaged systemd units run as.
set -e
if ! getent passwd feishu-push >/dev/null 2>&1; then
	if command -v useradd >/dev/null 2>&1; then
		useradd --system --user-group --no-create-home --home-dir /var/lib/feishu-push \
			--shell /usr/sbin/nologin --comment "feishu-push" feishu-push
	elif command -v adduser >/dev/null 2>&1; then
		adduser --system --group --no-create-home --home /var/lib/feishu-push feishu-push
	fi
fi
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || :
fi
