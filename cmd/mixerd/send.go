package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"mixerd/osi"
	"mixerd/osi/rtse"
	"mixerd/p1"
	"mixerd/x400"
)

func init() {
	register(command{
		name:    "send",
		summary: "bind to a peer MTA (P1) and transfer MTS-APDUs from BER files over one association",
		run:     runSend,
	})
}

// sendFile is one MTS-APDU to send: its file, encoding and kind.
type sendFile struct {
	name string
	data []byte
	kind string
}

func runSend(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f bindFlags
	f.register(fs)
	count := fs.Int("count", 1, "send the files N times over the one association (for load tests and benchmarks)")
	checkpoint := fs.Int("checkpoint", 0, "RTSE checkpoint size proposed, in KiB (0: no checkpointing; PP proposes 63)")
	window := fs.Int("window", 0, "RTSE window size proposed (0: 3)")
	tpdu := fs.Int("tpdu-size", 0, "largest TPDU size proposed, a power of two from 128 to 8192 (0: 2048)")
	recoverN := fs.Int("recover", 3, "re-establish a connection lost in a transfer at most N times and resume the transfer (RTSE recovery, X.228; a peer that cannot recover refuses it); 0: no recovery")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mixerd send ADDR FILE [FILE...] --mta NAME --password PW [--count N] [--checkpoint KIB] [the bind flags of mixerd ping]")
		fmt.Fprintln(stderr, "Every FILE is sent COUNT times, in order, on one association; each transfer is")
		fmt.Fprintln(stderr, "confirmed before the next. With more than one transfer a summary is printed")
		fmt.Fprintln(stderr, "(and a line per APDU with -v).")
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) < 2 || *count < 1 || *checkpoint < 0 || *window < 0 || *tpdu < 0 || *recoverN < 0 {
		fs.Usage()
		return 2
	}
	addr := pos[0]
	var files []sendFile
	for _, name := range pos[1:] {
		data, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintf(stderr, "mixerd send: %v\n", err)
			return 1
		}
		apdu, err := x400.DecodeMTSAPDU(data, nil)
		if err != nil {
			fmt.Fprintf(stderr, "mixerd send: %s is not an MTS-APDU: %v\n", name, err)
			return 1
		}
		files = append(files, sendFile{name: name, data: data, kind: p1.Kind(apdu)})
	}
	ctx, cancel := context.WithTimeout(context.Background(), f.timeout)
	defer cancel()
	dc, err := f.dialConfig(addr, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "mixerd send: %v\n", err)
		return 2
	}
	dc.CheckpointSize, dc.WindowSize, dc.TPDUSize = *checkpoint, *window, *tpdu
	dc.Recovery.Attempts = *recoverN
	c, code := bindConfig(ctx, "send", addr, dc, stderr)
	if c == nil {
		return code
	}
	a := c.Association()
	fmt.Fprintf(stdout, "bound to %s: peer MTA %q, %s mode, %s\n", addr, c.Result.ResponderName,
		a.Mode, p1.DialogueName(a.DialogueMode))

	single := len(files) == 1 && *count == 1
	var n, octets int64
	start := time.Now()
	for round := range *count {
		for _, sf := range files {
			t0 := time.Now()
			if err := c.Transfer(ctx, sf.data); err != nil {
				fmt.Fprintf(stderr, "mixerd send: %s: %s of %d octets from %s not confirmed: %v\n", addr, sf.kind, len(sf.data), sf.name, err)
				var refused *osi.TransferRefusedError
				if errors.As(err, &refused) {
					// The peer refused this APDU; the association is up:
					// release it in order.
					c.Close(ctx)
				} else {
					// A failed transfer has aborted the association, except
					// one refused before anything was sent: abort it then.
					c.Abort(ctx, rtse.LocalSystemProblem)
				}
				if !single {
					fmt.Fprintf(stderr, "mixerd send: %d APDUs confirmed before the failure\n", n)
				}
				return 1
			}
			n++
			octets += int64(len(sf.data))
			if single || f.verbose {
				fmt.Fprintf(stdout, "transferred %s (%d octets) from %s: confirmed in %v", sf.kind, len(sf.data), sf.name,
					time.Since(t0).Round(time.Millisecond))
				if !single {
					fmt.Fprintf(stdout, " (round %d)", round+1)
				}
				fmt.Fprintln(stdout)
			}
		}
	}
	elapsed := time.Since(start)
	if !single {
		printSendSummary(stdout, n, octets, elapsed, a.CheckpointSize, a.WindowSize)
	}
	if err := c.Close(ctx); err != nil {
		fmt.Fprintf(stderr, "mixerd send: %s: release: %v\n", addr, err)
		return 1
	}
	fmt.Fprintln(stdout, "released")
	return 0
}

// printSendSummary prints the line bench/p1transfer reads: the APDUs and
// octets confirmed, the time from the first transfer's start to the last
// confirmation (the bind and release excluded), and the rates (MB/s in
// decimal megabytes of MTS-APDU encoding).
func printSendSummary(w io.Writer, n, octets int64, elapsed time.Duration, ckpt, window int) {
	secs := elapsed.Seconds()
	if secs <= 0 {
		secs = 1e-9
	}
	fmt.Fprintf(w, "sent %d APDUs, %d octets, in %.6fs: %.1f APDU/s, %.3f MB/s (checkpoint size %d KiB, window %d)\n",
		n, octets, secs, float64(n)/secs, float64(octets)/secs/1e6, ckpt, window)
}

// bindConfig binds with dc and prints the refusal when there is one, as
// bind (ping.go) does for a DialConfig made of the bind flags alone.
func bindConfig(ctx context.Context, cmd, addr string, dc *p1.DialConfig, stderr io.Writer) (*p1.Client, int) {
	c, _, err := p1.Bind(ctx, dc)
	if err != nil {
		var be *p1.BindError
		var re *osi.RefusedError
		switch {
		case errors.As(err, &be):
			fmt.Fprintf(stderr, "mixerd %s: %s: bind refused: %s\n", cmd, addr, be.Reason.String())
		case errors.As(err, &re):
			fmt.Fprintf(stderr, "mixerd %s: %s: association refused: %v\n", cmd, addr, re)
		default:
			fmt.Fprintf(stderr, "mixerd %s: %s: %v\n", cmd, addr, err)
		}
		return nil, 1
	}
	return c, 0
}
