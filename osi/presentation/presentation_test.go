package presentation

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

var (
	mtaRTSE = ber.MustOID("2.6.0.2.12")
	mtse    = ber.MustOID("2.6.0.2.7")
)

// PP's CP-type in the 1988 normal mode captures: three contexts, fully
// encoded user data holding the AARQ in context 1. PP uses indefinite
// lengths here, so the re-encoding (DER) differs in bytes.
func TestCPNormal(t *testing.T) {
	for _, name := range []string{"mon88-f08-cp.ber", "twa88-f08-cp.ber", "xfer88-f08-cp.ber"} {
		t.Run(name, func(t *testing.T) {
			in := read(t, name)
			cp, err := DecodeCP(in)
			if err != nil {
				t.Fatal(err)
			}
			if cp.Mode != ModeNormal || cp.X410 != nil || cp.Normal == nil {
				t.Fatalf("mode %d x410 %x normal %v", cp.Mode, cp.X410, cp.Normal)
			}
			n := cp.Normal
			want := []Context{
				{1, ACSEAbstract, []ber.OID{BER}},
				{3, mtaRTSE, []ber.OID{BER}},
				{5, mtse, []ber.OID{BER}},
			}
			if !reflect.DeepEqual(n.Contexts, want) {
				t.Errorf("contexts %v", n.Contexts)
			}
			if n.ProtocolVersion != nil || n.CallingSelector != nil || n.CalledSelector != nil || n.SessionRequirements != nil {
				t.Errorf("unexpected optional components: %+v", n)
			}
			p := n.UserData.PDV(1)
			if p == nil || p.Encoding != SingleASN1Type || p.Value[0] != 0x60 {
				t.Fatalf("PDV 1: %+v", p)
			}
			if n.UserData.PDV(3) != nil {
				t.Error("PDV 3 found")
			}
			out, err := AppendCP(nil, cp)
			if err != nil {
				t.Fatal(err)
			}
			cp2, err := DecodeCP(out)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cp, cp2) {
				t.Errorf("round trip differs:\n%+v\n%+v", cp.Normal, cp2.Normal)
			}
		})
	}
}

// PP's CPA-PPDU: all three contexts accepted with BER, the AARE in
// context 1; definite lengths, so the re-encoding is byte for byte.
func TestCPANormal(t *testing.T) {
	for _, name := range []string{"mon88-f09-cpa.ber", "twa88-f09-cpa.ber", "xfer88-f09-cpa.ber"} {
		t.Run(name, func(t *testing.T) {
			in := read(t, name)
			cpa, err := DecodeCPA(in)
			if err != nil {
				t.Fatal(err)
			}
			if cpa.Mode != ModeNormal || cpa.Normal == nil {
				t.Fatalf("%+v", cpa)
			}
			rs := cpa.Normal.Results
			if len(rs) != 3 {
				t.Fatalf("results %v", rs)
			}
			for _, r := range rs {
				if r.Result != Acceptance || !r.TransferSyntax.Equal(BER) || r.ProviderReason != nil {
					t.Errorf("result %+v", r)
				}
			}
			if p := cpa.Normal.UserData.PDV(1); p == nil || p.Value[0] != 0x61 {
				t.Errorf("PDV 1 %+v", p)
			}
			out, err := AppendCPA(nil, cpa)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, in) {
				t.Errorf("re-encoding differs:\n%x\n%x", out, in)
			}
		})
	}
}

// X.410-1984 mode (PP's loop88x410 and loop84 captures): the CP and CPA
// carry the RTORQ / RTOAC as x410-mode-parameters.
func TestX410(t *testing.T) {
	for _, c := range []string{"x410", "p84"} {
		in := read(t, c+"-f08-cp.ber")
		cp, err := DecodeCP(in)
		if err != nil {
			t.Fatal(err)
		}
		if cp.Mode != ModeX410 || cp.Normal != nil || len(cp.X410) != 0x31 || cp.X410[0] != 0xa1 {
			t.Fatalf("%s CP %+v", c, cp)
		}
		out, err := AppendCP(nil, cp)
		if err != nil || !bytes.Equal(out, in) {
			t.Errorf("%s CP re-encoding %v:\n%x\n%x", c, err, out, in)
		}
		in = read(t, c+"-f09-cpa.ber")
		cpa, err := DecodeCPA(in)
		if err != nil {
			t.Fatal(err)
		}
		if cpa.Mode != ModeX410 || cpa.Normal != nil || cpa.X410[0] != 0xa1 {
			t.Fatalf("%s CPA %+v", c, cpa)
		}
		out, err = AppendCPA(nil, cpa)
		if err != nil || !bytes.Equal(out, in) {
			t.Errorf("%s CPA re-encoding %v:\n%x\n%x", c, err, out, in)
		}
	}
}

