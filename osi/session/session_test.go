package session

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func readVector(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func kindsOf(ss []SPDU) []Kind {
	var k []Kind
	for _, s := range ss {
		k = append(k, s.Kind)
	}
	return k
}

// TestGoldenRoundTrip decodes every TSDU of PP's captures and re-encodes it
// to PP's exact bytes.
func TestGoldenRoundTrip(t *testing.T) {
	files, err := filepath.Glob("testdata/*.bin")
	if err != nil || len(files) == 0 {
		t.Fatalf("no vectors: %v", err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			b := readVector(t, name)
			ss, err := DecodeTSDU(b)
			if err != nil {
				t.Fatal(err)
			}
			out, err := AppendTSDU(nil, ss...)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, b) {
				t.Fatalf("re-encode differs:\n got %x\nwant %x", out, b)
			}
		})
	}
}

func TestPingConnect(t *testing.T) {
	for _, tc := range []struct {
		capture   string
		commonRef string
		userData  int
		calledSel bool // AC carries an empty Called SSAP (52)
	}{
		{"ping88mon", "1261122205447Z", 0x91, true},
		{"ping88twa", "1261122205502Z", 0x91, true},
		{"ping88x410", "1261122205511Z", 0x38, false},
		{"ping84", "1261122205521Z", 0x38, false},
		{"transfer88", "261122211953Z", 0x7e, true},
	} {
		t.Run(tc.capture, func(t *testing.T) {
			cn := decodeOne(t, tc.capture+"-f8-init.bin")
			if cn.Kind != KindCN {
				t.Fatalf("kind %v, want CN", cn.Kind)
			}
			wantRef := append([]byte{0x17, byte(len(tc.commonRef))}, tc.commonRef...)
			if cn.ConnID == nil || !bytes.Equal(cn.ConnID.CallingRef, unhex(t, "1402766d")) ||
				!bytes.Equal(cn.ConnID.CommonRef, wantRef) || cn.ConnID.CalledRef != nil {
				t.Fatalf("connection id %+v", cn.ConnID)
			}
			wantCA := &ConnectAcceptItem{
				ProtocolOptions: Some[byte](0),
				TSDUMaxSize:     Some(TSDUMaxSize{InitToResp: 2041, RespToInit: 2041}),
				Version:         Some(Version1 | Version2),
				TokenSetting:    Some(MakeTokenSetting(TokenInitiator, TokenInitiator, TokenInitiator, TokenInitiator)),
			}
			if !reflect.DeepEqual(cn.ConnAccept, wantCA) {
				t.Fatalf("connect/accept item %+v", cn.ConnAccept)
			}
			fu := FUHalfDuplex | FUMinorSync | FUActivity | FUExceptions
			if cn.Requirements != Some(fu) || fu != 0x0249 {
				t.Fatalf("requirements %+v", cn.Requirements)
			}
			if cn.CallingSSAP != nil || cn.CalledSSAP != nil || cn.Extended || cn.DataOverflow.Ok {
				t.Fatalf("unexpected parameters %+v", cn)
			}
			if len(cn.UserData) != tc.userData || cn.UserData[0] != 0x31 {
				t.Fatalf("user data %d octets %x", len(cn.UserData), cn.UserData[:1])
			}

			ac := decodeOne(t, tc.capture+"-f9-resp.bin")
			if ac.Kind != KindAC {
				t.Fatalf("kind %v, want AC", ac.Kind)
			}
			if !bytes.Equal(ac.ConnID.CalledRef, cn.ConnID.CallingRef) || !bytes.Equal(ac.ConnID.CommonRef, wantRef) {
				t.Fatalf("AC connection id %+v", ac.ConnID)
			}
			wantCA = &ConnectAcceptItem{ProtocolOptions: Some[byte](0), Version: Some(Version2), TokenSetting: Some(TokenSetting(0))}
			if !reflect.DeepEqual(ac.ConnAccept, wantCA) {
				t.Fatalf("AC connect/accept item %+v", ac.ConnAccept)
			}
			if ac.Requirements != Some(fu) {
				t.Fatalf("AC requirements %+v", ac.Requirements)
			}
			if tc.calledSel != (ac.CalledSSAP != nil) || len(ac.CalledSSAP) != 0 {
				t.Fatalf("AC called SSAP %x (present %v)", ac.CalledSSAP, ac.CalledSSAP != nil)
			}
			if len(ac.UserData) == 0 {
				t.Fatal("AC without user data")
			}
		})
	}
}

