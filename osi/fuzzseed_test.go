package osi

// The seeds of FuzzResponder and FuzzInitiator recorded from our own
// stack, one scenario per feature (fuzz_test.go has the targets): Dial
// against a real Listen through a recording proxy, the bytes each side
// received written to testdata/fuzzseed by
//
//	go test ./osi -run TestWriteFuzzSeeds -update-seeds
//
// and replayed, in every test run, against the responder and the
// initiator of the fuzz targets (TestFuzzSeeds): each replay must do what
// the live association did (testdata/fuzzseed/<name>.txt).

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"mixerd/osi/session"
	"mixerd/osi/transport"
)

var updateSeeds = flag.Bool("update-seeds", false, "TestWriteFuzzSeeds: record the fuzz seeds of testdata/fuzzseed again")

// fuzzKnobs chooses, in the fuzz targets and the seed scenarios, the
// configuration of both sides and what the peer under test does.
type fuzzKnobs uint16

const (
	kMode       fuzzKnobs = 3 << 0  // 0 and 3: 1988 normal, 1: 1988 X.410, 2: 1984
	kTWA        fuzzKnobs = 1 << 2  // two-way alternate dialogue mode
	kCkpt       fuzzKnobs = 1 << 3  // checkpoint size 1 KiB, window 3 (else none)
	kSegment    fuzzKnobs = 1 << 4  // TSDU maximum sizes: Dial 300, Listen 256
	kBigBind    fuzzKnobs = 1 << 5  // a bind argument of 30000 octets: connect data overflow
	kRecovery   fuzzKnobs = 1 << 6  // RTSE recovery on both sides
	kSmall      fuzzKnobs = 1 << 7  // small listener limits (MaxConnectData, MaxAPDU, MaxTSDU)
	kTalkBack   fuzzKnobs = 1 << 8  // the responder transfers an APDU when given the turn
	kWaitIdle   fuzzKnobs = 1 << 9  // the responder's WaitIdle while it holds the turn between transfers
	kHold       fuzzKnobs = 1 << 10 // the fuzzed peer keeps the connection open: timeouts
	kRefuseBind fuzzKnobs = 1 << 11 // the responder refuses the bind
	kSizes      fuzzKnobs = 3 << 12 // the APDUs the initiator sends (apduSizes)
	// kInitWaitIdle: the initiator's WaitIdle after its transfers. No
	// seed has it: a replay sends the responder's octets at once, and
	// what WaitIdle then sees is not what it saw live.
	kInitWaitIdle fuzzKnobs = 1 << 14
)

func (k fuzzKnobs) mode() Mode {
	switch k & kMode {
	case 1:
		return Mode1988X410
	case 2:
		return Mode1984
	}
	return Mode1988Normal
}

// apduSizes are the sizes of the APDUs the initiator transfers. The
// receiver confirms an APDU of even length and refuses the others
// (settle): sizes 1 holds two refusals.
func (k fuzzKnobs) apduSizes() []int {
	switch (k & kSizes) >> 12 {
	case 1:
		return []int{1201, 1203, 800}
	case 2:
		return []int{13000, 1000}
	case 3:
		return []int{10}
	}
	return []int{2000, 300, 5000}
}

// talkBackSize is the size of the APDU the responder transfers when
// given the turn (kTalkBack), and lastSize of the initiator's last one,
// once the turn came back.
const (
	talkBackSize = 600
	lastSize     = 100
)

func (k fuzzKnobs) bindArg() []byte {
	if k&kBigBind != 0 {
		return bigBindArg
	}
	return testBindArg
}

// bigBindArg is a bind argument over what a CN carries: a [1] SEQUENCE
// (an MTABindArgument's authenticated form, as far as osi sees) of 30000
// octets.
var bigBindArg = func() []byte {
	b := []byte{0xa1, 0x82, 0x75, 0x30 - 4, 0x04, 0x82, 0x75, 0x30 - 8}
	for i := len(b); i < 30000; i++ {
		b = append(b, 0x80|byte(i%97))
	}
	return b
}()

// fuzzBindError is the MTABindError the responder refuses with
// (kRefuseBind): authentication-error.
var fuzzBindError = []byte{0x02, 0x01, 0x02}

