package transport

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// readVector reads a TPKT extracted from one of PP's captures (see the
// file names: capture, frame, direction, TPDU) and checks its framing.
func readVector(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func tpduOf(t testing.TB, name string) []byte {
	t.Helper()
	pkt, rest, err := SplitTPKT(readVector(t, name), MaxTPKTLen)
	if err != nil || len(rest) != 0 {
		t.Fatalf("%s: SplitTPKT: %v, %d octets left", name, err, len(rest))
	}
	return pkt[TPKTHeaderLen:]
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// TestGolden decodes each of PP's TPDUs, checks its fields and encodes it
// again to PP's bytes.
func TestGolden(t *testing.T) {
	tests := []struct {
		file string
		want TPDU
	}{
		// 1988 ping, monologue: calling TSAP "x400", called "x400n".
		{"ping88mon-f4-init-cr.tpkt", &CR{SrcRef: 0x57b6, CallingTSAP: []byte("x400"), CalledTSAP: []byte("x400n"), TPDUSize: 2048}},
		{"ping88mon-f6-resp-cc.tpkt", &CC{DstRef: 0x57b6, SrcRef: 0x57b7, TPDUSize: 2048}},
		{"ping88mon-f12-init-dr.tpkt", &DR{DstRef: 0x57b7, SrcRef: 0x57b6, Reason: ReasonNormal}},
		// 1988 message transfer: no calling TSAP, called "x400in88".
		{"mt88-f4-init-cr.tpkt", &CR{SrcRef: 0x65ec, CalledTSAP: []byte("x400in88"), TPDUSize: 2048}},
		{"mt88-f6-resp-cc.tpkt", &CC{DstRef: 0x65ec, SrcRef: 0x65ed, TPDUSize: 2048}},
		{"mt88-f17-init-dr.tpkt", &DR{DstRef: 0x65ed, SrcRef: 0x65ec, Reason: ReasonNormal}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			tpdu := tpduOf(t, tt.file)
			got, err := Decode(tpdu)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("decoded %#v\nwant %#v", got, tt.want)
			}
			enc, err := got.Append(nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc, tpdu) {
				t.Fatalf("encoded % x\nPP sent % x", enc, tpdu)
			}
			pkt, err := AppendTPKT(nil, enc)
			if err != nil || !bytes.Equal(pkt, readVector(t, tt.file)) {
				t.Fatalf("TPKT % x, %v", pkt, err)
			}
		})
	}
}

