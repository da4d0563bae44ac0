package larkws

import (
	"google.golang.org/protobuf/encoding/protowire"
)

// The frame codec written on protowire, as a reference the package's own
// codec is checked against (differential tests in frame_test.go). Tests
// only: the binary does not carry the protobuf module.

// refMarshal is Marshal written on google.golang.org/protobuf's protowire.
func refMarshal(f *Frame) []byte {
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

// refUnmarshal is Unmarshal written on protowire.
func refUnmarshal(f *Frame, b []byte) error {
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
				h, err := refUnmarshalHeader(v)
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

func refUnmarshalHeader(b []byte) (Header, error) {
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