// fuzzAPDU returns an APDU of exactly n octets (n >= 5): a SEQUENCE of
// octets that are not ASCII (normalize rewrites ASCII references).
func fuzzAPDU(n int) []byte {
	b := make([]byte, 0, n)
	l := n - 5
	b = append(b, 0x30, 0x83, byte(l>>16), byte(l>>8), byte(l))
	for i := range l {
		b = append(b, 0x80|byte(i%101))
	}
	return b
}

func (k fuzzKnobs) dialConfig(addr string, to Timeouts, lg *slog.Logger) DialConfig {
	dc := DialConfig{Address: addr, Mode: k.mode(), WindowSize: 3, Timeouts: to, Logger: lg}
	if k&kTWA != 0 {
		dc.DialogueMode = TwoWayAlternate
	}
	if k&kCkpt != 0 {
		dc.CheckpointSize = 1
	}
	if k&kSegment != 0 {
		dc.TSDUMaxSize = 300
	}
	if k&kRecovery != 0 {
		dc.Recovery = RecoveryConfig{Attempts: 2, Backoff: time.Millisecond, Timeout: to.Connect}
	}
	return dc
}

func (k fuzzKnobs) listenConfig(to Timeouts, lg *slog.Logger) ListenConfig {
	lc := ListenConfig{Timeouts: to, Logger: lg, Limits: Limits{MaxAPDU: 1 << 16, MaxTSDU: 1 << 17}}
	if k&kSegment != 0 {
		lc.TSDUMaxSize = 256
	}
	if k&kRecovery != 0 {
		lc.Recovery = RecoveryConfig{Timeout: to.Connect}
	}
	if k&kSmall != 0 {
		lc.Limits = Limits{MaxConnectData: 12 << 10, MaxAPDU: 4 << 10, MaxTSDU: 12 << 10}
	}
	return lc
}

// outcome names an error for the scenario logs, without what varies
// between runs (addresses, references).
func outcome(err error) string {
	var tr *TransferRefusedError
	var re *RefusedError
	var ae *AbortError
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrReleased):
		return "released"
	case errors.Is(err, ErrTurnGiven):
		return "turn given"
	case errors.Is(err, ErrTurnRequested):
		return "turn requested"
	case errors.Is(err, ErrNoTurn):
		return "no turn"
	case errors.Is(err, ErrMonologue):
		return "monologue"
	case errors.Is(err, ErrIdleTimeout):
		return "idle timeout"
	case errors.As(err, &tr):
		return fmt.Sprintf("refused by the receiver (reason %d, interrupted %v)", tr.Reason, tr.Interrupted)
	case errors.As(err, &re):
		return fmt.Sprintf("association refused (%s, reason %d, bind error %x)", re.Layer, re.Reason, re.BindError)
	case errors.As(err, &ae):
		return fmt.Sprintf("aborted (%s, peer %v)", ae.Layer, ae.Peer)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	}
	return "error"
}

// settle confirms an APDU of even length and refuses the others: with
// ExceptionJeopardized (the sender interrupts) when the length is 1
// modulo 4, else with ExceptionLocalError (the sender discards).
func settle(r *Received) string {
	switch n := len(r.APDU); {
	case n%2 == 0:
		return "confirm: " + outcome(r.Confirm())
	case n%4 == 1:
		return "refuse jeopardized: " + outcome(r.Refuse(ExceptionJeopardized))
	default:
		return "refuse local error: " + outcome(r.Refuse(ExceptionLocalError))
	}
}

// scenarioLog collects what happens in a scenario.
type scenarioLog []string

func (l *scenarioLog) add(format string, args ...any) { *l = append(*l, fmt.Sprintf(format, args...)) }

