#!/bin/sh
# The main job against the local sandbox, no Feishu account needed:
# start a fake Feishu, push the example dashboard and cards to it, show what
# arrived, stop it. Usage: sh examples/demo.sh [path/to/feishu-push]
set -eu
BIN=${1:-bin/feishu-push}
EX=$(dirname "$0")
tmp=$(mktemp -d)
sandbox_pid=
cleanup() {
	[ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null && wait "$sandbox_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

"$BIN" sandbox --addr 127.0.0.1:0 >"$tmp/inbox.txt" 2>"$tmp/sandbox.txt" &
sandbox_pid=$!
i=0
until grep -q '^  FEISHU_BASE_URL=' "$tmp/sandbox.txt" 2>/dev/null; do
	i=$((i + 1))
	if [ "$i" -gt 100 ]; then echo "demo: the sandbox did not start:" >&2; cat "$tmp/sandbox.txt" >&2; exit 1; fi
	sleep 0.1
done
base=$(sed -n 's/^  FEISHU_BASE_URL=//p' "$tmp/sandbox.txt")
echo "== a fake Feishu is listening at $base"
export FEISHU_BASE_URL="$base" FEISHU_APP_ID=cli_sandbox FEISHU_APP_SECRET=sandbox_secret
export FEISHU_PUSH_LOG_FILE="$tmp/push.log"

run() {
	echo "\$ feishu-push $*"
	"$BIN" "$@"
	echo "  (exit $?)"
}

echo
echo "== the scheduled dashboard: KPIs, table and chart from a JSON file (stdout: recipient<TAB>message_id)"
run push-dashboard --to oc_demo_sales --title "每日销售看板 Daily sales" \
	--url https://bi.example.com/dashboards/sales --data "$EX/dashboard/sales.json" \
	--tz Asia/Shanghai --uuid "sales-$(date +%F)"
echo
echo "== the same from a query's CSV output, KPIs and a bar chart derived from its columns"
run push-dashboard --to oc_demo_stores --title "门店销售 Stores" --url https://bi.example.com/dashboards/stores \
	--data "$EX/dashboard/stores.csv" --kpi "销售额=销售额:sum" --kpi "订单数=订单数:sum" --kpi "客单价=客单价:avg" \
	--chart bar --chart-x 门店 --chart-y 销售额 --max-rows 5 --tz Asia/Shanghai
echo
echo "== an alert card from a template and its data"
run send-card --to ops@example.com --template "$EX/templates/alert.tmpl" --data "$EX/templates/alert.json" --var env=prod
echo
echo "== through a group custom bot: the webhook URL in the environment, never on the command line"
(
	export FEISHU_WEBHOOK_URL="$base/open-apis/bot/v2/hook/demo-token"
	echo "\$ FEISHU_WEBHOOK_URL=$base/open-apis/bot/v2/hook/demo-token feishu-push send-text --text 'deploy of api v1.8.2 finished'"
	"$BIN" send-text --text "deploy of api v1.8.2 finished"
	echo "  (exit $?)"
)
echo
echo "== bad input exits 2 and sends nothing"
echo "\$ feishu-push send-card --to oc_demo_sales --title t --color pink"
"$BIN" send-card --to oc_demo_sales --title t --color pink || echo "  (exit $?)"

sleep 0.2
echo
echo "== what the sandbox received"
cat "$tmp/inbox.txt"
echo "== the log file ($FEISHU_PUSH_LOG_FILE)"
cat "$tmp/push.log"

# A button click round trip: a listener connects to the sandbox over the
# long connection, the alert card with Ack/Silence buttons is sent, a
# click is made, and the listener's handler answers with the card redrawn.
# The handler uses jq; the click is made with curl.
buttons() {
	echo
	echo "== card buttons: feishu-push listen --long-connection runs a handler for each click"
	if ! command -v jq >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then
		echo "  (skipped: needs jq and curl)"
		return 0
	fi
	listen_pid=
	trap 'if [ -n "$listen_pid" ]; then kill "$listen_pid" 2>/dev/null; wait "$listen_pid" 2>/dev/null; fi; cleanup' EXIT INT TERM
	echo "\$ feishu-push listen --long-connection --on card.action.trigger=$EX/listen/alert-button.sh &"
	"$BIN" listen --long-connection --state-dir "$tmp/listen" \
		--on "card.action.trigger=$EX/listen/alert-button.sh" 2>"$tmp/listen.log" &
	listen_pid=$!
	i=0
	until grep -q '"long connection open"' "$tmp/listen.log" 2>/dev/null; do
		i=$((i + 1))
		if [ "$i" -gt 100 ]; then echo "demo: the listener did not connect:" >&2; cat "$tmp/listen.log" >&2; exit 1; fi
		sleep 0.1
	done
	sleep 0.2
	echo "\$ feishu-push send-card --to oc_demo_ops --card-file $EX/listen/alert-card.json"
	"$BIN" send-card --to oc_demo_ops --card-file "$EX/listen/alert-card.json" | tee "$tmp/alert.txt"
	msg=$(cut -f2 "$tmp/alert.txt" | head -n 1)
	click="{\"message_id\":\"$msg\",\"value\":{\"action\":\"ack\",\"alert\":\"DiskFull\"}}"
	echo "== a click on Ack, as the inbox makes it: POST /api/callback $click"
	curl -fsS -X POST "$base/api/callback" -H 'Content-Type: application/json' -d "$click"
	echo "== the card's title in the sandbox now"
	curl -fsS "$base/api/messages" | jq -r --arg id "$msg" '.messages[] | select(.message_id == $id) | .content.header.title.content'
	echo "== the listener's log"
	grep '"event_type"' "$tmp/listen.log"
}
buttons

# On a terminal, keep the sandbox up so its inbox can be opened.
if [ -t 0 ] && [ -t 1 ]; then
	echo
	echo "== open $base/ in a browser to see the cards as Feishu shows them"
	printf "   press Enter to stop the sandbox "
	read -r _ || true
fi
