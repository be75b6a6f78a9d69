package osi

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzResponder feeds a responder the bytes of an initiator (seeded with
// PP's initiator frames of every capture, concatenated): whatever comes,
// the responder answers, aborts or times out, and never panics.
func FuzzResponder(f *testing.F) {
	for _, capture := range []string{"ping88mon", "ping88twa", "ping88x410", "ping84", "xfer88"} {
		var seed []byte
		names, _ := filepath.Glob(filepath.Join("testdata", capture+"-f*-init.bin"))
		for _, name := range names {
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			seed = append(seed, b...)
		}
		f.Add(seed)
	}
	cfg := ListenConfig{Logger: slog.New(slog.DiscardHandler),
		Timeouts: Timeouts{Connect: time.Second, Read: 50 * time.Millisecond, Write: 50 * time.Millisecond, Release: 50 * time.Millisecond},
		Limits:   Limits{MaxTSDU: 1 << 16, MaxAPDU: 1 << 16}}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Every wait is bounded: a run that takes seconds is a bug.
		watchdog := time.AfterFunc(10*time.Second, func() { panic("responder did not finish within 10 s") })
		defer watchdog.Stop()
		server, client := net.Pipe()
		defer client.Close()
		// The initiator sends everything, reads and drops our answers,
		// and closes once we read all it sent: the run ends at an EOF
		// rather than at a timeout.
		go io.Copy(io.Discard, client)
		go func() {
			client.Write(data)
			client.Close()
		}()
		ctx := context.Background()
		in, err := accept(ctx, server, cfg)
		if err != nil {
			return
		}
		a, err := in.Accept(ctx, testBindResult)
		if err != nil {
			return
		}
		for {
			_, confirm, err := a.Receive(ctx)
			if err != nil {
				break
			}
			confirm()
		}
		a.Close(ctx)
	})
}
