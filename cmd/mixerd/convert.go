package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"mixerd/mixer"
	"mixerd/x400"
)

func init() {
	register(command{
		name:    "convert",
		summary: "convert a P1 message to SMTP or an RFC 5322 message to P1, as the gateway would (RFC 2156)",
		run:     runConvert,
	})
}

// gatewayFlags are the flags that describe the gateway to the mixer
// package: its place in both worlds and its RFC 2156 Appendix F tables.
type gatewayFlags struct {
	domain, orAddress, mta, gdi, policy *string
	tables                              [4]*string
}

func addGatewayFlags(fs *flag.FlagSet) *gatewayFlags {
	return &gatewayFlags{
		domain:    fs.String("domain", "gateway.invalid", "the gateway's domain: where X.400 addresses without a mapping are encoded in the local part (RFC 2156 §4.3.1)"),
		orAddress: fs.String("or-address", "/C=XX/ADMD= /PRMD=Gateway/", "the gateway's O/R address, in the RFC 2156 §4.1 std-or form: the context of the RFC-822 domain-defined attribute (§4.3.2)"),
		mta:       fs.String("mta", "mixerd", "the gateway MTA's name in trace information and Received: fields"),
		gdi:       fs.String("gdi", "", "the gateway's global domain identifier as C/ADMD/PRMD, e.g. \"GB/ /MOD\" (default: from --or-address)"),
		policy:    fs.String("mt-priority-policy", "", "the RFC 6710 MT-PRIORITY policy of the SMTP side: "+string(mixer.MTPrioritySTANAG4406)+", "+string(mixer.MTPriorityMIXER)+", or empty: STANAG4406 for military messages, MIXER for the priority of the others"),
		tables: [4]*string{
			fs.String("domain-to-or", "", "RFC 2156 Appendix F table file: domain -> O/R address MCGAMs"),
			fs.String("or-to-domain", "", "RFC 2156 Appendix F table file: O/R address -> domain MCGAMs"),
			fs.String("domain-to-gateway", "", "RFC 2156 Appendix F table file: domain -> O/R address of the preferred gateway"),
			fs.String("or-to-gateway", "", "RFC 2156 Appendix F table file: O/R address -> domain of the preferred gateway"),
		},
	}
}

