package daemon

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"mixerd/audit"
	"mixerd/mixer"
	"mixerd/osi"
	"mixerd/p1"
	"mixerd/smtp"
	"mixerd/x400"
)

// counter counts the messages a receiver got, by key; it closes done when
// it has want distinct keys and sends on progress (if free) at each one.
type counter struct {
	mu       sync.Mutex
	seen     map[string]int
	want     int
	done     chan struct{}
	progress chan struct{}
}

func newCounter(want int, progress chan struct{}) *counter {
	return &counter{seen: map[string]int{}, want: want, done: make(chan struct{}), progress: progress}
}

func (c *counter) add(key string) {
	c.mu.Lock()
	c.seen[key]++
	if c.seen[key] == 1 && len(c.seen) == c.want {
		close(c.done)
	}
	c.mu.Unlock()
	select {
	case c.progress <- struct{}{}:
	default:
	}
}

// stats are the distinct keys and the copies beyond the first.
func (c *counter) stats() (distinct, dups int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.seen {
		dups += n - 1
	}
	return len(c.seen), dups
}

// crashPeer is the X.400 MTA: it counts IPMs by Subject.
type crashPeer struct{ c *counter }

func (p *crashPeer) Deliver(ctx context.Context, apdu *x400.MTSAPDU, raw []byte, from string) error {
	if apdu.Message == nil {
		return nil
	}
	obj, err := x400.DecodeInformationObject(apdu.Message.Content, nil)
	if err != nil || obj.IPM == nil {
		return fmt.Errorf("not an IPM: %v", err)
	}
	p.c.add(obj.IPM.Heading.Subject)
	return nil
}

// crashRelay is the SMTP relay: it counts messages by X400-MTS-Identifier.
type crashRelay struct{ c *counter }

func (r *crashRelay) Deliver(ctx context.Context, env *smtp.Envelope, msg io.Reader) (*smtp.Receipt, error) {
	b, err := io.ReadAll(msg)
	if err != nil {
		return nil, err
	}
	h, _, err := mixer.ParseHeader(b, mixer.HeaderLimits{})
	if err != nil {
		return nil, err
	}
	id, ok := h.Get("X400-MTS-Identifier")
	if !ok {
		return nil, &smtp.Reply{Code: 554, Status: "5.6.0", Text: "no X400-MTS-Identifier"}
	}
	r.c.add(strings.TrimSpace(id))
	return &smtp.Receipt{ID: "ok"}, nil
}

// child is mixerd serve run as a child process, killed and restarted.
type child struct {
	t      *testing.T
	bin    string
	policy string

	mu       sync.Mutex
	gen      int           // processes started
	readyGen int           // the last process that said it runs
	next     chan struct{} // closed when a process after readyGen runs
	cmd      *exec.Cmd
	exited   chan struct{}
	lines    []string // the end of the children's logs
}

// start runs a new process and waits until it serves.
func (c *child) start(ctx context.Context) {
	c.t.Helper()
	cmd := exec.Command(c.bin, "serve", "-policy", c.policy)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		c.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.mu.Lock()
	c.gen++
	gen := c.gen
	c.cmd = cmd
	exited := make(chan struct{})
	c.exited = exited
	c.mu.Unlock()
	running := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(nil, 1<<20)
		seen := false
		for sc.Scan() {
			line := sc.Text()
			c.mu.Lock()
			c.lines = append(c.lines, fmt.Sprintf("[%d] %s", gen, line))
			if len(c.lines) > 400 {
				c.lines = c.lines[200:]
			}
			c.mu.Unlock()
			if !seen && strings.Contains(line, `msg="mixerd running"`) {
				seen = true
				close(running)
			}
		}
		cmd.Wait()
		close(exited)
	}()
	select {
	case <-running:
	case <-exited:
		c.t.Fatalf("mixerd serve exited at start:\n%s", c.logTail())
	case <-ctx.Done():
		c.t.Fatalf("mixerd serve did not start:\n%s", c.logTail())
	}
	c.mu.Lock()
	c.readyGen = gen
	close(c.next)
	c.next = make(chan struct{})
	c.mu.Unlock()
}

