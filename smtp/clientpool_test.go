package smtp

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countListener counts the connections our Server accepts and reports
// each one's end on closed.
type countListener struct {
	net.Listener
	accepted atomic.Int32
	closed   chan struct{}
}

func (l *countListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.accepted.Add(1)
	return &countConn{Conn: c, l: l}, nil
}

type countConn struct {
	net.Conn
	l    *countListener
	once sync.Once
}

func (c *countConn) Close() error {
	c.once.Do(func() { c.l.closed <- struct{}{} })
	return c.Conn.Close()
}

// startCounted runs our Server on a countListener; its sink holds up
// to 1000 messages.
func startCounted(t *testing.T) (string, *countListener, *testSink) {
	t.Helper()
	sink := &testSink{ch: make(chan got, 1000)}
	s, err := NewServer(Config{Hostname: "gw.test", Sink: sink, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Accept: func(r string) bool { return domainOf(r) == "local.test" }})
	if err != nil {
		t.Fatal(err)
	}
	nl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &countListener{Listener: nl, closed: make(chan struct{}, 1000)}
	done := make(chan struct{})
	go func() { s.Serve(l); close(done) }()
	t.Cleanup(func() { s.Close(); <-done })
	return nl.Addr().String(), l, sink
}

// waitClosed waits for n connection ends on the server, within the
// test's deadline.
func waitClosed(t *testing.T, l *countListener, n int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for range n {
		select {
		case <-l.closed:
		case <-deadline:
			t.Fatalf("the server saw fewer than %d connections end", n)
		}
	}
}

func msgN(i int) []byte { return fmt.Appendf(nil, "Subject: %d\r\n\r\nbody %d\r\n", i, i) }

// distinct reads n messages from the sink and checks each of 0..n-1
// came once.
func distinct(t *testing.T, sink *testSink, n int) {
	t.Helper()
	seen := map[string]int{}
	for range n {
		seen[received(t, sink).msg]++
	}
	for i := range n {
		if c := seen[string(msgN(i))]; c != 1 {
			t.Errorf("message %d arrived %d times", i, c)
		}
	}
	select {
	case g := <-sink.ch:
		t.Errorf("an extra message arrived: %q", g.msg)
	default:
	}
}

func TestReuseSequential(t *testing.T) {
	addr, l, sink := startCounted(t)
	cl := &Client{Hostname: "client.test"}
	for i := range 10 {
		res, err := cl.Deliver(testCtx(t), addr, oneRcpt("b@local.test"), msgN(i))
		if err != nil {
			t.Fatal(err)
		}
		if r := res.Recipients[0]; !r.Accepted || res.Reused != (i > 0) {
			t.Fatalf("message %d: reused %v %+v", i, res.Reused, r)
		}
	}
	distinct(t, sink, 10)
	if n := l.accepted.Load(); n != 1 {
		t.Errorf("%d connections for 10 sequential messages", n)
	}
	if n := cl.connPool().idleCount(); n != 1 {
		t.Errorf("%d idle connections", n)
	}
	cl.Close()
	waitClosed(t, l, 1)
	if n := cl.connPool().idleCount(); n != 0 {
		t.Errorf("%d idle connections after Close", n)
	}
	// After Close: delivered, then QUIT.
	res, _ := cl.Deliver(testCtx(t), addr, oneRcpt("b@local.test"), msgN(0))
	if !res.Recipients[0].Accepted || res.Reused {
		t.Errorf("after Close: %+v", res)
	}
	waitClosed(t, l, 1)
}

func TestReuseOff(t *testing.T) {
	addr, l, sink := startCounted(t)
	cl := &Client{MaxIdlePerHop: -1}
	for i := range 3 {
		res, _ := cl.Deliver(testCtx(t), addr, oneRcpt("b@local.test"), msgN(i))
		if !res.Recipients[0].Accepted || res.Reused {
			t.Fatalf("%+v", res)
		}
	}
	distinct(t, sink, 3)
	waitClosed(t, l, 3) // each one QUIT at once
	if n := l.accepted.Load(); n != 3 {
		t.Errorf("%d connections", n)
	}
}

