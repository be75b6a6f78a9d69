// Command p1transfer is the benchmark of sustained P1 transfer between two
// mixerd processes on loopback (issue 3), beside a reference: Postfix's
// smtp-source and smtp-sink sending the same number of messages of the
// same sizes over SMTP on loopback, in the same run, with the same CPU
// accounting.
//
// For each size it builds an MTS-APDU (x400.SampleMessage carrying a P22
// IPM whose IA5 text body makes the whole APDU that many octets), starts
// `mixerd listen` on 127.0.0.1:0 with a spool in a temporary directory,
// runs `mixerd send --count N` against it (one association, each transfer
// confirmed, so stored, before the next), checks that the spool holds N
// files, and stops the listener. Then, when /usr/sbin/smtp-sink and
// smtp-source exist, smtp-sink stores each message in its own file (-d)
// and smtp-source sends N messages of the same size on one connection
// (-d -s 1). The CPU time of each process is its user plus system time
// from wait4's rusage (os.ProcessState), for the whole process: start-up,
// bind or connect, the transfers, release or QUIT. Rates are computed from
// the client process's wall time (start to exit) for both protocols;
// mixerd's own rate over the transfers alone (`mixerd send`'s summary) is
// given as well.
//
// Run it from the repository:
//
//	go run ./bench/p1transfer -count 1000
//	go run ./bench/p1transfer -sizes 5KB:5000,1MB:200 -fsync=false
//
// See bench/README.md.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"mixerd/x400"
)

// size is one message size to measure and how many messages to send.
type size struct {
	label  string // as given: "5KB"
	octets int
	count  int
}

// parseSizes parses "5KB,1MB" or "5KB:5000,1MB:100" (KB and MB are
// decimal, as the MB/s column; a plain number is octets).
func parseSizes(s string, count int) ([]size, error) {
	var out []size
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		label, n := f, count
		if l, c, ok := strings.Cut(f, ":"); ok {
			var err error
			if n, err = strconv.Atoi(c); err != nil || n < 1 {
				return nil, fmt.Errorf("bad count in %q", f)
			}
			label = l
		}
		mult := 1
		num := strings.ToUpper(label)
		switch {
		case strings.HasSuffix(num, "KB"):
			mult, num = 1000, strings.TrimSuffix(num, "KB")
		case strings.HasSuffix(num, "MB"):
			mult, num = 1000_000, strings.TrimSuffix(num, "MB")
		}
		v, err := strconv.Atoi(num)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("bad size %q (want e.g. 5KB, 1MB or 2048)", label)
		}
		out = append(out, size{label: label, octets: v * mult, count: n})
	}
	if len(out) == 0 {
		return nil, errors.New("no size")
	}
	return out, nil
}

// makeAPDU returns the encoding of x400.SampleMessage whose content is a
// P22 IPM (heading and one IA5 text body part) sized so that the whole
// MTS-APDU is size octets (the same message as p1's BenchmarkTransfer).
func makeAPDU(size int) ([]byte, error) {
	line := "The quick brown fox jumps over the lazy dog; 0123456789 ABCDEFGHIJ.\r\n"
	build := func(n int) ([]byte, error) {
		text := strings.Repeat(line, n/len(line)+1)[:n]
		from := x400.SampleMessage().Message.Envelope.OriginatorName
		to := x400.SampleMessage().Message.Envelope.PerRecipientFields[0].RecipientName
		ipm := &x400.InformationObject{IPM: &x400.IPM{
			Heading: x400.Heading{
				ThisIPM:           x400.IPMIdentifier{User: &from, LocalID: "OPS 2026-0042"},
				Originator:        &x400.ORDescriptor{FormalName: &from},
				PrimaryRecipients: []x400.RecipientSpecifier{{Recipient: x400.ORDescriptor{FormalName: &to}}},
				Subject:           "P1 transfer benchmark",
			},
			Body: []x400.BodyPart{x400.NewIA5TextBodyPart(text)},
		}}
		content, err := ipm.Marshal()
		if err != nil {
			return nil, err
		}
		a := x400.SampleMessage()
		a.Message.Content = content
		return a.Marshal()
	}
	n := 0
	enc, err := build(n)
	if err != nil {
		return nil, err
	}
	// The lengths' own lengths change with n: a few steps settle it.
	for range 8 {
		if len(enc) == size {
			break
		}
		n += size - len(enc)
		if n < 0 {
			return nil, fmt.Errorf("the APDU is %d octets without body text, more than %d", len(enc), size)
		}
		if enc, err = build(n); err != nil {
			return nil, err
		}
	}
	if d := len(enc) - size; d < -8 || d > 8 {
		return nil, fmt.Errorf("APDU of %d octets, want about %d", len(enc), size)
	}
	if _, err := x400.DecodeMTSAPDU(enc, nil); err != nil {
		return nil, fmt.Errorf("the benchmark APDU does not decode: %v", err)
	}
	return enc, nil
}

