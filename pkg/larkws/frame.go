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
	"encoding/binary"
	"errors"
	"strconv"
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
	b = appendVarintField(b, 1, f.SeqID)
	b = appendVarintField(b, 2, f.LogID)
	b = appendVarintField(b, 3, uint64(int64(f.Service)))
	b = appendVarintField(b, 4, uint64(int64(f.Method)))
	for _, h := range f.Headers {
		var hb []byte
		hb = appendBytesField(hb, 1, []byte(h.Key))
		hb = appendBytesField(hb, 2, []byte(h.Value))
		b = appendBytesField(b, 5, hb)
	}
	b = appendBytesField(b, 6, []byte(f.PayloadEncoding))
	b = appendBytesField(b, 7, []byte(f.PayloadType))
	if f.Payload != nil {
		b = appendBytesField(b, 8, f.Payload)
	}
	b = appendBytesField(b, 9, []byte(f.LogIDNew))
	return b
}

var errFrame = errors.New("malformed frame")

// Unmarshal decodes a frame, skipping unknown fields.
func (f *Frame) Unmarshal(b []byte) error {
	*f = Frame{}
	for len(b) > 0 {
		num, typ, v, rest, err := nextField(b)
		if err != nil {
			return err
		}
		b = rest
		switch {
		case typ == wireVarint && num >= 1 && num <= 4:
			switch num {
			case 1:
				f.SeqID = v.n
			case 2:
				f.LogID = v.n
			case 3:
				f.Service = int32(v.n)
			case 4:
				f.Method = int32(v.n)
			}
		case typ == wireBytes && num >= 5 && num <= 9:
			switch num {
			case 5:
				h, err := unmarshalHeader(v.b)
				if err != nil {
					return err
				}
				f.Headers = append(f.Headers, h)
			case 6:
				f.PayloadEncoding = string(v.b)
			case 7:
				f.PayloadType = string(v.b)
			case 8:
				f.Payload = append([]byte{}, v.b...)
			case 9:
				f.LogIDNew = string(v.b)
			}
		}
	}
	return nil
}

func unmarshalHeader(b []byte) (Header, error) {
	var h Header
	for len(b) > 0 {
		num, typ, v, rest, err := nextField(b)
		if err != nil {
			return h, err
		}
		b = rest
		if typ == wireBytes && num == 1 {
			h.Key = string(v.b)
		} else if typ == wireBytes && num == 2 {
			h.Value = string(v.b)
		}
	}
	return h, nil
}

// The protobuf wire format, as much of it as pbbp2.Frame uses, plus the
// fixed-width types so that unknown fields of any scalar type are skipped.
// Groups (wire types 3 and 4) are long deprecated and refused. The
// encoding matches google.golang.org/protobuf's, which the tests check.
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5

	// maxFieldNumber is what decoders accept (protowire's DecodeTag), above
	// the 2^29-1 that encoders may write.
	maxFieldNumber = 1<<31 - 1
)

// fieldValue is a decoded field: n for a varint, b for bytes.
type fieldValue struct {
	n uint64
	b []byte
}

func appendVarintField(b []byte, num int, v uint64) []byte {
	b = binary.AppendUvarint(b, uint64(num)<<3|wireVarint)
	return binary.AppendUvarint(b, v)
}

func appendBytesField(b []byte, num int, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(num)<<3|wireBytes)
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// nextField reads one field from b: its number, wire type and value, and
// the bytes after it.
func nextField(b []byte) (num int, typ int, v fieldValue, rest []byte, err error) {
	tag, n := binary.Uvarint(b)
	if n <= 0 || tag>>3 == 0 || tag>>3 > maxFieldNumber {
		return 0, 0, v, nil, errFrame
	}
	num, typ, b = int(tag>>3), int(tag&7), b[n:]
	switch typ {
	case wireVarint:
		v.n, n = binary.Uvarint(b)
		if n <= 0 {
			return 0, 0, v, nil, errFrame
		}
		return num, typ, v, b[n:], nil
	case wireFixed64, wireFixed32:
		size := 8
		if typ == wireFixed32 {
			size = 4
		}
		if len(b) < size {
			return 0, 0, v, nil, errFrame
		}
		return num, typ, v, b[size:], nil
	case wireBytes:
		l, n := binary.Uvarint(b)
		if n <= 0 || l > uint64(len(b)-n) {
			return 0, 0, v, nil, errFrame
		}
		b = b[n:]
		v.b = b[:l:l]
		return num, typ, v, b[l:], nil
	}
	return 0, 0, v, nil, errFrame
}