// TestGoldenDT decodes PP's DT TPDUs (every one is a whole TSDU: EOT set)
// and encodes them again.
func TestGoldenDT(t *testing.T) {
	files, err := filepath.Glob("testdata/*-dt.tpkt")
	if err != nil || len(files) < 10 {
		t.Fatalf("%d DT vectors, %v", len(files), err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		tpdu := tpduOf(t, name)
		data, eot, err := ParseDT(tpdu)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !eot || len(data) != len(tpdu)-3 {
			t.Fatalf("%s: eot %v, %d octets of data", name, eot, len(data))
		}
		// The session layer gets everything after the 3-octet header; PP's
		// first SPDU of the association (CN, 0x0d) follows frame 8's header.
		if strings.HasSuffix(name, "-f8-init-dt.tpkt") && data[0] != 0x0d {
			t.Fatalf("%s: first SPDU octet 0x%02x, want CN 0x0d", name, data[0])
		}
		enc, err := (&DT{EOT: eot, Data: data}).Append(nil)
		if err != nil || !bytes.Equal(enc, tpdu) {
			t.Fatalf("%s: re-encoded % x, %v", name, enc, err)
		}
		r := NewReassembler(8192)
		tsdu, done, err := r.Add(data, eot)
		if err != nil || !done || !bytes.Equal(tsdu, data) {
			t.Fatalf("%s: reassembly %v %v", name, done, err)
		}
	}
}

// TestReadTPKTStream reads the initiator's side of the message transfer as
// one stream (frame 12 carries two TPKTs in one TCP segment), one octet at
// a time and with a small starting buffer.
func TestReadTPKTStream(t *testing.T) {
	names := []string{
		"mt88-f4-init-cr.tpkt", "mt88-f8-init-dt.tpkt", "mt88-f10-init-dt.tpkt",
		"mt88-f12a-init-dt.tpkt", "mt88-f12b-init-dt.tpkt", "mt88-f15-init-dt.tpkt",
		"mt88-f17-init-dr.tpkt",
	}
	var stream []byte
	for _, n := range names {
		stream = append(stream, readVector(t, n)...)
	}
	for _, oneByte := range []bool{false, true} {
		var r io.Reader = bytes.NewReader(stream)
		if oneByte {
			r = iotest.OneByteReader(r)
		}
		buf := make([]byte, 0, 8)
		for _, n := range names {
			pkt, err := ReadTPKT(r, buf, 4096)
			if err != nil {
				t.Fatalf("%s: %v", n, err)
			}
			if !bytes.Equal(pkt, readVector(t, n)) {
				t.Fatalf("%s: read % x", n, pkt)
			}
			buf = pkt
		}
		if cap(buf) > 4096 {
			t.Fatalf("buffer grew to %d", cap(buf))
		}
		if _, err := ReadTPKT(r, buf, 4096); err != io.EOF {
			t.Fatalf("at end: %v, want io.EOF", err)
		}
	}
	// SplitTPKT on the two packets of frame 12.
	seg := append(readVector(t, "mt88-f12a-init-dt.tpkt"), readVector(t, "mt88-f12b-init-dt.tpkt")...)
	p1, rest, err := SplitTPKT(seg, MaxTPKTLen)
	if err != nil || len(p1) != 806 {
		t.Fatal(err, len(p1))
	}
	p2, rest, err := SplitTPKT(rest, MaxTPKTLen)
	if err != nil || len(p2) != 14 || len(rest) != 0 {
		t.Fatal(err, len(p2), len(rest))
	}
}

// TestReadTPKTReuse checks that a large enough buffer is reused.
func TestReadTPKTReuse(t *testing.T) {
	pkt := readVector(t, "ping88mon-f8-init-dt.tpkt")
	buf := make([]byte, 0, 1024)
	got, err := ReadTPKT(bytes.NewReader(pkt), buf, 1024)
	if err != nil {
		t.Fatal(err)
	}
	if &got[0] != &buf[:1][0] {
		t.Fatal("buffer not reused")
	}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := ReadTPKT(bytes.NewReader(pkt), buf, 1024); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 1 { // the bytes.Reader
		t.Fatalf("%v allocations per read", allocs)
	}
}

func TestReadTPKTErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		max    int
		field  string
		ioErr  error
		offset int
	}{
		{"empty", "", 100, "", io.EOF, 0},
		{"short header", "0300", 100, "", io.ErrUnexpectedEOF, 0},
		{"short body", "0300000b068057b757b6", 100, "", io.ErrUnexpectedEOF, 0},
		{"version 2", "0200000b068057b757b680", 100, "version", nil, 0},
		{"length 6", "03000006020f80", 100, "packet length", nil, 2},
		{"length 0", "03000000", 100, "packet length", nil, 2},
		{"above max", "0300ffff", 1000, "packet length", nil, 2},
		{"above max by one", "0300000c068057b757b68000", 11, "packet length", nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadTPKT(bytes.NewReader(mustHex(tt.in)), nil, tt.max)
			if tt.ioErr != nil {
				if err != tt.ioErr {
					t.Fatalf("got %v, want %v", err, tt.ioErr)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.PDU != "TPKT" || e.Field != tt.field || e.Offset != tt.offset {
				t.Fatalf("got %v, want TPKT %s", err, tt.field)
			}
		})
	}
	if _, err := ReadTPKT(bytes.NewReader(nil), nil, 6); err == nil {
		t.Fatal("maxLen 6 accepted")
	}
	// The reserved octet is ignored; the minimum packet is accepted.
	if pkt, err := ReadTPKT(bytes.NewReader(mustHex("03ff000702f080")), nil, 7); err != nil || len(pkt) != 7 {
		t.Fatal(pkt, err)
	}
}

