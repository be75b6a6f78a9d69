package rose

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

// PP's bind-invoke [16] and bind-result [17] (the open connection data of
// the RTORQ / RTOAC of pp-ping-1988-normal-mon frames 8 and 9), holding
// the MTABindArgument / MTABindResult authenticated [1].
func TestBindGolden(t *testing.T) {
	for _, c := range []struct {
		name string
		kind BindKind
	}{{"mon88-f08-bind-invoke.ber", BindInvoke}, {"mon88-f09-bind-result.ber", BindResult}} {
		in := read(t, c.name)
		p, err := Decode(in)
		if err != nil {
			t.Fatal(err)
		}
		if p.Bind == nil || p.Bind.Kind != c.kind || p.Bind.Value[0] != 0xa1 || len(p.Bind.Value) != 0x21 {
			t.Fatalf("%s: %+v", c.name, p)
		}
		out, err := Append(nil, p)
		if err != nil || !bytes.Equal(out, in) {
			t.Errorf("%s: re-encoding %v", c.name, err)
		}
	}
}

// Hand-checked encodings (X.880 §9.1, IMPLICIT TAGS; X.690).
func TestEncodings(t *testing.T) {
	for _, c := range []struct {
		name string
		p    *PDU
		want []byte
	}{
		{"invoke local", &PDU{Invoke: &Invoke{InvokeID: InvokeID{ID: 1}, Opcode: Code{Local: 3}, Argument: []byte{0x30, 0x00}}},
			[]byte{0xa1, 0x08, 0x02, 0x01, 0x01, 0x02, 0x01, 0x03, 0x30, 0x00}},
		{"invoke linked global", &PDU{Invoke: &Invoke{InvokeID: InvokeID{ID: 2}, LinkedID: &InvokeID{ID: 1}, Opcode: Code{Global: ber.MustOID("2.6.1")}}},
			[]byte{0xa1, 0x0a, 0x02, 0x01, 0x02, 0x80, 0x01, 0x01, 0x06, 0x02, 0x56, 0x01}},
		{"invoke linked absent", &PDU{Invoke: &Invoke{InvokeID: InvokeID{ID: 2}, LinkedID: &InvokeID{Absent: true}, Opcode: Code{Local: 0}}},
			[]byte{0xa1, 0x08, 0x02, 0x01, 0x02, 0x81, 0x00, 0x02, 0x01, 0x00}},
		{"result", &PDU{ReturnResult: &ReturnResult{InvokeID: InvokeID{ID: 1}, Result: &Result{Opcode: Code{Local: 3}, Value: []byte{0x05, 0x00}}}},
			[]byte{0xa2, 0x0a, 0x02, 0x01, 0x01, 0x30, 0x05, 0x02, 0x01, 0x03, 0x05, 0x00}},
		{"result empty", &PDU{ReturnResult: &ReturnResult{InvokeID: InvokeID{ID: 300}}},
			[]byte{0xa2, 0x04, 0x02, 0x02, 0x01, 0x2c}},
		{"error", &PDU{ReturnError: &ReturnError{InvokeID: InvokeID{ID: 1}, Errcode: Code{Local: 7}, Parameter: []byte{0x02, 0x01, 0x05}}},
			[]byte{0xa3, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x07, 0x02, 0x01, 0x05}},
		{"reject", &PDU{Reject: &Reject{InvokeID: InvokeID{Absent: true}, Kind: GeneralProblem, Problem: MistypedPDU}},
			[]byte{0xa4, 0x05, 0x05, 0x00, 0x80, 0x01, 0x01}},
		{"reject invoke", &PDU{Reject: &Reject{InvokeID: InvokeID{ID: -1}, Kind: InvokeProblem, Problem: UnrecognizedOperation}},
			[]byte{0xa4, 0x06, 0x02, 0x01, 0xff, 0x81, 0x01, 0x01}},
		{"unbind", &PDU{Bind: &Bind{Kind: UnbindInvoke, Value: []byte{0x05, 0x00}}},
			[]byte{0xb3, 0x02, 0x05, 0x00}},
	} {
		out, err := Append(nil, c.p)
		if err != nil || !bytes.Equal(out, c.want) {
			t.Errorf("%s: %x %v, want %x", c.name, out, err, c.want)
			continue
		}
		got, err := Decode(out)
		if err != nil || !reflect.DeepEqual(got, c.p) {
			t.Errorf("%s: round trip %v\n%+v", c.name, err, got)
		}
	}
}