// result is one protocol's run at one size.
type result struct {
	impl            string
	msgs            int
	octets          int64 // message octets per message (APDU, or SMTP payload)
	wall            time.Duration
	transfer        time.Duration // mixerd send's own time over the transfers (0: none)
	clientCPU       time.Duration
	serverCPU       time.Duration
	note            string
	clientRSS, srvR int64 // maximum resident set, KiB
}

func killedBy(ps *os.ProcessState, sig syscall.Signal) bool {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == sig
}

func cpu(ps *os.ProcessState) time.Duration { return ps.UserTime() + ps.SystemTime() }

func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss
	}
	return 0
}

type config struct {
	mixerd     string
	dir        string
	checkpoint int
	fsync      bool
	smtp       bool
	sinkStore  bool
	timeout    time.Duration
}

var listeningRE = regexp.MustCompile(`listening on (\S+) `)
var summaryRE = regexp.MustCompile(`sent (\d+) APDUs, (\d+) octets, in ([0-9.]+)s: .*\(checkpoint size (\d+) KiB`)

// runMixerd measures mixerd send to mixerd listen with sz.count APDUs.
func runMixerd(ctx context.Context, cfg *config, sz size) (*result, error) {
	apdu, err := makeAPDU(sz.octets)
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp(cfg.dir, "mixerd-"+sz.label+"-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	file := filepath.Join(work, "message.ber")
	if err := os.WriteFile(file, apdu, 0o600); err != nil {
		return nil, err
	}
	spool := filepath.Join(work, "spool")

	largs := []string{"listen", "127.0.0.1:0", "--spool", spool, "--mta", "mta-b", "--password", "pw-b", "--peer", "mta-a:pw-a"}
	if !cfg.fsync {
		largs = append(largs, "--no-fsync")
	}
	if cfg.checkpoint > 0 {
		largs = append(largs, "--checkpoint", strconv.Itoa(cfg.checkpoint))
	}
	lctx, lcancel := context.WithCancel(ctx)
	defer lcancel()
	lis := exec.CommandContext(lctx, cfg.mixerd, largs...)
	lis.Cancel = func() error { return lis.Process.Kill() }
	lis.WaitDelay = 5 * time.Second
	lout, err := lis.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var lerr strings.Builder
	lis.Stderr = &lerr
	if err := lis.Start(); err != nil {
		return nil, err
	}
	waited := false
	defer func() {
		if !waited {
			lcancel()
			lis.Wait()
		}
	}()
	// The listener prints its address, then a line per APDU stored: read
	// them all (discarding), so that it never blocks on the pipe.
	addrc := make(chan string, 1)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		sc := bufio.NewScanner(lout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		found := false
		for sc.Scan() {
			if !found {
				if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil {
					found = true
					addrc <- m[1]
				}
			}
		}
		io.Copy(io.Discard, lout)
		if !found {
			close(addrc)
		}
	}()
	var addr string
	select {
	case a, ok := <-addrc:
		if !ok {
			return nil, fmt.Errorf("mixerd listen did not start: %s", lerr.String())
		}
		addr = a
	case <-time.After(30 * time.Second):
		return nil, errors.New("mixerd listen did not print its address within 30s")
	case <-ctx.Done():
		return nil, ctx.Err()
	}

	sargs := []string{"send", addr, file, "--count", strconv.Itoa(sz.count),
		"--mta", "mta-a", "--password", "pw-a", "--peer-name", "mta-b", "--peer-password", "pw-b",
		"--timeout", cfg.timeout.String()}
	if cfg.checkpoint > 0 {
		sargs = append(sargs, "--checkpoint", strconv.Itoa(cfg.checkpoint))
	}
	snd := exec.CommandContext(ctx, cfg.mixerd, sargs...)
	var sout, serr strings.Builder
	snd.Stdout, snd.Stderr = &sout, &serr
	t0 := time.Now()
	err = snd.Run()
	wall := time.Since(t0)
	if err != nil {
		return nil, fmt.Errorf("mixerd send: %v: %s%s", err, sout.String(), serr.String())
	}
	m := summaryRE.FindStringSubmatch(sout.String())
	if m == nil {
		return nil, fmt.Errorf("mixerd send printed no summary:\n%s", sout.String())
	}
	if n, _ := strconv.Atoi(m[1]); n != sz.count {
		return nil, fmt.Errorf("mixerd send confirmed %s APDUs, want %d", m[1], sz.count)
	}
	secs, _ := strconv.ParseFloat(m[3], 64)

	// Every APDU confirmed is in the spool.
	stored, err := filepath.Glob(filepath.Join(spool, "*.ber"))
	if err != nil {
		return nil, err
	}
	if len(stored) != sz.count {
		return nil, fmt.Errorf("the spool holds %d files after %d confirmed transfers", len(stored), sz.count)
	}

	lis.Process.Signal(syscall.SIGTERM)
	<-drained
	werr := lis.Wait()
	waited = true
	if werr != nil {
		return nil, fmt.Errorf("mixerd listen: %v: %s", werr, lerr.String())
	}
	note := "spool fsync"
	if !cfg.fsync {
		note = "spool, no fsync"
	}
	if m[4] != "0" {
		note += ", checkpoint " + m[4] + " KiB"
	}
	return &result{
		impl: "mixerd P1", msgs: sz.count, octets: int64(len(apdu)), wall: wall,
		transfer:  time.Duration(secs * float64(time.Second)),
		clientCPU: cpu(snd.ProcessState), serverCPU: cpu(lis.ProcessState),
		clientRSS: maxRSS(snd.ProcessState), srvR: maxRSS(lis.ProcessState),
		note: note,
	}, nil
}

// Postfix's test programs, from Debian's postfix package.
const (
	smtpSink   = "/usr/sbin/smtp-sink"
	smtpSource = "/usr/sbin/smtp-source"
)

func haveSMTP() bool {
	for _, p := range []string{smtpSink, smtpSource} {
		if fi, err := os.Stat(p); err != nil || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// freePort returns a TCP port of 127.0.0.1 free a moment ago (smtp-sink
// takes no port 0).
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// runSMTP measures smtp-source to smtp-sink with sz.count messages of a
// payload of sz.octets octets on one connection.
func runSMTP(ctx context.Context, cfg *config, sz size) (*result, error) {
	work, err := os.MkdirTemp(cfg.dir, "smtp-"+sz.label+"-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	dump := filepath.Join(work, "dump")
	// smtp-sink run by root must drop to another user (-u), who then
	// writes the dump files.
	root := os.Geteuid() == 0
	if cfg.sinkStore {
		if err := os.Mkdir(dump, 0o777); err != nil {
			return nil, err
		}
		if root {
			for _, d := range []string{cfg.dir, work, dump} {
				mode := os.FileMode(0o755)
				if d == dump {
					mode = 0o777
				}
				if err := os.Chmod(d, mode); err != nil {
					return nil, err
				}
			}
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	var sargs []string
	if root {
		sargs = append(sargs, "-u", "nobody")
	}
	if cfg.sinkStore {
		sargs = append(sargs, "-d", dump+"/m.")
	}
	sargs = append(sargs, addr, "128")
	sctx, scancel := context.WithCancel(ctx)
	defer scancel()
	sink := exec.CommandContext(sctx, smtpSink, sargs...)
	sink.Cancel = func() error { return sink.Process.Kill() }
	sink.WaitDelay = 5 * time.Second
	var sinkErr strings.Builder
	sink.Stdout, sink.Stderr = io.Discard, &sinkErr
	if err := sink.Start(); err != nil {
		return nil, err
	}
	waited := false
	defer func() {
		if !waited {
			scancel()
			sink.Wait()
		}
	}()
	if err := waitListening(ctx, addr, 10*time.Second); err != nil {
		return nil, fmt.Errorf("smtp-sink: %v: %s", err, sinkErr.String())
	}

	src := exec.CommandContext(ctx, smtpSource, "-d", "-s", "1", "-m", strconv.Itoa(sz.count),
		"-l", strconv.Itoa(sz.octets), "-f", "a@mta-a.example", "-t", "b@mta-b.example", "-M", "mta-a.example", addr)
	var out strings.Builder
	src.Stdout, src.Stderr = &out, &out
	t0 := time.Now()
	err = src.Run()
	wall := time.Since(t0)
	if err != nil {
		return nil, fmt.Errorf("smtp-source: %v: %s", err, out.String())
	}
	note := "smtp-sink, no storage"
	if cfg.sinkStore {
		// smtp-source exits after QUIT's answer, by which time smtp-sink
		// has written and closed every message (at the end of each DATA).
		stored, err := filepath.Glob(filepath.Join(dump, "m.*"))
		if err != nil {
			return nil, err
		}
		if len(stored) != sz.count {
			return nil, fmt.Errorf("smtp-sink stored %d messages of %d sent", len(stored), sz.count)
		}
		note = "smtp-sink -d (a file per message, no fsync)"
	}
	sink.Process.Signal(syscall.SIGTERM)
	werr := sink.Wait()
	waited = true
	// smtp-sink has no handler for SIGTERM: it dies of it.
	if werr != nil && !killedBy(sink.ProcessState, syscall.SIGTERM) {
		return nil, fmt.Errorf("smtp-sink: %v: %s", werr, sinkErr.String())
	}
	return &result{
		impl: "Postfix SMTP", msgs: sz.count, octets: int64(sz.octets), wall: wall,
		clientCPU: cpu(src.ProcessState), serverCPU: cpu(sink.ProcessState),
		clientRSS: maxRSS(src.ProcessState), srvR: maxRSS(sink.ProcessState),
		note: note,
	}, nil
}

// waitListening connects to addr until it answers (smtp-sink opens its
// socket a moment after it starts).
func waitListening(ctx context.Context, addr string, within time.Duration) error {
	end := time.Now().Add(within)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(end) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// machine describes where the benchmark ran.
func machine(goVersion string) string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "MemTotal:"); ok {
				if kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB")); err == nil {
					mem = fmt.Sprintf(", %.1f GiB", float64(kb)/(1<<20))
				}
			}
		}
	}
	kernel := ""
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = ", Linux " + strings.TrimSpace(string(b))
	}
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			load = fmt.Sprintf("; load average at start %s %s %s", f[0], f[1], f[2])
		}
	}
	return fmt.Sprintf("%s, %d cores%s%s, %s (%s/%s)%s", model, runtime.NumCPU(), mem, kernel, goVersion, runtime.GOOS, runtime.GOARCH, load)
}