func TestAppendTPKT(t *testing.T) {
	if _, err := AppendTPKT(nil, []byte{1, 2}); err == nil {
		t.Fatal("2-octet TPDU accepted")
	}
	if _, err := AppendTPKT(nil, make([]byte, MaxTPDULen+1)); err == nil {
		t.Fatal("oversize TPDU accepted")
	}
	big, err := AppendTPKT([]byte("x"), make([]byte, MaxTPDULen))
	if err != nil || len(big) != 1+MaxTPKTLen || big[3] != 0xff || big[4] != 0xff {
		t.Fatal(err)
	}
	// BeginTPKT/EndTPKT give the same bytes as AppendTPKT.
	dt := tpduOf(t, "mt88-f14-resp-dt.tpkt")
	buf, start := BeginTPKT([]byte("prefix"))
	buf = AppendDTHeader(buf, true)
	buf = append(buf, dt[3:]...)
	buf, err = EndTPKT(buf, start)
	if err != nil || !bytes.Equal(buf[start:], readVector(t, "mt88-f14-resp-dt.tpkt")) {
		t.Fatalf("% x %v", buf, err)
	}
	if _, err := EndTPKT([]byte{3, 0, 0}, 0); err == nil {
		t.Fatal("EndTPKT without header")
	}
	if _, err := EndTPKT([]byte{3, 0, 0, 0, 2}, 0); err == nil {
		t.Fatal("EndTPKT of 5 octets")
	}
}