func TestMalformed(t *testing.T) {
	hex := func(b ...byte) []byte { return b }
	id1 := &InvokeID{ID: 1}
	cases := []struct {
		name    string
		in      []byte
		pdu     string
		problem int
		id      *InvokeID
	}{
		{"empty", nil, "ROS", BadlyStructuredPDU, nil},
		{"truncated", hex(0xa1, 0x08, 0x02, 0x01), "ROS", BadlyStructuredPDU, nil},
		{"oversize", hex(0xa1, 0x84, 0x7f, 0xff, 0xff, 0xff), "ROS", BadlyStructuredPDU, nil},
		{"unknown tag", hex(0xa5, 0x00), "ROS", UnrecognizedPDU, nil},
		{"universal", hex(0x30, 0x00), "ROS", UnrecognizedPDU, nil},
		{"primitive invoke", hex(0x81, 0x00), "ROS", MistypedPDU, nil},
		{"trailing", hex(0xa4, 0x05, 0x05, 0x00, 0x80, 0x01, 0x01, 0x00), "ROS", BadlyStructuredPDU, nil},
		{"invoke no id", hex(0xa1, 0x00), "Invoke", BadlyStructuredPDU, nil},
		{"invoke id string", hex(0xa1, 0x02, 0x04, 0x00), "Invoke", MistypedPDU, nil},
		{"invoke no opcode", hex(0xa1, 0x03, 0x02, 0x01, 0x01), "Invoke", BadlyStructuredPDU, id1},
		{"invoke opcode string", hex(0xa1, 0x05, 0x02, 0x01, 0x01, 0x04, 0x00), "Invoke", MistypedPDU, id1},
		{"invoke two arguments", hex(0xa1, 0x0a, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x05, 0x00, 0x05, 0x00), "Invoke", BadlyStructuredPDU, id1},
		{"invoke huge id", hex(0xa1, 0x0b, 0x02, 0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0), "Invoke", BadlyStructuredPDU, nil},
		{"result without value", hex(0xa2, 0x08, 0x02, 0x01, 0x01, 0x30, 0x03, 0x02, 0x01, 0x01), "ReturnResult", MistypedPDU, nil},
		{"reject bad problem", hex(0xa4, 0x05, 0x02, 0x01, 0x01, 0x84, 0x00), "Reject", MistypedPDU, nil},
		{"bind two values", hex(0xb0, 0x04, 0x05, 0x00, 0x05, 0x00), "Bind", BadlyStructuredPDU, nil},
	}
	for _, c := range cases {
		_, err := Decode(c.in)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: error %v", c.name, err)
			continue
		}
		if e.PDU != c.pdu || e.Problem != c.problem || e.Kind != GeneralProblem || !reflect.DeepEqual(e.InvokeID, c.id) {
			t.Errorf("%s: %+v (%v)", c.name, e, err)
		}
	}
	// the reject that answers an invoke without an opcode names invoke 1
	_, err := Decode(hex(0xa1, 0x03, 0x02, 0x01, 0x01))
	if r := NewReject(err); r.InvokeID != *id1 || r.Kind != GeneralProblem || r.Problem != BadlyStructuredPDU {
		t.Errorf("reject %+v", r)
	}
	if _, err := Append(nil, &PDU{Invoke: &Invoke{Argument: []byte{0x30}}}); err == nil {
		t.Error("bad argument encoded")
	}
	if _, err := Append(nil, &PDU{Bind: &Bind{Kind: 3}}); err == nil {
		t.Error("bad bind kind encoded")
	}
	if _, err := Append(nil, &PDU{}); err == nil {
		t.Error("empty PDU encoded")
	}
}