// User data of the session FN/DN (the RLRQ/RLRE) and of the DT of the
// message transfer (the RTTR in context 3, indefinite lengths).
func TestUserData(t *testing.T) {
	for _, c := range []struct {
		name  string
		ctx   int
		first byte
		exact bool
	}{
		{"mon88-f10-fn-ud.ber", 1, 0x62, true},
		{"mon88-f11-dn-ud.ber", 1, 0x63, true},
		{"xfer88-f15-fn-ud.ber", 1, 0x62, true},
		{"xfer88-f16-dn-ud.ber", 1, 0x63, true},
		{"xfer88-f12-dt-ud.ber", 3, 0x04, false},
	} {
		in := read(t, c.name)
		u, err := DecodeUserData(in)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		p := u.PDV(c.ctx)
		if len(u.PDVs) != 1 || p == nil || p.Value[0] != c.first {
			t.Fatalf("%s: %+v", c.name, u)
		}
		out, err := AppendUserData(nil, u)
		if err != nil {
			t.Fatal(err)
		}
		if c.exact && !bytes.Equal(out, in) {
			t.Errorf("%s: re-encoding differs:\n%x\n%x", c.name, out, in)
		}
		u2, err := DecodeUserData(out)
		if err != nil || !reflect.DeepEqual(u, u2) {
			t.Errorf("%s: round trip %v", c.name, err)
		}
	}
	// the DT's RTTR is an OCTET STRING of 776 octets
	u, _ := DecodeUserData(read(t, "xfer88-f12-dt-ud.ber"))
	if v := u.PDVs[0].Value; len(v) != 4+776 {
		t.Errorf("RTTR of %d octets", len(v))
	}
}

func ptr[T any](v T) *T { return &v }

func TestRoundTrips(t *testing.T) {
	bs := ber.BitsFromUint32(1)
	cps := []*CP{
		{Mode: ModeNormal, Normal: &NormalCP{
			ProtocolVersion: &ber.BitString{Bytes: []byte{0x80}, Len: 1},
			CallingSelector: []byte("cal"), CalledSelector: []byte{},
			Contexts:                 []Context{{1, ACSEAbstract, []ber.OID{BER}}},
			DefaultContext:           &DefaultContext{ACSEAbstract, BER},
			PresentationRequirements: &bs, SessionRequirements: &bs,
			Other:    [][]byte{{0xab, 0x03, 0x03, 0x01, 0x00}},
			UserData: &UserData{Simple: true, Octets: []byte("hi")},
		}},
		{Mode: ModeNormal},
	}
	for _, cp := range cps {
		out, err := AppendCP(nil, cp)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeCP(out)
		if err != nil || !reflect.DeepEqual(got, cp) {
			t.Errorf("CP round trip %v\n%+v\n%+v", err, got, cp)
		}
	}
	cpr := &CPR{Normal: &NormalCPR{
		Results:              []ContextResult{{Result: ProviderRejection, ProviderReason: ptr(1)}},
		DefaultContextResult: ptr(UserRejection), ProviderReason: ptr(TemporaryCongestion),
		UserData: &UserData{PDVs: []PDV{{TransferSyntax: BER, ContextID: 1, Encoding: OctetAligned, Value: []byte{1, 2}},
			{ContextID: 3, Encoding: Arbitrary, Value: []byte{0xf0}, BitLen: 4}}},
	}}
	out, err := AppendCPR(nil, cpr)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := DecodeCPR(out); err != nil || !reflect.DeepEqual(got, cpr) {
		t.Errorf("CPR round trip %v\n%+v", err, got.Normal)
	}
	x := &CPR{X410: []byte{0x31, 0x03, 0x80, 0x01, 0x00}}
	if out, err := AppendCPR(nil, x); err != nil || !bytes.Equal(out, x.X410) {
		t.Errorf("CPR X.410 %x %v", out, err)
	}
	aborts := []*Abort{
		{ARP: &ARP{Reason: ptr(UnrecognizedPPDU), EventIdentifier: ptr(7)}},
		{ARP: &ARP{}},
		{ARU: &ARU{Normal: &ContextsAndData{Contexts: []ContextIdentifier{{1, BER}}, UserData: Fully(1, []byte{0x64, 0x03, 0x80, 0x01, 0x01})}}},
		{ARU: &ARU{X410: []byte{0x31, 0x03, 0x80, 0x01, 0x03}}},
	}
	for _, a := range aborts {
		out, err := AppendAbort(nil, a)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeAbort(out)
		if err != nil || !reflect.DeepEqual(got, a) {
			t.Errorf("abort round trip %x %v %+v", out, err, got)
		}
	}
	// hand-checked: ARP with reason unrecognized-ppdu(1)
	out, _ = AppendAbort(nil, NewARP(&Error{Reason: UnrecognizedPPDU}))
	if !bytes.Equal(out, []byte{0x30, 0x03, 0x80, 0x01, 0x01}) {
		t.Errorf("ARP %x", out)
	}
	rs := &ContextsAndData{Contexts: []ContextIdentifier{}}
	out, _ = AppendRS(nil, rs)
	if got, err := DecodeRSA(out); err != nil || !reflect.DeepEqual(got, rs) {
		t.Errorf("RS %x %v", out, err)
	}
}

