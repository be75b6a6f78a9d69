package session

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// arGolden is GT + ACTIVITY RESUME as the osi package sends it after an
// RTSE recovery (X.225 §8.3.30, units in ascending code order as ISODE
// writes them): Linking Information (PGI 33) with the calling SS-user
// reference "1a2b" (PI 10), the common reference, PP's BER UTCTime (PI 11),
// the old activity identifier INTEGER 1 (PI 41) and serial number 3 (PI 42);
// then the new activity identifier INTEGER 2 (PI 41).
const arGolden = "01 00" +
	" 1d 26" +
	" 21 1f" +
	" 0a 04 31 61 32 62" +
	" 0b 0f 17 0d 32 36 31 31 32 32 32 31 31 39 35 33 5a" +
	" 29 03 02 01 01" +
	" 2a 01 33" +
	" 29 03 02 01 02"

func TestActivityResumeGolden(t *testing.T) {
	want := []SPDU{{Kind: KindGT}, {Kind: KindAR, ActivityID: []byte{2, 1, 2}, Linking: &LinkingInfo{
		CallingRef:    []byte("1a2b"),
		CommonRef:     append([]byte{0x17, 0x0d}, "261122211953Z"...),
		OldActivityID: []byte{2, 1, 1},
		Serial:        Some[uint32](3),
	}}}
	b, err := AppendTSDU(nil, want...)
	if err != nil {
		t.Fatal(err)
	}
	if g := unhex(t, arGolden); !bytes.Equal(b, g) {
		t.Fatalf("encoded\n got %x\nwant %x", b, g)
	}
	got, err := DecodeTSDU(unhex(t, arGolden))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decoded\n got %+v %+v\nwant %+v %+v", got[1], got[1].Linking, want[1], want[1].Linking)
	}
}

// Every unit of PGI 33, an undecoded one kept, a long PGI (LI 0xFF form),
// an empty reference, the Enclosure Item and User Data of a version 2 AR:
// what is built decodes to the same value, and the bytes decode and
// encode back to themselves.
func TestActivityResumeRoundTrip(t *testing.T) {
	for i, ar := range []SPDU{
		{Kind: KindAR, ActivityID: []byte{}, Linking: &LinkingInfo{OldActivityID: []byte{}, Serial: Some[uint32](0)}},
		{Kind: KindAR, ActivityID: []byte{1, 2, 3, 4, 5, 6}, Linking: &LinkingInfo{
			CalledRef: bytes.Repeat([]byte{'c'}, 64), CallingRef: bytes.Repeat([]byte{'k'}, 64), CommonRef: bytes.Repeat([]byte{'m'}, 64),
			AdditionalRef: []byte{1, 2, 3, 4}, OldActivityID: []byte{9, 9, 9, 9, 9, 9}, Serial: Some[uint32](999999),
			Unknown: []Param{{Code: 13, Value: []byte{7}}, {Code: 200, Value: []byte{}}}},
			Enclosure: Some(EnclosureBegin | EnclosureEnd), UserData: []byte("resumed")},
		{Kind: KindAR, ActivityID: []byte{2, 1, 7}, Linking: &LinkingInfo{CalledRef: []byte{}, CallingRef: []byte("x")}},
		{Kind: KindAR, ActivityID: []byte{2, 1, 7}, Linking: &LinkingInfo{}},
	} {
		b, err := AppendTSDU(nil, SPDU{Kind: KindGT}, ar)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		got, err := DecodeTSDU(b)
		if err != nil {
			t.Fatalf("case %d: %v (%x)", i, err, b)
		}
		if len(got) != 2 || !reflect.DeepEqual(got[1], ar) {
			t.Fatalf("case %d:\n got %+v\nwant %+v", i, got, ar)
		}
		again, err := AppendTSDU(nil, got...)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("case %d: re-encoded %x %v, want %x", i, again, err, b)
		}
	}
}