// respond answers the association request in as k says (bind refused or
// accepted; each APDU confirmed or refused by settle; the turn, when
// given, used for a transfer back or given back at once; WaitIdle while
// holding it) until the association ends, and returns what happened.
// bad reports a broken invariant. Every wait is bounded by the timeouts
// of in's configuration.
func respond(ctx context.Context, in *Incoming, k fuzzKnobs, bad func(string, ...any)) (log scenarioLog) {
	log.add("request: mode %v, dialogue %d, checkpoint %d, window %d, bind %d octets", in.Mode, in.DialogueMode, in.CheckpointSize, in.WindowSize, len(in.BindArgument))
	if k&kRefuseBind != 0 {
		log.add("refuse the bind: %s", outcome(in.Refuse(ctx, fuzzBindError)))
		return log
	}
	a, err := in.Accept(ctx, testBindResult)
	if err != nil {
		log.add("accept: %s", outcome(err))
		return log
	}
	defer func() { log.add("close: %s", outcome(a.Close(ctx))) }()
	for range 64 {
		r, err := a.ReceiveTransfer(ctx)
		switch {
		case err == nil:
			log.add("apdu %d: %s", len(r.APDU), settle(r))
		case errors.Is(err, ErrTurnGiven) && k&kTalkBack != 0:
			log.add("turn given; transfer %d: %s", talkBackSize, outcome(a.Transfer(ctx, fuzzAPDU(talkBackSize))))
			if k&kWaitIdle != 0 && a.HasTurn() {
				wctx, cancel := context.WithTimeout(ctx, 2*a.c.to.Read)
				log.add("wait idle: %s", outcome(a.WaitIdle(wctx)))
				cancel()
			}
		case errors.Is(err, ErrTurnGiven):
			log.add("turn given; give it back: %s", outcome(a.GiveTurn(ctx)))
		case errors.Is(err, ErrTurnRequested):
			log.add("turn requested; give it: %s", outcome(a.GiveTurn(ctx)))
		default:
			log.add("receive: %s", outcome(err))
			// The association is over: nothing more comes, at once.
			if _, err := a.ReceiveTransfer(ctx); err == nil {
				bad("ReceiveTransfer after %v returned an APDU", err)
			}
			return log
		}
	}
	return log
}

// initiate dials with dc and the knobs' bind, transfers the knobs'
// APDUs, in two-way alternate gives the turn, receives (settling each
// APDU as respond does, asking for the turn back after each) until the
// turn comes back, transfers once more, and closes; it returns what
// happened. bad reports a broken invariant: Dial returns an association
// or an error; once a Transfer failed (but for a refusal by the
// receiver) or Close returned, no Transfer succeeds.
func initiate(ctx context.Context, dc DialConfig, k fuzzKnobs, bad func(string, ...any)) (log scenarioLog) {
	a, res, err := Dial(ctx, dc, k.bindArg())
	if (a == nil) == (err == nil) {
		bad("Dial returned association %v and error %v", a != nil, err)
	}
	if err != nil {
		log.add("dial: %s", outcome(err))
		return log
	}
	log.add("dial: mode %v, dialogue %d, checkpoint %d, window %d, bind result %d octets", a.Mode, a.DialogueMode, a.CheckpointSize, a.WindowSize, len(res))
	defer func() {
		log.add("close: %s", outcome(a.Close(ctx)))
		if err := a.Transfer(ctx, fuzzAPDU(lastSize)); err == nil {
			bad("Transfer after Close succeeded")
		}
	}()
	transfer := func(n int) bool {
		err := a.Transfer(ctx, fuzzAPDU(n))
		log.add("transfer %d: %s", n, outcome(err))
		var tr *TransferRefusedError
		if err == nil || errors.As(err, &tr) || errors.Is(err, ErrNoTurn) {
			return true
		}
		// The association is over: nothing more may go, nor hang.
		if err2 := a.Transfer(ctx, fuzzAPDU(n)); err2 == nil {
			bad("Transfer after %v succeeded", err)
		}
		return false
	}
	for _, n := range k.apduSizes() {
		if !transfer(n) {
			return log
		}
	}
	if k&kInitWaitIdle != 0 && a.HasTurn() {
		wctx, cancel := context.WithTimeout(ctx, a.c.to.Read/4)
		err := a.WaitIdle(wctx)
		cancel()
		log.add("wait idle: %s", outcome(err))
		if err != nil && !errors.Is(err, ErrTurnRequested) {
			return log
		}
	}
	if a.DialogueMode != TwoWayAlternate {
		return log
	}
	if err := a.GiveTurn(ctx); err != nil {
		log.add("give turn: %s", outcome(err))
		return log
	}
	log.add("turn given")
	for range 16 {
		r, err := a.ReceiveTransfer(ctx)
		if err == nil {
			log.add("apdu %d: %s; ask for the turn: %s", len(r.APDU), settle(r), outcome(a.PleaseTurn(ctx, 1)))
			continue
		}
		log.add("receive: %s", outcome(err))
		if !errors.Is(err, ErrTurnGiven) {
			return log
		}
		break
	}
	transfer(lastSize)
	return log
}

