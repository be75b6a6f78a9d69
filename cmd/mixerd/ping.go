package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"mixerd/ber"
	"mixerd/osi"
	"mixerd/osi/session"
	"mixerd/p1"
)

func init() {
	register(command{
		name:    "ping",
		summary: "bind to a peer MTA (P1), print what each layer agreed, release",
		run:     runPing,
	})
}

// bindFlags are the flags of the commands that bind to a peer MTA.
type bindFlags struct {
	name, password         string
	ia5                    bool
	peerName, peerPassword string
	mode, dialogue         string
	tsap, ssap, psap       string
	ctsap, cssap, cpsap    string
	source                 string
	tsdu                   int
	timeout                time.Duration
	verbose                bool
}

func (f *bindFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.name, "mta", "", "our MTA name (initiator-name)")
	fs.StringVar(&f.password, "password", "", "our password (simple credentials)")
	fs.BoolVar(&f.ia5, "password-ia5", false, "send the password as an IA5String (default: OCTET STRING, as PP)")
	fs.StringVar(&f.peerName, "peer-name", "", "the peer's MTA name, checked in its bind result")
	fs.StringVar(&f.peerPassword, "peer-password", "", "the peer's password, checked in its bind result")
	fs.StringVar(&f.mode, "mode", "1988", "P1 mode: 1988 (normal mode), x410 (1988 in X.410-1984 mode) or 1984")
	fs.StringVar(&f.dialogue, "dialogue", "monologue", "RTSE dialogue mode: monologue or twa")
	fs.IntVar(&f.tsdu, "tsdu-size", 0, "session TSDU maximum size proposed for both directions, 128 to 65535 (0: none, as PP)")
	fs.StringVar(&f.source, "source", "", "local IP address to dial from (a peer may accept us only from a known address)")
	fs.StringVar(&f.tsap, "tsap", "", "called transport selector (text, or hex after 0x)")
	fs.StringVar(&f.ssap, "ssap", "", "called session selector (text, or hex after 0x)")
	fs.StringVar(&f.psap, "psap", "", "called presentation selector (text, or hex after 0x)")
	fs.StringVar(&f.ctsap, "calling-tsap", "", "calling transport selector (text, or hex after 0x)")
	fs.StringVar(&f.cssap, "calling-ssap", "", "calling session selector (text, or hex after 0x)")
	fs.StringVar(&f.cpsap, "calling-psap", "", "calling presentation selector (text, or hex after 0x)")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "longest wait for the whole command")
	fs.BoolVar(&f.verbose, "v", false, "log every OSI step on stderr")
}

// dialConfig makes the p1.DialConfig of the flags.
func (f *bindFlags) dialConfig(addr string, stderr io.Writer) (*p1.DialConfig, error) {
	if f.name == "" {
		return nil, errors.New("--mta is required")
	}
	mode, err := osi.ParseMode(f.mode)
	if err != nil {
		return nil, err
	}
	dm, err := osi.ParseDialogueMode(f.dialogue)
	if err != nil {
		return nil, err
	}
	dc := &p1.DialConfig{
		DialConfig: osi.DialConfig{Address: addr, Mode: mode, DialogueMode: dm},
		Name:       f.name, Password: f.password, PasswordIA5: f.ia5,
		PeerName: f.peerName, PeerPassword: f.peerPassword,
	}
	dc.TSDUMaxSize = f.tsdu
	if f.source != "" {
		if dc.SourceIP, err = netip.ParseAddr(f.source); err != nil {
			return nil, fmt.Errorf("--source: %v", err)
		}
	}
	for _, s := range []struct {
		v   string
		dst *[]byte
		n   string
	}{
		{f.tsap, &dc.CalledTSAP, "tsap"}, {f.ssap, &dc.CalledSSAP, "ssap"}, {f.psap, &dc.CalledPSAP, "psap"},
		{f.ctsap, &dc.CallingTSAP, "calling-tsap"}, {f.cssap, &dc.CallingSSAP, "calling-ssap"}, {f.cpsap, &dc.CallingPSAP, "calling-psap"},
	} {
		if *s.dst, err = osi.ParseSelector(s.v); err != nil {
			return nil, fmt.Errorf("--%s: %v", s.n, err)
		}
	}
	if f.verbose {
		dc.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	} else {
		dc.Logger = slog.New(slog.DiscardHandler)
	}
	return dc, nil
}

// parseArgs parses flags that may come before or after the positional
// arguments ("mixerd listen ADDR --spool DIR").
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// bind binds as the flags say and prints the refusal when there is one.
func bind(ctx context.Context, cmd, addr string, f *bindFlags, stderr io.Writer) (*p1.Client, int) {
	dc, err := f.dialConfig(addr, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "mixerd %s: %v\n", cmd, err)
		return nil, 2
	}
	return bindConfig(ctx, cmd, addr, dc, stderr)
}

