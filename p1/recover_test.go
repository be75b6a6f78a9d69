package p1

import (
	"bytes"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"mixerd/osi"
	"mixerd/x400"
)

// cutProxy forwards TCP connections to target and kills the first one
// (both directions, with a reset) once cut octets went from the client to
// the server; later connections are forwarded whole.
type cutProxy struct {
	ln  net.Listener
	mu  sync.Mutex
	all []net.Conn
	n   int
	wg  sync.WaitGroup
}

func newCutProxy(t *testing.T, target string, cut int64) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			cl, err := ln.Accept()
			if err != nil {
				return
			}
			sv, err := net.Dial("tcp", target)
			if err != nil {
				cl.Close()
				continue
			}
			p.mu.Lock()
			first := p.n == 0
			p.n++
			p.all = append(p.all, cl, sv)
			p.mu.Unlock()
			p.wg.Add(2)
			go func() {
				defer p.wg.Done()
				if first {
					io.CopyN(sv, cl, cut)
					for _, c := range []net.Conn{cl, sv} {
						c.(*net.TCPConn).SetLinger(0)
						c.Close()
					}
					return
				}
				io.Copy(sv, cl)
				sv.(*net.TCPConn).CloseWrite()
			}()
			go func() {
				defer p.wg.Done()
				io.Copy(cl, sv)
				cl.(*net.TCPConn).CloseWrite()
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for _, c := range p.all {
			c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *cutProxy) conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

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
			p := newCutProxy(t, addr, 3<<20)
			dc := dialConfig(p.ln.Addr().String(), "mta-a", "secret-a")
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
			if n := p.conns(); n != 2 {
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