// gateway builds the mixer.Gateway the flags describe.
func (f *gatewayFlags) gateway() (*mixer.Gateway, error) {
	g := &mixer.Gateway{Domain: *f.domain, MTAName: *f.mta, Priority: mixer.MTPriorityPolicy(*f.policy)}
	if g.Priority != "" && !g.Priority.Valid() {
		return nil, fmt.Errorf("--mt-priority-policy: %q is neither %s nor %s", *f.policy, mixer.MTPriorityMIXER, mixer.MTPrioritySTANAG4406)
	}
	a, err := x400.ParseORAddress(*f.orAddress)
	if err != nil {
		return nil, fmt.Errorf("--or-address: %v", err)
	}
	g.ORAddress = a
	g.GDI = x400.GlobalDomainIdentifier{Country: a.Country, ADMD: a.ADMD, PRMD: a.PRMD}
	if *f.gdi != "" {
		parts := strings.Split(*f.gdi, "/")
		if len(parts) < 2 || len(parts) > 3 {
			return nil, fmt.Errorf("--gdi: %q is not C/ADMD or C/ADMD/PRMD", *f.gdi)
		}
		g.GDI = x400.GlobalDomainIdentifier{Country: x400.NumericOrPrintable{Value: parts[0]}, ADMD: x400.NumericOrPrintable{Value: parts[1]}}
		if len(parts) == 3 {
			g.GDI.PRMD = x400.NumericOrPrintable{Value: parts[2]}
		}
	}
	kinds := [4]mixer.TableKind{mixer.TableDomainToOR, mixer.TableORToDomain, mixer.TableDomainToGateway, mixer.TableORToGateway}
	dst := [4]**mixer.Table{&g.DomainToOR, &g.ORToDomain, &g.DomainToGateway, &g.ORToGateway}
	for i, name := range f.tables {
		if *name == "" {
			continue
		}
		t, err := mixer.LoadTableFile(*name, kinds[i])
		if err != nil {
			return nil, err
		}
		*dst[i] = t
	}
	return g, nil
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

func runConvert(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("convert", flag.ContinueOnError)
	fs.SetOutput(stderr)
	to := fs.String("to", "", "smtp: FILE is a P1 MTS-APDU (BER); print the SMTP envelope and the RFC 5322 message. x400: FILE is an RFC 5322 message; write the P1 MTS-APDU (BER)")
	out := fs.String("o", "-", "where to write the result (\"-\": standard output)")
	quiet := fs.Bool("q", false, "do not print the conversion report on standard error")
	gf := addGatewayFlags(fs)
	from := fs.String("from", "", "x400: the SMTP MAIL FROM address (default: the From: field's first address; \"<>\" is the null reverse-path)")
	var rcpts stringList
	fs.Var(&rcpts, "rcpt", "x400: an SMTP RCPT TO address (repeatable; default: every To:, Cc: and Bcc: address)")
	notify := fs.String("notify", "", "x400: the DSN NOTIFY parameter of every recipient (NEVER, or SUCCESS,FAILURE,DELAY)")
	ret := fs.String("ret", "", "x400: the DSN RET parameter (FULL or HDRS)")
	envid := fs.String("envid", "", "x400: the DSN ENVID parameter")
	mtp := fs.String("mt-priority", "", "x400: the MT-PRIORITY parameter (-9 to 9)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mixerd convert --to smtp [gateway flags] FILE.ber|-")
		fmt.Fprintln(stderr, "       mixerd convert --to x400 [gateway flags] [--from ADDR] [--rcpt ADDR]... [-o OUT.ber] FILE.eml|-")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 || (*to != "smtp" && *to != "x400") {
		fs.Usage()
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "mixerd convert: "+format+"\n", a...)
		return 1
	}
	g, err := gf.gateway()
	if err != nil {
		return fail("%v", err)
	}
	name := fs.Arg(0)
	var data []byte
	if name == "-" {
		data, err = io.ReadAll(io.LimitReader(stdin, 1<<30))
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return fail("%v", err)
	}
	w := stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			return fail("%v", err)
		}
		defer f.Close()
		w = f
	}
	rep := new(mixer.Report)
	var rerrs []mixer.RecipientError
	var result []byte
	switch *to {
	case "smtp":
		apdu, err := x400.DecodeMTSAPDU(data, nil)
		if err != nil {
			return fail("%s: %v", name, err)
		}
		if apdu.Message == nil {
			return fail("%s: not a message (reports and probes are converted by the acknowledgement mapping)", name)
		}
		m, re, err := g.ToSMTP(apdu.Message, rep)
		if err != nil {
			return convertFailed(stderr, name, err)
		}
		rerrs = re
		var sb strings.Builder
		sb.WriteString(m.Envelope.MailCommand() + "\n")
		for i := range m.Envelope.Recipients {
			sb.WriteString(m.Envelope.RcptCommand(i) + "\n")
		}
		sb.WriteString("\n")
		result = append([]byte(sb.String()), m.Bytes()...)
	case "x400":
		h, n, err := mixer.ParseHeader(data, mixer.HeaderLimits{})
		if err != nil {
			return fail("%s: %v", name, err)
		}
		env, err := convertEnvelope(h, *from, rcpts, *notify, *ret, *envid, *mtp)
		if err != nil {
			return fail("%v", err)
		}
		m, re, err := g.ToX400(&mixer.SMTPMessage{Envelope: env, Header: h, Body: data[n:]}, rep)
		if err != nil {
			return convertFailed(stderr, name, err)
		}
		rerrs = re
		if result, err = (&x400.MTSAPDU{Message: m}).Marshal(); err != nil {
			return fail("%s: encoding the P1 message: %v", name, err)
		}
	}
	for _, re := range rerrs {
		fmt.Fprintf(stderr, "mixerd convert: recipient %d not converted: %v (%s)\n", re.Index+1, re.Err, reportCodes(re.Err))
	}
	if !*quiet {
		for _, it := range rep.Items {
			fmt.Fprintf(stderr, "report: %s", (&mixer.Report{Items: []mixer.ReportItem{it}}).String())
		}
	}
	if _, err := w.Write(result); err != nil {
		return fail("%v", err)
	}
	return 0
}