func decodeOne(t *testing.T, name string) SPDU {
	t.Helper()
	ss, err := DecodeTSDU(readVector(t, name))
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 1 {
		t.Fatalf("%d SPDUs, want 1: %v", len(ss), kindsOf(ss))
	}
	return ss[0]
}

func TestRelease(t *testing.T) {
	for _, c := range []string{"ping88mon", "ping88twa", "transfer88"} {
		fnName, dnName := c+"-f10-init.bin", c+"-f11-resp.bin"
		if c == "transfer88" {
			fnName, dnName = c+"-f15-init.bin", c+"-f16-resp.bin"
		}
		fn := decodeOne(t, fnName)
		if fn.Kind != KindFN || fn.Disconnect != Some(TDRelease) || len(fn.UserData) != 14 || fn.UserData[0] != 0x61 {
			t.Errorf("%s: FN %+v", c, fn)
		}
		dn := decodeOne(t, dnName)
		if dn.Kind != KindDN || len(dn.UserData) != 14 || dn.Disconnect.Ok {
			t.Errorf("%s: DN %+v", c, dn)
		}
	}
	// X.410 mode: no user data on release.
	for _, c := range []string{"ping88x410", "ping84"} {
		fn := decodeOne(t, c+"-f10-init.bin")
		if fn.Kind != KindFN || fn.Disconnect != Some(TDRelease) || fn.UserData != nil {
			t.Errorf("%s: FN %+v", c, fn)
		}
		dn := decodeOne(t, c+"-f11-resp.bin")
		if dn.Kind != KindDN || dn.UserData != nil {
			t.Errorf("%s: DN %+v", c, dn)
		}
	}
}

func TestTransfer(t *testing.T) {
	decode := func(name string, want ...Kind) []SPDU {
		t.Helper()
		ss, err := DecodeTSDU(readVector(t, name))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(kindsOf(ss), want) {
			t.Fatalf("%s: kinds %v, want %v", name, kindsOf(ss), want)
		}
		return ss
	}
	// Frame 10: empty Give Tokens, then Activity Start; PP's activity id is
	// the BER encoding of INTEGER 1.
	ss := decode("transfer88-f10-init.bin", KindGT, KindAS)
	if ss[0].Tokens.Ok || !bytes.Equal(ss[1].ActivityID, []byte{2, 1, 1}) {
		t.Fatalf("GT+AS %+v", ss)
	}
	// Frame 12: GT + DT carrying the RTSE transfer (RTTR-APDU in P-DATA).
	ss = decode("transfer88-f12-init.bin", KindGT, KindDT)
	if len(ss[1].Info) != 795 || ss[1].Info[0] != 0x61 || ss[1].Enclosure.Ok {
		t.Fatalf("DT info %d octets", len(ss[1].Info))
	}
	// Second TPKT of frame 12: GT + SPDU 41 with a serial number and no
	// Sync Type Item: activity end (tshark shows MAP).
	ss = decode("transfer88-f12-tpkt2-init.bin", KindGT, KindAE)
	if ss[1].Serial != Some[uint32](1) || ss[1].SyncType.Ok {
		t.Fatalf("AE %+v", ss[1])
	}
	// Frame 14: empty Please Tokens, then the ack (AEA, same bytes as MAA).
	ss = decode("transfer88-f14-resp.bin", KindPT, KindMAA)
	if ss[1].Serial != Some[uint32](1) {
		t.Fatalf("MAA %+v", ss[1])
	}
}