// TestDecodeErrors feeds malformed TPDUs and checks the TPDU, field,
// offset and reject cause of each error.
func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		pdu    string
		field  string
		offset int
		cause  RejectCause
		reason DRReason
	}{
		{"empty", "", "TPDU", "length indicator", 0, CauseInvalidParamValue, ReasonHeaderLength},
		{"one octet", "06", "TPDU", "length indicator", 1, CauseInvalidParamValue, ReasonHeaderLength},
		{"LI past end", "0680 57b7 57b6", "TPDU", "length indicator", 0, CauseInvalidParamValue, ReasonHeaderLength},
		{"LI 255", "ff80" + strings.Repeat("00", 260), "TPDU", "length indicator", 0, CauseInvalidParamValue, ReasonHeaderLength},
		{"unknown code", "020080", "TPDU", "code", 1, CauseInvalidTPDUType, ReasonProtocolError},
		{"DT low bits", "02f180", "TPDU", "code", 1, CauseInvalidTPDUType, ReasonProtocolError},
		{"DC class 2", "05c0 0001 0002", "DC", "code", 1, CauseInvalidTPDUType, ReasonProtocolError},
		{"ED class 2", "0410 0001 80 ff", "ED", "code", 1, CauseInvalidTPDUType, ReasonProtocolError},
		{"AK class 2", "0461 0001 00", "AK", "code", 1, CauseInvalidTPDUType, ReasonProtocolError},
		{"EA class 2", "0420 0001 00", "EA", "code", 1, CauseInvalidTPDUType, ReasonProtocolError},
		{"RJ class 2", "0451 0001 00", "RJ", "code", 1, CauseInvalidTPDUType, ReasonProtocolError},
		{"CR fixed part short", "05e0 0000 57b6", "CR", "length indicator", 0, CauseInvalidParamValue, ReasonHeaderLength},
		{"CR class 5", "06e0 0000 57b6 50", "CR", "class", 6, CauseInvalidParamValue, ReasonNegotiationFailed},
		{"CR param past header", "09e0 0000 57b6 00 c1 04 78", "CR", "variable part", 8, CauseInvalidParamValue, ReasonHeaderLength},
		{"CR param without length", "07e0 0000 57b6 00 c1", "CR", "variable part", 7, CauseInvalidParamValue, ReasonHeaderLength},
		{"CR TPDU size 14", "09e0 0000 57b6 00 c0010e", "CR", "TPDU size", 9, CauseInvalidParamValue, ReasonProtocolError},
		{"CR TPDU size 6", "09e0 0000 57b6 00 c00106", "CR", "TPDU size", 9, CauseInvalidParamValue, ReasonProtocolError},
		{"CR TPDU size 2 octets", "0ae0 0000 57b6 00 c002000b", "CR", "TPDU size", 9, CauseInvalidParamValue, ReasonProtocolError},
		{"CR repeated called TSAP", "0ce0 0000 57b6 00 c20178 c20179", "CR", "called TSAP", 10, CauseInvalidParamCode, ReasonProtocolError},
		{"CR preferred size 0", "09e0 0000 57b6 00 f00100", "CR", "preferred maximum TPDU size", 9, CauseInvalidParamValue, ReasonProtocolError},
		{"CR preferred size 5 octets", "0de0 0000 57b6 00 f0050000000001", "CR", "preferred maximum TPDU size", 8, CauseInvalidParamValue, ReasonProtocolError},
		{"CC wrong type for ParseCC", "06d0 57b6 57b7 00", "", "", 0, 0, 0}, // valid: checked below
		{"DT LI 4 (class 2 format)", "04f0 0001 80", "DT", "length indicator", 0, CauseInvalidParamValue, ReasonHeaderLength},
		{"DT LI 1", "01f0", "DT", "length indicator", 0, CauseInvalidParamValue, ReasonHeaderLength},
		{"DR short", "0580 57b7 57b6", "DR", "length indicator", 0, CauseInvalidParamValue, ReasonHeaderLength},
		{"DR repeated info", "0a80 57b7 57b6 80 e000 e000", "DR", "additional information", 9, CauseInvalidParamCode, ReasonProtocolError},
		{"ER short", "0370 0001", "ER", "length indicator", 0, CauseInvalidParamValue, ReasonHeaderLength},
		{"ER param past header", "0670 0001 02 c1 05", "ER", "variable part", 6, CauseInvalidParamValue, ReasonHeaderLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := mustHex(tt.in)
			_, err := Decode(in)
			if tt.pdu == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want *Error", err)
			}
			if e.PDU != tt.pdu || e.Field != tt.field || e.Offset != tt.offset || e.Cause != tt.cause || e.Reason != tt.reason {
				t.Fatalf("got %+v\nwant %s %s offset %d cause %d reason %d", e, tt.pdu, tt.field, tt.offset, tt.cause, tt.reason)
			}
			// The ER answering it always encodes, with the offending
			// header up to the octet in error (X.224 §13.12.3).
			er := e.ER(0x1234, in)
			b, err := er.Append(nil)
			if err != nil {
				t.Fatal(err)
			}
			if back, err := ParseER(b); err != nil || !reflect.DeepEqual(back, er) {
				t.Fatalf("ER round trip %+v %v", back, err)
			}
			if n := len(er.InvalidTPDU); n > len(in) || !bytes.Equal(er.InvalidTPDU, in[:n]) {
				t.Fatalf("invalid TPDU % x", er.InvalidTPDU)
			}
		})
	}
	// The typed parsers refuse another TPDU type.
	cc := tpduOf(t, "mt88-f6-resp-cc.tpkt")
	if _, err := ParseCR(cc); err == nil {
		t.Fatal("ParseCR accepted a CC")
	}
	if _, _, err := ParseDT(cc); err == nil {
		t.Fatal("ParseDT accepted a CC")
	}
	if _, err := ParseDR(cc); err == nil {
		t.Fatal("ParseDR accepted a CC")
	}
	if _, err := ParseER(cc); err == nil {
		t.Fatal("ParseER accepted a CC")
	}
	if _, err := ParseCC(tpduOf(t, "mt88-f4-init-cr.tpkt")); err == nil {
		t.Fatal("ParseCC accepted a CR")
	}
}

