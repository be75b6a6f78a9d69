package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"mixerd/p1"
	"mixerd/x400"
)

func init() {
	register(command{
		name:    "send",
		summary: "bind to a peer MTA (P1) and transfer one MTS-APDU from a BER file",
		run:     runSend,
	})
}

func runSend(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f bindFlags
	f.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mixerd send ADDR FILE --mta NAME --password PW [the bind flags of mixerd ping]")
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 2 {
		fs.Usage()
		return 2
	}
	addr, file := pos[0], pos[1]
	data, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(stderr, "mixerd send: %v\n", err)
		return 1
	}
	apdu, err := x400.DecodeMTSAPDU(data, nil)
	if err != nil {
		fmt.Fprintf(stderr, "mixerd send: %s is not an MTS-APDU: %v\n", file, err)
		return 1
	}
	kind := p1.Kind(apdu)
	ctx, cancel := context.WithTimeout(context.Background(), f.timeout)
	defer cancel()
	c, code := bind(ctx, "send", addr, &f, stderr)
	if c == nil {
		return code
	}
	fmt.Fprintf(stdout, "bound to %s: peer MTA %q, %s mode, %s\n", addr, c.Result.ResponderName,
		c.Association().Mode, p1.DialogueName(c.Association().DialogueMode))
	start := time.Now()
	if err := c.Transfer(ctx, data); err != nil {
		fmt.Fprintf(stderr, "mixerd send: %s: %s of %d octets not confirmed: %v\n", addr, kind, len(data), err)
		return 1
	}
	fmt.Fprintf(stdout, "transferred %s (%d octets) from %s: confirmed in %v\n", kind, len(data), file,
		time.Since(start).Round(time.Millisecond))
	if err := c.Close(ctx); err != nil {
		fmt.Fprintf(stderr, "mixerd send: %s: release: %v\n", addr, err)
		return 1
	}
	fmt.Fprintln(stdout, "released")
	return 0
}