func runPing(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ping", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f bindFlags
	f.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mixerd ping ADDR --mta NAME --password PW [--peer-name N --peer-password P] [--mode 1988|x410|1984] [--dialogue monologue|twa] [--tsap S --ssap S --psap S] [--calling-tsap S ...]")
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fs.Usage()
		return 2
	}
	addr := pos[0]
	ctx, cancel := context.WithTimeout(context.Background(), f.timeout)
	defer cancel()
	start := time.Now()
	c, code := bind(ctx, "ping", addr, &f, stderr)
	if c == nil {
		return code
	}
	printAgreed(stdout, addr, c, time.Since(start))
	if err := c.Close(ctx); err != nil {
		fmt.Fprintf(stderr, "mixerd ping: %s: release: %v\n", addr, err)
		return 1
	}
	fmt.Fprintln(stdout, "released")
	return 0
}

// syntaxName names the object identifiers of a P1 association.
func syntaxName(o ber.OID) string {
	names := map[string]string{
		"2.2.1.0.1": "acse", "2.6.0.2.12": "id-as-mta-rtse", "2.6.0.2.7": "id-as-mtse",
		"2.6.0.1.6": "id-ac-mts-transfer",
	}
	if n, ok := names[o.String()]; ok {
		return n + " " + o.String()
	}
	return o.String()
}

// printAgreed prints what each layer agreed.
func printAgreed(w io.Writer, addr string, c *p1.Client, took time.Duration) {
	a := c.Association()
	fmt.Fprintf(w, "bound to %s (%s -> %s) in %v\n", addr, a.LocalAddr, a.RemoteAddr, took.Round(time.Millisecond))
	fmt.Fprintf(w, "transport:    class 0, TPDU size %d\n", a.TPDUSize)
	fmt.Fprintf(w, "session:      version %d, functional units %s, tokens %s",
		a.SessionVersion, funitNames(a.Requirements), tokenText(a.Tokens))
	if send, recv := a.TSDUSizes(); send > 0 || recv > 0 {
		fmt.Fprintf(w, ", TSDU maximum size %s to the peer, %s from it", tsduText(send), tsduText(recv))
	}
	fmt.Fprintln(w)
	switch a.Mode {
	case osi.Mode1988Normal:
		fmt.Fprint(w, "presentation: normal mode, contexts")
		for _, pc := range a.Contexts {
			fmt.Fprintf(w, " %d=%s", pc.ID, syntaxName(pc.AbstractSyntax))
		}
		fmt.Fprintln(w, ", transfer syntax BER")
		fmt.Fprintf(w, "application:  %s\n", syntaxName(a.ApplicationContext))
	default:
		fmt.Fprintln(w, "presentation: X.410-1984 mode (no presentation contexts)")
		fmt.Fprintln(w, "application:  no ACSE (X.410-1984 mode)")
	}
	fmt.Fprintf(w, "rtse:         %s mode, %s, checkpoint size %d, window %d\n",
		a.Mode, p1.DialogueName(a.DialogueMode), a.CheckpointSize, a.WindowSize)
	r := c.Result
	switch {
	case r.Unauthenticated:
		fmt.Fprintln(w, "peer MTA:     unauthenticated bind result")
	default:
		form := "OCTET STRING"
		if r.Credentials.PasswordIA5 {
			form = "IA5String"
		}
		if r.Credentials.Other != nil {
			form = "strong or protected"
		}
		fmt.Fprintf(w, "peer MTA:     %q (credentials: %s)\n", r.ResponderName, form)
	}
}

func funitNames(fu session.FunctionalUnits) string {
	names := []struct {
		b session.FunctionalUnits
		n string
	}{
		{session.FUHalfDuplex, "half-duplex"}, {session.FUDuplex, "duplex"}, {session.FUExpedited, "expedited"},
		{session.FUMinorSync, "minor-sync"}, {session.FUMajorSync, "major-sync"}, {session.FUResync, "resync"},
		{session.FUActivity, "activity"}, {session.FUNegRelease, "negotiated-release"},
		{session.FUCapabilityData, "capability-data"}, {session.FUExceptions, "exceptions"},
		{session.FUTypedData, "typed-data"}, {session.FUSymmetricSync, "symmetric-sync"},
		{session.FUDataSeparation, "data-separation"},
	}
	var out []string
	for _, n := range names {
		if fu&n.b != 0 {
			out = append(out, n.n)
		}
	}
	return fmt.Sprintf("0x%04x {%s}", uint16(fu), strings.Join(out, ", "))
}

func tokenText(t session.TokenSetting) string {
	side := func(v byte) string {
		switch v {
		case 0:
			return "initiator"
		case 1:
			return "responder"
		case 2:
			return "called-chooses"
		}
		return "reserved"
	}
	return fmt.Sprintf("data %s, minor-sync %s, major/activity %s, release %s",
		side(t.Data()), side(t.Minor()), side(t.Major()), side(t.Release()))
}

// tsduText names a TSDU maximum size (0: none).
func tsduText(n int) string {
	if n == 0 {
		return "unlimited"
	}
	return strconv.Itoa(n)
}