// seedScenario is one recorded seed: the knobs of both sides.
type seedScenario struct {
	name string
	k    fuzzKnobs
}

// noBind reports whether the request is refused before its bind is read:
// a connect data overflow over the listener's limit.
func (sc seedScenario) noBind() bool { return sc.k&(kBigBind|kSmall) == kBigBind|kSmall }

// seedScenarios are the features the seeds cover.
var seedScenarios = []seedScenario{
	{"normal-ckpt", kCkpt},   // 1988 normal, checkpoints (MIP/MIA), several APDUs
	{"x410-ckpt", 1 | kCkpt}, // X.410-1984 mode transfers
	{"1984", 2},              // 1984, no checkpoint
	{"twa-talkback", kTWA | kCkpt | kTalkBack | 3<<12},              // GTC/GTA both ways, PT (RTTP), transfers both ways
	{"twa-x410-waitidle", 1 | kTWA | kTalkBack | kWaitIdle | 3<<12}, // the same in X.410 mode, the responder in WaitIdle
	{"twa-giveback", kTWA | 3<<12},                                  // the turn given and given back at once
	{"refusal", 1 << 12},                                            // ED: AI (jeopardized), AD (local error), then a confirm
	{"refusal-x410-ckpt", 1 | kCkpt | 1<<12},                        // the same in X.410 mode with checkpoints
	{"limit-refusal", kSmall | kCkpt | 2<<12},                       // an APDU over MaxAPDU refused as its size comes
	{"tsdu-limit", kSmall | 2<<12},                                  // an APDU in one TSDU over MaxTSDU: aborted
	{"overflow-bind", kBigBind | 3<<12},                             // CN with Data Overflow, OA, CDOs
	{"overflow-limit", kBigBind | kSmall | kSegment | 3<<12},        // the same over MaxConnectData (CDOs within the TSDU maximum size): RF
	{"segmented", kSegment},                                         // TSDU maximum sizes: segmented S-DATA (DT with Enclosure Item)
	{"recovery", kRecovery | kCkpt | 2<<12},                         // the connection killed mid-transfer: RTORQ recover, AR
	{"recovery-x410", 1 | kRecovery | kCkpt | 2<<12},                // the same in X.410 mode
	{"bind-refused", kRefuseBind | 3<<12},                           // RTORJ with the bind error
}

const seedDir = "testdata/fuzzseed"

// seedFiles reads the seed of a scenario: per connection (two for a
// recovery), the bytes the initiator sent and those the responder sent.
func seedFiles(t testing.TB, name string) (init, resp [2][]byte) {
	t.Helper()
	for i, suffix := range []string{"", "2"} {
		for _, side := range []struct {
			dst  *[2][]byte
			kind string
		}{{&init, "init"}, {&resp, "resp"}} {
			b, err := os.ReadFile(filepath.Join(seedDir, name+"-"+side.kind+suffix+".bin"))
			if i == 0 && err != nil {
				t.Fatalf("%v (go test ./osi -run TestWriteFuzzSeeds -update-seeds writes the seeds)", err)
			}
			side.dst[i] = b
		}
	}
	return init, resp
}

// feedConn is the connection of a responder under test whose initiator
// sends data, all of it at once, as over TCP: reads return data, then
// io.EOF (or, with hold, wait for the read deadline or Close); writes
// succeed and are dropped, as a peer that reads everything would. Nothing
// depends on scheduling, so a replay does what the same octets did
// before. Its address is TCP's (the recovery table keys associations by
// the initiator's IP address); closed is closed at its first Close.
type feedConn struct {
	mu       sync.Mutex
	data     []byte
	hold     bool
	isClosed bool
	rdl, wdl time.Time
	wake     chan struct{} // closed (and replaced) when a deadline changes or at Close
	closed   chan struct{}
}

func newFeedConn(data []byte, hold bool) *feedConn {
	return &feedConn{data: data, hold: hold, wake: make(chan struct{}), closed: make(chan struct{})}
}

var fuzzPeerAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40102}