func TestErrorER(t *testing.T) {
	in := mustHex("09e0 0000 57b6 00 c0010e 4142")
	_, err := ParseCR(in)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatal(err)
	}
	er := e.ER(0x57b6, in)
	b, err := er.Append(nil)
	if err != nil {
		t.Fatal(err)
	}
	// ER: LI 16, DST-REF, cause 3, invalid TPDU = the CR header up to the
	// TPDU size value; the user data after the header is not included.
	want := mustHex("1070 57b6 03 c10a 09e0000057b600c0010e")
	if !bytes.Equal(b, want) {
		t.Fatalf("ER % x\nwant % x", b, want)
	}
	if !strings.Contains(e.Error(), "CR TPDU size at offset 9") {
		t.Fatal(e.Error())
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []TPDU{
		&CR{CDT: 0, SrcRef: 1, Class: 2, Options: 0, AlternativeClasses: []byte{0x00}, CallingTSAP: []byte{}, CalledTSAP: []byte("x400"), TPDUSize: 8192, PreferredTPDUSize: 65536 - 128, Other: []Param{{ParamVersion, []byte{1}}, {ParamAdditionalOptions, []byte{1}}, {0x85, []byte{1, 2}}}, UserData: []byte("hello")},
		&CR{SrcRef: 0xffff, TPDUSize: 128, PreferredTPDUSize: 128},
		&CC{DstRef: 1, SrcRef: 2, CDT: 15, CallingTSAP: []byte("a"), CalledTSAP: []byte("b"), TPDUSize: 1024, UserData: []byte{0}},
		&DR{DstRef: 1, SrcRef: 2, Reason: ReasonAddressUnknown, AdditionalInfo: []byte("why"), Other: []Param{{ParamChecksum, []byte{0, 0}}}, UserData: []byte("ud")},
		&DR{DstRef: 1, Reason: ReasonNotSpecified, AdditionalInfo: []byte{}},
		&DT{EOT: false, Data: []byte("segment")},
		&DT{EOT: true, Data: []byte{}},
		&ER{DstRef: 7, Cause: CauseInvalidTPDUType, InvalidTPDU: []byte{0x02, 0x00}},
		&ER{DstRef: 7, Cause: CauseUnspecified, Other: []Param{{0x99, nil}}},
	}
	for i, tp := range tests {
		b, err := tp.Append([]byte("pre"))
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		got, err := Decode(b[3:])
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		// nil and empty Values of Other are both "no octets".
		if er, ok := got.(*ER); ok && len(er.Other) == 1 {
			er.Other[0].Value = nil
		}
		if !reflect.DeepEqual(got, tp) {
			t.Fatalf("%d: got %#v\nwant %#v", i, got, tp)
		}
	}
}

func TestAppendErrors(t *testing.T) {
	tests := []struct {
		name string
		tp   TPDU
	}{
		{"CR class 5", &CR{Class: 5}},
		{"CR bad TPDU size", &CR{TPDUSize: 1000}},
		{"CR TPDU size 16384", &CR{TPDUSize: 16384}},
		{"CR preferred not multiple", &CR{PreferredTPDUSize: 100}},
		{"CR TSAP too long", &CR{CalledTSAP: make([]byte, 256)}},
		{"CR header too long", &CR{CalledTSAP: make([]byte, 200), CallingTSAP: make([]byte, 60)}},
		{"CC alternative class", &CC{AlternativeClasses: []byte{0}}},
		{"DR info too long", &DR{AdditionalInfo: make([]byte, 256)}},
		{"DR user data too long", &DR{UserData: make([]byte, MaxTPDULen)}},
		{"DT too long", &DT{Data: make([]byte, MaxTPDULen)}},
		{"ER other too long", &ER{Other: []Param{{1, make([]byte, 256)}}}},
	}
	for _, tt := range tests {
		b, err := tt.tp.Append([]byte("keep"))
		if err == nil {
			t.Errorf("%s: encoded", tt.name)
		}
		if string(b) != "keep" {
			t.Errorf("%s: dst changed to % x", tt.name, b)
		}
	}
}