// kill sends SIGKILL and waits for the process to end.
func (c *child) kill() {
	c.mu.Lock()
	cmd, exited := c.cmd, c.exited
	c.mu.Unlock()
	cmd.Process.Kill()
	<-exited
}

// term sends SIGTERM, waits for the process to end and returns its exit
// code.
func (c *child) term() int {
	c.mu.Lock()
	cmd, exited := c.cmd, c.exited
	c.mu.Unlock()
	cmd.Process.Signal(syscall.SIGTERM)
	<-exited
	return cmd.ProcessState.ExitCode()
}

// ready is the generation running now.
func (c *child) ready() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.readyGen
}

// after returns a channel closed once a process after generation g runs.
func (c *child) after(g int) <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.readyGen > g {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	return c.next
}

func (c *child) logTail() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.lines
	if len(l) > 60 {
		l = l[len(l)-60:]
	}
	return strings.Join(l, "\n")
}

// retryPause waits, after a failed attempt made while generation g ran,
// for the next process or 200 ms (a real MTA's retry, shortened), or ctx.
func (c *child) retryPause(ctx context.Context, g int) {
	t := time.NewTimer(200 * time.Millisecond)
	defer t.Stop()
	select {
	case <-c.after(g):
	case <-t.C:
	case <-ctx.Done():
	}
}

const crashPolicy = `
gateway {
  mta_name = "MIXERD"
  password = "mixerd-secret"
  global_domain = "/C=XX/ADMD= /PRMD=Gateway/"
  or_address = "/C=XX/ADMD= /PRMD=Gateway/"
  domain = "gateway.test"
}
p1_listener "main" {
  address = %q
}
smtp_listener "trusted" {
  address = %q
  trusted_networks = ["127.0.0.0/8"]
}
x400_peer "PEER-MTA" {
  password = "peer-secret"
  address = %q
}
smtp_relay "relay" {
  address = %q
  starttls = "off"
}
routing {
  local_domains = ["gateway.test"]
  x400_default = "PEER-MTA"
  route {
    domain = "example.net"
    via = "relay"
  }
}
queue {
  directory = %q
  workers = %d
}
`