func (c *feedConn) RemoteAddr() net.Addr { return fuzzPeerAddr }
func (c *feedConn) LocalAddr() net.Addr  { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 102} }

func (c *feedConn) Read(p []byte) (int, error) {
	for {
		c.mu.Lock()
		if c.isClosed {
			c.mu.Unlock()
			return 0, net.ErrClosed
		}
		if len(c.data) > 0 {
			n := copy(p, c.data)
			c.data = c.data[n:]
			c.mu.Unlock()
			return n, nil
		}
		if !c.hold {
			c.mu.Unlock()
			return 0, io.EOF
		}
		var timeout <-chan time.Time
		if !c.rdl.IsZero() {
			d := time.Until(c.rdl)
			if d <= 0 {
				c.mu.Unlock()
				return 0, os.ErrDeadlineExceeded
			}
			t := time.NewTimer(d)
			timeout = t.C
			defer t.Stop() // at most one per Read: it returns at the deadline
		}
		wake := c.wake
		c.mu.Unlock()
		select {
		case <-wake:
		case <-timeout:
		}
	}
}

func (c *feedConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.isClosed:
		return 0, net.ErrClosed
	case !c.wdl.IsZero() && !time.Now().Before(c.wdl):
		return 0, os.ErrDeadlineExceeded
	}
	return len(p), nil
}

func (c *feedConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.isClosed {
		return net.ErrClosed
	}
	c.isClosed = true
	close(c.wake)
	close(c.closed)
	return nil
}

func (c *feedConn) SetDeadline(t time.Time) error {
	c.SetReadDeadline(t)
	return c.SetWriteDeadline(t)
}

func (c *feedConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rdl = t
	if !c.isClosed {
		close(c.wake)
		c.wake = make(chan struct{})
	}
	return nil
}

func (c *feedConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wdl = t
	return nil
}

// replayResponder plays first (and, when not empty, second, on the
// connection that recovers the association once the first is closed) to
// our responder answering as respond does with k's configuration, and
// returns what respond did. Every wait is bounded by to.
func replayResponder(ctx context.Context, k fuzzKnobs, first, second []byte, to Timeouts, bad func(string, ...any)) (log scenarioLog) {
	lg := slog.New(slog.DiscardHandler)
	cfg := k.listenConfig(to, lg)
	hold := k&kHold != 0
	nc := newFeedConn(first, hold)
	defer nc.Close()
	var store *recoveryStore
	if k&kRecovery != 0 {
		store = newRecoveryStore(cfg.Recovery, lg)
		defer store.close()
	}
	in, err := accept(ctx, nc, cfg)
	if err != nil {
		log.add("request: %s", outcome(err))
		return log
	}
	if in.recoverID != nil {
		// Nothing to recover on a fresh listener: refused (RTORJ).
		why := errRecoveryOff
		if store != nil {
			why = store.handOver(in)
		}
		in.refuseRecovery(ctx, why.Error())
		log.add("recovering request refused")
		return log
	}
	in.rec = store
	if store != nil && len(second) > 0 {
		// The recovering connection, once the first is gone (as the
		// initiator sees a loss), goes through the listener's path.
		nc2 := newFeedConn(second, hold)
		defer nc2.Close()
		done := make(chan struct{})
		finished := make(chan struct{})
		defer func() {
			close(done)
			<-finished
		}()
		go func() {
			defer close(finished)
			select {
			case <-nc.closed:
			case <-done:
				return
			}
			in2, err := accept(ctx, nc2, cfg)
			switch {
			case err != nil:
			case in2.recoverID == nil:
				in2.c.close()
			default:
				if err := store.handOver(in2); err != nil {
					in2.refuseRecovery(ctx, err.Error())
				} else {
					return // the association takes it
				}
			}
			store.close() // no recovery: the association stops waiting
		}()
	}
	return respond(ctx, in, k, bad)
}

