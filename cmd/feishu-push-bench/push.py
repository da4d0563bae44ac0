#!/usr/bin/env python3
# The push script feishu-push replaces, as it is commonly copied: fetch a
# tenant_access_token, then post one text message with requests. No retries,
# no log, no exit codes beyond 0 and a traceback.
import json
import os
import sys

import requests

base = os.environ.get("FEISHU_BASE_URL", "https://open.feishu.cn")
r = requests.post(base + "/open-apis/auth/v3/tenant_access_token/internal",
                  json={"app_id": os.environ["FEISHU_APP_ID"], "app_secret": os.environ["FEISHU_APP_SECRET"]})
token = r.json()["tenant_access_token"]
r = requests.post(base + "/open-apis/im/v1/messages", params={"receive_id_type": "chat_id"},
                  headers={"Authorization": "Bearer " + token},
                  json={"receive_id": sys.argv[1], "msg_type": "text", "content": json.dumps({"text": sys.argv[2]})})
if r.json().get("code") != 0:
    sys.exit(1)