func TestNegotiate(t *testing.T) {
	// PP's CR answered with our limit of 8192 gives PP's own CC.
	for _, v := range []struct{ cr, cc string }{
		{"ping88mon-f4-init-cr.tpkt", "ping88mon-f6-resp-cc.tpkt"},
		{"mt88-f4-init-cr.tpkt", "mt88-f6-resp-cc.tpkt"},
	} {
		cr, err := ParseCR(tpduOf(t, v.cr))
		if err != nil {
			t.Fatal(err)
		}
		ppCC, err := ParseCC(tpduOf(t, v.cc))
		if err != nil {
			t.Fatal(err)
		}
		cc, err := NegotiateCC(&cr, ppCC.SrcRef, 8192)
		if err != nil {
			t.Fatal(err)
		}
		b, err := cc.Append(nil)
		if err != nil || !bytes.Equal(b, tpduOf(t, v.cc)) {
			t.Fatalf("CC % x, %v", b, err)
		}
		size, err := CheckCC(&cr, &ppCC)
		if err != nil || size != 2048 {
			t.Fatal(size, err)
		}
	}
	tests := []struct {
		name   string
		cr     CR
		ours   int
		size   int
		reason DRReason
	}{
		{"none proposed", CR{SrcRef: 1}, 8192, 128, 0},
		{"ours smaller", CR{SrcRef: 1, TPDUSize: 8192}, 1024, 1024, 0},
		{"class 2 with 0 alternative", CR{SrcRef: 1, Class: 2, AlternativeClasses: []byte{0x00}, TPDUSize: 4096}, 8192, 4096, 0},
		{"class 2 only", CR{SrcRef: 1, Class: 2}, 8192, 0, ReasonNegotiationFailed},
		{"class 4 alt 2", CR{SrcRef: 1, Class: 4, AlternativeClasses: []byte{0x20}}, 8192, 0, ReasonNegotiationFailed},
	}
	for _, tt := range tests {
		cc, err := NegotiateCC(&tt.cr, 9, tt.ours)
		if tt.reason != 0 {
			var e *Error
			if !errors.As(err, &e) || e.Reason != tt.reason {
				t.Fatalf("%s: %v", tt.name, err)
			}
			dr := Refuse(&tt.cr, e.Reason)
			if dr.DstRef != tt.cr.SrcRef || dr.Reason != tt.reason {
				t.Fatalf("%s: %+v", tt.name, dr)
			}
			continue
		}
		if err != nil || cc.TPDUSize != tt.size || cc.Class != 0 || cc.DstRef != 1 || cc.SrcRef != 9 {
			t.Fatalf("%s: %+v %v", tt.name, cc, err)
		}
	}
	if _, err := NegotiateCC(&CR{}, 9, 1000); err == nil {
		t.Fatal("local TPDU size 1000 accepted")
	}
	if _, err := NegotiateCC(&CR{}, 0, 1024); err == nil {
		t.Fatal("local reference 0 accepted")
	}
	// CheckCC.
	cr := CR{SrcRef: 5, TPDUSize: 1024}
	if n, err := CheckCC(&cr, &CC{DstRef: 5, SrcRef: 6}); err != nil || n != 128 {
		t.Fatal(n, err)
	}
	if n, err := CheckCC(&cr, &CC{DstRef: 5, SrcRef: 6, TPDUSize: 8192}); err != nil || n != 1024 {
		t.Fatal(n, err)
	}
	var e *Error
	if _, err := CheckCC(&cr, &CC{DstRef: 4}); !errors.As(err, &e) || e.Reason != ReasonMismatchedRefs {
		t.Fatal(err)
	}
	if _, err := CheckCC(&cr, &CC{DstRef: 5, Class: 2}); !errors.As(err, &e) || e.Reason != ReasonNegotiationFailed {
		t.Fatal(err)
	}
}
