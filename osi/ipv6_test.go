package osi

import (
	"bytes"
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// TestIPv6 runs an association over IPv6 (RFC 1006 §3 is over TCP, of
// either IP version): Listen on [::1]:0, Dial the bracketed address, bind
// in 1988 normal mode, transfer one APDU with checkpointing (so that
// minor synchronization points cross the connection too), release. It
// skips when the machine has no IPv6 loopback.
func TestIPv6(t *testing.T) {
	probe, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	probe.Close()

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	l, err := Listen("[::1]:0", ListenConfig{Logger: testLogger(t), Timeouts: testTimeouts()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	addr := l.Addr().String()
	if host, _, err := net.SplitHostPort(addr); err != nil || host != "::1" {
		t.Fatalf("listener address %q, want [::1]:port", addr)
	}

	apdu := make([]byte, 0, 3005)
	apdu = append(apdu, 0x30, 0x82, 0x0b, 0xb8) // SEQUENCE of 3000 octets
	for i := range 3000 {
		apdu = append(apdu, byte(i*13))
	}

	type result struct {
		in     *Incoming
		remote net.Addr
		apdus  [][]byte
		err    error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() { done <- r }()
		r.in, r.err = l.Accept(ctx)
		if r.err != nil {
			return
		}
		a, err := r.in.Accept(ctx, testBindResult)
		if err != nil {
			r.err = err
			return
		}
		r.remote = a.RemoteAddr
		for {
			got, confirm, err := a.Receive(ctx)
			if errors.Is(err, ErrReleased) {
				return
			}
			if err != nil {
				r.err = err
				return
			}
			r.apdus = append(r.apdus, bytes.Clone(got))
			if err := confirm(); err != nil {
				r.err = err
				return
			}
		}
	}()

	a, res, err := Dial(ctx, DialConfig{Address: addr, Mode: Mode1988Normal, DialogueMode: Monologue,
		CheckpointSize: 1, Logger: testLogger(t), Timeouts: testTimeouts()}, testBindArg)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	if !bytes.Equal(res, testBindResult) {
		t.Errorf("bind result %x", res)
	}
	if a.CheckpointSize != 1 {
		t.Errorf("checkpoint size %d agreed, want 1", a.CheckpointSize)
	}
	for _, x := range []net.Addr{a.LocalAddr, a.RemoteAddr} {
		if tcp, ok := x.(*net.TCPAddr); !ok || !tcp.IP.Equal(net.IPv6loopback) {
			t.Errorf("initiator's address %v, want ::1", x)
		}
	}
	if err := a.Transfer(ctx, apdu); err != nil {
		t.Fatalf("transfer: %v", err)
	}
	if err := a.Close(ctx); err != nil {
		t.Fatalf("release: %v", err)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("responder: %v", r.err)
	}
	if tcp, ok := r.in.RemoteAddr.(*net.TCPAddr); !ok || !tcp.IP.Equal(net.IPv6loopback) {
		t.Errorf("responder saw the initiator at %v, want ::1", r.in.RemoteAddr)
	}
	if r.remote == nil || r.remote.String() != a.LocalAddr.String() {
		t.Errorf("responder's association remote address %v, initiator's local address %v", r.remote, a.LocalAddr)
	}
	if len(r.apdus) != 1 || !bytes.Equal(r.apdus[0], apdu) {
		t.Errorf("responder received %d APDUs (want 1, equal to the one sent)", len(r.apdus))
	}
}
