package osi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"mixerd/osi/rtse"
	"mixerd/osi/session"
	"mixerd/osi/transport"
)

// waitIdleAsync runs a.WaitIdle(ctx) in a goroutine of its own.
func waitIdleAsync(a *Association, ctx context.Context) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- a.WaitIdle(ctx) }()
	return ch
}

// idleResult waits for WaitIdle's result, failing after 5 s.
func idleResult(t *testing.T, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("WaitIdle did not return")
		return nil
	}
}

// noIdleGoroutines checks that no WaitIdle is left running.
func noIdleGoroutines(t *testing.T) {
	t.Helper()
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "osi.(*conn).peekIdle") || strings.Contains(g, "osi.(*Association).WaitIdle") {
			t.Errorf("WaitIdle still running:\n%s", g)
		}
	}
}

// TestWaitIdleCancel: a WaitIdle ended by its context (cancelled before
// it starts, while it waits, or by a deadline) returns nil at once having
// read nothing, and the next Transfer works, many times over.
func TestWaitIdleCancel(t *testing.T) {
	for _, mode := range []Mode{Mode1988Normal, Mode1984} {
		t.Run(mode.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			a, r := pair(t, ctx, DialConfig{Mode: mode, CheckpointSize: 1, Logger: testLogger(t)}, ListenConfig{Logger: testLogger(t)})
			got, errc := receiveAll(ctx, r)
			const n = 150
			want := 0
			for i := range n {
				wctx, wcancel := context.WithCancel(ctx)
				switch i % 3 {
				case 0: // ended before
					wcancel()
					if err := a.WaitIdle(wctx); err != nil {
						t.Fatalf("%d: WaitIdle with its context ended: %v", i, err)
					}
				case 1: // cancelled while it waits, or as it starts
					ch := waitIdleAsync(a, wctx)
					for range i % 7 {
						runtime.Gosched()
					}
					wcancel()
					if err := idleResult(t, ch); err != nil {
						t.Fatalf("%d: cancelled WaitIdle: %v", i, err)
					}
				case 2: // a deadline
					dctx, dcancel := context.WithTimeout(wctx, time.Duration(i%5)*100*time.Microsecond)
					if err := idleResult(t, waitIdleAsync(a, dctx)); err != nil {
						t.Fatalf("%d: WaitIdle past its deadline: %v", i, err)
					}
					dcancel()
				}
				wcancel()
				// A transfer after each (a big one now and then, with
				// minor sync points).
				size := 50 + i
				if i%25 == 0 {
					size = 5000
				}
				if err := a.Transfer(ctx, testAPDU(size)); err != nil {
					t.Fatalf("%d: transfer after WaitIdle: %v", i, err)
				}
				want++
			}
			if err := a.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			if apdus := <-got; len(apdus) != want {
				t.Errorf("responder got %d APDUs, want %d", len(apdus), want)
			}
			noIdleGoroutines(t)
		})
	}
}

// TestWaitIdleTurnPleaseRace: the peer's turn please races with the
// cancel of WaitIdle. Whether WaitIdle read it (ErrTurnRequested) or not
// (nil, with its first octet perhaps read and pushed back), the stream
// stays whole: the next Transfer works and the please is recorded with
// its priority.
func TestWaitIdleTurnPleaseRace(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	a, r := pair(t, ctx, DialConfig{DialogueMode: TwoWayAlternate, Logger: testLogger(t)}, ListenConfig{Logger: testLogger(t)})
	const n = 100
	please := make(chan int)
	done := make(chan error, 1)
	go func() {
		done <- func() error {
			for prio := range please {
				if err := r.PleaseTurn(ctx, prio); err != nil {
					return err
				}
				apdu, confirm, err := r.Receive(ctx)
				if err != nil {
					return err
				}
				if !bytes.Equal(apdu, testAPDU(100+prio)) {
					return fmt.Errorf("APDU of %d octets, want %d", len(apdu), 100+prio)
				}
				if err := confirm(); err != nil {
					return err
				}
			}
			_, _, err := r.Receive(ctx)
			if errors.Is(err, ErrReleased) {
				return nil
			}
			return err
		}()
	}()
	seen := 0
	for i := range n {
		prio := i % 7
		wctx, wcancel := context.WithCancel(ctx)
		ch := waitIdleAsync(a, wctx)
		please <- prio
		for range i % 11 {
			runtime.Gosched()
		}
		wcancel()
		switch err := idleResult(t, ch); {
		case errors.Is(err, ErrTurnRequested):
			seen++
		case err != nil:
			t.Fatalf("%d: WaitIdle: %v", i, err)
		}
		if err := a.Transfer(ctx, testAPDU(100+prio)); err != nil {
			t.Fatalf("%d: transfer: %v", i, err)
		}
		if p, ok := a.TurnRequested(); !ok || p != prio {
			t.Fatalf("%d: turn requested %v with priority %d, want %d", i, ok, p, prio)
		}
	}
	close(please)
	t.Logf("%d of %d turn pleases read by WaitIdle", seen, n)
	if err := a.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("responder: %v", err)
	}
	noIdleGoroutines(t)
}

