// Package larkws is a client of Feishu/Lark's event long connection: the
// WebSocket channel over which an app with no public address receives
// events and card callbacks, as the official SDKs' "ws" clients do.
//
// The protocol, as the SDKs implement it: POST {base}/callback/ws/endpoint
// with {"AppID","AppSecret"} returns a wss URL (with device_id and
// service_id in its query) and a ClientConfig (reconnect count, interval
// and jitter, ping interval, in seconds). Over the socket travel binary
// protobuf frames (pbbp2.Frame). Control frames (method 0) carry ping and
// pong, a pong possibly with a new ClientConfig as its JSON payload. Data
// frames (method 1) carry an event ("type" header "event") or a card
// callback ("card"), possibly split in "sum" parts numbered by "seq" and
// joined by "message_id"; the client answers each with the same frame
// whose payload is {"code":200,"headers":{},"data":<base64 answer>}.
package larkws

import (
	"errors"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
)

// Frame methods.
const (
	MethodControl = 0
	MethodData    = 1
)

// Header keys and message types.
const (
	HeaderType      = "type"
	HeaderMessageID = "message_id"
	HeaderSum       = "sum"
	HeaderSeq       = "seq"
	HeaderTraceID   = "trace_id"
	HeaderBizRt     = "biz_rt"

	TypePing  = "ping"
	TypePong  = "pong"
	TypeEvent = "event"
	TypeCard  = "card"
)

// Header is one frame header.
type Header struct{ Key, Value string }

// Frame is pbbp2.Frame.
type Frame struct {
	SeqID           uint64
	LogID           uint64
	Service         int32
	Method          int32
	Headers         []Header
	PayloadEncoding string
	PayloadType     string
	Payload         []byte
	LogIDNew        string
}

// Get returns the value of header key, or "".
func (f *Frame) Get(key string) string {
	for _, h := range f.Headers {
		if h.Key == key {
			return h.Value
		}
	}
	return ""
}

// GetInt returns header key as an int, or 0.
func (f *Frame) GetInt(key string) int {
	n, _ := strconv.Atoi(f.Get(key))
	return n
}

// Set replaces or adds header key.
func (f *Frame) Set(key, value string) {
	for i, h := range f.Headers {
		if h.Key == key {
			f.Headers[i].Value = value
			return
		}
	}
	f.Headers = append(f.Headers, Header{key, value})
}

// Marshal encodes the frame. Required fields are always written.
func (f *Frame) Marshal() []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, f.SeqID)
	b = protowire.AppendTag(b, 2, protowire.VarintType)
	b = protowire.AppendVarint(b, f.LogID)
	b = protowire.AppendTag(b, 3, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(int64(f.Service)))
	b = protowire.AppendTag(b, 4, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(int64(f.Method)))
	for _, h := range f.Headers {
		var hb []byte
		hb = protowire.AppendTag(hb, 1, protowire.BytesType)
		hb = protowire.AppendString(hb, h.Key)
		hb = protowire.AppendTag(hb, 2, protowire.BytesType)
		hb = protowire.AppendString(hb, h.Value)
		b = protowire.AppendTag(b, 5, protowire.BytesType)
		b = protowire.AppendBytes(b, hb)
	}
	b = protowire.AppendTag(b, 6, protowire.BytesType)
	b = protowire.AppendString(b, f.PayloadEncoding)
	b = protowire.AppendTag(b, 7, protowire.BytesType)
	b = protowire.AppendString(b, f.PayloadType)
	if f.Payload != nil {
		b = protowire.AppendTag(b, 8, protowire.BytesType)
		b = protowire.AppendBytes(b, f.Payload)
	}
	b = protowire.AppendTag(b, 9, protowire.BytesType)
	b = protowire.AppendString(b, f.LogIDNew)
	return b
}

var errFrame = errors.New("malformed frame")

// Unmarshal decodes a frame, skipping unknown fields.
func (f *Frame) Unmarshal(b []byte) error {
	*f = Frame{}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errFrame
		}
		b = b[n:]
		switch {
		case typ == protowire.VarintType && num >= 1 && num <= 4:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return errFrame
			}
			b = b[n:]
			switch num {
			case 1:
				f.SeqID = v
			case 2:
				f.LogID = v
			case 3:
				f.Service = int32(v)
			case 4:
				f.Method = int32(v)
			}
		case typ == protowire.BytesType && num >= 5 && num <= 9:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return errFrame
			}
			b = b[n:]
			switch num {
			case 5:
				h, err := unmarshalHeader(v)
				if err != nil {
					return err
				}
				f.Headers = append(f.Headers, h)
			case 6:
				f.PayloadEncoding = string(v)
			case 7:
				f.PayloadType = string(v)
			case 8:
				f.Payload = append([]byte{}, v...)
			case 9:
				f.LogIDNew = string(v)
			}
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return errFrame
			}
			b = b[n:]
		}
	}
	return nil
}

func unmarshalHeader(b []byte) (Header, error) {
	var h Header
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return h, errFrame
		}
		b = b[n:]
		if typ == protowire.BytesType && (num == 1 || num == 2) {
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return h, errFrame
			}
			b = b[n:]
			if num == 1 {
				h.Key = string(v)
			} else {
				h.Value = string(v)
			}
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return h, errFrame
		}
		b = b[n:]
	}
	return h, nil
}
