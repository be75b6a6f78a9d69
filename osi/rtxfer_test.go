package osi

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"regexp"
	"runtime"
	"testing"
	"time"
)

// pair opens an association over loopback: the initiator's end and the
// responder's.
func pair(t testing.TB, ctx context.Context, dc DialConfig, lc ListenConfig) (*Association, *Association) {
	t.Helper()
	lc.Timeouts = testTimeouts()
	l, err := Listen("127.0.0.1:0", lc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	ch := make(chan *Association, 1)
	errc := make(chan error, 1)
	go func() {
		in, err := l.Accept(ctx)
		if err == nil {
			var a *Association
			if a, err = in.Accept(ctx, testBindResult); err == nil {
				ch <- a
				return
			}
		}
		errc <- err
	}()
	dc.Address, dc.Timeouts = l.Addr().String(), testTimeouts()
	a, _, err := Dial(ctx, dc, testBindArg)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-ch:
		return a, r
	case err := <-errc:
		t.Fatal(err)
	}
	return nil, nil
}

// receiveAll receives and confirms APDUs on a until the release.
func receiveAll(ctx context.Context, a *Association) (<-chan [][]byte, <-chan error) {
	got := make(chan [][]byte, 1)
	errc := make(chan error, 1)
	go func() {
		var apdus [][]byte
		defer func() { got <- apdus }()
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
	return got, errc
}

// Transfer in X.410-1984 mode: the APDU itself in the S-DATA, with and
// without checkpoints.
func TestTransferX410(t *testing.T) {
	for _, mode := range []Mode{Mode1988X410, Mode1984} {
		for _, ckpt := range []int{0, 1} {
			t.Run(mode.String(), func(t *testing.T) {
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				a, r := pair(t, ctx, DialConfig{Mode: mode, CheckpointSize: ckpt, Logger: testLogger(t)}, ListenConfig{Logger: testLogger(t)})
				got, errc := receiveAll(ctx, r)
				sizes := []int{10, 5000, 70000}
				for _, n := range sizes {
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
				if len(apdus) != len(sizes) {
					t.Fatalf("%d APDUs received", len(apdus))
				}
				for i, n := range sizes {
					if !bytes.Equal(apdus[i], testAPDU(n)) {
						t.Errorf("APDU %d differs", i)
					}
				}
			})
		}
	}
}

// Two-way alternate: the initiator transfers and gives the turn, the
// responder transfers back and gives it back, the initiator transfers
// again and releases; then the same with a turn please.
func TestTurn(t *testing.T) {
	for _, mode := range []Mode{Mode1988Normal, Mode1984} {
		t.Run(mode.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			a, r := pair(t, ctx, DialConfig{Mode: mode, DialogueMode: TwoWayAlternate, CheckpointSize: 1, Logger: testLogger(t)}, ListenConfig{Logger: testLogger(t)})
			done := make(chan error, 1)
			go func() {
				done <- func() error {
					apdu, confirm, err := r.Receive(ctx)
					if err != nil || !bytes.Equal(apdu, testAPDU(3000)) {
						return errors.Join(errors.New("first APDU"), err)
					}
					if err := confirm(); err != nil {
						return err
					}
					if _, _, err := r.Receive(ctx); !errors.Is(err, ErrTurnGiven) || !r.HasTurn() {
						return errors.Join(errors.New("turn not given"), err)
					}
					if err := r.Transfer(ctx, testAPDU(2500)); err != nil {
						return err
					}
					if err := r.GiveTurn(ctx); err != nil {
						return err
					}
					// The initiator transfers again, then asks for
					// nothing: it releases. Before that, the responder
					// asks for the turn, and gets it.
					apdu, confirm, err = r.Receive(ctx)
					if err != nil || !bytes.Equal(apdu, testAPDU(10)) {
						return errors.Join(errors.New("third APDU"), err)
					}
					if err := confirm(); err != nil {
						return err
					}
					if err := r.PleaseTurn(ctx, 2); err != nil {
						return err
					}
					if _, _, err := r.Receive(ctx); !errors.Is(err, ErrTurnGiven) {
						return errors.Join(errors.New("turn not given after the please"), err)
					}
					if err := r.Transfer(ctx, testAPDU(20)); err != nil {
						return err
					}
					// Close gives the turn back for the initiator's release.
					return r.Close(ctx)
				}()
			}()
			if err := a.Transfer(ctx, testAPDU(3000)); err != nil {
				t.Fatal(err)
			}
			if err := a.Transfer(ctx, nil); err == nil {
				t.Error("empty APDU transferred")
			}
			if err := a.GiveTurn(ctx); err != nil || a.HasTurn() {
				t.Fatalf("give turn: %v", err)
			}
			if err := a.Transfer(ctx, testAPDU(1)); !errors.Is(err, ErrNoTurn) {
				t.Errorf("transfer without the turn: %v", err)
			}
			apdu, confirm, err := a.Receive(ctx)
			if err != nil || !bytes.Equal(apdu, testAPDU(2500)) {
				t.Fatalf("receive: %v", err)
			}
			if err := confirm(); err != nil {
				t.Fatal(err)
			}
			if _, _, err := a.Receive(ctx); !errors.Is(err, ErrTurnGiven) {
				t.Fatalf("turn back: %v", err)
			}
			if err := a.Transfer(ctx, testAPDU(10)); err != nil {
				t.Fatal(err)
			}
			if _, _, err := a.Receive(ctx); !errors.Is(err, ErrTurnRequested) {
				t.Fatalf("please: %v", err)
			}
			if p, ok := a.TurnRequested(); !ok || p != 2 {
				t.Errorf("turn requested %v, priority %d", ok, p)
			}
			if err := a.GiveTurn(ctx); err != nil {
				t.Fatal(err)
			}
			if apdu, confirm, err := a.Receive(ctx); err != nil || !bytes.Equal(apdu, testAPDU(20)) {
				t.Fatalf("receive: %v", err)
			} else if err := confirm(); err != nil {
				t.Fatal(err)
			}
			// Close without the turn: the responder gives it back.
			if err := a.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Fatalf("responder: %v", err)
			}
		})
	}
}

