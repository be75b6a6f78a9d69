package p1

import (
	"bytes"
	"testing"
	"time"

	"mixerd/internal/netfault"
	"mixerd/osi"
	"mixerd/x400"
)

// Issue 3's proof at the P1 level: a 6 MB message whose connection is
// killed in the middle of its transfer is recovered (RTSE recovery, X.228
// §7.8) and handed to the sink exactly once, byte for byte.
func TestTransferRecovered(t *testing.T) {
	for _, mode := range []osi.Mode{osi.Mode1988Normal, osi.Mode1988X410} {
		t.Run(mode.String(), func(t *testing.T) {
			sink := &fakeSink{}
			cfg := &ServerConfig{Peers: peersA()}
			cfg.Recovery = osi.RecoveryConfig{Timeout: 10 * time.Second}
			addr := start(t, cfg, sink)
			p := netfault.NewCutProxy(t, addr, 3<<20)
			dc := dialConfig(p.Addr(), "mta-a", "secret-a")
			dc.Mode = mode
			dc.CheckpointSize, dc.WindowSize, dc.TPDUSize = 16, 3, 8192
			dc.Recovery = osi.RecoveryConfig{Attempts: 3, Backoff: 5 * time.Millisecond}
			c, _, err := Bind(ctx(t), dc)
			if err != nil {
				t.Fatal(err)
			}
			m := x400.SampleMessage()
			m.Message.Content = bytes.Repeat([]byte{0x5a}, 6<<20)
			b := marshal(t, m)
			if err := c.Transfer(ctx(t), b); err != nil {
				t.Fatalf("transfer: %v", err)
			}
			if n := p.Conns(); n != 2 {
				t.Fatalf("%d connections: no recovery happened", n)
			}
			if err := c.Close(ctx(t)); err != nil {
				t.Fatal(err)
			}
			got, from := sink.received()
			if len(got) != 1 || !bytes.Equal(got[0], b) || from[0] != "mta-a" {
				t.Fatalf("sink got %d APDUs", len(got))
			}
		})
	}
}