func TestMalformed(t *testing.T) {
	cpa := read(t, "mon88-f09-cpa.ber")
	cp := read(t, "mon88-f08-cp.ber")
	ud := read(t, "mon88-f10-fn-ud.ber")
	hex := func(b ...byte) []byte { return b }
	cases := []struct {
		name   string
		dec    func([]byte) error
		in     []byte
		reason AbortReason
	}{
		{"empty CP", cpDec, nil, UnrecognizedPPDU},
		{"truncated CP", cpDec, cp[:60], UnrecognizedPPDU},
		{"truncated CPA", cpaDec, cpa[:len(cpa)-1], UnrecognizedPPDU},
		{"oversize length", cpaDec, append(hex(0x31, 0x84, 0x7f, 0, 0, 0), cpa[2:]...), UnrecognizedPPDU},
		{"CP not a SET", cpDec, hex(0x30, 0x00), UnrecognizedPPDU},
		{"trailing", cpaDec, append(append([]byte{}, cpa...), 0x05, 0x00), UnexpectedPPDUParameter},
		{"no mode", cpaDec, hex(0x31, 0x00), InvalidPPDUParameterValue},
		{"bad mode", cpaDec, hex(0x31, 0x05, 0xa0, 0x03, 0x80, 0x01, 0x02), InvalidPPDUParameterValue},
		{"mode twice", cpaDec, hex(0x31, 0x0a, 0xa0, 0x03, 0x80, 0x01, 0x01, 0xa0, 0x03, 0x80, 0x01, 0x01), UnexpectedPPDUParameter},
		{"unknown SET component", cpaDec, hex(0x31, 0x07, 0xa0, 0x03, 0x80, 0x01, 0x01, 0x85, 0x00), UnrecognizedPPDUParameter},
		{"CP parameter in CPA", cpaDec, hex(0x31, 0x09, 0xa0, 0x03, 0x80, 0x01, 0x01, 0xa2, 0x02, 0x81, 0x00), UnrecognizedPPDUParameter},
		{"repeated parameter", cpDec, hex(0x31, 0x0b, 0xa0, 0x03, 0x80, 0x01, 0x01, 0xa2, 0x04, 0x81, 0x00, 0x81, 0x00), UnexpectedPPDUParameter},
		{"normal params in X.410 mode", cpDec, hex(0x31, 0x07, 0xa0, 0x03, 0x80, 0x01, 0x00, 0xa2, 0x00), UnexpectedPPDUParameter},
		{"bad context list", cpDec, hex(0x31, 0x0b, 0xa0, 0x03, 0x80, 0x01, 0x01, 0xa2, 0x04, 0xa4, 0x02, 0x02, 0x00), InvalidPPDUParameterValue},
		{"unknown user data", udDec, hex(0x62, 0x00), UnrecognizedPPDUParameter},
		{"PDV bad choice", udDec, hex(0x61, 0x07, 0x30, 0x05, 0x02, 0x01, 0x01, 0x83, 0x00), InvalidPPDUParameterValue},
		{"PDV two values", udDec, hex(0x61, 0x0b, 0x30, 0x09, 0x02, 0x01, 0x01, 0xa0, 0x04, 0x05, 0x00, 0x05, 0x00), InvalidPPDUParameterValue},
		{"PDV empty single", udDec, hex(0x61, 0x07, 0x30, 0x05, 0x02, 0x01, 0x01, 0xa0, 0x00), InvalidPPDUParameterValue},
		{"PDV huge context id", udDec, hex(0x61, 0x0c, 0x30, 0x0a, 0x02, 0x06, 1, 0, 0, 0, 0, 0, 0x81, 0x00), InvalidPPDUParameterValue},
		{"truncated user data", udDec, ud[:len(ud)-2], UnrecognizedPPDU},
		{"unknown abort", abDec, hex(0x04, 0x00), UnrecognizedPPDU},
		{"ARP extra", abDec, hex(0x30, 0x02, 0x82, 0x00), UnrecognizedPPDUParameter},
		{"CPR primitive", cprDec, hex(0x02, 0x01, 0x00), UnrecognizedPPDU},
	}
	for _, c := range cases {
		err := c.dec(c.in)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("%s: error %v", c.name, err)
			continue
		}
		if pe.Reason != c.reason {
			t.Errorf("%s: reason %d, want %d (%v)", c.name, pe.Reason, c.reason, err)
		}
	}
	// too many PDVs
	var b ber.Builder
	m := b.Begin(tagFully)
	for i := 0; i <= MaxPDVs; i++ {
		s := b.Begin(ber.Sequence)
		b.AddInt(ber.Integer, 1)
		b.AddPrimitive(ber.Context(1), nil)
		b.End(s)
	}
	b.End(m)
	if _, err := DecodeUserData(b.Bytes()); err == nil {
		t.Error("too many PDVs accepted")
	}
	// encoders refuse bad raw values
	if _, err := AppendUserData(nil, Fully(1, []byte{0x04, 0x05})); err == nil {
		t.Error("bad single-ASN1-type encoded")
	}
	if _, err := AppendCP(nil, &CP{Mode: ModeX410, X410: []byte{0x31, 0x00}}); err == nil {
		t.Error("x410 parameters with a wrong tag encoded")
	}
	if _, err := AppendCP(nil, &CP{Mode: 7}); err == nil {
		t.Error("mode 7 encoded")
	}
}