// replayInitiator plays first (then second to the connection a recovery
// opens, if any) as a responder to our initiator doing what initiate
// does with k's configuration, and returns what initiate did. The CC's
// DST-REF is set to our SRC-REF. Every wait is bounded by to.
func replayInitiator(ctx context.Context, k fuzzKnobs, first, second []byte, to Timeouts, bad func(string, ...any)) (log scenarioLog) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		bad("%v", err)
		return nil
	}
	streams := [][]byte{first}
	if len(second) > 0 {
		streams = append(streams, second)
	}
	var wg sync.WaitGroup
	defer func() {
		ln.Close() // a connection not yet made will not be
		wg.Wait()
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer ln.Close() // a connection beyond the streams is refused
		for _, data := range streams {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				playResponder(nc, data, k&kHold != 0, to)
			}()
		}
	}()
	return initiate(ctx, k.dialConfig(ln.Addr().String(), to, slog.New(slog.DiscardHandler)), k, bad)
}

// playResponder reads the initiator's CR, writes data (its CC, if it
// starts with one, answering the CR's reference) and, unless hold,
// half-closes; it reads and drops what the initiator sends until it
// closes (or for at most to.Connect).
func playResponder(nc net.Conn, data []byte, hold bool, to Timeouts) {
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(to.Connect + to.Release))
	cr, err := transport.ReadTPKT(nc, nil, transport.MaxTPKTLen)
	if err != nil {
		return
	}
	if len(cr) >= 10 && cr[5]&0xf0 == 0xe0 && len(data) >= 10 && data[5]&0xf0 == 0xd0 {
		data = bytes.Clone(data)
		copy(data[6:8], cr[8:10])
	}
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		io.Copy(io.Discard, nc)
	}()
	nc.Write(data)
	if !hold {
		nc.(*net.TCPConn).CloseWrite()
	}
	<-drained
}

