package osi

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

// A message-sized APDU: a SEQUENCE of n octets.
func testAPDU(n int) []byte {
	b := []byte{0x30, 0x83, byte(n >> 16), byte(n >> 8), byte(n)}
	for i := range n {
		b = append(b, byte(i*7))
	}
	return b
}

func TestTransfer(t *testing.T) {
	for _, c := range []struct {
		name       string
		checkpoint int
		sizes      []int
	}{
		{"one-piece", 63, []int{800, 10}},
		// checkpoint 1 (1024 octets), window 3: minor sync points and
		// waits for their acknowledgements.
		{"checkpointed", 1, []int{10000, 3000, 1}},
		{"no-checkpoint", 0, []int{70000}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			l := listen(t)
			got := make(chan [][]byte, 1)
			errc := make(chan error, 1)
			go func() {
				var apdus [][]byte
				defer func() { got <- apdus }()
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
				for {
					apdu, confirm, err := a.Receive(ctx)
					if errors.Is(err, ErrReleased) {
						errc <- nil
						return
					}
					if err != nil {
						errc <- err
						return
					}
					apdus = append(apdus, apdu)
					if err := confirm(); err != nil {
						errc <- err
						return
					}
				}
			}()
			a, _, err := Dial(ctx, DialConfig{Address: l.Addr().String(), CheckpointSize: c.checkpoint, Logger: testLogger(t), Timeouts: testTimeouts()}, testBindArg)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range c.sizes {
				if err := a.Transfer(ctx, testAPDU(n)); err != nil {
					t.Fatalf("transfer %d: %v", n, err)
				}
			}
			if err := a.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if err := <-errc; err != nil {
				t.Fatalf("server: %v", err)
			}
			apdus := <-got
			if len(apdus) != len(c.sizes) {
				t.Fatalf("%d APDUs received", len(apdus))
			}
			for i, n := range c.sizes {
				if !bytes.Equal(apdus[i], testAPDU(n)) {
					t.Errorf("APDU %d differs", i)
				}
			}
		})
	}
}

// A receiver that refuses (does not confirm, aborts): the sender gets an
// abort, not a confirmation.
func TestTransferRefused(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	l := listen(t)
	go func() {
		in, err := l.Accept(ctx)
		if err != nil {
			return
		}
		a, err := in.Accept(ctx, testBindResult)
		if err != nil {
			return
		}
		if _, _, err := a.Receive(ctx); err == nil {
			a.Abort(ctx, 5) // permanentProblem
		}
	}()
	a, _, err := Dial(ctx, DialConfig{Address: l.Addr().String(), Logger: testLogger(t), Timeouts: testTimeouts()}, testBindArg)
	if err != nil {
		t.Fatal(err)
	}
	err = a.Transfer(ctx, testAPDU(100))
	var ae *AbortError
	if !errors.As(err, &ae) || !ae.Peer || ae.Layer != LayerRTSE {
		t.Errorf("transfer: %v", err)
	}
}