func TestRoundTripBuilt(t *testing.T) {
	big := bytes.Repeat([]byte{0xAB}, 10240)
	cases := [][]SPDU{
		{{Kind: KindCN, ConnID: &ConnectionID{CallingRef: []byte("x"), CommonRef: []byte{}, AdditionalRef: []byte{1, 2},
			Unknown: []Param{{Code: 13, Value: []byte{9}}}},
			ConnAccept: &ConnectAcceptItem{ProtocolOptions: Some(OptionExtendedConcatenation),
				TSDUMaxSize: Some(TSDUMaxSize{InitToResp: 70000, RespToInit: 1, Wide: true}), Version: Some(Version2),
				InitialSerial: Some[uint32](999999), TokenSetting: Some(MakeTokenSetting(TokenChoice, TokenResponder, TokenInitiator, TokenChoice)),
				Unknown: []Param{{Code: 55, Value: []byte("12")}}},
			Requirements: Some(FUDuplex | FUDataSeparation), CallingSSAP: []byte("abc"), CalledSSAP: []byte{},
			DataOverflow: Some[byte](1), UserData: big, Extended: true}},
		{{Kind: KindOA, TSDUMaxSize: Some(TSDUMaxSize{InitToResp: 1024}), Version: Some(Version2)}},
		{{Kind: KindCDO, Enclosure: Some(EnclosureEnd), UserData: big[:300]}},
		{{Kind: KindRF, Disconnect: Some(TDRelease), Requirements: Some(FUHalfDuplex), Version: Some(Version2),
			Reason: Some(RefuseUserData), ReasonData: []byte("no")}},
		{{Kind: KindAB, Disconnect: Some(TDRelease | TDProtocolError), Reflect: []byte{1, 2, 3}, UserData: []byte{}}},
		{{Kind: KindAA}},
		{{Kind: KindNF, UserData: []byte{1}}},
		{{Kind: KindPR, PrepareType: Some[byte](1)}},
		{{Kind: KindEX, Info: []byte("x")}},
		{{Kind: KindTD, Info: big}},
		{{Kind: KindGTC}},
		{{Kind: KindGTA}},
		{{Kind: KindGT, Tokens: Some(TokenData | TokenMajor | TokenMinor | TokenRelease)}},
		{{Kind: KindPT, Tokens: Some(TokenData), UserData: []byte{5}}},
		{{Kind: KindGT}, {Kind: KindDT, Enclosure: Some(EnclosureBegin), Info: big}},
		{{Kind: KindGT}, {Kind: KindMIP, SyncType: Some[byte](1), Serial: Some[uint32](7), UserData: []byte{1}}},
		{{Kind: KindPT}, {Kind: KindMIA, Serial: Some[uint32](7)}},
		{{Kind: KindGT}, {Kind: KindMAP, SyncType: Some(SyncNoEnd), Serial: Some[uint32](12)}},
		{{Kind: KindGT}, {Kind: KindAE, Serial: Some[uint32](0)}},
		{{Kind: KindGT}, {Kind: KindRS, ResyncType: Some[byte](0), Serial: Some[uint32](3), Tokens: Some(TokenData)}},
		{{Kind: KindPT}, {Kind: KindRA, Serial: Some[uint32](3)}},
		{{Kind: KindGT}, {Kind: KindAS, ActivityID: []byte{2, 1, 1}}},
		{{Kind: KindGT}, {Kind: KindAR, ActivityID: []byte{1}, Linking: &LinkingInfo{OldActivityID: []byte{1}, Serial: Some[uint32](0)}}},
		{{Kind: KindGT}, {Kind: KindAI, Reason: Some[byte](0)}},
		{{Kind: KindPT}, {Kind: KindAIA}},
		{{Kind: KindGT}, {Kind: KindAD, Reason: Some[byte](3)}},
		{{Kind: KindPT}, {Kind: KindADA}},
		{{Kind: KindGT}, {Kind: KindCD, UserData: []byte{1}}},
		{{Kind: KindPT}, {Kind: KindCDA}},
		{{Kind: KindPT}, {Kind: KindER, Reason: Some[byte](0)}},
		{{Kind: KindPT}, {Kind: KindED, Reason: Some[byte](1), UserData: []byte{1}}},
		// Extended concatenation: GT, MAP, then DT; and a trailing FN.
		{{Kind: KindGT}, {Kind: KindMAP, SyncType: Some(SyncNoEnd), Serial: Some[uint32](1)}, {Kind: KindPR, PrepareType: Some[byte](2)},
			{Kind: KindDT, Info: []byte("hello")}},
		{{Kind: KindGT}, {Kind: KindAE, Serial: Some[uint32](2)}, {Kind: KindFN, Disconnect: Some(TDRelease)}},
	}
	for i, in := range cases {
		b, err := AppendTSDU([]byte{0xEE}, in...)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		out, err := DecodeTSDU(b[1:])
		if err != nil {
			t.Fatalf("case %d: %v (%x)", i, err, b)
		}
		if !reflect.DeepEqual(kindsOf(out), kindsOf(in)) {
			t.Fatalf("case %d: kinds %v, want %v", i, kindsOf(out), kindsOf(in))
		}
		for j := range in {
			w := in[j]
			if w.Kind.HasUserInfo() && w.Info == nil {
				w.Info = []byte{}
			}
			if !reflect.DeepEqual(out[j], w) {
				t.Fatalf("case %d SPDU %d:\n got %+v\nwant %+v", i, j, out[j], w)
			}
		}
	}
}