// Crash (issue 5): mixerd serve, a child process, is killed with SIGKILL
// at random moments (random points of the traffic's progress; the seed is
// logged) while messages flow both ways: SMTP -> mixerd -> X.400 (the
// test's P1 peer) and P1 -> mixerd -> SMTP (the test's relay). It is
// restarted on the same spool each time. The senders retry what they did
// not see acknowledged, as real MTAs do. Every message arrives; copies
// beyond the first are only those in flight at a kill: at most kills x
// (delivery workers + senders).
//
// Issue 5's 2,000 messages (1,000 each way) and 5 kills take about 3 s on
// two cores; -short skips the test (it builds mixerd).
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs mixerd: not in -short")
	}
	const perDir, kills = 1000, 5
	const workers, smtpSenders, p1Senders = 8, 4, 2
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "mixerd")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "mixerd/cmd/mixerd")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	progress := make(chan struct{}, 1)
	toX400 := newCounter(perDir, progress)
	toSMTP := newCounter(perDir, progress)
	peerAddr := freeAddr(t)
	pcfg := &p1.ServerConfig{Name: "PEER-MTA", Password: "peer-secret",
		Peers: []p1.Peer{{Name: "MIXERD", Password: "mixerd-secret"}}, Logger: testLogger(t)}
	pl, err := p1.Listen(peerAddr, pcfg)
	if err != nil {
		t.Fatal(err)
	}
	pctx, pcancel := context.WithCancel(context.Background())
	pdone := make(chan struct{})
	go func() { p1.Serve(pctx, pl, pcfg, &crashPeer{toX400}); close(pdone) }()
	defer func() { pcancel(); pl.Close(); <-pdone }()
	rs, err := smtp.NewServer(smtp.Config{Hostname: "relay.test", Accept: func(string) bool { return true },
		Sink: &crashRelay{toSMTP}, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	rl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go rs.Serve(rl)
	defer rs.Close()

	p1Addr, smtpAddr := freeAddr(t), freeAddr(t)
	policyFile := filepath.Join(dir, "policy.hcl")
	src := fmt.Sprintf(crashPolicy, p1Addr, smtpAddr, peerAddr, rl.Addr().String(), filepath.Join(dir, "spool"), workers)
	if err := os.WriteFile(policyFile, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	c := &child{t: t, bin: bin, policy: policyFile, next: make(chan struct{})}
	c.start(ctx)
	defer func() {
		if t.Failed() {
			t.Logf("mixerd's log ends:\n%s", c.logTail())
		}
	}()
	defer c.kill()

	// The P1 messages: the PP message to an Internet recipient, each with
	// its own MTS identifier.
	apdus := make([][]byte, perDir)
	base := ppMessageTo(t, "/C=XX/ADMD= /PRMD=Gateway/DD.RFC-822=bob(a)example.net/")
	for i := range apdus {
		a, err := x400.DecodeMTSAPDU(base, nil)
		if err != nil {
			t.Fatal(err)
		}
		a.Message.Envelope.MessageIdentifier.LocalIdentifier = fmt.Sprintf("crash-%d", i)
		if apdus[i], err = a.Marshal(); err != nil {
			t.Fatal(err)
		}
	}

	var senders sync.WaitGroup
	var attemptsMu sync.Mutex
	attempts := 0
	countAttempt := func() { attemptsMu.Lock(); attempts++; attemptsMu.Unlock() }
	smtpWork := make(chan int, perDir)
	p1Work := make(chan int, perDir)
	for i := range perDir {
		smtpWork <- i
		p1Work <- i
	}
	close(smtpWork)
	close(p1Work)
	for range smtpSenders {
		senders.Go(func() {
			cl := &smtp.Client{Hostname: "client.test", Logger: testLogger(t),
				Timeouts: smtp.Timeouts{Connect: 5 * time.Second, Greeting: 10 * time.Second, Mail: 10 * time.Second,
					Rcpt: 10 * time.Second, DataInit: 10 * time.Second, DataBlock: 10 * time.Second, DataTerm: 10 * time.Second}}
			for i := range smtpWork {
				env := &mixer.SMTPEnvelope{MailFrom: "alice@example.net",
					Recipients: []mixer.SMTPRecipient{{Address: "/C=XX/PRMD=Peer/O=HQ/S=Bob/@gateway.test"}}}
				msg := fmt.Sprintf("From: alice@example.net\r\nTo: /C=XX/PRMD=Peer/O=HQ/S=Bob/@gateway.test\r\n"+
					"Subject: crash-%d\r\nMessage-ID: <crash-%d@example.net>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n"+
					"message %d\r\n", i, i, i)
				for ctx.Err() == nil {
					g := c.ready()
					countAttempt()
					res, err := cl.Deliver(ctx, smtpAddr, env, []byte(msg))
					if err != nil {
						t.Errorf("smtp client: %v", err)
						return
					}
					r := res.Recipients[0]
					if r.Accepted {
						break
					}
					if !r.Temporary {
						t.Errorf("crash-%d refused: %+v", i, r)
						break
					}
					c.retryPause(ctx, g)
				}
			}
		})
	}
	for range p1Senders {
		senders.Go(func() {
			var conn *p1.Client
			defer func() {
				if conn != nil {
					cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
					conn.Close(cctx)
					ccancel()
				}
			}()
			for i := range p1Work {
				for ctx.Err() == nil {
					g := c.ready()
					countAttempt()
					actx, acancel := context.WithTimeout(ctx, 10*time.Second)
					var err error
					if conn == nil {
						conn, _, err = p1.Bind(actx, &p1.DialConfig{DialConfig: osi.DialConfig{Address: p1Addr,
							Mode: osi.Mode1988Normal}, Name: "PEER-MTA", Password: "peer-secret"})
					}
					if err == nil {
						err = conn.Transfer(actx, apdus[i])
					}
					acancel()
					if err == nil {
						break
					}
					if conn != nil {
						// The association is gone (killed peer): drop it.
						cctx, ccancel := context.WithTimeout(context.Background(), time.Second)
						conn.Abort(cctx, 0)
						ccancel()
						conn = nil
					}
					c.retryPause(ctx, g)
				}
			}
		})
	}
	sendersDone := make(chan struct{})
	go func() { senders.Wait(); close(sendersDone) }()

	// Kill at random points of the progress (messages received).
	seed := rand.Uint64()
	t.Logf("kill points seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	total := 2 * perDir
	var points []int
	for range kills {
		points = append(points, total/10+rng.IntN(total*8/10))
	}
	slices.Sort(points)
	received := func() int {
		a, _ := toX400.stats()
		b, _ := toSMTP.stats()
		return a + b
	}
	start := time.Now()
	for k, at := range points {
		for received() < at {
			select {
			case <-progress:
			case <-ctx.Done():
				t.Fatalf("kill %d: %d of %d messages received before the deadline", k+1, received(), total)
			}
		}
		c.kill()
		c.start(ctx)
	}
	for _, w := range []struct {
		name string
		c    *counter
	}{{"SMTP -> X.400", toX400}, {"X.400 -> SMTP", toSMTP}} {
		select {
		case <-w.c.done:
		case <-ctx.Done():
			n, _ := w.c.stats()
			t.Fatalf("%s: %d of %d messages arrived (lost or stuck)", w.name, n, perDir)
		}
	}
	select {
	case <-sendersDone:
	case <-ctx.Done():
		t.Fatal("senders did not finish")
	}
	elapsed := time.Since(start)
	if code := c.term(); code != 0 {
		t.Errorf("mixerd serve exited with %d after SIGTERM", code)
	}
	_, d1 := toX400.stats()
	_, d2 := toSMTP.stats()
	bound := kills * (workers + smtpSenders + p1Senders)
	attemptsMu.Lock()
	t.Logf("%d messages each way, %d kills at %v received, %d send attempts, in %v: duplicates %d SMTP->X.400, %d X.400->SMTP (bound %d)",
		perDir, kills, points, attempts, elapsed.Round(time.Millisecond), d1, d2, bound)
	attemptsMu.Unlock()
	if d1+d2 > bound {
		t.Errorf("%d duplicates, more than %d kills x %d in flight", d1+d2, kills, bound/kills)
	}
	checkCrashAudit(t, filepath.Join(dir, "audit-log"), toX400, toSMTP)
}

// checkCrashAudit checks that the audit log survived the kills: every
// message that arrived at its next hop has its arrival and departure
// records (SMTP -> X.400 by Message-ID, X.400 -> SMTP by MTS identifier),
// and the sequence numbers only grow.
func checkCrashAudit(t *testing.T, dir string, toX400, toSMTP *counter) {
	t.Helper()
	type life struct{ arrived, departed bool }
	lives := map[string]*life{}
	var last uint64
	err := audit.ScanDir(dir, 1, func(r *audit.Record, _ audit.Loc) error {
		if r.Seq <= last {
			t.Errorf("record %d after %d", r.Seq, last)
		}
		last = r.Seq
		for _, k := range []string{r.Keys.MessageID, r.Keys.MTSID} {
			if k == "" {
				continue
			}
			l := lives[k]
			if l == nil {
				l = &life{}
				lives[k] = l
			}
			switch r.Event {
			case audit.EventArrived:
				l.arrived = true
			case audit.EventDeparted:
				l.departed = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	missing := 0
	check := func(key string) {
		if l := lives[key]; l == nil || !l.arrived || !l.departed {
			if missing++; missing <= 5 {
				t.Errorf("audit log: %s has %+v, want arrived and departed", key, l)
			}
		}
	}
	toX400.mu.Lock()
	for subj := range toX400.seen {
		check("<" + subj + "@example.net>") // Subject crash-N, Message-ID <crash-N@example.net>
	}
	toX400.mu.Unlock()
	toSMTP.mu.Lock()
	for id := range toSMTP.seen {
		check(id)
	}
	toSMTP.mu.Unlock()
	if missing > 0 {
		t.Errorf("%d messages without their arrival or departure record", missing)
	}
}
