package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"mixerd/osi"
	"mixerd/p1"
	"mixerd/x400"
)

func init() {
	register(command{
		name:    "listen",
		summary: "answer P1 binds and write every MTS-APDU received to a spool directory",
		run:     runListen,
	})
}

// peerFlags collects --peer NAME:PW (or "any").
type peerFlags struct {
	peers []p1.Peer
	any   bool
}

func (p *peerFlags) String() string { return "" }

func (p *peerFlags) Set(s string) error {
	if s == "any" {
		p.any = true
		return nil
	}
	name, pw, ok := strings.Cut(s, ":")
	if !ok || name == "" {
		return fmt.Errorf("want NAME:PASSWORD[@ADDRESS] or any, not %q", s)
	}
	peer := p1.Peer{Name: name, Password: pw}
	// NAME:PASSWORD@ADDRESS: the peer is accepted only from ADDRESS (an
	// IP address or a prefix). What follows the last @ is the password's
	// when it is not an address.
	if i := strings.LastIndexByte(pw, '@'); i >= 0 {
		a := pw[i+1:]
		if pfx, err := netip.ParsePrefix(a); err == nil {
			peer.Password, peer.Addr = pw[:i], pfx.Masked()
		} else if ip, err := netip.ParseAddr(a); err == nil {
			peer.Password, peer.Addr = pw[:i], netip.PrefixFrom(ip, ip.BitLen())
		}
	}
	p.peers = append(p.peers, peer)
	return nil
}

func runListen(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runListenCtx(ctx, args, stdout, stderr)
}

// runListenCtx is mixerd listen, serving until ctx is done.
func runListenCtx(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("listen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	spool := fs.String("spool", "", "directory where each MTS-APDU received is written, one BER file each (required)")
	name := fs.String("mta", "", "our MTA name (responder-name, required)")
	password := fs.String("password", "", "our password (responder-credentials)")
	var peers peerFlags
	fs.Var(&peers, "peer", "a peer allowed to bind, NAME:PASSWORD or NAME:PASSWORD@ADDRESS (only from that IP address or prefix); repeat it; any: accept every peer")
	modes := fs.String("mode", "", "P1 modes accepted, comma-separated: 1988, x410, 1984 (default: all)")
	dialogues := fs.String("dialogue", "", "dialogue modes accepted, comma-separated: monologue, twa (default: both)")
	maxAssoc := fs.Int("max-associations", 64, "most associations at once (more are refused with busy)")
	checkpoint := fs.Int("checkpoint", 0, "largest RTSE checkpoint size agreed, in KiB (0: the initiator's, up to 64; PP's own answer is 1)")
	recovery := fs.Duration("recovery", 2*time.Minute, "how long an association whose connection was lost in a transfer waits for its initiator to recover it (RTSE recovery, X.228); 0: no recovery")
	tsdu := fs.Int("tsdu-size", 0, "session TSDU maximum size proposed for what we receive, 128 to 65535 (0: none, as PP)")
	idle := fs.Duration("idle", 30*time.Minute, "close an association on which the initiator sent nothing for this long")
	window := fs.Int("window", 0, "largest RTSE window size agreed (0: 3)")
	noFsync := fs.Bool("no-fsync", false, "FOR BENCHMARKS ONLY: do not fsync the spool files and directory, so that a confirmed APDU can be lost in a crash")
	verbose := fs.Bool("v", false, "log every OSI step")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mixerd listen ADDR --spool DIR --mta NAME --password PW --peer NAME:PW ... [--peer any] [--mode 1988,x410,1984]")
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 || *spool == "" || *name == "" || *checkpoint < 0 || *window < 0 {
		fs.Usage()
		return 2
	}
	cfg := &p1.ServerConfig{
		Name: *name, Password: *password,
		Peers: peers.peers, AcceptAny: peers.any,
		MaxAssociations: *maxAssoc,
	}
	cfg.ListenConfig.CheckpointSize, cfg.ListenConfig.WindowSize = *checkpoint, *window
	cfg.ListenConfig.Recovery.Timeout = *recovery
	cfg.ListenConfig.Timeouts.Idle = *idle
	cfg.ListenConfig.TSDUMaxSize = *tsdu
	for _, m := range splitList(*modes) {
		mode, err := osi.ParseMode(m)
		if err != nil {
			fmt.Fprintf(stderr, "mixerd listen: --mode: %v\n", err)
			return 2
		}
		cfg.Modes = append(cfg.Modes, mode)
	}
	for _, d := range splitList(*dialogues) {
		dm, err := osi.ParseDialogueMode(d)
		if err != nil {
			fmt.Fprintf(stderr, "mixerd listen: --dialogue: %v\n", err)
			return 2
		}
		cfg.DialogueModes = append(cfg.DialogueModes, dm)
	}
	if len(cfg.Peers) == 0 && !cfg.AcceptAny {
		fmt.Fprintln(stderr, "mixerd listen: no --peer: every bind will be refused")
	}
	if err := os.MkdirAll(*spool, 0o700); err != nil {
		fmt.Fprintf(stderr, "mixerd listen: %v\n", err)
		return 1
	}
	out := &lockedWriter{w: stdout}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	cfg.Logger = slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: level}))
	// The OSI layers' own lines only with -v: the p1 lines say what an
	// operator needs.
	cfg.ListenConfig.Logger = slog.New(slog.DiscardHandler)
	if *verbose {
		cfg.ListenConfig.Logger = cfg.Logger
	}
	l, err := p1.Listen(pos[0], cfg)
	if err != nil {
		fmt.Fprintf(stderr, "mixerd listen: %v\n", err)
		return 1
	}
	defer l.Close()
	fmt.Fprintf(out, "listening on %s as %q, spool %s\n", l.Addr(), *name, *spool)
	sink := &spoolSink{dir: *spool, out: out, noFsync: *noFsync}
	if *noFsync {
		fmt.Fprintln(out, "WARNING: --no-fsync: confirmed APDUs are not durable (benchmarks only)")
	}
	err = p1.Serve(ctx, l, cfg, sink)
	if ctx.Err() != nil {
		fmt.Fprintln(out, "stopped")
		return 0
	}
	fmt.Fprintf(stderr, "mixerd listen: %v\n", err)
	return 1
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// lockedWriter serializes the lines of the associations' goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// spoolSink writes each APDU to its own file in dir: to a temporary name,
// fsynced, renamed, and the directory fsynced, before the transfer is
// confirmed. noFsync (--no-fsync, for benchmarks only) leaves out both
// fsyncs: the file is then written and renamed but not durable.
type spoolSink struct {
	dir     string
	out     io.Writer
	seq     atomic.Uint64
	noFsync bool
}

func (s *spoolSink) Deliver(ctx context.Context, apdu *x400.MTSAPDU, raw []byte, from string) error {
	kind := p1.Kind(apdu)
	name := fmt.Sprintf("%s-%06d-%s.ber", time.Now().UTC().Format("20060102T150405.000000000Z"), s.seq.Add(1), kind)
	final := filepath.Join(s.dir, name)
	if err := writeSpool(s.dir, final, raw, !s.noFsync); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "stored %s: %s, %d octets, from %q\n", final, kind, len(raw), from)
	return nil
}

// writeSpool writes data to final in dir through a temporary file and a
// rename; with sync, the file is fsynced before the rename and the
// directory after it, so that the file is durable when writeSpool returns.
func writeSpool(dir, final string, data []byte, sync bool) error {
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil && sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if !sync {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
