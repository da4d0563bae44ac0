#!/bin/sh
# feishu-push listen --on 'contact.user.created_v3=examples/listen/contact-sync.sh' \
#                    --on 'contact.user.updated_v3=examples/listen/contact-sync.sh' \
#                    --on 'contact.user.deleted_v3=examples/listen/contact-sync.sh'
#
# Keeps a CSV of the directory ($CONTACTS_CSV, default contacts.csv) in
# step with contact events: one row per user, keyed by open_id:
#   open_id,user_id,name,email,status
# created/updated upsert the row (an update carries only what changed in
# old_object; object is the whole user), deleted marks it "left". The file
# is replaced atomically under a lock, so concurrent handlers are safe.
set -eu
csv=${CONTACTS_CSV:-contacts.csv}
event=$(cat)
row=$(printf '%s' "$event" | jq -r --arg type "$FEISHU_EVENT_TYPE" '
	.event.object as $u
	| [$u.open_id, ($u.user_id // ""), ($u.name // ""), ($u.email // ""),
	   (if $type == "contact.user.deleted_v3" then "left" else "active" end)]
	| @csv')
open_id=$(printf '%s' "$event" | jq -r '.event.object.open_id // empty')
[ -n "$open_id" ] || { echo "contact-sync: event $FEISHU_EVENT_ID has no open_id" >&2; exit 0; }
(
	flock 9
	tmp="$csv.tmp.$$"
	{
		echo 'open_id,user_id,name,email,status'
		[ -f "$csv" ] && tail -n +2 "$csv" | grep -v "^\"$open_id\"," || true
		echo "$row"
	} >"$tmp"
	mv "$tmp" "$csv"
) 9>>"$csv.lock"