func cpDec(b []byte) error  { _, err := DecodeCP(b); return err }
func cpaDec(b []byte) error { _, err := DecodeCPA(b); return err }
func cprDec(b []byte) error { _, err := DecodeCPR(b); return err }
func udDec(b []byte) error  { _, err := DecodeUserData(b); return err }
func abDec(b []byte) error  { _, err := DecodeAbort(b); return err }

func TestTypedData(t *testing.T) {
	for _, td := range []*TypedData{
		{AC: &AC{Additions: []Context{{7, ACSEAbstract, []ber.OID{BER}}}, Deletions: []int{3}, UserData: Fully(1, []byte{0x05, 0x00})}},
		{AC: &AC{}},
		{ACA: &ACA{AdditionResults: []ContextResult{{Result: Acceptance, TransferSyntax: BER}}, DeletionResults: []int{0}}},
		{TTD: Fully(3, []byte{0x04, 0x00})},
	} {
		out, err := AppendTypedData(nil, td)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeTypedData(out)
		if err != nil || !reflect.DeepEqual(got, td) {
			t.Errorf("typed data %x: %v %+v", out, err, got)
		}
	}
	// hand-checked: AC deleting context 3
	out, _ := AppendTypedData(nil, &TypedData{AC: &AC{Deletions: []int{3}}})
	if !bytes.Equal(out, []byte{0xa0, 0x05, 0xa1, 0x03, 0x02, 0x01, 0x03}) {
		t.Errorf("AC %x", out)
	}
	for _, in := range [][]byte{{0xa2, 0x00}, {0xa0, 0x02, 0x05, 0x00}, {0xa1, 0x04, 0xa1, 0x02, 0x04, 0x00}} {
		var pe *Error
		if _, err := DecodeTypedData(in); !errors.As(err, &pe) {
			t.Errorf("%x: %v", in, err)
		}
	}
}

// The header AppendOnePDVHeader writes, followed by the value, is what
// AppendUserData writes, and DecodeOnePDV reads it back, for lengths on
// each side of the BER length forms.
func TestOnePDVHeader(t *testing.T) {
	for _, id := range []int{1, 3, 127, 128, 300} {
		for _, n := range []int{0, 1, 100, 126, 127, 250, 255, 256, 70000, 1 << 20} {
			val := append([]byte{0x04}, appendDefLen(nil, n)...)
			val = append(val, make([]byte, n)...)
			want, err := AppendUserData(nil, Fully(id, val))
			if err != nil {
				t.Fatal(err)
			}
			got := append(AppendOnePDVHeader([]byte{0xee}, id, len(val)), val...)
			if !bytes.Equal(got[1:], want) {
				t.Fatalf("id %d, %d octets: header %x, want %x", id, n, got[1:16], want[:15])
			}
			p, err := DecodeOnePDV(want)
			if err != nil || p.ContextID != id || p.Encoding != SingleASN1Type || !bytes.Equal(p.Value, val) {
				t.Fatalf("id %d, %d octets: decoded %v, %v", id, n, p.ContextID, err)
			}
		}
	}
	two := &UserData{PDVs: []PDV{{ContextID: 1, Encoding: SingleASN1Type, Value: []byte{5, 0}}, {ContextID: 3, Encoding: SingleASN1Type, Value: []byte{5, 0}}}}
	b, _ := AppendUserData(nil, two)
	if _, err := DecodeOnePDV(b); err == nil {
		t.Error("two PDVs decoded as one")
	}
}
