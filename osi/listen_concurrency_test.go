package osi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncLog is a log destination the handshake goroutines can share.
type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncLog) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncLog) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// slowTimeouts gives a silent peer 2 s before its handshake times out.
func slowTimeouts() Timeouts {
	return Timeouts{Connect: 2 * time.Second, Read: 2 * time.Second, Write: 2 * time.Second, Release: time.Second}
}

// silentPeer opens a TCP connection to l and sends nothing.
func silentPeer(t *testing.T, l *Listener) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}

// waitHandshakes waits until n handshakes are in progress (or waiting for
// Accept) on l.
func waitHandshakes(t *testing.T, l *Listener, n int) {
	t.Helper()
	for end := time.Now().Add(2 * time.Second); len(l.sem) != n; {
		if time.Now().After(end) {
			t.Fatalf("%d handshakes in progress, want %d", len(l.sem), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitGoroutines waits until no more than n goroutines run.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	for end := time.Now().Add(3 * time.Second); runtime.NumGoroutine() > n; {
		if time.Now().After(end) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, want at most %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// expectEOF checks that the server closes nc without sending anything.
func expectEOF(t *testing.T, nc net.Conn, within time.Duration) {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(within))
	n, err := nc.Read(make([]byte, 64))
	if n != 0 || (!errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET)) {
		t.Errorf("read %d octets: %v, want the connection closed", n, err)
	}
}

// A silent peer (TCP connect, nothing sent) does not delay a well-behaved
// initiator that connects after it.
func TestSilentPeerDoesNotBlock(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	l, err := Listen("127.0.0.1:0", ListenConfig{Logger: testLogger(t), Timeouts: slowTimeouts()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	silent := silentPeer(t, l)
	waitHandshakes(t, l, 1)

	start := time.Now()
	ch := serve(ctx, l, false)
	a, res, err := Dial(ctx, DialConfig{Address: l.Addr().String(), Mode: Mode1988Normal, Logger: testLogger(t), Timeouts: testTimeouts()}, testBindArg)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("association established after %v, behind the silent peer", d)
	}
	if !bytes.Equal(res, testBindResult) {
		t.Errorf("bind result %x", res)
	}
	if err := a.Close(ctx); err != nil {
		t.Errorf("close: %v", err)
	}
	if r := <-ch; r.err != nil {
		t.Fatalf("server: %v", r.err)
	}

	// The silent peer's handshake still ends with its own timeout, and
	// Accept returns its error.
	_, err = l.Accept(ctx)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("silent peer: %v", err)
	}
	expectEOF(t, silent, time.Second)
}

// Beyond the handshake limit, a new TCP connection is closed at once and
// logged; once a handshake ends, its slot is free again.
func TestMaxHandshakes(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var logged syncLog
	l, err := listenMax("127.0.0.1:0", ListenConfig{Logger: slog.New(slog.NewTextHandler(&logged, nil)), Timeouts: slowTimeouts()}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s1 := silentPeer(t, l)
	silentPeer(t, l)
	waitHandshakes(t, l, 2)

	extra := silentPeer(t, l)
	expectEOF(t, extra, time.Second)
	if !strings.Contains(logged.String(), "osi handshake limit reached") {
		t.Errorf("no log line for the refused connection:\n%s", logged.String())
	}
	waitHandshakes(t, l, 2)

	// The first silent peer goes away: its handshake fails, Accept
	// returns the error, and a new association gets through.
	s1.Close()
	if _, err := l.Accept(ctx); err == nil {
		t.Fatal("accepted a closed connection")
	}
	waitHandshakes(t, l, 1)
	ch := serve(ctx, l, false)
	a, _, err := Dial(ctx, DialConfig{Address: l.Addr().String(), Mode: Mode1988X410, Logger: testLogger(t), Timeouts: testTimeouts()}, testBindArg)
	if err != nil {
		t.Fatal(err)
	}
	a.Close(ctx)
	if r := <-ch; r.err != nil {
		t.Fatalf("server: %v", r.err)
	}
}

// Accept honours its context.
func TestAcceptContext(t *testing.T) {
	l := listen(t)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := l.Accept(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("accept: %v", err)
	}
}

// Close with handshakes in progress (silent peers, a peer silent after its
// CR) and one complete but not yet taken by Accept: Close returns at once,
// the connections are closed, and every goroutine of the listener ends.
func TestCloseDuringHandshakes(t *testing.T) {
	base := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	l, err := Listen("127.0.0.1:0", ListenConfig{Logger: testLogger(t), Timeouts: testTimeouts()})
	if err != nil {
		t.Fatal(err)
	}
	silent := []net.Conn{silentPeer(t, l), silentPeer(t, l), rawPeer(t, l, false)}
	// A whole request, read but not taken by Accept: the Dial waits for
	// the AC.
	dialed := make(chan error, 1)
	go func() {
		a, _, err := Dial(ctx, DialConfig{Address: l.Addr().String(), Mode: Mode1988Normal, Logger: testLogger(t), Timeouts: testTimeouts()}, testBindArg)
		if err == nil {
			a.c.close()
			err = errors.New("association established")
		}
		dialed <- err
	}()
	waitHandshakes(t, l, 4)

	start := time.Now()
	if err := l.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("close took %v", d)
	}
	if n := len(l.sem); n != 0 {
		t.Errorf("%d handshakes left", n)
	}
	for _, nc := range silent {
		expectEOF(t, nc, time.Second)
	}
	select {
	case err := <-dialed:
		if err == nil || errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("dial: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Error("dial still waiting after Close")
	}
	if _, err := l.Accept(ctx); !errors.Is(err, net.ErrClosed) {
		t.Errorf("accept after close: %v", err)
	}
	waitGoroutines(t, base)
}