// In monologue the turn stays with the initiator.
func TestTurnMonologue(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	a, r := pair(t, ctx, DialConfig{Logger: testLogger(t)}, ListenConfig{Logger: testLogger(t)})
	if err := a.GiveTurn(ctx); !errors.Is(err, ErrMonologue) {
		t.Errorf("give: %v", err)
	}
	if err := r.PleaseTurn(ctx, 0); !errors.Is(err, ErrMonologue) {
		t.Errorf("please: %v", err)
	}
	if _, _, err := a.Receive(ctx); !errors.Is(err, ErrMonologue) {
		t.Errorf("receive by the initiator: %v", err)
	}
	if !a.HasTurn() || r.HasTurn() {
		t.Error("turn moved")
	}
	errc := make(chan error, 1)
	go func() { errc <- r.Close(ctx) }()
	if err := a.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// A receiver refuses one APDU (after the activity end, as a sink that
// could not store it; and an APDU above its MaxAPDU, as soon as its size
// is known): the sender gets a *TransferRefusedError and the next APDU
// goes through on the same association.
func TestTransferRefusal(t *testing.T) {
	for _, mode := range []Mode{Mode1988Normal, Mode1988X410} {
		t.Run(mode.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			a, r := pair(t, ctx, DialConfig{Mode: mode, CheckpointSize: 1, Logger: testLogger(t)},
				ListenConfig{CheckpointSize: 1, Limits: Limits{MaxAPDU: 20000}, Logger: testLogger(t)})
			type res struct {
				apdus [][]byte
				err   error
			}
			ch := make(chan res, 1)
			go func() {
				var got [][]byte
				for i := 0; ; i++ {
					rc, err := r.ReceiveTransfer(ctx)
					if errors.Is(err, ErrReleased) {
						ch <- res{got, nil}
						return
					}
					if err != nil {
						ch <- res{got, err}
						return
					}
					if i == 0 {
						err = rc.Refuse(ExceptionLocalError)
					} else if i == 1 {
						err = rc.Refuse(ExceptionJeopardized)
					} else {
						got = append(got, rc.APDU)
						err = rc.Confirm()
					}
					if err != nil {
						ch <- res{got, err}
						return
					}
				}
			}()
			var re *TransferRefusedError
			if err := a.Transfer(ctx, testAPDU(5000)); !errors.As(err, &re) || re.Reason != ExceptionLocalError || re.Interrupted {
				t.Fatalf("refused transfer: %v", err)
			}
			if err := a.Transfer(ctx, testAPDU(6000)); !errors.As(err, &re) || re.Reason != ExceptionJeopardized || !re.Interrupted {
				t.Fatalf("refused transfer: %v", err)
			}
			// Above the receiver's MaxAPDU: refused at the first S-DATA.
			if err := a.Transfer(ctx, testAPDU(50000)); !errors.As(err, &re) || re.Reason != ExceptionLocalError {
				t.Fatalf("oversized transfer: %v", err)
			}
			if err := a.Transfer(ctx, testAPDU(7000)); err != nil {
				t.Fatalf("transfer after the refusals: %v", err)
			}
			if err := a.Close(ctx); err != nil {
				t.Fatal(err)
			}
			got := <-ch
			if got.err != nil {
				t.Fatalf("receiver: %v", got.err)
			}
			if len(got.apdus) != 1 || !bytes.Equal(got.apdus[0], testAPDU(7000)) {
				t.Errorf("%d APDUs received", len(got.apdus))
			}
		})
	}
}

