package acse

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

// PP's AARQ and AARE (1988 normal mode captures): application context
// id-ac-mts-transfer, one EXTERNAL (direct-reference 2.1.1,
// indirect-reference 3, single-ASN1-type) holding the RTORQ / RTOAC.
// Definite lengths: the re-encoding is byte for byte.
func TestGolden(t *testing.T) {
	for _, c := range []string{"mon88", "twa88", "xfer88"} {
		in := read(t, c+"-f08-aarq.ber")
		a, err := Decode(in)
		if err != nil {
			t.Fatalf("%s AARQ: %v", c, err)
		}
		q := a.AARQ
		if q == nil || !q.ContextName.Equal(MTSTransfer) || len(q.UserInformation) != 1 {
			t.Fatalf("%s AARQ %+v", c, a)
		}
		checkExt(t, c+" AARQ", q.UserInformation[0], 0xb0)
		if q.ProtocolVersion != nil || q.CallingAPTitle != nil || q.Authentication != nil {
			t.Errorf("%s AARQ: unexpected components %+v", c, q)
		}
		out, err := Append(nil, a)
		if err != nil || !bytes.Equal(out, in) {
			t.Errorf("%s AARQ re-encoding %v\n%x\n%x", c, err, out, in)
		}

		in = read(t, c+"-f09-aare.ber")
		a, err = Decode(in)
		if err != nil {
			t.Fatalf("%s AARE: %v", c, err)
		}
		r := a.AARE
		if r == nil || r.Result != Accepted || r.Diagnostic != (Diagnostic{ServiceUser, UserNull}) || !r.ContextName.Equal(MTSTransfer) {
			t.Fatalf("%s AARE %+v", c, r)
		}
		checkExt(t, c+" AARE", r.UserInformation[0], 0xb1)
		out, err = Append(nil, a)
		if err != nil || !bytes.Equal(out, in) {
			t.Errorf("%s AARE re-encoding %v\n%x\n%x", c, err, out, in)
		}
	}
	for _, name := range []string{"mon88-f10-rlrq.ber", "twa88-f10-rlrq.ber", "xfer88-f15-rlrq.ber", "mon88-f11-rlre.ber", "twa88-f11-rlre.ber", "xfer88-f16-rlre.ber"} {
		in := read(t, name)
		a, err := Decode(in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rl := a.RLRQ
		if rl == nil {
			rl = a.RLRE
		}
		if rl == nil || rl.Reason == nil || *rl.Reason != ReleaseNormal {
			t.Fatalf("%s: %+v", name, a)
		}
		out, err := Append(nil, a)
		if err != nil || !bytes.Equal(out, in) {
			t.Errorf("%s re-encoding %v\n%x\n%x", name, err, out, in)
		}
	}
}

func checkExt(t *testing.T, what string, x External, first byte) {
	t.Helper()
	if !x.DirectReference.Equal(BER) || x.IndirectReference == nil || *x.IndirectReference != 3 || x.Encoding != SingleASN1Type || x.Value[0] != first {
		t.Errorf("%s: EXTERNAL %+v", what, x)
	}
}

func ptr[T any](v T) *T { return &v }

func TestRoundTrip(t *testing.T) {
	bs := ber.BitsFromUint32(1)
	apdus := []*APDU{
		{AARQ: &AARQ{
			ProtocolVersion: &bs, ContextName: MTSTransfer,
			CalledAPTitle:      &APTitle{OID: ber.MustOID("1.2.3")},
			CalledAEQualifier:  &Qualifier{Int: ptr(7)},
			CalledAPInvocation: ptr(1), CalledAEInvocation: ptr(2),
			CallingAPTitle:      &APTitle{Raw: []byte{0x30, 0x00}},
			CallingAEQualifier:  &Qualifier{Raw: []byte{0x13, 0x01, 'a'}},
			CallingAPInvocation: ptr(3), CallingAEInvocation: ptr(-4),
			Requirements: &bs, MechanismName: ber.MustOID("2.2.3.1"),
			Authentication:            Password("secret"),
			Other:                     [][]byte{{0xad, 0x03, 0x06, 0x01, 0x28}},
			ImplementationInformation: []byte("mixerd"),
			UserInformation: []External{
				{DirectReference: BER, Encoding: OctetAligned, Value: []byte{1}},
				{IndirectReference: ptr(5), DataValueDescriptor: []byte("d"), Encoding: Arbitrary, Value: []byte{0xc0}, BitLen: 2},
			},
		}},
		{AARE: &AARE{ContextName: MTSTransfer, Result: RejectedPermanent,
			Diagnostic:        Diagnostic{ServiceUser, UserAuthenticationFailure},
			RespondingAPTitle: &APTitle{OID: ber.MustOID("1.2")}, RespondingAEQualifier: &Qualifier{Int: ptr(1)},
			RespondingAPInvocation: ptr(1), RespondingAEInvocation: ptr(2),
			Requirements: &bs, MechanismName: ber.MustOID("2.2.3.1"), Authentication: Password("x"),
			UserInformation: []External{}}},
		{AARE: &AARE{ContextName: MTSTransfer, Result: RejectedTransient, Diagnostic: Diagnostic{ServiceProvider, ProviderNoCommonACSEVersion}}},
		{RLRQ: &Release{}},
		{RLRE: &Release{Reason: ptr(ReleaseNotFinished)}},
		{ABRT: &ABRT{Source: SourceServiceUser}},
		{ABRT: &ABRT{Source: SourceServiceProvider, Diagnostic: ptr(AuthenticationFailure)}},
	}
	for i, a := range apdus {
		out, err := Append(nil, a)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		got, err := Decode(out)
		if err != nil || !reflect.DeepEqual(got, a) {
			t.Errorf("%d: round trip %v\n%+v\n%+v", i, err, got, a)
		}
	}
	// hand-checked encodings
	out, _ := AppendABRT(nil, NewABRT(errors.New("x")))
	if !bytes.Equal(out, []byte{0x64, 0x06, 0x80, 0x01, 0x01, 0x81, 0x01, 0x02}) {
		t.Errorf("ABRT %x", out)
	}
	out, _ = AppendRLRQ(nil, &Release{Reason: ptr(ReleaseNormal)})
	if !bytes.Equal(out, []byte{0x62, 0x03, 0x80, 0x01, 0x00}) {
		t.Errorf("RLRQ %x", out)
	}
	x := &External{DirectReference: BER, IndirectReference: ptr(3), Value: []byte{0x05, 0x00}}
	out, _ = AppendExternal(nil, x)
	if !bytes.Equal(out, []byte{0x28, 0x0b, 0x06, 0x02, 0x51, 0x01, 0x02, 0x01, 0x03, 0xa0, 0x02, 0x05, 0x00}) {
		t.Errorf("EXTERNAL %x", out)
	}
	if got, err := DecodeExternal(out); err != nil || !reflect.DeepEqual(got, x) {
		t.Errorf("EXTERNAL round trip %v", err)
	}
}

func TestMalformed(t *testing.T) {
	aarq := read(t, "mon88-f08-aarq.ber")
	hex := func(b ...byte) []byte { return b }
	cases := []struct {
		name, field string
		in          []byte
	}{
		{"empty", "", nil},
		{"truncated", "", aarq[:40]},
		{"oversize length", "", hex(0x60, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x00)},
		{"unknown APDU", "", hex(0x65, 0x00)},
		{"universal", "", hex(0x30, 0x00)},
		{"primitive", "", hex(0x40, 0x00)},
		{"trailing", "", append(append([]byte{}, aarq...), 0)},
		{"AARQ no context", "aSO-context-name", hex(0x60, 0x00)},
		{"AARQ context not OID", "aSO-context-name", hex(0x60, 0x05, 0xa1, 0x03, 0x02, 0x01, 0x00)},
		{"AARQ repeated", "", hex(0x60, 0x0a, 0xa1, 0x03, 0x06, 0x01, 0x28, 0xa1, 0x03, 0x06, 0x01, 0x28)},
		{"AARQ bad AP title", "called-AP-title", hex(0x60, 0x0a, 0xa1, 0x03, 0x06, 0x01, 0x28, 0xa2, 0x03, 0x02, 0x01, 0x00)},
		{"AARQ bad calling AP title", "calling-AP-title", hex(0x60, 0x09, 0xa1, 0x03, 0x06, 0x01, 0x28, 0xa6, 0x02, 0x05, 0x00)},
		{"AARQ bad EXTERNAL", "encoding", hex(0x60, 0x0b, 0xa1, 0x03, 0x06, 0x01, 0x28, 0xbe, 0x04, 0x28, 0x02, 0x83, 0x00)},
		{"AARQ EXTERNAL no encoding", "encoding", hex(0x60, 0x0c, 0xa1, 0x03, 0x06, 0x01, 0x28, 0xbe, 0x05, 0x28, 0x03, 0x02, 0x01, 0x03)},
		{"AARE no result", "", hex(0x61, 0x05, 0xa1, 0x03, 0x06, 0x01, 0x28)},
		{"AARE bad diagnostic", "result-source-diagnostic", hex(0x61, 0x11, 0xa1, 0x03, 0x06, 0x01, 0x28, 0xa2, 0x03, 0x02, 0x01, 0x00, 0xa3, 0x05, 0xa3, 0x03, 0x02, 0x01, 0x00)},
		{"ABRT no source", "abort-source", hex(0x64, 0x00)},
		{"RLRQ huge reason", "reason", hex(0x62, 0x0b, 0x80, 0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0)},
		{"RLRQ universal component", "", hex(0x62, 0x02, 0x05, 0x00)},
	}
	for _, c := range cases {
		_, err := Decode(c.in)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: error %v", c.name, err)
			continue
		}
		if e.Field != c.field || e.Source != SourceServiceProvider || e.Diagnostic != ProtocolError {
			t.Errorf("%s: %+v (%v)", c.name, e, err)
		}
	}
	var b ber.Builder
	m := b.Begin(ber.Application(2))
	u := b.Begin(ber.Context(30))
	for i := 0; i <= MaxExternals; i++ {
		addExternal(&b, &External{Encoding: OctetAligned}, "RLRQ")
	}
	b.End(u)
	b.End(m)
	if _, err := Decode(b.Bytes()); err == nil {
		t.Error("too many EXTERNALs accepted")
	}
	if _, err := AppendAARQ(nil, &AARQ{}); err == nil {
		t.Error("AARQ without context encoded")
	}
	if _, err := AppendAARE(nil, &AARE{ContextName: MTSTransfer}); err == nil {
		t.Error("AARE without diagnostic source encoded")
	}
	if _, err := AppendRLRQ(nil, &Release{UserInformation: []External{{Value: []byte{0x04}}}}); err == nil {
		t.Error("bad EXTERNAL value encoded")
	}
}
