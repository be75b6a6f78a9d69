package gateway

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"mixerd/internal/postfixtest"
	"mixerd/mixer"
	"mixerd/osi"
	"mixerd/p1"
	"mixerd/policy"
	"mixerd/smtp"
	"mixerd/x400"
)

var (
	flagMsgs     = flag.Int("msgs", 1000, "messages per throughput benchmark")
	flagSize     = flag.Int("size", 5000, "message size in octets (the SMTP payload; the whole MTS-APDU for P1)")
	flagSessions = flag.Int("sessions", 4, "parallel SMTP sessions of smtp-source, and P1 associations of the P1 client")
	flagBacklog  = flag.Int("backlog", 5000, "ROUTINE messages queued before the FLASH one")
	flagSlow     = flag.Duration("slow", 100*time.Millisecond, "time the slow P1 next hop takes per transfer in the FLASH benchmark")
	flagMixerd   = flag.String("mixerd", "", "a mixerd binary to use (default: go build mixerd/cmd/mixerd)")
	flagProfile  = flag.String("cpuprofile", "", "a directory: run bench/gateway/profiled (mixerd serve with runtime/pprof) in place of mixerd and write NAME.pprof there per run")
	flagTimeout  = flag.Duration("timeout", 20*time.Minute, "longest wait for one benchmark's messages to arrive")
	flagSinkDump = flag.Bool("sink-files", false, "smtp-sink stores a file per message (-d) instead of counting them (-c); on a VM whose file creation is slow this caps every path that ends at the sink")
)

// result is one row of the table printed at the end.
type result struct {
	name      string
	msgs      int
	submit    time.Duration // first submission to the last accepted
	e2e       time.Duration // first submission to the last arrival
	serverCPU time.Duration // mixerd's (or Postfix's) CPU, whole run
	rssKiB    int64
	note      string
}

var (
	resultsMu sync.Mutex
	results   []result
	flashRows []string
	workDir   string
)

func record(b *testing.B, r result) {
	b.ReportMetric(float64(r.msgs)/r.e2e.Seconds(), "msg/s")
	b.ReportMetric(float64(r.serverCPU.Microseconds())/float64(r.msgs), "server-CPU-us/msg")
	b.ReportMetric(0, "ns/op") // one op is the whole run: meaningless
	resultsMu.Lock()
	results = append(results, r)
	resultsMu.Unlock()
}