// The cost of a 1 MiB transfer with checkpointing (64 KiB, the listener's
// default; and PP's 1 KiB), both ends: allocations stay a handful per
// checkpoint and the bytes allocated about one copy of the APDU (the
// receiver's, which it hands over).
func TestTransferAllocs(t *testing.T) {
	for _, c := range []struct {
		ckpt      int
		maxAllocs float64
	}{{64, 150}, {1, 4096}} {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		a, r := pair(t, ctx, DialConfig{CheckpointSize: c.ckpt, Logger: testLogger(t)}, ListenConfig{Logger: testLogger(t)})
		got, errc := receiveAll(ctx, r)
		apdu := testAPDU(1 << 20)
		// Warm the buffers up.
		if err := a.Transfer(ctx, apdu); err != nil {
			t.Fatal(err)
		}
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		const n = 5
		allocs := testing.AllocsPerRun(n, func() {
			if err := a.Transfer(ctx, apdu); err != nil {
				t.Fatal(err)
			}
		})
		runtime.ReadMemStats(&m1)
		bytesPer := float64(m1.TotalAlloc-m0.TotalAlloc) / (n + 1) // AllocsPerRun runs once more
		if err := a.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
		if len(<-got) != n+2 {
			t.Error("APDUs missing")
		}
		cancel()
		t.Logf("checkpoint %d KiB: %.0f allocations, %.0f bytes per 1 MiB transfer", c.ckpt, allocs, bytesPer)
		if allocs > c.maxAllocs || bytesPer > 1.6*(1<<20) {
			t.Errorf("checkpoint %d KiB: %.0f allocations (at most %.0f), %.0f bytes per 1 MiB transfer (at most 1.6 MiB)", c.ckpt, allocs, c.maxAllocs, bytesPer)
		}
	}
}

// tsdu frames the SPDU octets b as one DT TPDU in a TPKT.
func tsdu(b ...byte) []byte {
	n := 7 + len(b)
	return append([]byte{3, 0, byte(n >> 8), byte(n), 2, 0xf0, 0x80}, b...)
}

// Transfer PDUs out of state, sent by a peer to a receiver (1988 normal
// mode, monologue): each is answered with an AB (and a DR) and a log line
// naming the layer and the cause.
func TestTransferOutOfState(t *testing.T) {
	as := tsdu(1, 0, 45, 5, 41, 3, 2, 1, 1) // GT+AS, activity 1
	for _, c := range []struct {
		name  string
		pdus  [][]byte
		layer string
		cause string
	}{
		{"DT-before-AS", [][]byte{tsdu(1, 0, 1, 0, 0x61, 0)}, LayerSession, "unexpected GT+DT"},
		{"MIP-bad-serial", [][]byte{as, tsdu(1, 0, 49, 3, 42, 1, '5')}, LayerSession, "MIP with serial number 5, expected 1"},
		{"MIP-no-serial", [][]byte{as, tsdu(1, 0, 49, 0)}, LayerSession, "MIP with serial number absent"},
		{"AE-without-AS", [][]byte{tsdu(1, 0, 41, 3, 42, 1, '1')}, LayerSession, "unexpected GT+AE"},
		{"AS-in-activity", [][]byte{as, as}, LayerSession, "unexpected GT+AS"},
		{"GTC-in-monologue", [][]byte{tsdu(21, 0)}, LayerRTSE, "turn given (GTC) in monologue"},
		{"PT-in-monologue", [][]byte{tsdu(2, 3, 16, 1, 1)}, LayerRTSE, "turn please (PT) in monologue"},
		{"MAA-to-receiver", [][]byte{as, tsdu(2, 0, 42, 3, 42, 1, '1')}, LayerSession, "unexpected PT+MAA"},
	} {
		t.Run(c.name, func(t *testing.T) {
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
				_, _, err = a.Receive(ctx)
				errc <- err
			}()
			nc := rawPeer(t, l, true)
			for _, p := range c.pdus {
				nc.Write(p)
			}
			pkts := expectClosed(t, nc)
			if len(pkts) < 2 || !isAB(pkts[len(pkts)-2]) || !isDR(pkts[len(pkts)-1]) {
				t.Errorf("answer %x", pkts)
			}
			var ae *AbortError
			if err := <-errc; !errors.As(err, &ae) || ae.Layer != c.layer || ae.Peer {
				t.Errorf("receive: %v", err)
			}
			line := regexp.MustCompile(`msg="osi protocol error" conn=\d+ peer=127\.0\.0\.1:\d+ layer=` + c.layer + ` cause="` + c.layer + `: ` + regexp.QuoteMeta(c.cause))
			if !line.MatchString(logged.String()) {
				t.Errorf("log:\n%s", logged.String())
			}
		})
	}
}