func TestLongLength(t *testing.T) {
	b, err := AppendTSDU(nil, SPDU{Kind: KindCN, UserData: make([]byte, 300)})
	if err != nil {
		t.Fatal(err)
	}
	// SI, 0xFF, 2-octet LI (304), PGI 193, 0xFF, 2-octet LI (300).
	if want := unhex(t, "0d ff0130 c1 ff012c"); !bytes.Equal(b[:len(want)], want) || len(b) != len(want)+300 {
		t.Fatalf("got %x...", b[:10])
	}
	// A non-minimal long-form LI decodes to the same value.
	ss, err := DecodeTSDU(unhex(t, "09 ff0005 11 ff0001 01"))
	if err != nil || ss[0].Disconnect != Some(TDRelease) {
		t.Fatalf("%v %+v", err, ss)
	}
}

func TestMalformed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     string
		kind   Kind
		param  byte
		offset int
		td     byte
		msg    string
	}{
		{"empty", "", KindUnknown, 0, 0, 0x05, "empty TSDU"},
		{"unknown SI", "03 00", KindUnknown, 0, 0, 0x05, "unknown or misplaced"},
		{"category 2 first", "2a 03 2a 01 31", KindUnknown, 0, 0, 0x05, "unknown or misplaced"},
		{"truncated LI", "0d", KindCN, 0, 1, 0x05, "truncated length"},
		{"truncated long LI", "0d ff 00", KindCN, 0, 1, 0x05, "truncated length"},
		{"LI overruns", "0d 05 14 02 02 49", KindCN, 0, 1, 0x05, "overruns the TSDU"},
		{"PI overruns", "0d 04 14 03 02 49", KindCN, 20, 2, 0x05, "overruns the SPDU"},
		{"PI truncated length", "0d 01 14", KindCN, 20, 2, 0x05, "truncated parameter"},
		{"PI in PGI overruns", "0d 04 01 02 0a 05", KindCN, 10, 4, 0x05, "overruns PGI 1"},
		{"requirements length", "0d 03 14 01 02", KindCN, 20, 2, 0x05, "want 2"},
		{"repeated PI", "09 06 11 01 01 11 01 01", KindFN, 17, 5, 0x05, "repeated"},
		{"repeated in PGI 5", "0d 08 05 06 16 01 02 16 01 02", KindCN, 22, 7, 0x05, "repeated in PGI 5"},
		{"both user data", "0d 04 c1 00 c2 00", KindCN, 194, 4, 0x05, "both User Data"},
		{"serial not digits", "01 00 29 03 2a 01 41", KindMAP, 42, 4, 0x05, "digit"},
		{"serial too long", "01 00 29 09 2a 07 31 32 33 34 35 36 37", KindMAP, 42, 4, 0x05, "want 1 to 6"},
		{"TSDU size length", "0d 05 05 03 15 01 00", KindCN, 21, 4, 0x05, "want 4 or 8"},
		{"selector too long", "0d 13 33 11 " + strings.Repeat("00", 17), KindCN, 51, 2, 0x05, "at most 16"},
		{"activity id too long", "01 00 2d 09 29 07 00 00 00 00 00 00 00", KindAS, 41, 4, 0x05, "at most 6"},
		{"common ref too long", "0d 45 01 43 0b 41 " + strings.Repeat("00", 65), KindCN, 11, 4, 0x05, "at most 64"},
		{"empty reason", "0c 02 32 00", KindRF, 50, 2, 0x05, "empty reason"},
		{"category 1 then more", "0a 00 0a 00", KindDN, 0, 2, 0x05, "category 1 SPDU followed"},
		{"PT after GT", "01 00 02 00", KindUnknown, 0, 2, 0x05, "cannot follow a category 0"},
		{"FN after GT", "01 00 09 00", KindFN, 0, 2, 0x05, "cannot follow a category 0"},
		{"too many SPDUs", "01 00" + strings.Repeat(" 29 03 2a 01 31", MaxSPDUs), KindMAP, 0, 2 + 5*(MaxSPDUs-1), 0x11, "more than 16 SPDUs"},
		{"too many unknown", "0d 66" + strings.Repeat(" 63 01 00", 34), KindCN, 0x63, 2 + 3*32, 0x11, "undecoded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeTSDU(unhex(t, tc.in))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v, want *Error", err)
			}
			if e.SPDU != tc.kind || e.Param != tc.param || e.Offset != tc.offset || e.Disconnect != tc.td || !strings.Contains(e.Msg, tc.msg) {
				t.Fatalf("got %+v (%v)", e, e)
			}
			ab := e.Abort()
			b, err := AppendTSDU(nil, *ab)
			if err != nil || !bytes.Equal(b, []byte{25, 3, 17, 1, tc.td}) {
				t.Fatalf("abort %x %v", b, err)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []SPDU
		msg  string
	}{
		{"none", nil, "no SPDU"},
		{"unknown kind", []SPDU{{Kind: KindUnknown}}, "cannot encode"},
		{"category 2 first", []SPDU{{Kind: KindDT}}, "must follow a category 0"},
		{"category 1 not alone", []SPDU{{Kind: KindFN}, {Kind: KindDN}}, "must be alone"},
		{"category 1 after category 0", []SPDU{{Kind: KindGT}, {Kind: KindFN}}, "only a category 2"},
		{"AB after category 2", []SPDU{{Kind: KindGT}, {Kind: KindMIA}, {Kind: KindAB}}, "cannot be concatenated"},
		{"DT not last", []SPDU{{Kind: KindGT}, {Kind: KindDT}, {Kind: KindMIA}}, "must be last"},
		{"MAP without sync type", []SPDU{{Kind: KindGT}, {Kind: KindMAP}}, "Sync Type"},
		{"AE with no-end", []SPDU{{Kind: KindGT}, {Kind: KindAE, SyncType: Some(SyncNoEnd)}}, "must not carry"},
		{"serial too big", []SPDU{{Kind: KindGT}, {Kind: KindMIP, Serial: Some[uint32](1000000)}}, "above 999999"},
		{"selector too long", []SPDU{{Kind: KindCN, CalledSSAP: make([]byte, 17)}}, "at most 16"},
		{"info on CN", []SPDU{{Kind: KindCN, Info: []byte{}}}, "no user information"},
		{"unknown with known code", []SPDU{{Kind: KindCN, Unknown: []Param{{Code: 20}}}}, "decoded code"},
		{"too long", []SPDU{{Kind: KindCN, UserData: make([]byte, 70000)}}, "at most 65535"},
		{"extended without data", []SPDU{{Kind: KindCN, Extended: true}}, "Extended set"},
		{"reason data alone", []SPDU{{Kind: KindRF, ReasonData: []byte{1}}}, "without a reason"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := []byte{1, 2}
			out, err := AppendTSDU(dst, tc.in...)
			var e *Error
			if !errors.As(err, &e) || !strings.Contains(e.Msg, tc.msg) {
				t.Fatalf("error %v, want %q", err, tc.msg)
			}
			if !bytes.Equal(out, []byte{1, 2}) {
				t.Fatalf("dst changed: %x", out)
			}
		})
	}
}

