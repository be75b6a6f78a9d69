package osi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"regexp"
	"sync"
	"testing"
	"time"

	"mixerd/osi/transport"
)

// rawPeer connects to l, sends PP's CR (and CN when cn is set) and reads
// our answers, then returns the connection for the test to misbehave on.
func rawPeer(t *testing.T, l *Listener, cn bool) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	send := func(name string) {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := nc.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	send("ping88mon-f04-init.bin")
	if pkt := readTPKT(t, nc); pkt[5] != 0xd0 {
		t.Fatalf("no CC: %x", pkt)
	}
	if cn {
		send("ping88mon-f08-init.bin")
		if pkt := readTPKT(t, nc); pkt[5] != 0xf0 || pkt[7] != 14 {
			t.Fatalf("no AC: %x", pkt)
		}
	}
	return nc
}

func readTPKT(t *testing.T, nc net.Conn) []byte {
	t.Helper()
	pkt, err := transport.ReadTPKT(nc, nil, transport.MaxTPKTLen)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return pkt
}

// expectClosed reads what the server sends before it closes: the TPKTs,
// then EOF.
func expectClosed(t *testing.T, nc net.Conn) [][]byte {
	t.Helper()
	var pkts [][]byte
	for {
		pkt, err := transport.ReadTPKT(nc, nil, transport.MaxTPKTLen)
		if errors.Is(err, io.EOF) {
			nc.Close() // as a peer does on a DR or a close
			return pkts
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		pkts = append(pkts, pkt)
	}
}

// acceptErr runs Accept and returns its error.
func acceptErr(ctx context.Context, l *Listener) <-chan error {
	ch := make(chan error, 1)
	go func() {
		in, err := l.Accept(ctx)
		if err == nil {
			in.c.close()
			err = errors.New("accepted")
		}
		ch <- err
	}()
	return ch
}

func isDR(p []byte) bool { return len(p) > 5 && p[5] == 0x80 }

// isAB reports whether p is a DT whose TSDU starts with an AB SPDU.
func isAB(p []byte) bool { return len(p) > 7 && p[5] == 0xf0 && p[7] == 25 }

func TestGarbageAfterCR(t *testing.T) {
	ctx := t.Context()
	for _, c := range []struct {
		name string
		data []byte
		want func([][]byte) bool
	}{
		// Not a TPKT at all: no framing left, the connection is closed.
		{"no-tpkt", []byte("EHLO garbage\r\n"), func(p [][]byte) bool { return len(p) == 0 }},
		// A DT whose TSDU is not an SPDU: a session AB, then a DR.
		{"bad-spdu", []byte{3, 0, 0, 12, 2, 0xf0, 0x80, 0xee, 0x03, 1, 2, 3}, func(p [][]byte) bool { return len(p) == 2 && isAB(p[0]) && isDR(p[1]) }},
		// A TPDU that is not a DT in the data phase: an ER.
		{"cr-again", []byte{3, 0, 0, 11, 6, 0xe0, 0, 0, 1, 2, 0}, func(p [][]byte) bool { return len(p) == 1 && p[0][5] == 0x70 }},
		// A TPDU type that does not exist: an ER.
		{"bad-tpdu", []byte{3, 0, 0, 7, 2, 0x30, 0x80}, func(p [][]byte) bool { return len(p) == 1 && p[0][5] == 0x70 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := listen(t)
			errc := acceptErr(ctx, l)
			nc := rawPeer(t, l, false)
			nc.Write(c.data)
			pkts := expectClosed(t, nc)
			if !c.want(pkts) {
				t.Errorf("answer %x", pkts)
			}
			var ae *AbortError
			if err := <-errc; !errors.As(err, &ae) || ae.Peer {
				t.Errorf("accept: %v", err)
			}
		})
	}
}

func TestTruncatedTPKT(t *testing.T) {
	l := listen(t)
	errc := acceptErr(t.Context(), l)
	nc := rawPeer(t, l, false)
	nc.Write([]byte{3, 0, 0, 100, 2, 0xf0, 0x80, 13, 50})
	nc.(*net.TCPConn).CloseWrite()
	if pkts := expectClosed(t, nc); len(pkts) != 0 {
		t.Errorf("answer %x", pkts)
	}
	var ae *AbortError
	if err := <-errc; !errors.As(err, &ae) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("accept: %v", err)
	}
}

