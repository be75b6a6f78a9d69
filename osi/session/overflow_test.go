package session

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

// The SPDUs of a connect data overflow (X.225 §7.1 to §7.3), as the osi
// package sends them: golden bytes, encoded and decoded both ways.
func TestOverflowGolden(t *testing.T) {
	big := bytes.Repeat([]byte{0x5a}, MaxCNExtendedUserData)
	long := bytes.Repeat([]byte{0xa5}, 300)
	for _, c := range []struct {
		name string
		spdu SPDU
		hex  string // the parameters and what follows them
		tail []byte // octets after hex
	}{
		// CN: Connect/Accept Item (protocol options 0, version 2 only,
		// token setting all on the initiator's side), requirements,
		// Data Overflow 1, Extended User Data of 10240 octets (long LI
		// forms: the SPDU's 10262 = 0x2816, the PGI's 0x2800).
		{"cn", SPDU{Kind: KindCN,
			ConnAccept:   &ConnectAcceptItem{ProtocolOptions: Some(byte(0)), Version: Some(Version2), TokenSetting: Some(TokenSetting(0))},
			Requirements: Some(FUHalfDuplex | FUMinorSync | FUActivity | FUExceptions),
			DataOverflow: Some(DataOverflowMore), UserData: big, Extended: true},
			"0d ff2816 05 09 130100 160102 1a0100 14 02 0249 3c 01 01 c2 ff2800", big},
		// OA: TSDU Maximum Size (1024 initiator to responder, 512 back)
		// and Version Number 2, as single PIs.
		{"oa", SPDU{Kind: KindOA, TSDUMaxSize: Some(TSDUMaxSize{InitToResp: 1024, RespToInit: 512}), Version: Some(Version2)},
			"10 09 15 04 0400 0200 16 01 02", nil},
		{"oa-version-only", SPDU{Kind: KindOA, Version: Some(Version2)}, "10 03 16 01 02", nil},
		// CDOs: Enclosure Item 0 (more to come), then EnclosureEnd; User
		// Data PGI 193, short and long.
		{"cdo-more", SPDU{Kind: KindCDO, Enclosure: Some(byte(0)), UserData: []byte("abc")}, "0f 08 19 01 00 c1 03 616263", nil},
		{"cdo-end", SPDU{Kind: KindCDO, Enclosure: Some(EnclosureEnd), UserData: long}, "0f ff0133 19 01 02 c1 ff012c", long},
	} {
		t.Run(c.name, func(t *testing.T) {
			want := append(unhex(t, c.hex), c.tail...)
			b, err := AppendTSDU(nil, c.spdu)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, want) {
				t.Fatalf("encoded\n got %x\nwant %x", b[:min(len(b), 40)], want[:min(len(want), 40)])
			}
			got, err := DecodeTSDU(want)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || !reflect.DeepEqual(got[0], c.spdu) {
				t.Fatalf("decoded %+v", got)
			}
		})
	}
}

// A CDO at most fills the 65535 octets of an SPDU's parameters: 65528
// octets of user data with the Enclosure Item.
func TestOverflowLargestCDO(t *testing.T) {
	ud := make([]byte, 65535-3-4)
	b, err := AppendTSDU(nil, SPDU{Kind: KindCDO, Enclosure: Some(EnclosureEnd), UserData: ud})
	if err != nil || len(b) != 4+65535 {
		t.Fatalf("%d octets, %v", len(b), err)
	}
	if _, err := AppendTSDU(nil, SPDU{Kind: KindCDO, Enclosure: Some(EnclosureEnd), UserData: append(ud, 0)}); err == nil {
		t.Fatal("65529 octets of user data encoded")
	}
}

func TestOverflowMalformed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     string
		kind   Kind
		param  byte
		offset int
		msg    string
	}{
		{"enclosure length", "0f 04 19 02 02 00", KindCDO, 25, 2, "want 1"},
		{"empty enclosure", "0f 02 19 00", KindCDO, 25, 2, "want 1"},
		{"data overflow length", "0d 02 3c 00", KindCN, 60, 2, "want 1"},
		{"data overflow repeated", "0d 06 3c 01 01 3c 01 01", KindCN, 60, 5, "repeated"},
		{"OA TSDU size length", "10 05 15 03 00 00 00", KindOA, 21, 2, "want 4 or 8"},
		{"OA version repeated", "10 06 16 01 02 16 01 02", KindOA, 22, 5, "repeated"},
		{"OA version length", "10 04 16 02 02 02", KindOA, 22, 2, "want 1"},
		{"CDO user data overruns", "0f 05 19 01 02 c1 05 00", KindCDO, 193, 5, "overruns the SPDU"},
		{"CDO after GT", "01 00 0f 00", KindCDO, 0, 2, "cannot follow a category 0"},
		{"CDO then more", "0f 03 19 01 02 0f 00", KindCDO, 0, 5, "category 1 SPDU followed"},
		{"OA then AC", "10 03 16 01 02 0e 00", KindOA, 0, 5, "category 1 SPDU followed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeTSDU(unhex(t, tc.in))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v, want *Error", err)
			}
			if e.SPDU != tc.kind || e.Param != tc.param || e.Offset != tc.offset || e.Disconnect != TDRelease|TDProtocolError || !strings.Contains(e.Msg, tc.msg) {
				t.Fatalf("got %+v (%v)", e, e)
			}
		})
	}
}

// The fuzz corpus holds the overflow SPDUs and segments
// (testdata/fuzz/FuzzDecodeTSDU/overflow-*, segment-*): each decodes, and
// encodes back to itself.
func TestOverflowFuzzSeeds(t *testing.T) {
	for _, name := range []string{"overflow-cn", "overflow-oa", "overflow-cdo-more", "overflow-cdo-end", "segment-begin", "segment-end"} {
		b, err := os.ReadFile("testdata/fuzz/FuzzDecodeTSDU/" + name)
		if err != nil {
			t.Fatal(err)
		}
		var q string
		if _, err := fmt.Sscanf(strings.SplitN(string(b), "\n", 2)[1], "[]byte(%q)", &q); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ss, err := DecodeTSDU([]byte(q))
		if err != nil || len(ss) == 0 {
			t.Fatalf("%s: %v", name, err)
		}
		out, err := AppendTSDU(nil, ss...)
		if err != nil || !bytes.Equal(out, []byte(q)) {
			t.Fatalf("%s: %x %v", name, out, err)
		}
	}
}

// The TSDUs of a segmented SSDU (X.225 §7.11), as the osi package sends
// them: GT, then DT with its Enclosure Item (beginning, middle, end, or
// both on an SSDU in one TSDU), then the segment.
func TestSegmentGolden(t *testing.T) {
	for _, c := range []struct {
		enc byte
		hex string
	}{
		{EnclosureBegin, "01 00 01 03 19 01 01 616263"},
		{0, "01 00 01 03 19 01 00 616263"},
		{EnclosureEnd, "01 00 01 03 19 01 02 616263"},
		{EnclosureBegin | EnclosureEnd, "01 00 01 03 19 01 03 616263"},
	} {
		want := []SPDU{{Kind: KindGT}, {Kind: KindDT, Enclosure: Some(c.enc), Info: []byte("abc")}}
		b, err := AppendTSDU(nil, want...)
		if err != nil || !bytes.Equal(b, unhex(t, c.hex)) {
			t.Fatalf("enclosure %d: %x %v", c.enc, b, err)
		}
		got, err := DecodeTSDU(b)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("enclosure %d: %+v %v", c.enc, got, err)
		}
	}
}