func TestKinds(t *testing.T) {
	for k := KindCN; k < kindCount; k++ {
		if k.String() == "" || k.SI() == 0xFF {
			t.Errorf("kind %d: %q SI %d", k, k, k.SI())
		}
	}
	if Kind(200).String() != "Kind(200)" {
		t.Error(Kind(200).String())
	}
	ts := MakeTokenSetting(TokenChoice, TokenResponder, TokenInitiator, TokenChoice)
	if ts.Data() != TokenChoice || ts.Minor() != TokenResponder || ts.Major() != TokenInitiator || ts.Release() != TokenChoice {
		t.Errorf("token setting %08b", ts)
	}
	e := &Error{SPDU: KindCN, Param: 20, Offset: 3, Msg: "x"}
	if e.Error() != "session: CN parameter 20 at offset 3: x" {
		t.Error(e.Error())
	}
}

// AppendDataHeader and the user information are what AppendTSDU writes
// for GT+DT.
func TestAppendDataHeader(t *testing.T) {
	info := []byte{0x61, 3, 1, 2, 3}
	want, err := AppendTSDU(nil, SPDU{Kind: KindGT}, SPDU{Kind: KindDT, Info: info})
	if err != nil {
		t.Fatal(err)
	}
	if got := append(AppendDataHeader(nil), info...); !bytes.Equal(got, want) {
		t.Errorf("%x, want %x", got, want)
	}
}
