package osi

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"testing"
	"time"

	"mixerd/osi/rtse"
)

var (
	testBindArg    = []byte{0xa1, 0x0b, 0x80, 0x03, 'm', 't', 'a', 0xa1, 0x04, 0x04, 0x02, 'p', 'w'}
	testBindResult = []byte{0xa1, 0x0c, 0x80, 0x04, 'm', 't', 'a', 'b', 0xa1, 0x04, 0x04, 0x02, 'q', 'w'}
	testBindError  = []byte{0x02, 0x01, 0x02} // MTABindError authentication-error
)

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func testTimeouts() Timeouts {
	return Timeouts{Connect: 5 * time.Second, Read: 5 * time.Second, Write: 5 * time.Second, Release: 2 * time.Second}
}

func listen(t *testing.T) *Listener {
	t.Helper()
	l, err := Listen("127.0.0.1:0", ListenConfig{Logger: testLogger(t), Timeouts: testTimeouts()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

type serverResult struct {
	in  *Incoming
	a   *Association
	err error
}

// serve accepts one association, answers it with accept (or refuse when
// refuse is set) and then waits for the release.
func serve(ctx context.Context, l *Listener, refuse bool) <-chan serverResult {
	ch := make(chan serverResult, 1)
	go func() {
		var r serverResult
		defer func() { ch <- r }()
		r.in, r.err = l.Accept(ctx)
		if r.err != nil {
			return
		}
		if refuse {
			r.err = r.in.Refuse(ctx, testBindError)
			return
		}
		r.a, r.err = r.in.Accept(ctx, testBindResult)
		if r.err != nil {
			return
		}
		r.err = r.a.Close(ctx)
	}()
	return ch
}

func TestBindRelease(t *testing.T) {
	for _, c := range []struct {
		name string
		mode Mode
		dm   rtse.DialogueMode
	}{
		{"1988-normal-monologue", Mode1988Normal, Monologue},
		{"1988-normal-twa", Mode1988Normal, TwoWayAlternate},
		{"1988-x410", Mode1988X410, Monologue},
		{"1984", Mode1984, Monologue},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			l := listen(t)
			ch := serve(ctx, l, false)
			cfg := DialConfig{Address: l.Addr().String(), CalledTSAP: []byte("x400in88"), CallingTSAP: []byte("x400"),
				CalledSSAP: []byte("ss"), CallingPSAP: []byte("pc"),
				Mode: c.mode, DialogueMode: c.dm, CheckpointSize: 63, Logger: testLogger(t), Timeouts: testTimeouts()}
			a, res, err := Dial(ctx, cfg, testBindArg)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(res, testBindResult) {
				t.Errorf("bind result %x", res)
			}
			// The listener's default takes the proposal up to 64 KiB.
			if a.Mode != c.mode || a.DialogueMode != c.dm || a.CheckpointSize != 63 || a.WindowSize != 3 || a.TPDUSize != 2048 || a.SessionVersion != 2 || a.Requirements != ourFUs {
				t.Errorf("initiator agreed %+v", a)
			}
			if err := a.Close(ctx); err != nil {
				t.Errorf("close: %v", err)
			}
			r := <-ch
			if r.err != nil {
				t.Fatalf("server: %v", r.err)
			}
			in := r.in
			if in.Mode != c.mode || in.DialogueMode != c.dm || in.CheckpointSize != 63 || in.WindowSize != 3 ||
				!bytes.Equal(in.BindArgument, testBindArg) || string(in.CalledTSAP) != "x400in88" || string(in.CallingTSAP) != "x400" ||
				string(in.CalledSSAP) != "ss" || in.RemoteAddr == nil {
				t.Errorf("responder saw %+v", in)
			}
			if c.mode == Mode1988Normal && string(in.CallingPSAP) != "pc" {
				t.Errorf("calling PSAP %q", in.CallingPSAP)
			}
			if r.a.Mode != c.mode || r.a.CheckpointSize != 63 || r.a.Initiator {
				t.Errorf("responder agreed %+v", r.a)
			}
			// Both ends report the contexts and the application context
			// agreed (normal mode), none in X.410 mode.
			for _, x := range []*Association{a, r.a} {
				if c.mode != Mode1988Normal {
					if len(x.Contexts) != 0 || x.ApplicationContext != nil {
						t.Errorf("X.410 mode reports contexts %v %v", x.Contexts, x.ApplicationContext)
					}
					continue
				}
				want := proposedContexts()
				if len(x.Contexts) != len(want) || x.ApplicationContext.String() != "2.6.0.1.6" {
					t.Errorf("initiator %v: contexts %v, application context %v", x.Initiator, x.Contexts, x.ApplicationContext)
					continue
				}
				for i := range want {
					if x.Contexts[i].ID != want[i].ID || !x.Contexts[i].AbstractSyntax.Equal(want[i].AbstractSyntax) {
						t.Errorf("initiator %v: context %d = %v, want %v", x.Initiator, i, x.Contexts[i], want[i])
					}
				}
			}
		})
	}
}

func TestBindRefused(t *testing.T) {
	for _, mode := range []Mode{Mode1988Normal, Mode1988X410} {
		t.Run(mode.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			l := listen(t)
			ch := serve(ctx, l, true)
			_, _, err := Dial(ctx, DialConfig{Address: l.Addr().String(), Mode: mode, Logger: testLogger(t), Timeouts: testTimeouts()}, testBindArg)
			var re *RefusedError
			if !errors.As(err, &re) {
				t.Fatalf("dial: %v", err)
			}
			if re.Layer != LayerRTSE || !bytes.Equal(re.BindError, testBindError) {
				t.Errorf("refusal %+v", re)
			}
			if r := <-ch; r.err != nil {
				t.Errorf("server: %v", r.err)
			}
		})
	}
}
