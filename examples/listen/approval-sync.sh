#!/bin/sh
# feishu-push listen --on approval_instance=examples/listen/approval-sync.sh
#
# Keeps a workflow engine in step with Feishu approvals: each change of an
# approval instance (a schema 1.0 event, on stdin) is posted to
# $WORKFLOW_URL/approvals/<instance_code> as
#   {"approval_code":..., "instance_code":..., "status":..., "operate_time":...}
# A failure exits non-zero, so the listener retries with backoff; the
# event id goes along as Idempotency-Key, so a retry after a lost answer
# is harmless for an engine that honours it.
set -eu
: "${WORKFLOW_URL:?set WORKFLOW_URL to the workflow engine base URL}"
body=$(jq -c '.event | {approval_code, instance_code, status, operate_time}')
instance=$(printf '%s' "$body" | jq -r '.instance_code // empty')
[ -n "$instance" ] || { echo "approval-sync: event $FEISHU_EVENT_ID has no instance_code" >&2; exit 0; }
curl -fsS --max-time 10 -X POST -H 'Content-Type: application/json' \
	-H "Idempotency-Key: $FEISHU_EVENT_ID" \
	--data "$body" "$WORKFLOW_URL/approvals/$instance" >/dev/null