func TestMain(m *testing.M) {
	flag.Parse()
	// The P1 client and sink in this process log through the default
	// logger: only their warnings and errors.
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	var err error
	if workDir, err = os.MkdirTemp("", "bench-gateway-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Postfix's unprivileged daemons and smtp-sink (as nobody) must reach
	// the directories below.
	os.Chmod(workDir, 0o755)
	code := m.Run()
	printTable()
	os.RemoveAll(workDir)
	os.Exit(code)
}

func printTable() {
	resultsMu.Lock()
	defer resultsMu.Unlock()
	if len(results) == 0 && len(flashRows) == 0 {
		return
	}
	fmt.Printf("\nMachine: %s\n", machine())
	fmt.Printf("Messages of %d octets, %d SMTP sessions / P1 associations of the client; spools, Postfix's queue and smtp-sink's files (with -sink-files) in %s (%s).\n\n",
		*flagSize, *flagSessions, workDir, fsType(workDir))
	if len(results) > 0 {
		fmt.Println("| path | messages | accepted in s | end to end s | msg/s end to end | server CPU us/msg | server max RSS MiB | notes |")
		fmt.Println("|---|---:|---:|---:|---:|---:|---:|---|")
		for _, r := range results {
			n := float64(r.msgs)
			fmt.Printf("| %s | %d | %.3f | %.3f | %.0f | %.0f | %.1f | %s |\n", r.name, r.msgs, r.submit.Seconds(), r.e2e.Seconds(),
				n/r.e2e.Seconds(), float64(r.serverCPU.Microseconds())/n, float64(r.rssKiB)/1024, r.note)
		}
	}
	if len(flashRows) > 0 {
		fmt.Println()
		fmt.Println("| FLASH behind ROUTINE | backlog queued at submission | latency ms | ROUTINE arrived between its submission and its arrival | ROUTINE connections (in flight at most) | slow hop ms/transfer |")
		fmt.Println("|---|---:|---:|---:|---:|---:|")
		for _, r := range flashRows {
			fmt.Println(r)
		}
	}
}

// --- mixerd serve -------------------------------------------------------

var (
	buildOnce sync.Once
	buildBin  string
	buildErr  error
)

// mixerdBin returns the mixerd binary, built once per run.
func mixerdBin(b *testing.B) string {
	b.Helper()
	buildOnce.Do(func() {
		if *flagMixerd != "" {
			buildBin = *flagMixerd
			return
		}
		pkg := "mixerd/cmd/mixerd"
		if *flagProfile != "" {
			pkg = "mixerd/bench/gateway/profiled"
		}
		buildBin = filepath.Join(workDir, "mixerd")
		out, err := exec.Command("go", "build", "-o", buildBin, pkg).CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	})
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	return buildBin
}

// The reserved capacity of the FLASH lane per next hop (policy lane
// "FLASH" connections) and the peer's limit: ROUTINE traffic has the rest.
const (
	peerAssociations  = 4
	flashConnections  = 1
	routineConnection = peerAssociations - flashConnections
)

// policyText is the generated policy: P1 and SMTP listeners on free
// loopback ports, PEER-MTA at peerAddr (X.400 default route), the relay
// "sink" at relayAddr (Internet default route), the spool in "spool" next
// to the file.
func policyText(peerAddr, relayAddr string) string {
	return fmt.Sprintf(`
gateway {
  mta_name      = "MIXERD"
  password      = "mixerd-secret"
  global_domain = "/C=XX/ADMD= /PRMD=Gateway/"
  or_address    = "/C=XX/ADMD= /PRMD=Gateway/"
  domain        = "gateway.test"
}
p1_listener "main" {
  address = "127.0.0.1:0"
}
smtp_listener "mx" {
  address          = "127.0.0.1:0"
  trusted_networks = ["127.0.0.0/8"]
  starttls         = "off"
}
x400_peer "PEER-MTA" {
  password         = "peer-secret"
  address          = %q
  max_associations = %d
}
smtp_relay "sink" {
  address  = %q
  starttls = "off"
}
routing {
  local_domains = ["gateway.test"]
  x400_default  = "PEER-MTA"
  smtp_default  = "sink"
}
precedence {
  lane "OVERRIDE" {
    retry = ["30s"]
    max_age = "1h"
    workers = 1
    delivery_ack_timeout = "5m"
    read_ack_timeout = "15m"
  }
  lane "FLASH" {
    retry = ["30s"]
    max_age = "2h"
    workers = 1
    connections = %d
    delivery_ack_timeout = "10m"
    read_ack_timeout = "30m"
  }
  lane "IMMEDIATE" {
    retry = ["30s"]
    max_age = "8h"
    delivery_ack_timeout = "30m"
    read_ack_timeout = "1h"
  }
  lane "PRIORITY" {
    retry = ["30s"]
    max_age = "1d"
    delivery_ack_timeout = "2h"
    read_ack_timeout = "6h"
  }
  lane "ROUTINE" {
    retry = ["30s"]
    max_age = "3d"
    delivery_ack_timeout = "8h"
    read_ack_timeout = "1d"
  }
  lane "DEFERRED" {
    retry = ["30s"]
    max_age = "5d"
    delivery_ack_timeout = "1d"
    read_ack_timeout = "3d"
  }
}
queue {
  directory = "spool"
  workers   = 16
}
`, peerAddr, peerAssociations, relayAddr, flashConnections)
}

// served is a running `mixerd serve`.
type served struct {
	cmd      *exec.Cmd
	p1, smtp string
	log      *logTail
	done     chan struct{} // closed when the process has exited
	waitErr  error
}

// logTail keeps the last lines of mixerd's log and counts its errors.
type logTail struct {
	mu     sync.Mutex
	lines  []string
	errors int
}

func (l *logTail) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if strings.Contains(s, "level=ERROR") {
		l.errors++
	}
	l.lines = append(l.lines, s)
	if len(l.lines) > 40 {
		l.lines = l.lines[len(l.lines)-40:]
	}
}

func (l *logTail) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

var listenerRE = regexp.MustCompile(`msg="(P1|SMTP) listener" name=\S+ addr=(\S+)`)

