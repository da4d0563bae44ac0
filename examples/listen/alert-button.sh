#!/bin/sh
# feishu-push listen --on card.action.trigger=examples/listen/alert-button.sh
#
# Answers the Ack and Silence buttons of alert-card.json. The click (on
# stdin) carries the button's value, {"action":"ack"|"silence","alert":...},
# and who clicked. The answer on stdout is a toast and the card redrawn:
# green "Acknowledged" or grey "Silenced for 1h", buttons gone, so everyone
# in the chat sees who took it. With $ALERTMANAGER_URL set, Silence also
# creates a one-hour silence there. Feishu waits 3 s for this answer.
set -eu
click=$(cat)
action=$(printf '%s' "$click" | jq -r '.event.action.value.action // empty')
alert=$(printf '%s' "$click" | jq -r '.event.action.value.alert // "alert"')
who=$(printf '%s' "$click" | jq -r '.event.operator.open_id // empty')
case "$action" in
ack) color=green title="Acknowledged: $alert" toast="Acknowledged" ;;
silence)
	if [ -n "${ALERTMANAGER_URL:-}" ]; then
		now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
		end=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
		jq -nc --arg a "$alert" --arg s "$now" --arg e "$end" --arg by "$who" \
			'{matchers:[{name:"alertname",value:$a,isRegex:false}],startsAt:$s,endsAt:$e,createdBy:$by,comment:"silenced from Feishu"}' |
			curl -fsS --max-time 2 -H 'Content-Type: application/json' --data @- "$ALERTMANAGER_URL/api/v2/silences" >/dev/null
	fi
	color=grey title="Silenced for 1h: $alert" toast="Silenced for 1 hour" ;;
*) jq -nc '{toast:{type:"warning",content:"Unknown button"}}'; exit 0 ;;
esac
jq -nc --arg color "$color" --arg title "$title" --arg toast "$toast" --arg who "$who" '{
	toast: {type: "success", content: $toast},
	card: {type: "raw", data: {
		schema: "2.0",
		header: {template: $color, title: {tag: "plain_text", content: $title}},
		body: {elements: [{tag: "markdown", content: ("by <at id=\"" + $who + "\"></at>")}]}
	}}
}'
