package p1

import (
	"bytes"
	"testing"

	"mixerd/x400"
)

// TestTransferLarge sends messages past 1 MiB with the default limits and
// no checkpointing (what mixerd send does): the whole APDU then travels in
// one TSDU, which the responder's default limits must take.
func TestTransferLarge(t *testing.T) {
	sink := &fakeSink{}
	addr := start(t, &ServerConfig{Peers: peersA()}, sink)
	c, _, err := Bind(ctx(t), dialConfig(addr, "mta-a", "secret-a"))
	if err != nil {
		t.Fatal(err)
	}
	var want [][]byte
	for _, size := range []int{1 << 20, 5 << 20} {
		m := x400.SampleMessage()
		m.Message.Content = bytes.Repeat([]byte{0x5a}, size)
		b := marshal(t, m)
		if err := c.Transfer(ctx(t), b); err != nil {
			t.Fatalf("transfer of %d octets: %v", len(b), err)
		}
		want = append(want, b)
	}
	if err := c.Close(ctx(t)); err != nil {
		t.Fatal(err)
	}
	got, _ := sink.received()
	if len(got) != len(want) {
		t.Fatalf("sink got %d APDUs, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("APDU %d differs", i)
		}
	}
}