// startServe writes the policy into a new directory and runs mixerd serve
// on it until stop; it returns once both listeners are bound.
func startServe(b *testing.B, name, policySrc string) *served {
	b.Helper()
	bin := mixerdBin(b)
	dir, err := os.MkdirTemp(workDir, name+"-")
	if err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(dir, "policy.hcl")
	if err := os.WriteFile(file, []byte(policySrc), 0o600); err != nil {
		b.Fatal(err)
	}
	s := &served{log: &logTail{}, done: make(chan struct{})}
	s.cmd = exec.Command(bin, "serve", "-policy", file)
	s.cmd.Dir = dir
	if *flagProfile != "" {
		s.cmd.Env = append(os.Environ(), "MIXERD_CPUPROFILE="+filepath.Join(*flagProfile, name+".pprof"))
	}
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	addrs := make(chan [2]string, 2)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			if m := listenerRE.FindStringSubmatch(sc.Text()); m != nil {
				addrs <- [2]string{m[1], m[2]}
			}
			s.log.add(sc.Text())
		}
		io.Copy(io.Discard, stderr)
		s.waitErr = s.cmd.Wait()
		close(s.done)
	}()
	b.Cleanup(func() {
		select {
		case <-s.done:
		default:
			s.cmd.Process.Kill()
			<-s.done
		}
	})
	deadline := time.After(30 * time.Second)
	for s.p1 == "" || s.smtp == "" {
		select {
		case a := <-addrs:
			if a[0] == "P1" {
				s.p1 = a[1]
			} else {
				s.smtp = a[1]
			}
		case <-s.done:
			b.Fatalf("mixerd serve exited at start: %v\n%s", s.waitErr, s.log)
		case <-deadline:
			b.Fatalf("mixerd serve did not log its listeners in 30 s:\n%s", s.log)
		}
	}
	return s
}

// stop sends SIGTERM and waits for a clean exit (30 s, then SIGKILL).
func (s *served) stop(b *testing.B) *os.ProcessState {
	b.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
		b.Errorf("mixerd serve did not stop in 30 s after SIGTERM:\n%s", s.log)
	}
	if s.waitErr != nil {
		b.Errorf("mixerd serve: %v\n%s", s.waitErr, s.log)
	}
	if n := s.log.errors; n > 0 {
		b.Logf("mixerd logged %d errors; last lines:\n%s", n, s.log)
	}
	return s.cmd.ProcessState
}

func cpu(ps *os.ProcessState) time.Duration { return ps.UserTime() + ps.SystemTime() }

func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss
	}
	return 0
}

// --- the P1 next hop, in this process ------------------------------------

// p1Sink is the X.400 MTA PEER-MTA: it counts the messages it is given,
// distinct by MTS identifier, optionally taking slow per transfer.
type p1Sink struct {
	addr   string
	target int64
	slow   atomic.Int64 // nanoseconds per transfer
	marker []byte       // the FLASH message's marker, in its content

	mu        sync.Mutex
	ids       map[string]bool
	dups      int
	last      time.Time
	done      chan struct{} // closed when target distinct messages arrived
	flash     chan int      // the count of messages before the marked one, when it arrives
	flashSeen bool
}

func (s *p1Sink) Deliver(ctx context.Context, apdu *x400.MTSAPDU, raw []byte, _ string) error {
	if d := time.Duration(s.slow.Load()); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
	if apdu.Message == nil {
		return nil // a report: none expected, not counted
	}
	id := apdu.Message.Envelope.MessageIdentifier.LocalIdentifier
	marked := s.marker != nil && bytes.Contains(raw, s.marker)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ids[id] {
		s.dups++
		return nil
	}
	if marked && !s.flashSeen {
		s.flashSeen = true
		s.flash <- len(s.ids)
	}
	s.ids[id] = true
	s.last = time.Now()
	if int64(len(s.ids)) == s.target {
		close(s.done)
	}
	return nil
}

func (s *p1Sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ids)
}