// TestWaitIdleTurnPlease: in two-way alternate, a turn please while idle
// is ErrTurnRequested with its priority; the association goes on (a
// transfer, then the turn given).
func TestWaitIdleTurnPlease(t *testing.T) {
	for _, mode := range []Mode{Mode1988Normal, Mode1988X410} {
		t.Run(mode.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			a, r := pair(t, ctx, DialConfig{Mode: mode, DialogueMode: TwoWayAlternate, Logger: testLogger(t)}, ListenConfig{Logger: testLogger(t)})
			ch := waitIdleAsync(a, ctx)
			if err := r.PleaseTurn(ctx, 3); err != nil {
				t.Fatal(err)
			}
			if err := idleResult(t, ch); !errors.Is(err, ErrTurnRequested) {
				t.Fatalf("WaitIdle: %v, want ErrTurnRequested", err)
			}
			if p, ok := a.TurnRequested(); !ok || p != 3 {
				t.Errorf("turn requested %v, priority %d", ok, p)
			}
			done := make(chan error, 1)
			go func() {
				done <- func() error {
					apdu, confirm, err := r.Receive(ctx)
					if err != nil || !bytes.Equal(apdu, testAPDU(700)) {
						return errors.Join(errors.New("APDU"), err)
					}
					if err := confirm(); err != nil {
						return err
					}
					if _, _, err := r.Receive(ctx); !errors.Is(err, ErrTurnGiven) {
						return errors.Join(errors.New("turn not given"), err)
					}
					return r.Close(ctx)
				}()
			}()
			if err := a.Transfer(ctx, testAPDU(700)); err != nil {
				t.Fatal(err)
			}
			if err := a.GiveTurn(ctx); err != nil {
				t.Fatal(err)
			}
			if err := a.WaitIdle(ctx); !errors.Is(err, ErrNoTurn) {
				t.Errorf("WaitIdle without the turn: %v, want ErrNoTurn", err)
			}
			if _, _, err := a.Receive(ctx); !errors.Is(err, ErrTurnGiven) {
				t.Fatalf("turn back: %v", err)
			}
			if err := a.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if err := <-done; err != nil {
				t.Fatalf("responder: %v", err)
			}
			if err := a.WaitIdle(ctx); !errors.Is(err, ErrReleased) {
				t.Errorf("WaitIdle after Close: %v, want ErrReleased", err)
			}
		})
	}
}

// TestWaitIdleRelease: a peer that releases the association while it is
// idle (a session FN, with an RLRQ in normal mode) gets its DN (and
// RLRE): its Close succeeds, and WaitIdle returns ErrReleased. The peer
// is our responder made to release as an initiator would (PP's
// responder never does; a peer that holds the tokens may).
func TestWaitIdleRelease(t *testing.T) {
	for _, mode := range []Mode{Mode1988Normal, Mode1988X410, Mode1984} {
		t.Run(mode.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			a, r := pair(t, ctx, DialConfig{Mode: mode, Logger: testLogger(t)}, ListenConfig{Logger: testLogger(t)})
			ch := waitIdleAsync(a, ctx)
			r.Initiator, r.turn = true, true
			if err := r.Close(ctx); err != nil {
				t.Fatalf("peer's release: %v", err)
			}
			if err := idleResult(t, ch); !errors.Is(err, ErrReleased) {
				t.Fatalf("WaitIdle: %v, want ErrReleased", err)
			}
			if err := a.Transfer(ctx, testAPDU(10)); !errors.Is(err, ErrReleased) {
				t.Errorf("transfer after the release: %v, want ErrReleased", err)
			}
			if err := a.Close(ctx); err != nil {
				t.Errorf("Close after the release: %v", err)
			}
		})
	}
}