func postfixVersion() string {
	out, err := exec.Command("/usr/sbin/postconf", "-d", "-h", "mail_version").Output()
	if err != nil {
		return "version unknown"
	}
	return strings.TrimSpace(string(out))
}

func main() {
	os.Exit(run())
}

func run() int {
	count := flag.Int("count", 1000, "messages per size (a size may give its own: -sizes 5KB:5000,1MB:200)")
	sizesFlag := flag.String("sizes", "5KB,1MB", "message sizes, comma-separated: NKB, NMB (decimal) or octets, each optionally :COUNT")
	checkpoint := flag.Int("checkpoint", 0, "RTSE checkpoint size in KiB, proposed by send and accepted by listen (0: no checkpointing)")
	fsync := flag.Bool("fsync", true, "mixerd listen fsyncs each spool file and the directory (false: listen --no-fsync, as smtp-sink -d)")
	smtp := flag.Bool("smtp", true, "run the Postfix smtp-source/smtp-sink reference when installed")
	sinkStore := flag.Bool("sink-store", true, "smtp-sink writes each message to a file (-d), as mixerd listen's spool")
	mixerdBin := flag.String("mixerd", "", "a mixerd binary to use (default: go build mixerd/cmd/mixerd)")
	tmp := flag.String("tmpdir", "", "where the spools go (default: $TMPDIR): put it on the disk to measure")
	timeout := flag.Duration("timeout", time.Hour, "longest run of one client")
	flag.Parse()
	sizes, err := parseSizes(*sizesFlag, *count)
	if err != nil || *count < 1 || *checkpoint < 0 {
		fmt.Fprintf(os.Stderr, "p1transfer: -sizes: %v\n", err)
		flag.Usage()
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir, err := os.MkdirTemp(*tmp, "p1transfer-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "p1transfer: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)

	goVersion := runtime.Version()
	bin := *mixerdBin
	if bin == "" {
		bin = filepath.Join(dir, "mixerd")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "mixerd/cmd/mixerd")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "p1transfer: go build mixerd/cmd/mixerd (run from the repository): %v\n", err)
			return 1
		}
		if out, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil {
			goVersion = strings.TrimSpace(string(out))
		}
	}
	cfg := &config{mixerd: bin, dir: dir, checkpoint: *checkpoint, fsync: *fsync, smtp: *smtp,
		sinkStore: *sinkStore, timeout: *timeout}

	fmt.Printf("Machine: %s\n", machine(goVersion))
	reference := ""
	switch {
	case !*smtp:
		reference = "Reference: not run (-smtp=false)."
	case haveSMTP():
		reference = "Reference: Postfix " + postfixVersion() + " smtp-source -d -s 1 -> smtp-sink, same sizes and counts."
	default:
		reference = "Reference: not run: " + smtpSink + " and " + smtpSource + " are not installed (apt-get install postfix)."
		cfg.smtp = false
	}
	fmt.Println(reference)
	fmt.Printf("Started %s; each client's rate is from its process's wall time (start, bind or connect, transfers, release or QUIT).\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Println("| size | implementation | messages | octets/msg | wall s | msg/s | MB/s | client CPU us/msg | server CPU us/msg | transfers alone msg/s | max RSS client/server MiB | storage |")
	fmt.Println("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	failed := false
	for _, sz := range sizes {
		runs := []func(context.Context, *config, size) (*result, error){runMixerd}
		if cfg.smtp {
			runs = append(runs, runSMTP)
		}
		for _, f := range runs {
			r, err := f(ctx, cfg, sz)
			if err != nil {
				fmt.Fprintf(os.Stderr, "p1transfer: %s: %v\n", sz.label, err)
				failed = true
				if ctx.Err() != nil {
					return 1
				}
				continue
			}
			printRow(sz, r)
		}
	}
	if failed {
		return 1
	}
	return 0
}

func printRow(sz size, r *result) {
	w := r.wall.Seconds()
	n := float64(r.msgs)
	alone := "-"
	if r.transfer > 0 {
		alone = fmt.Sprintf("%.0f", n/r.transfer.Seconds())
	}
	fmt.Printf("| %s | %s | %d | %d | %.3f | %.0f | %.1f | %.0f | %.0f | %s | %.0f / %.0f | %s |\n",
		sz.label, r.impl, r.msgs, r.octets, w, n/w, float64(r.octets)*n/w/1e6,
		float64(r.clientCPU.Microseconds())/n, float64(r.serverCPU.Microseconds())/n, alone,
		float64(r.clientRSS)/1024, float64(r.srvR)/1024, r.note)
}