func startP1Sink(b *testing.B, target int, marker []byte) *p1Sink {
	b.Helper()
	cfg := &p1.ServerConfig{Name: "PEER-MTA", Password: "peer-secret",
		Peers:  []p1.Peer{{Name: "MIXERD", Password: "mixerd-secret"}},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	l, err := p1.Listen("127.0.0.1:0", cfg)
	if err != nil {
		b.Fatal(err)
	}
	s := &p1Sink{addr: l.Addr().String(), target: int64(target), marker: marker, ids: map[string]bool{},
		done: make(chan struct{}), flash: make(chan int, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { p1.Serve(ctx, l, cfg, s); close(served) }()
	b.Cleanup(func() { cancel(); l.Close(); <-served })
	return s
}

// --- Postfix's smtp-sink and smtp-source ----------------------------------

const (
	smtpSink   = "/usr/sbin/smtp-sink"
	smtpSource = "/usr/sbin/smtp-source"
)

func needPostfixTools(b *testing.B) {
	b.Helper()
	for _, p := range []string{smtpSink, smtpSource} {
		if _, err := os.Stat(p); err != nil {
			b.Skipf("%s is not installed (apt-get install postfix)", p)
		}
	}
}

// sink is a running smtp-sink, counting the messages it accepts (-c) or
// storing a file per message in dump (-d, with -sink-files).
type sink struct {
	addr, dump string
	cmd        *exec.Cmd
	mesg       atomic.Int64 // -c: the last "mesg=N" counter it printed
}

// sinkName says how smtp-sink ran, for the tables.
func sinkName() string {
	if *flagSinkDump {
		return "smtp-sink -d"
	}
	return "smtp-sink -c"
}

// sinkCounter is smtp-sink -c's running counter of completed DATA commands.
var sinkCounter = regexp.MustCompile(`mesg=(\d+)`)

func startSMTPSink(b *testing.B, name string) *sink {
	b.Helper()
	dir, err := os.MkdirTemp(workDir, name+"-sink-")
	if err != nil {
		b.Fatal(err)
	}
	dump := filepath.Join(dir, "dump")
	if err := os.Mkdir(dump, 0o777); err != nil {
		b.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	os.Chmod(dump, 0o777)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // smtp-sink takes no port 0
	var args []string
	if os.Geteuid() == 0 {
		args = append(args, "-u", "nobody") // smtp-sink refuses to run as root
	}
	if *flagSinkDump {
		args = append(args, "-d", dump+"/m.")
	} else {
		args = append(args, "-c")
	}
	args = append(args, addr, "256")
	s := &sink{addr: addr, dump: dump, cmd: exec.Command(smtpSink, args...)}
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var errOut bytes.Buffer
	s.cmd.Stderr = &errOut
	var out io.ReadCloser
	if !*flagSinkDump {
		if out, err = s.cmd.StdoutPipe(); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	if out != nil {
		go func() {
			r := bufio.NewReader(out)
			for {
				line, err := r.ReadString('\r')
				if m := sinkCounter.FindStringSubmatch(line); m != nil {
					n, _ := strconv.ParseInt(m[1], 10, 64)
					s.mesg.Store(n)
				}
				if err != nil {
					return
				}
			}
		}()
	}
	b.Cleanup(func() { s.cmd.Process.Kill(); s.cmd.Wait() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err == nil {
			c.Close()
			return s
		}
		select {
		case <-ctx.Done():
			b.Fatalf("smtp-sink does not listen on %s: %v %s", addr, err, errOut.String())
		case <-time.After(20 * time.Millisecond): // poll interval
		}
	}
}

// count returns the messages smtp-sink has stored (each written and closed
// before its 250, renamed by nothing: a file per DATA).
func (s *sink) count() int {
	if !*flagSinkDump {
		return int(s.mesg.Load())
	}
	f, err := os.Open(s.dump)
	if err != nil {
		return 0
	}
	defer f.Close()
	names, _ := f.Readdirnames(-1)
	return len(names)
}

// waitCount polls the dump directory until it holds n messages and returns
// the time it saw the n-th; the arrival time is late by at most the poll
// interval (10 ms).
func (s *sink) waitCount(b *testing.B, n int) time.Time {
	b.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(*flagTimeout)
	for {
		if c := s.count(); c >= n {
			if c > n {
				b.Errorf("smtp-sink stored %d messages, %d sent", c, n)
			}
			return time.Now()
		}
		select {
		case <-tick.C:
		case <-deadline:
			b.Fatalf("smtp-sink stored %d of %d messages in %v", s.count(), n, *flagTimeout)
		}
	}
}

// source runs smtp-source with n messages of the payload size on the
// given sessions to addr, to rcpt; it returns when smtp-source has sent
// QUIT after the last one (each DATA answered).
func source(b *testing.B, addr, rcpt string, n int) (*os.ProcessState, time.Duration) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), *flagTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, smtpSource, "-d", "-s", strconv.Itoa(*flagSessions), "-m", strconv.Itoa(n),
		"-l", strconv.Itoa(*flagSize), "-f", "alice@example.net", "-t", rcpt, "-M", "client.example.net", addr)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	t0 := time.Now()
	if err := cmd.Run(); err != nil || strings.Contains(out.String(), "rror") {
		b.Fatalf("smtp-source: %v: %s", err, out.String())
	}
	return cmd.ProcessState, time.Since(t0)
}

// --- P1 traffic -------------------------------------------------------------

// internetRcpt is an Internet recipient in X.400 form under the gateway's
// O/R address (RFC 2156 §4.3.2): routed by its domain to the relay.
const internetRcpt = "/C=XX/ADMD= /PRMD=Gateway/DD.RFC-822=bob(a)example.net/"

// makeAPDU returns a Message MTS-APDU of about size octets (a P22 IPM with
// one IA5 text body part) whose MTS identifier and IPM identifier end in
// i, to internetRcpt.
func makeAPDU(i, size int) ([]byte, error) {
	rcpt, err := x400.ParseORAddress(internetRcpt)
	if err != nil {
		return nil, err
	}
	line := "The quick brown fox jumps over the lazy dog; 0123456789 ABCDEFGHIJ.\r\n"
	local := fmt.Sprintf("BENCH-%08d", i)
	build := func(n int) ([]byte, error) {
		text := strings.Repeat(line, n/len(line)+1)[:n]
		a := x400.SampleMessage()
		e := &a.Message.Envelope
		from := e.OriginatorName
		to := x400.ORName{ORAddress: rcpt}
		ipm := &x400.InformationObject{IPM: &x400.IPM{
			Heading: x400.Heading{
				ThisIPM:           x400.IPMIdentifier{User: &from, LocalID: local},
				Originator:        &x400.ORDescriptor{FormalName: &from},
				PrimaryRecipients: []x400.RecipientSpecifier{{Recipient: x400.ORDescriptor{FormalName: &to}}},
				Subject:           "gateway benchmark " + local,
			},
			Body: []x400.BodyPart{x400.NewIA5TextBodyPart(text)},
		}}
		content, err := ipm.Marshal()
		if err != nil {
			return nil, err
		}
		e.MessageIdentifier.LocalIdentifier = local
		e.Priority = x400.PriorityNormal
		e.Extensions = nil
		e.ContentIdentifier = ""
		e.PerRecipientFields = []x400.PerRecipientTransferFields{{
			RecipientName:                      to,
			OriginallySpecifiedRecipientNumber: 1,
			PerRecipientIndicators:             x400.PerRecipientResponsibility | x400.PerRecipientOriginatingMTANonDeliveryReport | x400.PerRecipientOriginatorNonDeliveryReport,
		}}
		a.Message.Content = content
		return a.Marshal()
	}
	n := 0
	enc, err := build(n)
	if err != nil {
		return nil, err
	}
	for range 8 { // the lengths' own lengths change with n
		if len(enc) == size {
			break
		}
		if n += size - len(enc); n < 0 {
			return nil, fmt.Errorf("the APDU is %d octets without body text, more than %d", len(enc), size)
		}
		if enc, err = build(n); err != nil {
			return nil, err
		}
	}
	return enc, nil
}

// transferAll sends apdus to addr as PEER-MTA on *flagSessions
// associations at once, each transfer confirmed (so stored by mixerd)
// before the next on its association.
func transferAll(ctx context.Context, addr string, apdus [][]byte) error {
	k := *flagSessions
	errs := make(chan error, k)
	for w := range k {
		go func() {
			c, _, err := p1.Bind(ctx, &p1.DialConfig{DialConfig: osi.DialConfig{Address: addr, Mode: osi.Mode1988Normal},
				Name: "PEER-MTA", Password: "peer-secret"})
			if err != nil {
				errs <- fmt.Errorf("bind: %w", err)
				return
			}
			for i := w; i < len(apdus); i += k {
				if err := c.Transfer(ctx, apdus[i]); err != nil {
					c.Close(ctx)
					errs <- fmt.Errorf("transfer %d: %w", i, err)
					return
				}
			}
			errs <- c.Close(ctx)
		}()
	}
	var all []error
	for range k {
		all = append(all, <-errs)
	}
	return errors.Join(all...)
}

// x400Rcpt is an X.400 recipient in RFC 2156 §4.1.2 form in the gateway's
// domain: routed by O/R address to PEER-MTA.
const x400Rcpt = "/C=XX/PRMD=Peer/O=HQ/S=Bob/@gateway.test"

// --- the benchmarks -----------------------------------------------------------

// BenchmarkSMTPToP1 is SMTP -> mixerd -> P1: smtp-source into mixerd's
// SMTP listener, mixerd converting (RFC 2156) and relaying to PEER-MTA.
func BenchmarkSMTPToP1(b *testing.B) {
	needPostfixTools(b)
	n := *flagMsgs
	for b.Loop() {
		p1s := startP1Sink(b, n, nil)
		srv := startServe(b, "smtp-p1", policyText(p1s.addr, "127.0.0.1:9"))
		t0 := time.Now()
		_, submit := source(b, srv.smtp, x400Rcpt, n)
		select {
		case <-p1s.done:
		case <-time.After(*flagTimeout):
			b.Fatalf("PEER-MTA got %d of %d messages in %v:\n%s", p1s.count(), n, *flagTimeout, srv.log)
		}
		p1s.mu.Lock()
		e2e := p1s.last.Sub(t0)
		p1s.mu.Unlock()
		ps := srv.stop(b)
		if c := p1s.count(); c != n || p1s.dups != 0 {
			b.Errorf("PEER-MTA got %d distinct messages (%d again), %d sent", c, p1s.dups, n)
		}
		record(b, result{name: "SMTP -> mixerd -> P1", msgs: n, submit: submit, e2e: e2e, serverCPU: cpu(ps), rssKiB: maxRSS(ps),
			note: fmt.Sprintf("smtp-source -s %d; P1 sink in process, %d associations", *flagSessions, peerAssociations)})
	}
}

// BenchmarkP1ToSMTP is P1 -> mixerd -> SMTP: P1 transfers (X.411 §12.2.1)
// into mixerd's P1 listener, mixerd converting and relaying to smtp-sink.
func BenchmarkP1ToSMTP(b *testing.B) {
	needPostfixTools(b)
	n := *flagMsgs
	apdus := make([][]byte, n)
	for i := range apdus {
		var err error
		if apdus[i], err = makeAPDU(i, *flagSize); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		sk := startSMTPSink(b, "p1-smtp")
		srv := startServe(b, "p1-smtp", policyText("127.0.0.1:9", sk.addr))
		ctx, cancel := context.WithTimeout(context.Background(), *flagTimeout)
		t0 := time.Now()
		err := transferAll(ctx, srv.p1, apdus)
		submit := time.Since(t0)
		cancel()
		if err != nil {
			b.Fatalf("%v\n%s", err, srv.log)
		}
		e2e := sk.waitCount(b, n).Sub(t0)
		ps := srv.stop(b)
		if c := sk.count(); c != n {
			b.Errorf("smtp-sink stored %d messages, %d sent", c, n)
		}
		record(b, result{name: "P1 -> mixerd -> SMTP", msgs: n, submit: submit, e2e: e2e, serverCPU: cpu(ps), rssKiB: maxRSS(ps),
			note: fmt.Sprintf("P1 client in process, %d associations; %s", *flagSessions, sinkName())})
	}
}

// BenchmarkPostfixRelay is the reference: smtp-source -> a private Postfix
// instance (its queue as Postfix makes it durable) -> relayhost smtp-sink.
func BenchmarkPostfixRelay(b *testing.B) {
	needPostfixTools(b)
	n := *flagMsgs
	for b.Loop() {
		sk := startSMTPSink(b, "postfix")
		pf := postfixtest.Start(b, postfixtest.Options{Relayhost: sk.addr})
		t0 := time.Now()
		_, submit := source(b, pf.Addr, "bob@example.net", n)
		e2e := sk.waitCount(b, n).Sub(t0)
		used, rss, procs := sessionUsage(pf.MasterPID())
		if err := pf.Stop(); err != nil {
			b.Error(err)
		}
		record(b, result{name: "SMTP -> Postfix -> SMTP", msgs: n, submit: submit, e2e: e2e, serverCPU: used, rssKiB: rss,
			note: fmt.Sprintf("Postfix %s; smtp-source -s %d; %s; CPU and RSS: the sum over its %d processes", postfixVersion(), *flagSessions, sinkName(), procs)})
	}
}

// BenchmarkFlashLatency queues a backlog of ROUTINE messages (smtp-source,
// no precedence: civil normal priority, lane ROUTINE) while PEER-MTA takes
// -slow per transfer, then submits one FLASH message (MMHS-Primary-
// Precedence, RFC 6477 §3.1) and measures the time from its submission to
// its arrival and how many ROUTINE messages arrived meanwhile: at most
// those already in transfer on the ROUTINE lane's associations (STANAG 4406
// Annex A: the highest precedence is served first, with capacity kept for
// it). Then PEER-MTA speeds up and every message must arrive, once.
func BenchmarkFlashLatency(b *testing.B) {
	needPostfixTools(b)
	n := *flagBacklog
	marker := []byte("FLASH-PROBE-7f3a")
	for b.Loop() {
		p1s := startP1Sink(b, n+1, marker)
		p1s.slow.Store(int64(*flagSlow))
		srv := startServe(b, "flash", policyText(p1s.addr, "127.0.0.1:9"))
		source(b, srv.smtp, x400Rcpt, n)
		before := p1s.count()
		msg := "From: alice@example.net\r\nTo: " + x400Rcpt + "\r\nSubject: " + string(marker) + "\r\n" +
			"Message-ID: <flash-probe@example.net>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n" +
			"MMHS-Primary-Precedence: FLASH\r\n\r\nMove now.\r\n"
		env := &mixer.SMTPEnvelope{MailFrom: "alice@example.net", Recipients: []mixer.SMTPRecipient{{Address: x400Rcpt}}}
		c := &smtp.Client{Hostname: "client.example.net"}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		t0 := time.Now()
		res, err := c.Deliver(ctx, srv.smtp, env, []byte(msg))
		cancel()
		if err != nil || len(res.Recipients) != 1 || !res.Recipients[0].Accepted {
			b.Fatalf("FLASH submission: %v %+v", err, res)
		}
		var arrivedBefore int
		select {
		case arrivedBefore = <-p1s.flash:
		case <-time.After(*flagTimeout):
			b.Fatalf("the FLASH message did not arrive in %v:\n%s", *flagTimeout, srv.log)
		}
		latency := time.Since(t0)
		between := arrivedBefore - before
		p1s.slow.Store(0)
		select {
		case <-p1s.done:
		case <-time.After(*flagTimeout):
			b.Fatalf("PEER-MTA got %d of %d messages in %v:\n%s", p1s.count(), n+1, *flagTimeout, srv.log)
		}
		srv.stop(b)
		if c := p1s.count(); c != n+1 || p1s.dups != 0 {
			b.Errorf("PEER-MTA got %d distinct messages (%d again), %d sent", c, p1s.dups, n+1)
		}
		// In flight: the transfers on the ROUTINE associations when the
		// FLASH was submitted, and those begun before it was accepted
		// (its submission takes milliseconds, a slow transfer -slow).
		if between > 2*routineConnection {
			b.Errorf("%d ROUTINE messages arrived after the FLASH was submitted and before it, more than the %d that can be in transfer", between, 2*routineConnection)
		}
		b.ReportMetric(0, "ns/op") // one op is the whole run: meaningless
		b.ReportMetric(float64(latency.Microseconds())/1000, "flash-latency-ms")
		b.ReportMetric(float64(between), "routine-overtaking")
		resultsMu.Lock()
		flashRows = append(flashRows, fmt.Sprintf("| SMTP -> mixerd -> P1 | %d | %.1f | %d | %d | %.0f |",
			n-before, float64(latency.Microseconds())/1000, between, routineConnection, float64(*flagSlow)/float64(time.Millisecond)))
		resultsMu.Unlock()
	}
}

// --- accounting -----------------------------------------------------------------

// sessionUsage returns the CPU time (user + system, with that of their
// exited and reaped children) and the sum of the largest resident sets of
// the live processes of session sid (a Postfix master and its children),
// and their number. Processes that exited earlier are counted in their
// parent's (the master's) children times.
func sessionUsage(sid int) (time.Duration, int64, int) {
	ents, _ := os.ReadDir("/proc")
	var ticks, rss int64
	procs := 0
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(st, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(st[i+1:]))
		if len(f) < 15 || f[0] == "Z" {
			continue
		}
		if s, _ := strconv.Atoi(f[3]); s != sid {
			continue
		}
		procs++
		for _, k := range f[11:15] { // utime stime cutime cstime
			v, _ := strconv.ParseInt(k, 10, 64)
			ticks += v
		}
		status, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		for _, l := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				rss += kb
			}
		}
	}
	const clkTck = 100 // USER_HZ on Linux
	return time.Duration(ticks) * time.Second / clkTck, rss, procs
}