// Concurrent Delivers never share a connection, and no more than
// MaxIdlePerHop stay open beside those in use.
func TestReuseParallel(t *testing.T) {
	addr, l, sink := startCounted(t)
	const workers, each, maxIdle = 8, 10, 2
	var open, peak, dials atomic.Int32
	d := net.Dialer{}
	cl := &Client{MaxIdlePerHop: maxIdle}
	cl.dial = func(ctx context.Context, network, a string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, a)
		if err != nil {
			return nil, err
		}
		dials.Add(1)
		n := open.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		return &trackConn{Conn: c, open: &open}, nil
	}
	var wg sync.WaitGroup
	errs := make(chan string, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				res, err := cl.Deliver(testCtx(t), addr, oneRcpt("b@local.test"), msgN(w*each+i))
				if err != nil || !res.Recipients[0].Accepted {
					errs <- fmt.Sprintf("worker %d message %d: %v %+v", w, i, err, res)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	distinct(t, sink, workers*each)
	if p := peak.Load(); p > workers+maxIdle {
		t.Errorf("%d connections open at once, want at most %d", p, workers+maxIdle)
	}
	if n := dials.Load(); n >= workers*each || n != l.accepted.Load() {
		t.Errorf("%d dials (server: %d) for %d messages", n, l.accepted.Load(), workers*each)
	}
	if n := cl.connPool().idleCount(); n > maxIdle {
		t.Errorf("%d idle", n)
	}
	t.Logf("%d connections for %d messages, %d at most at once", dials.Load(), workers*each, peak.Load())
	cl.Close()
	if n := open.Load(); n != 0 {
		t.Errorf("%d connections open after Close", n)
	}
}

type trackConn struct {
	net.Conn
	open *atomic.Int32
	once sync.Once
}

func (c *trackConn) Close() error {
	c.once.Do(func() { c.open.Add(-1) })
	return c.Conn.Close()
}

// A Result's Reused for MaxReuse 3: a new connection every third message.
func TestMaxReuse(t *testing.T) {
	addr, l, sink := startCounted(t)
	cl := &Client{MaxReuse: 3}
	var reused []bool
	for i := range 7 {
		res, _ := cl.Deliver(testCtx(t), addr, oneRcpt("b@local.test"), msgN(i))
		if !res.Recipients[0].Accepted {
			t.Fatalf("%+v", res)
		}
		reused = append(reused, res.Reused)
	}
	distinct(t, sink, 7)
	if got, want := fmt.Sprint(reused), "[false true true false true true false]"; got != want {
		t.Errorf("reused %s, want %s", got, want)
	}
	waitClosed(t, l, 2) // the first two, QUIT after their third message
	if n := l.accepted.Load(); n != 3 {
		t.Errorf("%d connections", n)
	}
	cl.Close()
	waitClosed(t, l, 1)
}

// txnFake serves first transactions on its first connection; then it
// closes it when last is "", else says last to the next MAIL and closes. Later connections are served by basic.
func txnFake(t *testing.T, first int, last string) (string, <-chan string) {
	return startFake(t, func(f *fconn) {
		if f.n > 0 {
			f.basic(nil, nil, nil)
			return
		}
		done := 0
		for {
			l, ok := f.line()
			if !ok {
				return
			}
			switch v := strings.ToUpper(strings.Fields(l + " x")[0]); {
			case v == "EHLO":
				f.ehloReply([]string{"PIPELINING"})
			case v == "MAIL" && done == first:
				if last != "" {
					f.say(last)
				}
				return
			case v == "MAIL" || v == "RCPT":
				f.say("250 2.1.0 ok")
			case v == "DATA":
				f.say("354 go")
				for l != "." {
					if l, ok = f.line(); !ok {
						return
					}
				}
				f.say("250 2.0.0 ok")
				done++
				if done == first && last == "" {
					return // closes the connection now idle
				}
			default:
				f.say("502 5.5.1 no")
			}
		}
	})
}

// count is how many lines equal s.
func count(lines []string, s string) int {
	n := 0
	for _, l := range lines {
		if l == s {
			n++
		}
	}
	return n
}

// The next hop closes the idle connection (as Postfix's smtpd does
// after its timeout), or says 421 to the MAIL on it: the message goes
// on a new connection, once.
func TestReuseIdleConnectionGone(t *testing.T) {
	for _, c := range []struct{ name, last string }{
		{"closed", ""},
		{"421 to MAIL", "421 4.4.2 fake closing connection"},
		{"out of step", "220 fake ready"},
	} {
		t.Run(c.name, func(t *testing.T) {
			addr, got := txnFake(t, 1, c.last)
			cl := &Client{}
			defer cl.Close()
			for i := range 3 {
				res, _ := cl.Deliver(testCtx(t), addr, oneRcpt("b@x"), msgN(i))
				if r := res.Recipients[0]; !r.Accepted || res.Reused != (i == 2) {
					t.Fatalf("message %d: reused %v %+v", i, res.Reused, r)
				}
			}
			lines := drain(got)
			if n := count(lines, "."); n != 3 {
				t.Errorf("%d messages sent, want 3:\n%s", n, strings.Join(lines, "\n"))
			}
			if n := count(lines, "EHLO localhost"); n != 2 {
				t.Errorf("%d connections, want 2", n)
			}
			for i := range 3 {
				if n := count(lines, fmt.Sprintf("Subject: %d", i)); n != 1 {
					t.Errorf("message %d sent %d times", i, n)
				}
			}
		})
	}
}

// A 421 on a new connection is not retried: it is a temporary failure.
func TestFresh421NotRetried(t *testing.T) {
	addr, got := txnFake(t, 0, "421 4.3.2 shutting down")
	res, _ := (&Client{}).Deliver(testCtx(t), addr, oneRcpt("b@x"), msgN(0))
	if r := res.Recipients[0]; r.Accepted || !r.Temporary || r.Code != 421 || r.Stage != StageMail || res.Reused {
		t.Errorf("%+v", res)
	}
	if n := count(drain(got), "EHLO localhost"); n != 1 {
		t.Errorf("%d connections", n)
	}
}

// A transaction that failed leaves the connection in step after RSET;
// one whose server said 421 after MAIL was accepted is never reused.
func TestReuseAfterFailedTransaction(t *testing.T) {
	addr, got := startFake(t, func(f *fconn) {
		f.basic(nil, map[string]string{"<nobody@x>": "550 5.1.1 no such user", "<bye@x>": "421 4.3.0 going away"}, nil)
	})
	cl := &Client{}
	defer cl.Close()
	res, _ := cl.Deliver(testCtx(t), addr, oneRcpt("nobody@x"), msgN(0))
	if r := res.Recipients[0]; r.Accepted || r.Code != 550 {
		t.Fatalf("%+v", r)
	}
	res, _ = cl.Deliver(testCtx(t), addr, oneRcpt("b@x"), msgN(1))
	if r := res.Recipients[0]; !r.Accepted || !res.Reused {
		t.Fatalf("after RSET: reused %v %+v", res.Reused, r)
	}
	res, _ = cl.Deliver(testCtx(t), addr, oneRcpt("bye@x"), msgN(2))
	if r := res.Recipients[0]; r.Accepted || !r.Temporary || r.Code != 421 || !res.Reused {
		t.Fatalf("421 to RCPT: reused %v %+v", res.Reused, r)
	}
	if n := cl.connPool().idleCount(); n != 0 {
		t.Errorf("%d idle after 421", n)
	}
	res, _ = cl.Deliver(testCtx(t), addr, oneRcpt("b@x"), msgN(3))
	if r := res.Recipients[0]; !r.Accepted || res.Reused {
		t.Fatalf("after 421: reused %v %+v", res.Reused, r)
	}
	lines := drain(got)
	if count(lines, "RSET") != 1 || count(lines, "EHLO localhost") != 2 || count(lines, ".") != 2 {
		t.Errorf("dialogue:\n%s", strings.Join(lines, "\n"))
	}
}

// fakeClock is an injectable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// IdleTimeout and MaxAge, checked lazily by the next Deliver (the
// sweep runs on the real clock, an hour away).
func TestIdleTimeoutAndMaxAgeLazy(t *testing.T) {
	addr, l, sink := startCounted(t)
	clk := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	cl := &Client{IdleTimeout: time.Hour, MaxAge: 3 * time.Hour, now: clk.Now}
	defer cl.Close()
	send := func(i int, wantReused bool) {
		t.Helper()
		res, _ := cl.Deliver(testCtx(t), addr, oneRcpt("b@local.test"), msgN(i))
		if !res.Recipients[0].Accepted || res.Reused != wantReused {
			t.Fatalf("message %d: %+v", i, res)
		}
	}
	send(0, false)
	clk.add(59 * time.Minute)
	send(1, true)
	clk.add(time.Hour) // idle an hour: closed
	send(2, false)
	waitClosed(t, l, 1)
	clk.add(59 * time.Minute)
	send(3, true)
	clk.add(59 * time.Minute)
	send(4, true)
	clk.add(59 * time.Minute)
	send(5, true) // 2h57 old at its end: still kept
	clk.add(59 * time.Minute)
	send(6, false) // 3h56: too old
	waitClosed(t, l, 1)
	distinct(t, sink, 7)
	if n := l.accepted.Load(); n != 3 {
		t.Errorf("%d connections", n)
	}
}

// The sweep QUITs an idle connection after IdleTimeout, on its own.
func TestIdleTimeoutSweep(t *testing.T) {
	ended := make(chan struct{}, 1)
	addr, got := startFake(t, func(f *fconn) {
		f.basic(nil, nil, nil)
		ended <- struct{}{}
	})
	cl := &Client{IdleTimeout: 20 * time.Millisecond}
	defer cl.Close()
	res, _ := cl.Deliver(testCtx(t), addr, oneRcpt("b@x"), msgN(0))
	if !res.Recipients[0].Accepted {
		t.Fatalf("%+v", res)
	}
	select {
	case <-ended:
		if lines := drain(got); len(lines) == 0 || lines[len(lines)-1] != "QUIT" {
			t.Errorf("dialogue %q", lines)
		}
	case <-testCtx(t).Done():
		t.Fatal("the idle connection was not closed")
	}
	if n := cl.connPool().idleCount(); n != 0 {
		t.Errorf("%d idle", n)
	}
}

// Close QUITs every idle connection and leaves no goroutine of the
// client behind.
func TestCloseLeavesNothing(t *testing.T) {
	var addrs []string
	var gots []<-chan string
	for range 3 {
		a, g := startFake(t, func(f *fconn) { f.basic(nil, nil, nil) })
		addrs, gots = append(addrs, a), append(gots, g)
	}
	cl := &Client{IdleTimeout: time.Hour}
	for i, a := range addrs {
		for j := range 2 {
			if res, _ := cl.Deliver(testCtx(t), a, oneRcpt("b@x"), msgN(j)); !res.Recipients[0].Accepted || res.Reused != (j == 1) {
				t.Fatalf("hop %d message %d: %+v", i, j, res)
			}
		}
	}
	if n := cl.connPool().idleCount(); n != 3 {
		t.Errorf("%d idle", n)
	}
	cl.Close()
	for i, g := range gots {
		if l := drain(g); len(l) == 0 || l[len(l)-1] != "QUIT" {
			t.Errorf("hop %d: %q", i, l)
		}
	}
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	for _, s := range strings.Split(stacks, "\n\n") {
		if strings.Contains(s, "smtp.(*pool)") || strings.Contains(s, "smtp.(*conversation)") || strings.Contains(s, "smtp.(*clientSession)") {
			t.Errorf("goroutine left:\n%s", s)
		}
	}
	if cl.connPool().timer != nil {
		t.Error("sweep timer still armed")
	}
}

// A transaction cut short by its context leaves no connection behind.
func TestCancelledNotKept(t *testing.T) {
	ended := make(chan struct{}, 1)
	addr, _ := startFake(t, func(f *fconn) {
		defer func() { ended <- struct{}{} }()
		for {
			l, ok := f.line()
			if !ok {
				return
			}
			switch {
			case strings.HasPrefix(l, "EHLO"):
				f.ehloReply(nil)
			case strings.HasPrefix(l, "DATA"):
				// no reply: the client's context ends first
			default:
				f.say("250 2.1.0 ok")
			}
		}
	})
	cl := &Client{}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	res, _ := cl.Deliver(ctx, addr, oneRcpt("b@x"), msgN(0))
	if r := res.Recipients[0]; r.Accepted || !r.Temporary || r.Stage != StageData {
		t.Errorf("%+v", r)
	}
	if n := cl.connPool().idleCount(); n != 0 {
		t.Errorf("%d idle", n)
	}
	select {
	case <-ended:
	case <-testCtx(t).Done():
		t.Fatal("the connection was not closed")
	}
}
