package rtse

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"mixerd/ber"
)

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// PP's RTORQ / RTOAC in 1988 normal mode (from the AARQ / AARE EXTERNAL):
// checkpointSize 63, dialogueMode sent explicitly (monologue, or twa in
// the twa capture), the ROS bind-invoke [16] in connectionDataRQ; the
// reply has checkpointSize 1, windowSize 3 (sent explicitly) and the
// bind-result [17]. Re-encoding is byte for byte.
func TestNormalMode(t *testing.T) {
	for _, c := range []struct {
		capture string
		mode    DialogueMode
	}{{"mon88", Monologue}, {"twa88", TwoWayAlternate}, {"xfer88", Monologue}} {
		in := read(t, c.capture+"-f08-rtorq.ber")
		a, err := Decode(in)
		if err != nil {
			t.Fatalf("%s: %v", c.capture, err)
		}
		q := a.RTORQ
		if q == nil || q.CheckpointSize != 63 || q.WindowSize != 3 || q.DialogueMode != c.mode ||
			q.Explicit != ExplicitCheckpointSize|ExplicitDialogueMode || q.ApplicationProtocol != nil ||
			q.ConnectionData.Recover != nil || q.ConnectionData.Open[0] != 0xb0 {
			t.Fatalf("%s RTORQ %+v", c.capture, q)
		}
		out, err := Append(nil, a)
		if err != nil || !bytes.Equal(out, in) {
			t.Errorf("%s RTORQ re-encoding %v\n%x\n%x", c.capture, err, out, in)
		}
		in = read(t, c.capture+"-f09-rtoac.ber")
		a, err = Decode(in)
		if err != nil {
			t.Fatalf("%s: %v", c.capture, err)
		}
		r := a.RTOAC
		if r == nil || r.CheckpointSize != 1 || r.WindowSize != 3 || r.Explicit != ExplicitCheckpointSize|ExplicitWindowSize || r.ConnectionData.Open[0] != 0xb1 {
			t.Fatalf("%s RTOAC %+v", c.capture, r)
		}
		out, err = Append(nil, a)
		if err != nil || !bytes.Equal(out, in) {
			t.Errorf("%s RTOAC re-encoding %v\n%x\n%x", c.capture, err, out, in)
		}
	}
}

// X.410-1984 mode (the loop88x410 and loop84 captures): the RTORQ /
// RTOAC are the x410-mode-parameters [1] of the CP / CPA, the bind
// argument and result are bare (no ROS bind-invoke), and PP sends
// applicationProtocol as 0x0C00 (1988) or 0x0100 (1984).
func TestX410Mode(t *testing.T) {
	for _, c := range []struct {
		capture  string
		protocol int
	}{{"x410", MTSTransferProtocol}, {"p84", MTSTransferProtocol1984}} {
		in := read(t, c.capture+"-f08-x410-rtorq.ber")
		q, err := DecodeRTORQ(in, TagX410Params)
		if err != nil {
			t.Fatal(err)
		}
		if q.CheckpointSize != 63 || q.DialogueMode != Monologue || q.ConnectionData.Open[0] != 0xa1 ||
			q.ApplicationProtocol == nil || *q.ApplicationProtocol != c.protocol<<8 || q.Protocol() != c.protocol {
			t.Errorf("%s RTORQ %+v", c.capture, q)
		}
		out, err := AppendRTORQ(nil, q, TagX410Params)
		if err != nil || !bytes.Equal(out, in) {
			t.Errorf("%s RTORQ re-encoding %v\n%x\n%x", c.capture, err, out, in)
		}
		if _, err := DecodeRTORQ(in, TagRTORQ); err == nil {
			t.Error("X.410 RTORQ decoded with the normal mode tag")
		}
		in = read(t, c.capture+"-f09-x410-rtoac.ber")
		r, err := DecodeRTOAC(in, TagX410Params)
		if err != nil {
			t.Fatal(err)
		}
		if r.CheckpointSize != 1 || r.WindowSize != 3 || r.ConnectionData.Open[0] != 0xa1 {
			t.Errorf("%s RTOAC %+v", c.capture, r)
		}
		out, err = AppendRTOAC(nil, r, TagX410Params)
		if err != nil || !bytes.Equal(out, in) {
			t.Errorf("%s RTOAC re-encoding %v\n%x\n%x", c.capture, err, out, in)
		}
	}
}

