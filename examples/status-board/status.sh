#!/bin/sh
# Prints the board's data as one JSON object for card.tmpl. Replace the
# checks with your own; keep the values plain (no quotes or backslashes), or
# build the JSON with jq.
set -eu
load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
disk=$(df -P / | awk 'NR == 2 { print $5 }')
level=green
case $disk in
9[0-9]%|100%) level=red ;;
8[0-9]%) level=orange ;;
esac
printf '{"host": "%s", "load": "%s", "disk": "%s", "level": "%s", "updated": "%s"}\n' \
	"$(uname -n)" "$load" "$disk" "$level" "$(date '+%Y-%m-%d %H:%M %Z')"