// convertFailed prints a conversion that cannot be done with the reports
// the gateway would send for it.
func convertFailed(stderr io.Writer, name string, err error) int {
	var ce *mixer.ConversionError
	if errors.As(err, &ce) {
		fmt.Fprintf(stderr, "mixerd convert: %s: %v\nmixerd convert: the message would be non-delivered: %s\n", name, err, reportCodes(ce))
	} else {
		fmt.Fprintf(stderr, "mixerd convert: %s: %v\n", name, err)
	}
	return 1
}

// reportCodes writes the non-delivery report's and the DSN's codes.
func reportCodes(e *mixer.ConversionError) string {
	s := "non-delivery reason " + strconv.Itoa(int(e.Reason))
	if e.HasDiagnostic {
		s += ", diagnostic " + strconv.Itoa(int(e.Diagnostic))
	}
	return s + "; DSN status " + e.Status
}

// convertEnvelope builds the SMTP envelope of a message given as a file:
// the flags, or else the header's originator and recipients.
func convertEnvelope(h mixer.Header, from string, rcpts []string, notify, ret, envid, mtp string) (mixer.SMTPEnvelope, error) {
	var env mixer.SMTPEnvelope
	switch from {
	case "<>":
	case "":
		v, ok := h.Get("From")
		if !ok {
			return env, errors.New("no --from and no From: field")
		}
		list, err := mixer.ParseAddressList(v)
		if err != nil || len(list) == 0 || list[0].Mailbox == nil {
			return env, fmt.Errorf("From: %q gives no address for MAIL FROM: use --from", v)
		}
		env.MailFrom = list[0].Mailbox.AddrSpec.String()
	default:
		env.MailFrom = strings.TrimSuffix(strings.TrimPrefix(from, "<"), ">")
	}
	if len(rcpts) == 0 {
		for _, name := range []string{"To", "Cc", "Bcc"} {
			for _, v := range h.Values(name) {
				list, err := mixer.ParseAddressList(v)
				if err != nil {
					return env, fmt.Errorf("%s: %v: use --rcpt", name, err)
				}
				for _, a := range list {
					if a.Mailbox != nil {
						rcpts = append(rcpts, a.Mailbox.AddrSpec.String())
					}
					if a.Group != nil {
						for _, m := range a.Group.Members {
							rcpts = append(rcpts, m.AddrSpec.String())
						}
					}
				}
			}
		}
		if len(rcpts) == 0 {
			return env, errors.New("no --rcpt and no To:, Cc: or Bcc: address")
		}
	}
	var n mixer.Notify
	if notify != "" {
		var err error
		if n, err = mixer.ParseNotify(notify); err != nil {
			return env, fmt.Errorf("--notify: %v", err)
		}
	}
	for _, r := range rcpts {
		env.Recipients = append(env.Recipients, mixer.SMTPRecipient{Address: strings.TrimSuffix(strings.TrimPrefix(r, "<"), ">"), Notify: n})
	}
	switch strings.ToUpper(ret) {
	case "", "FULL", "HDRS":
		env.Ret = strings.ToUpper(ret)
	default:
		return env, fmt.Errorf("--ret: %q is neither FULL nor HDRS", ret)
	}
	env.EnvID = envid
	if mtp != "" {
		v, err := strconv.Atoi(mtp)
		if err != nil || v < -9 || v > 9 {
			return env, fmt.Errorf("--mt-priority: %q is not an integer from -9 to 9", mtp)
		}
		env.MTPriority = &v
	}
	return env, nil
}