// The RTTR of the message transfer capture (frame 12): an OCTET STRING of
// 776 octets holding an EXTERNAL with indirect-reference 5 (id-as-mtse)
// and the MTS-APDU (indefinite lengths inside).
func TestRTTR(t *testing.T) {
	in := read(t, "xfer88-f12-rttr.ber")
	a, err := Decode(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.RTTR) != 776 {
		t.Fatalf("RTTR of %d octets", len(a.RTTR))
	}
	out, err := Append(nil, a)
	if err != nil || !bytes.Equal(out, in) {
		t.Errorf("RTTR re-encoding %v", err)
	}
	x, err := DecodeTransfer(a.RTTR)
	if err != nil {
		t.Fatal(err)
	}
	if x.IndirectReference == nil || *x.IndirectReference != 5 || x.DirectReference != nil || x.OctetAligned {
		t.Errorf("transfer %+v", x)
	}
	// the MTS-APDU: message [0] (MTS-APDU ::= CHOICE {message [0] Message, ...})
	if tg, cons, _ := ber.PeekTag(x.Value); !cons || tg != ber.Context(0) {
		t.Errorf("MTS-APDU starts with %s", tg)
	}
	enc, err := AppendTransfer(nil, x)
	if err != nil {
		t.Fatal(err)
	}
	y, err := DecodeTransfer(enc)
	if err != nil || !reflect.DeepEqual(x, y) {
		t.Errorf("transfer round trip %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestRoundTrip(t *testing.T) {
	rp := ber.BitString{Bytes: []byte{0xa0}, Len: 3}
	apdus := []*APDU{
		{RTORQ: &RTORQ{WindowSize: 3, ConnectionData: ConnectionData{Recover: &SessionConnectionID{
			CallingT61: true, CallingRef: []byte("ref"), CommonRef: []byte("1261122205521Z"), AdditionalInfo: []byte{}}}}},
		{RTORQ: &RTORQ{CheckpointSize: 5, WindowSize: 7, DialogueMode: TwoWayAlternate, Explicit: ExplicitCheckpointSize | ExplicitWindowSize | ExplicitDialogueMode,
			ConnectionData: ConnectionData{Open: []byte{0x05, 0x00}}, ApplicationProtocol: ptr(12)}},
		{RTOAC: &RTOAC{WindowSize: 3, ConnectionData: ConnectionData{Recover: &SessionConnectionID{CallingRef: []byte{1}, CommonRef: []byte("2611222119Z")}}}},
		{RTORJ: &RTORJ{UserData: []byte{0x02, 0x01, 0x01}}},
		{RTORJ: &RTORJ{RefuseReason: ptr(UnacceptableDialogueMode)}},
		{RTORJ: &RTORJ{}},
		{RTAB: &RTAB{AbortReason: ptr(InvalidParameter), ReflectedParameter: &rp}},
		{RTAB: &RTAB{AbortReason: ptr(UserError), UserData: []byte{0x05, 0x00}}},
		{RTTP: ptr(2)},
		{RTTR: []byte{}},
	}
	for i, a := range apdus {
		out, err := Append(nil, a)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		got, err := Decode(out)
		if err != nil || !reflect.DeepEqual(got, a) {
			t.Errorf("%d: round trip %x %v\n%+v\n%+v", i, out, err, got, a)
		}
	}
	// hand-checked encodings
	for _, c := range []struct {
		a    *APDU
		want []byte
	}{
		// open without user data: [0] IMPLICIT NULL; defaults omitted
		{&APDU{RTORQ: &RTORQ{WindowSize: 3}}, []byte{0xb0, 0x04, 0xa3, 0x02, 0x80, 0x00}},
		{&APDU{RTAB: NewRTAB(errors.New("x"))}, []byte{0xb6, 0x03, 0x80, 0x01, 0x00}},
		{&APDU{RTAB: NewRTAB(&Error{Reason: ProtocolError})}, []byte{0xb6, 0x03, 0x80, 0x01, 0x04}},
		{&APDU{RTTP: ptr(0)}, []byte{0x02, 0x01, 0x00}},
	} {
		out, err := Append(nil, c.a)
		if err != nil || !bytes.Equal(out, c.want) {
			t.Errorf("%+v: %x %v, want %x", c.a, out, err, c.want)
		}
	}
	// X.410-1984 mode RTORJ / RTAB are bare SETs
	out, _ := AppendRTORJ(nil, &RTORJ{RefuseReason: ptr(ValidationFailure)}, TagSet)
	if !bytes.Equal(out, []byte{0x31, 0x03, 0x80, 0x01, 0x02}) {
		t.Errorf("X.410 RTORJ %x", out)
	}
	if j, err := DecodeRTORJ(out, TagSet); err != nil || *j.RefuseReason != ValidationFailure {
		t.Errorf("X.410 RTORJ %v", err)
	}
	out, _ = AppendRTAB(nil, &RTAB{AbortReason: ptr(TemporaryProblem)}, TagSet)
	if a, err := DecodeRTAB(out, TagSet); err != nil || *a.AbortReason != TemporaryProblem {
		t.Errorf("X.410 RTAB %v", err)
	}
}

func TestMalformed(t *testing.T) {
	rtorq := read(t, "mon88-f08-rtorq.ber")
	hex := func(b ...byte) []byte { return b }
	cases := []struct {
		name, apdu, field string
		in                []byte
		reason            AbortReason
	}{
		{"empty", "RTSE-apdus", "", nil, ProtocolError},
		{"truncated", "RTSE-apdus", "", rtorq[:20], ProtocolError},
		{"oversize", "RTSE-apdus", "", hex(0x04, 0x84, 0x7f, 0xff, 0xff, 0xff), ProtocolError},
		{"unknown APDU", "RTSE-apdus", "", hex(0xb3, 0x00), ProtocolError},
		{"trailing", "RTSE-apdus", "", hex(0x02, 0x01, 0x00, 0x00), ProtocolError},
		{"RTORQ no connection data", "RTORQ", "connectionDataRQ", hex(0xb0, 0x03, 0x80, 0x01, 0x00), ProtocolError},
		{"RTORQ bad dialogue mode", "RTORQ", "dialogueMode", hex(0xb0, 0x07, 0x82, 0x01, 0x02, 0xa3, 0x02, 0x80, 0x00), ProtocolError},
		{"RTORQ repeated", "RTORQ", "", hex(0xb0, 0x0a, 0x80, 0x01, 0x00, 0x80, 0x01, 0x00, 0xa3, 0x02, 0x80, 0x00), ProtocolError},
		{"RTORQ unknown", "RTORQ", "", hex(0xb0, 0x06, 0xa3, 0x02, 0x80, 0x00, 0x85, 0x00), ProtocolError},
		{"RTORQ negative window", "RTORQ", "checkpointSize", hex(0xb0, 0x07, 0x81, 0x01, 0xff, 0xa3, 0x02, 0x80, 0x00), InvalidParameter},
		{"RTORQ huge checkpoint", "RTORQ", "checkpointSize", hex(0xb0, 0x0d, 0x80, 0x07, 1, 0, 0, 0, 0, 0, 0, 0xa3, 0x02, 0x80, 0x00), ProtocolError},
		{"RTORQ NULL with contents", "RTORQ", "connectionDataRQ", hex(0xb0, 0x05, 0xa3, 0x03, 0x80, 0x01, 0x00), ProtocolError},
		{"RTORQ bad recover", "RTORQ", "commonReference", hex(0xb0, 0x08, 0xa3, 0x06, 0xa1, 0x04, 0x04, 0x00, 0x04, 0x00), ProtocolError},
		{"RTOAC two connection data", "RTOAC", "connectionDataAC", hex(0xb1, 0x06, 0xa2, 0x04, 0x80, 0x00, 0x80, 0x00), ProtocolError},
		{"RTAB long reflected", "RTAB", "reflectedParameter", hex(0xb6, 0x05, 0x81, 0x03, 0x00, 0xff, 0xff), ProtocolError},
		{"RTTP huge", "RTTP", "", hex(0x02, 0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0), ProtocolError},
	}
	for _, c := range cases {
		_, err := Decode(c.in)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: error %v", c.name, err)
			continue
		}
		if e.APDU != c.apdu || e.Field != c.field || e.Reason != c.reason {
			t.Errorf("%s: %+v (%v)", c.name, e, err)
		}
	}
	if _, err := DecodeTransfer(hex(0x28, 0x03, 0x02, 0x01, 0x05)); err == nil {
		t.Error("EXTERNAL without encoding accepted")
	}
	if _, err := DecodeTransfer(hex(0x28, 0x05, 0x02, 0x01, 0x05, 0x82, 0x00)); err == nil {
		t.Error("EXTERNAL arbitrary accepted")
	}
	if _, err := AppendRTORQ(nil, &RTORQ{DialogueMode: 5}, TagRTORQ); err == nil {
		t.Error("dialogue mode 5 encoded")
	}
	if _, err := AppendRTORQ(nil, &RTORQ{ConnectionData: ConnectionData{Open: []byte{0x30}}}, TagRTORQ); err == nil {
		t.Error("bad open data encoded")
	}
	if _, err := Append(nil, &APDU{}); err == nil {
		t.Error("empty APDU encoded")
	}
}

// AppendTransfer (header then value) writes what ber.Builder writes, for
// values on each side of the BER length forms.
func TestTransferHeader(t *testing.T) {
	for _, n := range []int{0, 100, 126, 127, 252, 300, 70000, 1 << 20} {
		v := AppendRTTR(nil, make([]byte, n)) // one element of about n octets
		id := 5
		x := &Transfer{IndirectReference: &id, Value: v}
		got, err := AppendTransfer(nil, x)
		if err != nil {
			t.Fatal(err)
		}
		var b ber.Builder
		m := b.Begin(ber.External)
		b.AddInt(ber.Integer, 5)
		e := b.Begin(ber.Context(0))
		b.AddRaw(v)
		b.End(e)
		b.End(m)
		if !bytes.Equal(got, b.Bytes()) {
			t.Fatalf("%d octets: %x, want %x", n, got[:12], b.Bytes()[:12])
		}
		d, err := DecodeTransfer(got)
		if err != nil || !bytes.Equal(d.Value, v) {
			t.Fatalf("%d octets: decoded %v", n, err)
		}
	}
}