// fsType names the file system of dir, and says when fsync there is no
// durability at all.
func fsType(dir string) string {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return "file system unknown"
	}
	switch st.Type {
	case 0xEF53:
		return "ext4, fsync durable"
	case 0x58465342:
		return "xfs, fsync durable"
	case 0x9123683E:
		return "btrfs, fsync durable"
	case 0x01021994:
		return "tmpfs: NOT durable, fsync does nothing; a diagnostic run only"
	case 0x794c7630:
		return "overlayfs, fsync as its upper layer"
	}
	return fmt.Sprintf("file system 0x%x", st.Type)
}

func postfixVersion() string {
	out, err := exec.Command("/usr/sbin/postconf", "-d", "-h", "mail_version").Output()
	if err != nil {
		return "(version unknown)"
	}
	return strings.TrimSpace(string(out))
}

// machine describes where the benchmark ran.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			load = fmt.Sprintf("; load average at the end %s %s %s", f[0], f[1], f[2])
		}
	}
	return fmt.Sprintf("%s, %d cores, %s%s", model, runtime.NumCPU(), runtime.Version(), load)
}

// --- tests of the harness itself (run by go test ./...) ----------------------

// TestPolicyLoads checks that the generated policy is valid.
func TestPolicyLoads(t *testing.T) {
	file := filepath.Join(t.TempDir(), "policy.hcl")
	if err := os.WriteFile(file, []byte(policyText("127.0.0.1:10103", "127.0.0.1:10026")), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := policy.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if p.Precedence.Lanes[x400.PrecedenceFlash].Connections != flashConnections {
		t.Errorf("FLASH connections %d", p.Precedence.Lanes[x400.PrecedenceFlash].Connections)
	}
}

// TestMakeAPDU checks the P1 messages: the size asked, distinct MTS
// identifiers, decodable, to the Internet recipient.
func TestMakeAPDU(t *testing.T) {
	a0, err := makeAPDU(0, 5000)
	if err != nil {
		t.Fatal(err)
	}
	a1, err := makeAPDU(1, 5000)
	if err != nil {
		t.Fatal(err)
	}
	if len(a0) != 5000 || len(a1) != 5000 {
		t.Errorf("sizes %d, %d; want 5000", len(a0), len(a1))
	}
	var ids []string
	for _, enc := range [][]byte{a0, a1} {
		a, err := x400.DecodeMTSAPDU(enc, nil)
		if err != nil || a.Message == nil {
			t.Fatalf("not a message: %v", err)
		}
		ids = append(ids, a.Message.Envelope.MessageIdentifier.LocalIdentifier)
		if got := a.Message.Envelope.PerRecipientFields[0].RecipientName.ORAddress.String(); !strings.Contains(got, "RFC-822=bob(a)example.net") {
			t.Errorf("recipient %s", got)
		}
		if _, err := x400.DecodeInformationObject(a.Message.Content, nil); err != nil {
			t.Errorf("content: %v", err)
		}
	}
	if ids[0] == ids[1] {
		t.Errorf("the same MTS identifier %q twice", ids[0])
	}
}