func TestOversize(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		dr   bool
	}{
		// A TPKT longer than Limits.MaxTPKT: closed without reading it.
		{"tpkt", []byte{3, 0, 0xea, 0x60, 2, 0xf0, 0x80}, false},
		// DT TPDUs whose TSDU grows past Limits.MaxTSDU: a DR.
		{"tsdu", func() []byte {
			var b []byte
			for range 10 {
				b = append(b, 3, 0, 0, 107, 2, 0xf0, 0)
				b = append(b, make([]byte, 100)...)
			}
			return b
		}(), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, err := Listen("127.0.0.1:0", ListenConfig{Logger: testLogger(t), Timeouts: testTimeouts(),
				Limits: Limits{MaxTPKT: 1024, MaxTSDU: 500, MaxSegments: 100}})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			errc := acceptErr(t.Context(), l)
			nc := rawPeer(t, l, false)
			nc.Write(c.data)
			pkts := expectClosed(t, nc)
			if c.dr != (len(pkts) == 1 && isDR(pkts[0])) || (!c.dr && len(pkts) != 0) {
				t.Errorf("answer %x", pkts)
			}
			var ae *AbortError
			if err := <-errc; !errors.As(err, &ae) {
				t.Errorf("accept: %v", err)
			}
		})
	}
}

// An SPDU that is not allowed once the association is up (here an AC)
// is answered with a session AB (protocol error) and a DR.
func TestOutOfStateSPDU(t *testing.T) {
	ctx := t.Context()
	var logged bytes.Buffer
	l, err := Listen("127.0.0.1:0", ListenConfig{Logger: slog.New(slog.NewTextHandler(&lockedWriter{w: &logged}, nil)), Timeouts: testTimeouts()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	errc := make(chan error, 1)
	go func() {
		in, err := l.Accept(ctx)
		if err != nil {
			errc <- err
			return
		}
		a, err := in.Accept(ctx, testBindResult)
		if err != nil {
			errc <- err
			return
		}
		errc <- a.Close(ctx)
	}()
	nc := rawPeer(t, l, true)
	nc.Write([]byte{3, 0, 0, 9, 2, 0xf0, 0x80, 14, 0}) // AC SPDU, empty
	pkts := expectClosed(t, nc)
	if len(pkts) != 2 || !isAB(pkts[0]) || !isDR(pkts[1]) || pkts[0][9] != 17 || pkts[0][11] != 0x05 {
		t.Errorf("answer %x", pkts)
	}
	var ae *AbortError
	if err := <-errc; !errors.As(err, &ae) || ae.Layer != LayerSession || ae.Peer {
		t.Errorf("server: %v", err)
	}
	// The log line names the connection, the peer, the layer and the cause.
	line := regexp.MustCompile(`msg="osi protocol error" conn=\d+ peer=127\.0\.0\.1:\d+ layer=session cause="session: unexpected AC"`)
	if !line.MatchString(logged.String()) {
		t.Errorf("log:\n%s", logged.String())
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// A CR answered with a DR: a transport refusal.
func TestTransportRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		transport.ReadTPKT(c, nil, transport.MaxTPKTLen)
		c.Write([]byte{3, 0, 0, 11, 6, 0x80, 0, 1, 0, 0, 3}) // DR, address unknown
		io.Copy(io.Discard, c)
	}()
	_, _, err = Dial(t.Context(), DialConfig{Address: ln.Addr().String(), Logger: testLogger(t), Timeouts: testTimeouts()}, testBindArg)
	var re *RefusedError
	if !errors.As(err, &re) || re.Layer != LayerTransport || re.Reason != 3 {
		t.Errorf("dial: %v", err)
	}
}

// A peer that stops answering: the configured timeout ends the wait.
func TestDeadlines(t *testing.T) {
	short := Timeouts{Connect: 5 * time.Second, Read: 200 * time.Millisecond, Write: time.Second, Release: time.Second}
	t.Run("listener", func(t *testing.T) {
		l, err := Listen("127.0.0.1:0", ListenConfig{Logger: testLogger(t), Timeouts: short})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		errc := acceptErr(t.Context(), l)
		nc := rawPeer(t, l, false) // CR, then silence
		start := time.Now()
		err = <-errc
		if !errors.Is(err, os.ErrDeadlineExceeded) || time.Since(start) > 2*time.Second {
			t.Errorf("accept after %v: %v", time.Since(start), err)
		}
		nc.Close()
	})
	t.Run("dialer", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			c, err := ln.Accept()
			if err == nil {
				time.Sleep(3 * time.Second)
				c.Close()
			}
		}()
		start := time.Now()
		_, _, err = Dial(t.Context(), DialConfig{Address: ln.Addr().String(), Logger: testLogger(t), Timeouts: short}, testBindArg)
		if !errors.Is(err, os.ErrDeadlineExceeded) || time.Since(start) > 2*time.Second {
			t.Errorf("dial after %v: %v", time.Since(start), err)
		}
	})
	t.Run("context", func(t *testing.T) {
		l := listen(t)
		errc := acceptErr(t.Context(), l)
		_ = errc
		ctx, cancel := context.WithTimeout(t.Context(), 150*time.Millisecond)
		defer cancel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		start := time.Now()
		_, _, err = Dial(ctx, DialConfig{Address: ln.Addr().String(), Logger: testLogger(t), Timeouts: testTimeouts()}, testBindArg)
		if err == nil || time.Since(start) > 2*time.Second {
			t.Errorf("dial after %v: %v", time.Since(start), err)
		}
	})
}