// TestWaitIdleAbort: the peer's abort while idle is its *AbortError.
func TestWaitIdleAbort(t *testing.T) {
	for _, mode := range []Mode{Mode1988Normal, Mode1984} {
		t.Run(mode.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			a, r := pair(t, ctx, DialConfig{Mode: mode, Logger: testLogger(t)}, ListenConfig{Logger: testLogger(t)})
			ch := waitIdleAsync(a, ctx)
			if err := r.Abort(ctx, rtse.TemporaryProblem); err != nil {
				t.Fatal(err)
			}
			err := idleResult(t, ch)
			var ae *AbortError
			if !errors.As(err, &ae) || !ae.Peer || ae.Layer == LayerTransport {
				t.Fatalf("WaitIdle: %v (%T), want the peer's *AbortError", err, err)
			}
			if err := a.Transfer(ctx, testAPDU(10)); !errors.Is(err, ErrReleased) {
				t.Errorf("transfer after the abort: %v, want ErrReleased", err)
			}
		})
	}
}

// TestWaitIdleConnectionLost: a transport disconnect, the end of the TCP
// stream and a reset while idle end the association at once, recovery
// on or not (there is no activity to resume: nothing is re-established).
func TestWaitIdleConnectionLost(t *testing.T) {
	for _, c := range []struct {
		name  string
		kill  func(ctx context.Context, r *Association)
		check func(err error) bool
	}{
		{"dr", func(ctx context.Context, r *Association) { r.c.disconnect(ctx, transport.ReasonNormal) }, func(err error) bool {
			var ae *AbortError
			return errors.As(err, &ae) && ae.Peer && ae.Layer == LayerTransport && strings.Contains(ae.Msg, "disconnect")
		}},
		{"eof", func(ctx context.Context, r *Association) { r.c.nc.Close() }, func(err error) bool {
			var ae *AbortError
			return errors.As(err, &ae) && ae.Peer && ae.Layer == LayerTransport
		}},
		{"reset", func(ctx context.Context, r *Association) {
			r.c.nc.(*net.TCPConn).SetLinger(0)
			r.c.nc.Close()
		}, func(err error) bool { return err != nil }},
	} {
		for _, recovery := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/recovery=%v", c.name, recovery), func(t *testing.T) {
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				dc := DialConfig{Logger: testLogger(t)}
				if recovery {
					dc.Recovery = RecoveryConfig{Attempts: 3, Backoff: time.Millisecond}
				}
				a, r := pair(t, ctx, dc, ListenConfig{Logger: testLogger(t)})
				c0 := a.c
				ch := waitIdleAsync(a, ctx)
				c.kill(ctx, r)
				err := idleResult(t, ch)
				if !c.check(err) {
					t.Fatalf("WaitIdle: %v (%T)", err, err)
				}
				if a.c != c0 || !c0.closed {
					t.Error("the connection was replaced or left open")
				}
				if err := a.Transfer(ctx, testAPDU(10)); !errors.Is(err, ErrReleased) {
					t.Errorf("transfer after the loss: %v, want ErrReleased", err)
				}
			})
		}
	}
}

// TestWaitIdleOutOfState: what the peer may not send while we hold the
// turn (a turn please in monologue, a turn given, data) aborts the
// association: WaitIdle's *AbortError is ours, and the peer gets the
// abort.
func TestWaitIdleOutOfState(t *testing.T) {
	for _, c := range []struct {
		name string
		dm   rtse.DialogueMode
		spdu []session.SPDU
	}{
		{"pt-monologue", Monologue, []session.SPDU{{Kind: session.KindPT, Tokens: session.Some(session.TokenData)}}},
		{"gtc", TwoWayAlternate, []session.SPDU{{Kind: session.KindGTC}}},
		{"pt-no-token", TwoWayAlternate, []session.SPDU{{Kind: session.KindPT}}},
		{"dt", Monologue, []session.SPDU{{Kind: session.KindGT}, {Kind: session.KindDT, Info: []byte{1}}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			a, r := pair(t, ctx, DialConfig{DialogueMode: c.dm, Logger: testLogger(t)}, ListenConfig{Logger: testLogger(t)})
			ch := waitIdleAsync(a, ctx)
			if err := r.c.writeSPDUs(ctx, c.spdu...); err != nil {
				t.Fatal(err)
			}
			// The peer reads our abort (and closes) while we linger.
			perr := make(chan error, 1)
			go func() {
				_, _, err := r.Receive(ctx)
				perr <- err
			}()
			err := idleResult(t, ch)
			var ae *AbortError
			if !errors.As(err, &ae) || ae.Peer {
				t.Fatalf("WaitIdle: %v (%T), want our *AbortError", err, err)
			}
			if err := <-perr; !errors.As(err, &ae) || !ae.Peer {
				t.Errorf("peer after the abort: %v (%T), want our abort", err, err)
			}
		})
	}
}