func TestActivityResumeMalformed(t *testing.T) {
	// Offsets are of the offending unit in the TSDU: GT is 2 octets, the
	// AR header 2, PGI 33's header 2, so its first unit is at 6.
	for _, tc := range []struct {
		name   string
		in     string
		param  byte
		offset int
		td     byte
		msg    string
	}{
		{"PI overruns PGI", "01 00 1d 04 21 02 29 05", 41, 6, 0x05, "overruns PGI 33"},
		{"PGI overruns SPDU", "01 00 1d 04 21 05 29 01", 33, 4, 0x05, "overruns the SPDU"},
		{"truncated PI length", "01 00 1d 03 21 01 29", 41, 6, 0x05, "truncated parameter"},
		{"repeated old id", "01 00 1d 08 21 06 29 01 01 29 01 02", 41, 9, 0x05, "repeated in PGI 33"},
		{"repeated serial", "01 00 1d 08 21 06 2a 01 31 2a 01 32", 42, 9, 0x05, "repeated in PGI 33"},
		{"repeated PGI", "01 00 1d 04 21 00 21 00", 33, 6, 0x05, "parameter repeated"},
		{"old id too long", "01 00 1d 0b 21 09 29 07 01 02 03 04 05 06 07", 41, 6, 0x05, "at most 6"},
		{"additional ref too long", "01 00 1d 09 21 07 0c 05 01 02 03 04 05", 12, 6, 0x05, "at most 4"},
		{"calling ref too long", "01 00 1d 45 21 43 0a 41 " + strings.Repeat("00", 65), 10, 6, 0x05, "at most 64"},
		{"serial not digits", "01 00 1d 05 21 03 2a 01 41", 42, 6, 0x05, "digit"},
		{"serial empty", "01 00 1d 04 21 02 2a 00", 42, 6, 0x05, "want 1 to 6"},
		{"serial too long", "01 00 1d 0b 21 09 2a 07 31 32 33 34 35 36 37", 42, 6, 0x05, "want 1 to 6"},
		{"too many unknown", "01 00 1d ff 00 65 21 63" + strings.Repeat(" 63 01 00", 33), 0x63, 8 + 3*32, 0x11, "undecoded parameters in PGI 33"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeTSDU(unhex(t, tc.in))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v, want *Error", err)
			}
			if e.SPDU != KindAR || e.Param != tc.param || e.Offset != tc.offset || e.Disconnect != tc.td || !strings.Contains(e.Msg, tc.msg) {
				t.Fatalf("got %+v (%v)", e, e)
			}
			b, err := AppendTSDU(nil, *e.Abort())
			if err != nil || !bytes.Equal(b, []byte{25, 3, 17, 1, tc.td}) {
				t.Fatalf("abort %x %v", b, err)
			}
		})
	}
}

func TestActivityResumeEncodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		l    LinkingInfo
		msg  string
	}{
		{"serial too big", LinkingInfo{Serial: Some[uint32](1000000)}, "above 999999"},
		{"old id too long", LinkingInfo{OldActivityID: make([]byte, 7)}, "at most 6"},
		{"additional ref too long", LinkingInfo{AdditionalRef: make([]byte, 5)}, "at most 4"},
		{"common ref too long", LinkingInfo{CommonRef: make([]byte, 65)}, "at most 64"},
		{"unknown with known code", LinkingInfo{Unknown: []Param{{Code: 42, Value: []byte("1")}}}, "decoded code in PGI 33"},
		{"too many unknown", LinkingInfo{Unknown: make([]Param, maxUnknown+1)}, "undecoded parameters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := tc.l
			out, err := AppendTSDU([]byte{7}, SPDU{Kind: KindGT}, SPDU{Kind: KindAR, ActivityID: []byte{1}, Linking: &l})
			var e *Error
			if !errors.As(err, &e) || !strings.Contains(e.Msg, tc.msg) {
				t.Fatalf("error %v, want %q", err, tc.msg)
			}
			if !bytes.Equal(out, []byte{7}) {
				t.Fatalf("dst changed: %x", out)
			}
		})
	}
}
