package osi

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// fuzzTimeouts bound every wait of a fuzz run: a run ends at an EOF
// (the fuzzed peer closes once its octets are read) or, with kHold, at
// these timeouts.
// Short, so that the fuzzer (which minimizes an input by running it
// again and again) is not slowed by an input that waits: Connect also
// bounds a recovery.
var fuzzTimeouts = Timeouts{Connect: 250 * time.Millisecond, Read: 20 * time.Millisecond, Write: 20 * time.Millisecond,
	Release: 20 * time.Millisecond, Idle: 20 * time.Millisecond}

// watchdog panics (a crash the fuzzer keeps) when a run takes seconds:
// every wait is bounded, so that is a hang. The panic carries every
// goroutine's stack: the one that hangs is among them.
func watchdog(what string) func() bool {
	return time.AfterFunc(10*time.Second, func() {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		panic(what + " did not finish within 10 s\n\n" + string(buf))
	}).Stop
}

// ppSeed returns PP's frames of capture sent by side ("init" or "resp"),
// concatenated.
func ppSeed(f *testing.F, capture, side string) []byte {
	var seed []byte
	names, _ := filepath.Glob(filepath.Join("testdata", capture+"-f*-"+side+".bin"))
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		seed = append(seed, b...)
	}
	return seed
}

// ppCaptures are PP's captures (testdata/README.md) with the knobs of
// their association.
var ppCaptures = []struct {
	name string
	k    fuzzKnobs
}{
	{"ping88mon", 0}, {"ping88twa", kTWA}, {"ping88x410", 1}, {"ping84", 2}, {"xfer88", 3 << 12},
}

// FuzzResponder feeds a responder the bytes of an initiator: first on
// the association's connection and, with recovery on (kRecovery),
// second on the connection that recovers it once the first is gone. The
// knobs choose the listener's configuration (segmenting, recovery, small
// limits) and what the responder does (refuse the bind; confirm or
// refuse each APDU by its length; on the turn, transfer back or give it
// back; WaitIdle). Seeds: PP's initiator frames of every capture, and
// our initiator's octets in every feature (testdata/fuzzseed). Whatever
// comes, the responder answers, aborts or times out within the watchdog,
// never panics, and an association once ended returns nothing more.
func FuzzResponder(f *testing.F) {
	for _, c := range ppCaptures {
		f.Add(uint16(c.k), ppSeed(f, c.name, "init"), []byte(nil))
	}
	for _, sc := range seedScenarios {
		init, _ := seedFiles(f, sc.name)
		f.Add(uint16(sc.k), init[0], init[1])
	}
	f.Fuzz(func(t *testing.T, knobs uint16, first, second []byte) {
		defer watchdog("responder")()
		replayResponder(context.Background(), fuzzKnobs(knobs), first, second, fuzzTimeouts, t.Errorf)
	})
}

// FuzzInitiator feeds our initiator (Dial, the transfers of the knobs,
// WaitIdle, in two-way alternate GiveTurn, ReceiveTransfer, PleaseTurn,
// then Close) the bytes of a responder over loopback TCP (Dial only
// dials TCP): first on the association's connection (its CC's DST-REF
// set to our reference) and second on the connection a recovery opens
// (kRecovery). Seeds: PP's responder frames of every capture, and our
// responder's octets in every feature (testdata/fuzzseed: CC, AC with
// the CPA, AARE or RTOAC, OA, MIA, MAA, ED, AIA, ADA, GTC, GTA, RTOAC
// recover, RF with the RTORJ, DN). Whatever comes, every call returns
// within the watchdog and never panics; Dial returns an association or
// an error; after a Transfer failed (but for a refusal) or after Close,
// no Transfer succeeds.
func FuzzInitiator(f *testing.F) {
	for _, c := range ppCaptures {
		f.Add(uint16(c.k), ppSeed(f, c.name, "resp"), []byte(nil))
	}
	for _, sc := range seedScenarios {
		_, resp := seedFiles(f, sc.name)
		f.Add(uint16(sc.k), resp[0], resp[1])
	}
	f.Fuzz(func(t *testing.T, knobs uint16, first, second []byte) {
		defer watchdog("initiator")()
		replayInitiator(context.Background(), fuzzKnobs(knobs), first, second, fuzzTimeouts, t.Errorf)
	})
}
