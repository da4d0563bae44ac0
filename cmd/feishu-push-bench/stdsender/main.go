// Command stdsender is the floor a Go process sets for one cron-style send:
// the two requests feishu-push makes (a tenant token, then one text
// message), with the standard library only and no checks beyond the
// answers' codes. feishu-push-bench builds it and runs it side by side
// with feishu-push.
//
// Usage: FEISHU_BASE_URL=... FEISHU_APP_ID=... FEISHU_APP_SECRET=... stdsender CHAT_ID TEXT
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
)

func post(url, token string, body any, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(out)
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: stdsender CHAT_ID TEXT")
		os.Exit(2)
	}
	base := os.Getenv("FEISHU_BASE_URL")
	var tok struct {
		Code  int    `json:"code"`
		Token string `json:"tenant_access_token"`
	}
	if err := post(base+"/open-apis/auth/v3/tenant_access_token/internal", "",
		map[string]string{"app_id": os.Getenv("FEISHU_APP_ID"), "app_secret": os.Getenv("FEISHU_APP_SECRET")}, &tok); err != nil || tok.Code != 0 {
		fmt.Fprintln(os.Stderr, "token:", err, tok.Code)
		os.Exit(1)
	}
	content, _ := json.Marshal(map[string]string{"text": os.Args[2]})
	var sent struct {
		Code int `json:"code"`
	}
	if err := post(base+"/open-apis/im/v1/messages?receive_id_type=chat_id", tok.Token,
		map[string]string{"receive_id": os.Args[1], "msg_type": "text", "content": string(content)}, &sent); err != nil || sent.Code != 0 {
		fmt.Fprintln(os.Stderr, "send:", err, sent.Code)
		os.Exit(1)
	}
}
