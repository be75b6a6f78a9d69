// Package netfault has network faults for tests: a TCP proxy that kills a
// connection in the middle of what it carries, as a network failure or a
// crashed router would.
package netfault

import (
	"io"
	"net"
	"sync"
	"testing"
)

// CutProxy forwards the TCP connections it accepts on 127.0.0.1 to a
// target. The first connection is killed, both ways and with a reset,
// once Cut octets went from the client to the server; the later ones are
// forwarded whole.
type CutProxy struct {
	ln  net.Listener
	mu  sync.Mutex
	all []net.Conn
	n   int
	wg  sync.WaitGroup
}

// NewCutProxy starts a proxy to target that cuts the first connection
// after cut octets from the client; it stops at the end of the test.
func NewCutProxy(t testing.TB, target string, cut int64) *CutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &CutProxy{ln: ln}
	p.wg.Add(1)
	go p.loop(target, cut)
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

func (p *CutProxy) loop(target string, cut int64) {
	defer p.wg.Done()
	for {
		cl, err := p.ln.Accept()
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
}

// Addr is the address the proxy listens on.
func (p *CutProxy) Addr() string { return p.ln.Addr().String() }

// Conns is the number of connections accepted so far.
func (p *CutProxy) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}