// TestFuzzSeeds replays each recorded seed (testdata/fuzzseed) to our
// responder and our initiator, as the fuzz targets do: each must get
// through its bind and do what the live association did.
func TestFuzzSeeds(t *testing.T) {
	to := Timeouts{Connect: 5 * time.Second, Read: 2 * time.Second, Write: 2 * time.Second, Release: 2 * time.Second, Idle: 5 * time.Second}
	for _, sc := range seedScenarios {
		t.Run(sc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			init, resp := seedFiles(t, sc.name)
			want, err := os.ReadFile(filepath.Join(seedDir, sc.name+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			wantI, wantR, _ := strings.Cut(string(want), "--- responder\n")
			wantI = strings.TrimPrefix(wantI, "--- initiator\n")
			if !sc.noBind() && !strings.Contains(wantR, fmt.Sprintf("bind %d octets", len(sc.k.bindArg()))) {
				t.Errorf("the responder of %s never got the bind", sc.name)
			}
			gotR := replayResponder(ctx, sc.k, init[0], init[1], to, t.Errorf)
			if s := gotR.String(); s != wantR {
				t.Errorf("responder replay\n%s\nlive\n%s", s, wantR)
			}
			gotI := replayInitiator(ctx, sc.k, resp[0], resp[1], to, t.Errorf)
			if s := gotI.String(); s != wantI {
				t.Errorf("initiator replay\n%s\nlive\n%s", s, wantI)
			}
		})
	}
}

func (l scenarioLog) String() string { return strings.Join(l, "\n") + "\n" }

// TestWriteFuzzSeeds records the seeds (with -update-seeds): each
// scenario runs twice between Dial and a real Listen through a recording
// proxy; both runs must send the same octets once normalized (the
// references and times, which are random or the clock's, set to fixed
// values), and the replays of TestFuzzSeeds must do what the live run
// did.
func TestWriteFuzzSeeds(t *testing.T) {
	if !*updateSeeds {
		t.Skip("records the fuzz seeds again with -update-seeds")
	}
	if err := os.MkdirAll(seedDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, sc := range seedScenarios {
		t.Run(sc.name, func(t *testing.T) {
			conns, log := recordScenario(t, sc.k)
			again, log2 := recordScenario(t, sc.k)
			if log != log2 || len(conns) != len(again) {
				t.Fatalf("two runs differ:\n%s\n%s", log, log2)
			}
			for i := range conns {
				if !bytes.Equal(conns[i].init, again[i].init) || !bytes.Equal(conns[i].resp, again[i].resp) {
					t.Fatalf("connection %d: two runs sent different octets", i+1)
				}
			}
			if want := map[bool]int{false: 1, true: 2}[sc.k&kRecovery != 0]; len(conns) != want {
				t.Fatalf("%d connections, want %d", len(conns), want)
			}
			for i, rc := range conns {
				suffix := []string{"", "2"}[i]
				write(t, sc.name+"-init"+suffix+".bin", rc.init)
				write(t, sc.name+"-resp"+suffix+".bin", rc.resp)
			}
			write(t, sc.name+".txt", []byte(log))
		})
	}
}

func write(t *testing.T, name string, b []byte) {
	if err := os.WriteFile(filepath.Join(seedDir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// recorded is what went over one connection: the octets the initiator
// sent and those the responder sent.
type recorded struct{ init, resp []byte }

// recordScenario runs initiate against respond on a real Listen through a
// recordingProxy and returns the normalized octets of each connection and
// what both sides did.
func recordScenario(t *testing.T, k fuzzKnobs) ([]recorded, string) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	to := testTimeouts()
	to.Idle = 5 * time.Second
	lg := testLogger(t)
	l, err := Listen("127.0.0.1:0", k.listenConfig(to, lg))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	p := newRecordingProxy(t, l.Addr().String(), k&kRecovery != 0)
	rch := make(chan scenarioLog, 1)
	go func() {
		in, err := l.Accept(ctx)
		if err != nil {
			rch <- scenarioLog{"request: " + outcome(err)}
			return
		}
		rch <- respond(ctx, in, k, t.Errorf)
	}()
	ilog := initiate(ctx, k.dialConfig(p.addr(), to, lg), k, t.Errorf)
	rlog := <-rch
	conns := p.wait()
	normalize(conns)
	return conns, "--- initiator\n" + ilog.String() + "--- responder\n" + rlog.String()
}

// recordConn records what is written through it.
type recordConn struct {
	net.Conn
	buf *bytes.Buffer
}

func (c recordConn) Write(b []byte) (int, error) {
	c.buf.Write(b)
	return c.Conn.Write(b)
}

// recordingProxy forwards TCP connections to target, TPKT by TPKT, and
// records what it forwards each way (through recordConns). With kill, the
// first connection is lost in the middle of a transfer at a point that
// does not depend on timing: only the first MIA of the responder is
// forwarded (the sender, its window full, then waits), and the connection
// is closed both ways once the initiator's MIP of serial 4 went through.
type recordingProxy struct {
	ln     net.Listener
	target string
	kill   bool
	mu     sync.Mutex
	bufs   [][2]*bytes.Buffer
	wg     sync.WaitGroup
}

func newRecordingProxy(t *testing.T, target string, kill bool) *recordingProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &recordingProxy{ln: ln, target: target, kill: kill}
	p.wg.Add(1)
	go p.loop()
	return p
}

func (p *recordingProxy) addr() string { return p.ln.Addr().String() }

func (p *recordingProxy) loop() {
	defer p.wg.Done()
	for n := 0; ; n++ {
		cl, err := p.ln.Accept()
		if err != nil {
			return
		}
		sv, err := net.Dial("tcp", p.target)
		if err != nil {
			cl.Close()
			continue
		}
		ib, rb := new(bytes.Buffer), new(bytes.Buffer)
		p.mu.Lock()
		p.bufs = append(p.bufs, [2]*bytes.Buffer{ib, rb})
		p.mu.Unlock()
		kill := p.kill && n == 0
		var once sync.Once
		end := func() {
			once.Do(func() {
				cl.Close()
				sv.Close()
			})
		}
		p.wg.Add(2)
		go func() { // initiator to responder
			defer p.wg.Done()
			defer sv.(*net.TCPConn).CloseWrite()
			to := recordConn{sv, ib}
			for {
				pkt, err := transport.ReadTPKT(cl, nil, transport.MaxTPKTLen)
				if err != nil {
					return
				}
				if _, err := to.Write(pkt); err != nil {
					return
				}
				if kill && lastSPDU(pkt, session.KindMIP, 4) {
					end()
					return
				}
			}
		}()
		go func() { // responder to initiator
			defer p.wg.Done()
			defer cl.(*net.TCPConn).CloseWrite()
			to := recordConn{cl, rb}
			forward := true
			for {
				pkt, err := transport.ReadTPKT(sv, nil, transport.MaxTPKTLen)
				if err != nil {
					return
				}
				if !forward {
					continue
				}
				if _, err := to.Write(pkt); err != nil {
					return
				}
				if kill && lastSPDU(pkt, session.KindMIA, 0) {
					forward = false
				}
			}
		}()
	}
}

// lastSPDU reports whether the TPKT pkt holds a whole TSDU whose last SPDU
// is of kind (with serial number serial, unless 0).
func lastSPDU(pkt []byte, kind session.Kind, serial uint32) bool {
	if len(pkt) < 8 || pkt[5] != 0xf0 || pkt[6]&0x80 == 0 {
		return false
	}
	spdus, err := session.DecodeTSDU(pkt[7:])
	if err != nil || len(spdus) == 0 {
		return false
	}
	s := spdus[len(spdus)-1]
	return s.Kind == kind && (serial == 0 || s.Serial.Ok && s.Serial.V == serial)
}

// wait stops the proxy once its connections ended and returns what each
// carried.
func (p *recordingProxy) wait() []recorded {
	p.ln.Close()
	p.wg.Wait()
	var out []recorded
	for _, b := range p.bufs {
		out = append(out, recorded{bytes.Clone(b[0].Bytes()), bytes.Clone(b[1].Bytes())})
	}
	return out
}

// utcTimeRef finds the common reference of a CN: a BER UTCTime.
var utcTimeRef = regexp.MustCompile(`\x17\x0d([0-9]{12}Z)`)

// normalize replaces, in the octets of every connection, what differs
// from run to run: the transport references (random; in CR, CC, DR), the
// calling SS-user reference (the initiator's transport reference in hex,
// in the CN, the AC, a recovering RTORQ and the AR's linking information,
// always after a length octet 4) and the common reference (the clock's
// time, in the CN and a recovering RTORQ). The values of connection i
// become 0a0i (initiator), 0b0i (responder) and 260101000000Z.
func normalize(conns []recorded) {
	refs := map[uint16]uint16{}
	var hexes [][2][]byte
	var times [][]byte
	for i, rc := range conns {
		eachTPDU(rc.init, func(tpdu []byte) {
			if tpdu[1]&0xf0 == 0xe0 && len(tpdu) >= 6 {
				old := uint16(tpdu[4])<<8 | uint16(tpdu[5])
				if _, ok := refs[old]; !ok {
					refs[old] = 0x0a01 + uint16(i)
					hexes = append(hexes, [2][]byte{fmt.Appendf(nil, "\x04%04x", old), fmt.Appendf(nil, "\x04%04x", refs[old])})
				}
			}
		})
		eachTPDU(rc.resp, func(tpdu []byte) {
			if tpdu[1]&0xf0 == 0xd0 && len(tpdu) >= 6 {
				old := uint16(tpdu[4])<<8 | uint16(tpdu[5])
				if _, ok := refs[old]; !ok {
					refs[old] = 0x0b01 + uint16(i)
				}
			}
		})
		for _, m := range utcTimeRef.FindAllSubmatch(rc.init, -1) {
			times = append(times, bytes.Clone(m[1]))
		}
	}
	fix := func(b []byte) []byte {
		eachTPDU(b, func(tpdu []byte) {
			switch code := tpdu[1] & 0xf0; {
			case code == 0xe0 || code == 0xd0 || code == 0x80:
				for _, off := range []int{2, 4} {
					if len(tpdu) >= off+2 {
						if n, ok := refs[uint16(tpdu[off])<<8|uint16(tpdu[off+1])]; ok {
							tpdu[off], tpdu[off+1] = byte(n>>8), byte(n)
						}
					}
				}
			}
		})
		for _, h := range hexes {
			b = bytes.ReplaceAll(b, h[0], h[1])
		}
		for _, tm := range times {
			b = bytes.ReplaceAll(b, tm, []byte("260101000000Z"))
		}
		return b
	}
	for i := range conns {
		conns[i].init, conns[i].resp = fix(conns[i].init), fix(conns[i].resp)
	}
}

// eachTPDU calls f with each TPDU of the TPKTs in b (which f may change
// in place).
func eachTPDU(b []byte, f func(tpdu []byte)) {
	for len(b) >= 4 {
		n := int(b[2])<<8 | int(b[3])
		if n < 6 || n > len(b) {
			return
		}
		f(b[4:n])
		b = b[n:]
	}
}
