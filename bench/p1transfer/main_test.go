package main

import (
	"testing"

	"mixerd/x400"
)

func TestMakeAPDU(t *testing.T) {
	for _, n := range []int{5_000, 1_000_000} {
		enc, err := makeAPDU(n)
		if err != nil {
			t.Fatal(err)
		}
		if len(enc) != n {
			t.Errorf("APDU of %d octets, want %d", len(enc), n)
		}
		a, err := x400.DecodeMTSAPDU(enc, nil)
		if err != nil || a.Message == nil {
			t.Fatalf("%d: not a message: %v", n, err)
		}
		if _, err := x400.DecodeInformationObject(a.Message.Content, nil); err != nil {
			t.Errorf("%d: the content is not an IPM: %v", n, err)
		}
	}
	if _, err := makeAPDU(100); err == nil {
		t.Error("an APDU smaller than the sample message's envelope was made")
	}
}

func TestParseSizes(t *testing.T) {
	got, err := parseSizes("5KB, 1MB:20,2048", 7)
	if err != nil {
		t.Fatal(err)
	}
	want := []size{{"5KB", 5000, 7}, {"1MB", 1_000_000, 20}, {"2048", 2048, 7}}
	if len(got) != len(want) {
		t.Fatalf("%v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("size %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	for _, bad := range []string{"", "5XB", "1MB:0", "-3KB", "KB"} {
		if _, err := parseSizes(bad, 1); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
