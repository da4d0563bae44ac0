package listen_test

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/feishu-push/feishu-push/pkg/feishutest"
	"github.com/feishu-push/feishu-push/pkg/listen"
)

func signed(key string, body []byte, now time.Time) http.Header {
	h := http.Header{}
	ts := strconv.FormatInt(now.Unix(), 10)
	h.Set(listen.HeaderTimestamp, ts)
	h.Set(listen.HeaderNonce, "nonce")
	h.Set(listen.HeaderSignature, feishutest.SignEvent(ts, "nonce", key, body))
	return h
}

func TestDecodeEncrypted(t *testing.T) {
	s := &feishutest.EventSender{EncryptKey: "k1", VerificationToken: "tok", AppID: "cli_x"}
	d := &listen.Decoder{EncryptKey: "k1", VerificationToken: "tok"}
	body := s.Wrap(s.Event2("e1", "im.message.receive_v1", map[string]any{"message": map[string]any{"chat_id": "oc_1"}}))
	res, err := d.Decode(signed("k1", body, time.Now()), body)
	if err != nil || res.Event == nil || res.Event.ID != "e1" || res.Event.Type != "im.message.receive_v1" || res.Event.Key != "oc_1" || res.Event.Schema != "2.0" {
		t.Fatalf("decode: %+v %v", res, err)
	}
	if string(res.Event.Body) == "" || containsToken(res.Event.Body) {
		t.Errorf("body keeps the verification token: %s", res.Event.Body)
	}
	body1 := s.Wrap(s.Event1("u1", "approval_instance", map[string]any{"status": "APPROVED"}))
	res, err = d.Decode(signed("k1", body1, time.Now()), body1)
	if err != nil || res.Event.ID != "u1" || res.Event.Type != "approval_instance" || res.Event.Schema != "1.0" {
		t.Fatalf("decode 1.0: %+v %v", res, err)
	}
	for name, c := range map[string]struct {
		h    http.Header
		body []byte
		want int
	}{
		"unsigned":   {http.Header{}, body, 401},
		"stale":      {signed("k1", body, time.Now().Add(-10*time.Minute)), body, 401},
		"future":     {signed("k1", body, time.Now().Add(10*time.Minute)), body, 401},
		"other key":  {signed("k2", body, time.Now()), body, 401},
		"plain":      {signed("k1", []byte(`{"schema":"2.0"}`), time.Now()), []byte(`{"schema":"2.0"}`), 400},
		"array":      {http.Header{}, []byte(`[]`), 400},
		"null":       {http.Header{}, []byte(`null`), 400},
		"bad base64": {http.Header{}, []byte(`{"encrypt":"@@"}`), 400},
		"short":      {http.Header{}, []byte(`{"encrypt":"AAAA"}`), 400},
	} {
		_, err := d.Decode(c.h, c.body)
		var re *listen.RequestError
		if !errors.As(err, &re) || re.Status != c.want {
			t.Errorf("%s: %v, want status %d", name, err, c.want)
		}
	}
}

func containsToken(b []byte) bool { return bytes.Contains(b, []byte(`"token":"tok"`)) }

func TestDecodeChallengeAndToken(t *testing.T) {
	d := &listen.Decoder{VerificationToken: "tok"}
	res, err := d.Decode(http.Header{}, []byte(`{"challenge":"c1","token":"tok","type":"url_verification"}`))
	if err != nil || res.Challenge != "c1" {
		t.Fatalf("challenge: %+v %v", res, err)
	}
	if _, err := d.Decode(http.Header{}, []byte(`{"challenge":"c1","token":"bad","type":"url_verification"}`)); err == nil {
		t.Error("challenge with a wrong token accepted")
	}
	if _, err := d.Decode(http.Header{}, []byte(`{"schema":"2.0","header":{"event_id":"e","event_type":"t","token":"bad"},"event":{}}`)); err == nil {
		t.Error("2.0 event with a wrong token accepted")
	}
	if _, err := d.Decode(http.Header{}, []byte(`{"uuid":"u","token":"bad","type":"event_callback","event":{"type":"x"}}`)); err == nil {
		t.Error("1.0 event with a wrong token accepted")
	}
}

// FuzzDecode: no input crashes the decoder, and every refusal carries an
// HTTP status.
func FuzzDecode(f *testing.F) {
	s := &feishutest.EventSender{EncryptKey: "k", VerificationToken: "t"}
	f.Add([]byte(`{"challenge":"c","token":"t","type":"url_verification"}`), false)
	f.Add([]byte(`{"schema":"2.0","header":{"event_id":"e","event_type":"x","token":"t"},"event":{"message":{"chat_id":"oc"}}}`), false)
	f.Add([]byte(`{"uuid":"u","token":"t","type":"event_callback","event":{"type":"approval_instance"}}`), false)
	f.Add(s.Wrap([]byte(`{"schema":"2.0","header":{"event_id":"e","event_type":"x","token":"t"},"event":{}}`)), true)
	f.Add([]byte(`{"encrypt":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}`), true)
	f.Fuzz(func(t *testing.T, body []byte, encrypted bool) {
		d := &listen.Decoder{VerificationToken: "t"}
		h := http.Header{}
		if encrypted {
			d.EncryptKey = "k"
			h = signed("k", body, time.Now())
		}
		res, err := d.Decode(h, body)
		if err != nil {
			var re *listen.RequestError
			if !errors.As(err, &re) || re.Status < 400 {
				t.Fatalf("error without a status: %v", err)
			}
			return
		}
		if res.Challenge == "" && (res.Event == nil || res.Event.ID == "" || res.Event.Type == "") {
			t.Fatalf("accepted without an id and type: %+v", res)
		}
	})
}

// BenchmarkDecodeEncrypted: signature check, decryption and parsing of a
// typical encrypted message event.
func BenchmarkDecodeEncrypted(b *testing.B) {
	s := &feishutest.EventSender{EncryptKey: "k1", VerificationToken: "tok"}
	body := s.Wrap(s.Event2("e1", "im.message.receive_v1", feishutest.SampleEvent("im.message.receive_v1", nil)))
	h := signed("k1", body, time.Now())
	d := &listen.Decoder{EncryptKey: "k1", VerificationToken: "tok"}
	for b.Loop() {
		if _, err := d.Decode(h, body); err != nil {
			b.Fatal(err)
		}
	}
}
