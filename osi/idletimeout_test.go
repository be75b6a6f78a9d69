package osi

import (
	"context"
	"errors"
	"testing"
	"time"

	"mixerd/osi/rtse"
)

// TestIdleTimeout: a responder whose initiator stays silent between
// transfers for Timeouts.Idle closes the association (only the initiator
// may release it); a transfer inside the idle time is received as usual,
// and the initiator's next transfer after the close fails.
func TestIdleTimeout(t *testing.T) {
	for _, dm := range []rtse.DialogueMode{Monologue, TwoWayAlternate} {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		a, r := pair(t, ctx, DialConfig{DialogueMode: dm}, ListenConfig{Logger: testLogger(t)})
		r.c.to.Idle = 300 * time.Millisecond
		done := make(chan error, 1)
		go func() {
			rc, err := r.ReceiveTransfer(ctx)
			if err == nil {
				err = rc.Confirm()
			}
			if err != nil {
				done <- err
				return
			}
			_, err = r.ReceiveTransfer(ctx)
			done <- err
		}()
		if err := a.Transfer(ctx, testAPDU(100)); err != nil {
			t.Fatalf("%v: transfer within the idle time: %v", dm, err)
		}
		start := time.Now()
		var err error
		select {
		case err = <-done:
		case <-ctx.Done():
			t.Fatalf("%v: the responder did not give up on a silent initiator", dm)
		}
		if !errors.Is(err, ErrIdleTimeout) {
			t.Fatalf("%v: ReceiveTransfer: %v, want ErrIdleTimeout", dm, err)
		}
		if d := time.Since(start); d < 200*time.Millisecond {
			t.Errorf("%v: closed after %v, before the idle timeout", dm, d)
		}
		if err := a.Transfer(ctx, testAPDU(100)); err == nil {
			t.Errorf("%v: transfer on the closed association succeeded", dm)
		}
	}
}
