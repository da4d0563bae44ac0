package larkws

import (
	"bytes"
	"reflect"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

func TestFrameRoundTrip(t *testing.T) {
	f := Frame{SeqID: 1, LogID: 2, Service: 7, Method: MethodData, Headers: []Header{{"type", "event"}, {"sum", "2"}},
		PayloadEncoding: "", PayloadType: "", Payload: []byte(`{"a":1}`), LogIDNew: "x"}
	var g Frame
	if err := g.Unmarshal(f.Marshal()); err != nil || !reflect.DeepEqual(f, g) {
		t.Fatalf("round trip: %+v %v", g, err)
	}
	// The first bytes are what the SDKs' generated code writes: SeqID,
	// LogID, service, method as varints with tags 0x08, 0x10, 0x18, 0x20.
	if b := f.Marshal(); !bytes.HasPrefix(b, []byte{0x08, 1, 0x10, 2, 0x18, 7, 0x20, 1, 0x2a}) {
		t.Errorf("wire bytes: % x", b[:10])
	}
}

func TestAssembler(t *testing.T) {
	a := newAssembler()
	part := func(seq int, p string) ([]byte, bool) {
		f := &Frame{Headers: []Header{{HeaderSum, "3"}, {HeaderSeq, string(rune('0' + seq))}, {HeaderMessageID, "m"}}, Payload: []byte(p)}
		return a.add(f)
	}
	if _, ok := part(2, "c"); ok {
		t.Fatal("complete after one part")
	}
	if _, ok := part(0, "a"); ok {
		t.Fatal("complete after two parts")
	}
	if b, ok := part(1, "b"); !ok || string(b) != "abc" {
		t.Fatalf("joined: %q %v", b, ok)
	}
	if _, ok := a.add(&Frame{Headers: []Header{{HeaderSum, "3"}, {HeaderSeq, "9"}}}); ok {
		t.Fatal("seq out of range accepted")
	}
}

// hasGroup reports whether b, read as protobuf fields, holds a group.
func hasGroup(b []byte) bool {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return false
		}
		if typ == protowire.StartGroupType || typ == protowire.EndGroupType {
			return true
		}
		b = b[n:]
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return false
		}
		if typ == protowire.BytesType {
			v, _ := protowire.ConsumeBytes(b)
			if hasGroup(v) {
				return true
			}
		}
		b = b[m:]
	}
	return false
}

func FuzzFrame(f *testing.F) {
	f.Add((&Frame{Method: 1, Headers: []Header{{"type", "event"}}, Payload: []byte("{}")}).Marshal())
	f.Add([]byte{0x2a, 0xff})
	f.Add(refMarshal(&Frame{SeqID: 1 << 63, Service: -1, Headers: []Header{{"k", ""}}, LogIDNew: "\x00"}))
	f.Add([]byte{0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02})
	f.Add([]byte{0x51, 1, 2, 3, 4, 5, 6, 7, 8, 0x5d, 1, 2, 3, 4})
	f.Add([]byte{0x2a, 0x04, 0x0a, 0x01, 'k', 0x18})
	f.Add([]byte{0x00, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		var fr, ref Frame
		err, refErr := fr.Unmarshal(b), refUnmarshal(&ref, b)
		// The reference also accepts groups, deprecated and refused here.
		if (err == nil && refErr != nil) || (err == nil && !reflect.DeepEqual(fr, ref)) {
			t.Fatalf("decoded %+v, %v; protowire decodes %+v, %v", fr, err, ref, refErr)
		}
		if err != nil && refErr == nil && !hasGroup(b) {
			t.Fatalf("refused (%v) what protowire decodes: %+v", err, ref)
		}
		if err != nil {
			return
		}
		if got, want := fr.Marshal(), refMarshal(&fr); !bytes.Equal(got, want) {
			t.Fatalf("encoded % x, protowire encodes % x", got, want)
		}
		var again Frame
		if err := again.Unmarshal(fr.Marshal()); err != nil {
			t.Fatalf("re-decoding a decoded frame: %v", err)
		}
		_, _ = newAssembler().add(&fr)
	})
}
