package policy

import (
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/hashicorp/hcl/v2/gohcl"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"mixerd/mixer"
	"mixerd/osi"
	"mixerd/x400"
)

// MaxFileSize is the largest policy file Load reads.
const MaxFileSize = 4 << 20

// Load reads and checks the policy file at path. The error, when there is
// one, is Errors: every problem found, each with its file:line:column.
// Load only reads (the policy file, the table files and TLS files it
// names): it changes nothing, so that a failed reload leaves the running
// policy as it is.
func Load(path string) (*Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, Errors{{File: path, Msg: err.Error()}}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, Errors{{File: path, Msg: err.Error()}}
	}
	if !fi.Mode().IsRegular() {
		return nil, Errors{{File: path, Msg: "not a regular file"}}
	}
	if fi.Size() > MaxFileSize {
		return nil, Errors{{File: path, Msg: fmt.Sprintf("larger than %d bytes", MaxFileSize)}}
	}
	src := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, src); err != nil {
		return nil, Errors{{File: path, Msg: err.Error()}}
	}
	return LoadBytes(path, src)
}

// LoadBytes checks the policy src as if read from the file filename:
// relative paths in it are relative to filename's directory, and
// messages name it.
func LoadBytes(filename string, src []byte) (*Policy, error) {
	l := &loader{errList: errList{file: filename}, dir: filepath.Dir(filename)}
	if len(src) > MaxFileSize {
		return nil, Errors{{File: filename, Msg: fmt.Sprintf("larger than %d bytes", MaxFileSize)}}
	}
	f, ds := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	l.diags(ds)
	if ds.HasErrors() {
		// Syntax errors: what follows them cannot be trusted.
		return nil, l.sorted()
	}
	var raw rawFile
	l.diags(gohcl.DecodeBody(f.Body, nil, &raw))
	p := &Policy{File: filename, Dir: l.dir, peers: map[string]*Peer{}, relays: map[string]*Relay{}}
	l.build(p, &raw, f.Body)
	if err := l.sorted(); err != nil {
		return nil, err
	}
	return p, nil
}

// loader checks a decoded file and builds its Policy.
type loader struct {
	errList
	dir string
	// listenAddrs finds two listeners on one address.
	listenAddrs map[string]hcl.Range
	// workersRange is queue.workers (or the file's start), maxAssocRange
	// each peer's max_associations: where a lane reservation they cannot
	// hold is reported when the precedence block is the default.
	workersRange  hcl.Range
	maxAssocRange map[*Peer]hcl.Range
}

// present reports whether attribute name is set in body. A required
// attribute that is absent has its HCL diagnostic already: it is not
// checked again.
func present(body hcl.Body, name string) bool {
	sb, ok := body.(*hclsyntax.Body)
	return ok && sb.Attributes[name] != nil
}

// valueRange returns the range of attribute name's value in body, or
// the body's end when it is absent.
func valueRange(body hcl.Body, name string) hcl.Range {
	if sb, ok := body.(*hclsyntax.Body); ok {
		if a := sb.Attributes[name]; a != nil {
			return a.Expr.Range()
		}
	}
	if body == nil {
		return hcl.Range{}
	}
	return body.MissingItemRange()
}

// elemRange returns the range of element i of attribute name's list
// value, or of the whole value.
func elemRange(body hcl.Body, name string, i int) hcl.Range {
	if sb, ok := body.(*hclsyntax.Body); ok {
		if a := sb.Attributes[name]; a != nil {
			if t, ok := a.Expr.(*hclsyntax.TupleConsExpr); ok && i < len(t.Exprs) {
				return t.Exprs[i].Range()
			}
		}
	}
	return valueRange(body, name)
}

// path resolves a path of the policy file against its directory.
func (l *loader) path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(l.dir, p)
}

// duration parses a Go duration ("90s", "1h30m") or a number of days
// ("2d"); negative ones are refused.
func parseDuration(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if v, err := strconv.ParseUint(n, 10, 16); err == nil {
			return time.Duration(v) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (\"90s\", \"15m\", \"1h30m\", \"2d\")", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("duration %q is negative", s)
	}
	return d, nil
}

// duration decodes the optional duration attribute name of body into
// *dst, leaving the default there when absent.
func (l *loader) duration(body hcl.Body, name string, v *string, dst *time.Duration) {
	if v == nil {
		return
	}
	d, err := parseDuration(*v)
	if err != nil {
		l.at(valueRange(body, name), "%s: %v", name, err)
		return
	}
	*dst = d
}

// parseSize reads a size in octets: a number, optionally followed by KB,
// MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024).
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suf string
		m   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}} {
		if n, ok := strings.CutSuffix(t, u.suf); ok {
			t, mult = strings.TrimSpace(n), u.m
			break
		}
	}
	v, err := strconv.ParseInt(t, 10, 64)
	if err != nil || v <= 0 || v > (1<<40)/mult {
		return 0, fmt.Errorf("%q is not a size (\"65536\", \"10MB\", \"64MiB\"; at most 1TiB)", s)
	}
	return v * mult, nil
}

// size decodes the optional size attribute name into *dst.
func (l *loader) size(body hcl.Body, name string, v *string, dst *int64) {
	if v == nil {
		return
	}
	n, err := parseSize(*v)
	if err != nil {
		l.at(valueRange(body, name), "%s: %v", name, err)
		return
	}
	*dst = n
}

// count decodes the optional integer attribute name into *dst, which must
// lie in [min, max].
func (l *loader) count(body hcl.Body, name string, v *int, min, max int, dst *int) {
	if v == nil {
		return
	}
	if *v < min || *v > max {
		l.at(valueRange(body, name), "%s: %d is out of range (%d to %d)", name, *v, min, max)
		return
	}
	*dst = *v
}

// address checks a host:port attribute. A listener may leave the host
// out (every interface) and take port 0 (any free port); a peer or relay
// may not.
func (l *loader) address(body hcl.Body, name, v string, listener bool) {
	if !present(body, name) {
		return
	}
	r := valueRange(body, name)
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		l.at(r, "%s: %q is not host:port", name, v)
		return
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		l.at(r, "%s: %q: port %q is not a number from 0 to 65535", name, v, port)
		return
	}
	if !listener {
		if host == "" {
			l.at(r, "%s: %q has no host", name, v)
		} else if n == 0 {
			l.at(r, "%s: %q: port 0", name, v)
		}
		return
	}
	if n != 0 {
		key := strings.ToLower(v)
		if first, dup := l.listenAddrs[key]; dup {
			l.at(r, "%s: %q is already the address of the listener at line %d", name, v, first.Start.Line)
		} else {
			l.listenAddrs[key] = r
		}
	}
}

// parsePrefix reads a CIDR, or an address as a one-host prefix; host bits
// set under the mask are refused as the typo they usually are.
func parsePrefix(s string) (netip.Prefix, error) {
	if a, err := netip.ParseAddr(s); err == nil {
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR (\"192.0.2.0/24\", \"2001:db8::/32\") or an address", s)
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("%q has host bits set (the network is %s)", s, p.Masked())
	}
	if p.Addr().Is4In6() {
		return netip.Prefix{}, fmt.Errorf("%q: write an IPv4 network as a.b.c.d/n", s)
	}
	return p, nil
}

// checkDomain checks an RFC 1035 domain, optionally with a leading "*."
// wildcard; it returns it in lower case without a trailing dot.
func checkDomain(d string, wildcard bool) (string, error) {
	d = strings.ToLower(strings.TrimSuffix(d, "."))
	base := d
	if wildcard {
		base = strings.TrimPrefix(d, "*.")
	}
	if base == "" || strings.Contains(base, "*") || !mixer.ValidDomainSyntax(base) {
		w := ""
		if wildcard {
			w = ", optionally after \"*.\""
		}
		return "", fmt.Errorf("%q is not a domain (letters, digits, hyphens and dots%s)", d, w)
	}
	return d, nil
}

// build checks raw and fills p.
func (l *loader) build(p *Policy, raw *rawFile, top hcl.Body) {
	l.listenAddrs = map[string]hcl.Range{}
	p.Limits = Limits{MessageSize: 64 << 20, SMTPConnections: 200, P1Associations: 64, LineLength: 1000, PDUSize: 80 << 20}
	l.limits(p, raw.Limits)
	p.Queue = Queue{Directory: l.path("spool"), Workers: 16}
	l.workersRange = hcl.Range{Filename: l.file, Start: hcl.InitialPos, End: hcl.InitialPos}
	l.maxAssocRange = map[*Peer]hcl.Range{}
	if q := raw.Queue; q != nil {
		l.workersRange = valueRange(q.Body, "workers")
		if q.Directory != nil {
			if *q.Directory == "" {
				l.at(valueRange(q.Body, "directory"), "directory: empty")
			}
			p.Queue.Directory = l.path(*q.Directory)
		}
		l.count(q.Body, "workers", q.Workers, 1, 4096, &p.Queue.Workers)
	}
	l.audit(p, raw.Audit)
	if raw.Gateway == nil {
		l.at(top.MissingItemRange(), "no gateway block: mta_name, password, global_domain, or_address and domain are required")
	} else {
		l.gateway(p, raw.Gateway)
	}
	for i := range raw.P1 {
		l.p1Listener(p, &raw.P1[i])
	}
	for i := range raw.SMTP {
		l.smtpListener(p, &raw.SMTP[i])
	}
	if a := raw.Admin; a != nil {
		l.address(a.Body, "address", a.Address, true)
		p.Admin = &AdminListener{Address: a.Address}
		if a.TokenFile != nil {
			p.Admin.TokenFile = l.path(*a.TokenFile)
			b, err := os.ReadFile(p.Admin.TokenFile)
			switch {
			case err != nil:
				l.at(valueRange(a.Body, "token_file"), "token_file: %v", err)
			case len(strings.TrimSpace(string(b))) < 16:
				l.at(valueRange(a.Body, "token_file"), "token_file: the token must be at least 16 characters")
			default:
				p.Admin.Token = strings.TrimSpace(string(b))
			}
		}
		if p.Admin.Token == "" && a.TokenFile == nil {
			if host, _, err := net.SplitHostPort(a.Address); err == nil {
				if ip, err := netip.ParseAddr(host); (err != nil && host != "localhost") || (err == nil && !ip.Unmap().IsLoopback()) {
					l.at(valueRange(a.Body, "address"), "admin_listener: an address that is not loopback needs a token_file")
				}
			}
		}
	}
	names := map[string]hcl.Range{}
	unique := func(kind, name string, r hcl.Range) bool {
		if name == "" {
			l.at(r, "%s with an empty name", kind)
			return false
		}
		if strings.EqualFold(name, "mx") {
			l.at(r, "%s %q: the name \"mx\" is kept for MX delivery", kind, name)
			return false
		}
		if first, dup := names[name]; dup {
			l.at(r, "%s %q: the name is already used at line %d (peer and relay names are unique)", kind, name, first.Start.Line)
			return false
		}
		names[name] = r
		return true
	}
	for i := range raw.Peers {
		rp := &raw.Peers[i]
		pe := l.peer(p, rp)
		if unique("x400_peer", rp.Name, rp.DefRange) {
			p.peers[pe.Name] = pe
		}
		p.Peers = append(p.Peers, pe)
	}
	for i := range raw.Relays {
		rr := &raw.Relays[i]
		re := l.relay(rr)
		if unique("smtp_relay", rr.Name, rr.DefRange) {
			p.relays[re.Name] = re
		}
		p.Relays = append(p.Relays, re)
	}
	p.SMTPUsers = map[string]string{}
	users := map[string]hcl.Range{}
	for _, u := range raw.Users {
		if u.Name == "" || u.Password == "" {
			l.at(u.DefRange, "smtp_user %q: empty name or password", u.Name)
			continue
		}
		if first, dup := users[u.Name]; dup {
			l.at(u.DefRange, "smtp_user %q: already defined at line %d", u.Name, first.Start.Line)
			continue
		}
		if _, _, err := parseHash(u.Password); err != nil {
			l.at(valueRange(u.Body, "password"), "smtp_user %q: %v (mixerd password makes one)", u.Name, err)
			continue
		}
		users[u.Name] = u.DefRange
		p.SMTPUsers[u.Name] = u.Password
	}
	for _, s := range p.SMTPListeners {
		if s.Submission && len(p.SMTPUsers) == 0 {
			l.at(raw.SMTP[slices.IndexFunc(raw.SMTP, func(r rawSMTPListener) bool { return r.Name == s.Name })].DefRange,
				"smtp_listener %q: submission needs at least one smtp_user to authenticate", s.Name)
		}
	}
	l.routing(p, raw.Routing, top)
	l.tables(p, raw.Tables)
	l.precedence(p, raw.Precedence, top)
}

func (l *loader) limits(p *Policy, r *rawLimits) {
	if r == nil {
		return
	}
	lim := &p.Limits
	l.size(r.Body, "message_size", r.MessageSize, &lim.MessageSize)
	l.size(r.Body, "pdu_size", r.PDUSize, &lim.PDUSize)
	l.count(r.Body, "smtp_connections", r.SMTPConnections, 1, 100000, &lim.SMTPConnections)
	l.count(r.Body, "p1_associations", r.P1Associations, 1, 100000, &lim.P1Associations)
	// RFC 5321 §4.5.3.1.6: a text line of 1000 octets must be accepted.
	l.count(r.Body, "line_length", r.LineLength, 1000, 1<<20, &lim.LineLength)
	if lim.PDUSize < lim.MessageSize {
		l.at(valueRange(r.Body, "pdu_size"), "pdu_size (%d) is smaller than message_size (%d): a P1 PDU carries the whole message", lim.PDUSize, lim.MessageSize)
	}
}

func (l *loader) audit(p *Policy, r *rawAudit) {
	p.Audit = Audit{Embedded: l.path("audit.db"), LogDirectory: l.path("audit-log"), RotateSize: 64 << 20,
		RotateAge: 24 * time.Hour, CorrelationWindow: 30 * 24 * time.Hour}
	if r == nil {
		return
	}
	if r.LogDirectory != nil {
		if *r.LogDirectory == "" {
			l.at(valueRange(r.Body, "log_directory"), "log_directory: empty path")
		}
		p.Audit.LogDirectory = l.path(*r.LogDirectory)
	}
	l.size(r.Body, "rotate_size", r.RotateSize, &p.Audit.RotateSize)
	l.duration(r.Body, "rotate_age", r.RotateAge, &p.Audit.RotateAge)
	l.duration(r.Body, "keep", r.Keep, &p.Audit.Keep)
	l.duration(r.Body, "correlation_window", r.CorrelationWindow, &p.Audit.CorrelationWindow)
	if r.CorrelationWindow != nil && p.Audit.CorrelationWindow <= 0 {
		l.at(valueRange(r.Body, "correlation_window"), "correlation_window: must be longer than zero (the correlation index is kept that long)")
	}
	if p.Audit.Keep > 0 && p.Audit.Keep < p.Audit.CorrelationWindow {
		l.at(valueRange(r.Body, "keep"), "keep (%v) is shorter than correlation_window (%v): acknowledgements arriving late could not be matched after a restart",
			p.Audit.Keep, p.Audit.CorrelationWindow)
	}
	switch {
	case r.Embedded != nil && r.Postgres != nil:
		l.at(r.DefRange, "audit: give at most one of embedded (a database file) and postgres (a DSN)")
	case r.Embedded == nil && r.Postgres == nil:
	case r.Embedded != nil:
		if *r.Embedded == "" {
			l.at(valueRange(r.Body, "embedded"), "embedded: empty path")
		}
		p.Audit.Embedded = l.path(*r.Embedded)
	default:
		dsn := *r.Postgres
		if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
			if _, err := url.Parse(dsn); err != nil {
				l.at(valueRange(r.Body, "postgres"), "postgres: the DSN is not a URL: %v", errors.Unwrap(err))
			}
		} else if !strings.Contains(dsn, "=") {
			l.at(valueRange(r.Body, "postgres"), "postgres: %q is not a DSN (\"postgres://user@host/db\" or \"host=... dbname=...\")", dsn)
		}
		p.Audit.Embedded, p.Audit.Postgres = "", dsn
	}
}

func (l *loader) gateway(p *Policy, r *rawGateway) {
	g := &p.Gateway
	// X.411 §12.1.1.1.1: MTAName ::= IA5String (SIZE (1..ub-mta-name-length
	// = 32)); Password IA5String (SIZE (0..ub-password-length = 62)).
	if err := checkMTAName(r.MTAName); err != nil && present(r.Body, "mta_name") {
		l.at(valueRange(r.Body, "mta_name"), "mta_name: %v", err)
	}
	if len(r.Password) > 62 {
		l.at(valueRange(r.Body, "password"), "password: longer than 62 characters (X.411 ub-password-length)")
	}
	g.MTAName, g.Password = r.MTAName, r.Password
	if gdi, err := parseGDI(r.GlobalDomain); err != nil && present(r.Body, "global_domain") {
		l.at(valueRange(r.Body, "global_domain"), "global_domain: %v", err)
	} else {
		g.GDI = gdi
	}
	if a, err := x400.ParseORAddress(r.ORAddress); err != nil && !present(r.Body, "or_address") {
		// reported as missing
	} else if err != nil {
		l.at(valueRange(r.Body, "or_address"), "or_address: %q: %v", r.ORAddress, err)
	} else if err := a.Validate(); err != nil {
		l.at(valueRange(r.Body, "or_address"), "or_address: %q: %v", r.ORAddress, err)
	} else {
		g.ORAddress = a
	}
	if d, err := checkDomain(r.Domain, false); err != nil && !present(r.Body, "domain") {
		// reported as missing
	} else if err != nil {
		l.at(valueRange(r.Body, "domain"), "domain: %v", err)
	} else {
		g.Domain = d
	}
	g.SMTPHostname = g.Domain
	if r.SMTPHostname != nil {
		if d, err := checkDomain(*r.SMTPHostname, false); err != nil {
			l.at(valueRange(r.Body, "smtp_hostname"), "smtp_hostname: %v", err)
		} else {
			g.SMTPHostname = d
		}
	}
}

func checkMTAName(s string) error {
	if s == "" || len(s) > 32 {
		return fmt.Errorf("%q must be 1 to 32 characters (X.411 ub-mta-name-length)", s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return fmt.Errorf("%q: not a printable IA5 character at %d", s, i)
		}
	}
	return nil
}

// parseGDI reads a global domain identifier (mixer.ParseGlobalDomainIdentifier).
func parseGDI(s string) (x400.GlobalDomainIdentifier, error) {
	gdi, err := mixer.ParseGlobalDomainIdentifier(s)
	if err != nil {
		return gdi, fmt.Errorf("%v (\"/C=GB/ADMD= /PRMD=MOD/\")", err)
	}
	return gdi, nil
}

func (l *loader) p1Listener(p *Policy, r *rawP1Listener) {
	pl := P1Listener{Name: r.Name, Address: r.Address, IdleTimeout: 30 * time.Minute, MaxAssociations: p.Limits.P1Associations}
	l.address(r.Body, "address", r.Address, true)
	if r.Modes != nil {
		for i, s := range *r.Modes {
			m, err := osi.ParseMode(s)
			if err != nil {
				l.at(elemRange(r.Body, "modes", i), "modes: %v", err)
				continue
			}
			pl.Modes = append(pl.Modes, m)
		}
		if len(*r.Modes) == 0 {
			l.at(valueRange(r.Body, "modes"), "modes: empty (leave it out to accept every mode)")
		}
	}
	if r.DialogueModes != nil {
		for i, s := range *r.DialogueModes {
			m, err := osi.ParseDialogueMode(s)
			if err != nil {
				l.at(elemRange(r.Body, "dialogue_modes", i), "dialogue_modes: %v", err)
				continue
			}
			pl.DialogueModes = append(pl.DialogueModes, m)
		}
		if len(*r.DialogueModes) == 0 {
			l.at(valueRange(r.Body, "dialogue_modes"), "dialogue_modes: empty (leave it out to accept both)")
		}
	}
	l.duration(r.Body, "recovery_timeout", r.RecoveryTimeout, &pl.RecoveryTimeout)
	l.duration(r.Body, "idle_timeout", r.IdleTimeout, &pl.IdleTimeout)
	l.count(r.Body, "max_associations", r.MaxAssociations, 1, 100000, &pl.MaxAssociations)
	if r.AcceptAny != nil {
		pl.AcceptAny = *r.AcceptAny
	}
	for _, o := range p.P1Listeners {
		if o.Name == r.Name {
			l.at(r.DefRange, "p1_listener %q: already defined", r.Name)
		}
	}
	p.P1Listeners = append(p.P1Listeners, pl)
}

func (l *loader) smtpListener(p *Policy, r *rawSMTPListener) {
	sl := SMTPListener{Name: r.Name, Address: r.Address, MaxConnections: p.Limits.SMTPConnections}
	l.address(r.Body, "address", r.Address, true)
	if (r.TLSCert == nil) != (r.TLSKey == nil) {
		l.at(r.DefRange, "smtp_listener %q: tls_cert and tls_key go together", r.Name)
	} else if r.TLSCert != nil {
		sl.TLSCert, sl.TLSKey = l.path(*r.TLSCert), l.path(*r.TLSKey)
		c, err := tls.LoadX509KeyPair(sl.TLSCert, sl.TLSKey)
		if err != nil {
			l.at(valueRange(r.Body, "tls_cert"), "tls_cert, tls_key: %v", err)
		} else {
			sl.Certificate = &c
		}
	}
	if r.TLSCert != nil {
		sl.StartTLS = StartTLSOptional
	}
	if r.StartTLS != nil {
		switch strings.ToLower(*r.StartTLS) {
		case "off":
			sl.StartTLS = StartTLSOff
		case "optional":
			sl.StartTLS = StartTLSOptional
		case "required":
			sl.StartTLS = StartTLSRequired
		default:
			l.at(valueRange(r.Body, "starttls"), "starttls: %q is not \"off\", \"optional\" or \"required\"", *r.StartTLS)
		}
		if sl.StartTLS != StartTLSOff && r.TLSCert == nil {
			l.at(valueRange(r.Body, "starttls"), "starttls: %q needs tls_cert and tls_key", *r.StartTLS)
		}
	}
	if r.Submission != nil {
		sl.Submission = *r.Submission
	}
	if r.TrustedNetworks != nil {
		for i, s := range *r.TrustedNetworks {
			pf, err := parsePrefix(s)
			if err != nil {
				l.at(elemRange(r.Body, "trusted_networks", i), "trusted_networks: %v", err)
				continue
			}
			sl.TrustedNetworks = append(sl.TrustedNetworks, pf)
		}
	}
	if sl.Submission && r.TLSCert == nil && len(sl.TrustedNetworks) == 0 {
		l.at(valueRange(r.Body, "submission"), "submission: AUTH is offered only over TLS or to trusted_networks, and this listener has neither tls_cert nor trusted_networks")
	}
	l.duration(r.Body, "delayed_ack_max", r.DelayedAckMax, &sl.DelayedAckMax)
	// RFC 5321 §4.5.3.2.6: the client waits 10 minutes for the reply to
	// the end of data; holding it longer makes the client give up.
	if sl.DelayedAckMax > 5*time.Minute {
		l.at(valueRange(r.Body, "delayed_ack_max"), "delayed_ack_max: %v is too long: SMTP clients wait 10 minutes for the reply to DATA (RFC 5321 §4.5.3.2.6); at most 5m", sl.DelayedAckMax)
	}
	l.count(r.Body, "max_connections", r.MaxConnections, 1, 100000, &sl.MaxConnections)
	for _, o := range p.SMTPListeners {
		if o.Name == r.Name {
			l.at(r.DefRange, "smtp_listener %q: already defined", r.Name)
		}
	}
	p.SMTPListeners = append(p.SMTPListeners, sl)
}

func (l *loader) peer(p *Policy, r *rawPeer) *Peer {
	pe := &Peer{Name: r.Name, Password: r.Password, BindPassword: p.Gateway.Password, Address: r.Address,
		Mode: osi.Mode1988Normal, DialogueMode: osi.Monologue, MaxAssociations: 4}
	if err := checkMTAName(r.Name); err != nil && r.Name != "" {
		l.at(r.DefRange, "x400_peer: the name is the peer's MTAName: %v", err)
	}
	if len(r.Password) > 62 {
		l.at(valueRange(r.Body, "password"), "password: longer than 62 characters (X.411 ub-password-length)")
	}
	if r.BindPassword != nil {
		pe.BindPassword = *r.BindPassword
		if len(pe.BindPassword) > 62 {
			l.at(valueRange(r.Body, "bind_password"), "bind_password: longer than 62 characters (X.411 ub-password-length)")
		}
	}
	l.address(r.Body, "address", r.Address, false)
	if r.AcceptFrom != nil {
		pf, err := parsePrefix(*r.AcceptFrom)
		if err != nil {
			l.at(valueRange(r.Body, "accept_from"), "accept_from: %v", err)
		}
		pe.AcceptFrom = pf
	}
	for _, s := range []struct {
		name string
		v    *string
		dst  *[]byte
	}{{"t_selector", r.TSelector, &pe.TSelector}, {"s_selector", r.SSelector, &pe.SSelector}, {"p_selector", r.PSelector, &pe.PSelector}} {
		if s.v == nil {
			continue
		}
		b, err := osi.ParseSelector(*s.v)
		if err != nil {
			l.at(valueRange(r.Body, s.name), "%s: %v", s.name, err)
		}
		*s.dst = b
	}
	if r.Mode != nil {
		m, err := osi.ParseMode(*r.Mode)
		if err != nil {
			l.at(valueRange(r.Body, "mode"), "mode: %v", err)
		}
		pe.Mode = m
	}
	if r.DialogueMode != nil {
		m, err := osi.ParseDialogueMode(*r.DialogueMode)
		if err != nil {
			l.at(valueRange(r.Body, "dialogue_mode"), "dialogue_mode: %v", err)
		}
		pe.DialogueMode = m
	}
	l.count(r.Body, "max_associations", r.MaxAssociations, 1, 1024, &pe.MaxAssociations)
	l.maxAssocRange[pe] = valueRange(r.Body, "max_associations")
	l.count(r.Body, "permanent", r.Permanent, 0, 1024, &pe.Permanent)
	l.count(r.Body, "recovery_attempts", r.RecoveryAttempts, 0, 100, &pe.RecoveryAttempts)
	if pe.Permanent > pe.MaxAssociations {
		l.at(valueRange(r.Body, "permanent"), "permanent: %d associations kept open, more than max_associations (%d)", pe.Permanent, pe.MaxAssociations)
	}
	return pe
}

func (l *loader) relay(r *rawRelay) *Relay {
	re := &Relay{Name: r.Name, Address: r.Address}
	l.address(r.Body, "address", r.Address, false)
	if r.StartTLS != nil {
		switch strings.ToLower(*r.StartTLS) {
		case "opportunistic":
			re.StartTLS = ClientTLSOpportunistic
		case "required":
			re.StartTLS = ClientTLSRequired
		case "off":
			re.StartTLS = ClientTLSOff
		default:
			l.at(valueRange(r.Body, "starttls"), "starttls: %q is not \"opportunistic\", \"required\" or \"off\"", *r.StartTLS)
		}
	}
	switch {
	case (r.Username == nil) != (r.Password == nil):
		l.at(r.DefRange, "smtp_relay %q: auth_username and auth_password go together", r.Name)
	case r.Username != nil:
		re.Username, re.Password = *r.Username, *r.Password
		if re.StartTLS == ClientTLSOff {
			l.at(valueRange(r.Body, "auth_username"), "auth_username: AUTH needs TLS, but starttls is \"off\"")
		}
	}
	return re
}

// hop resolves a next hop name.
func (l *loader) hop(p *Policy, name string, r hcl.Range, what string) (NextHop, bool) {
	if strings.EqualFold(name, "mx") {
		if !p.Routing.MX {
			l.at(r, "%s: next hop \"mx\" but mx_delivery is false", what)
			return NextHop{}, false
		}
		return NextHop{Kind: HopMX, Name: "mx"}, true
	}
	if pe := p.peers[name]; pe != nil {
		return NextHop{Kind: HopPeer, Name: name, Peer: pe}, true
	}
	if re := p.relays[name]; re != nil {
		return NextHop{Kind: HopRelay, Name: name, Relay: re}, true
	}
	var known []string
	for _, pe := range p.Peers {
		if !slices.Contains(known, pe.Name) {
			known = append(known, pe.Name)
		}
	}
	for _, re := range p.Relays {
		if !slices.Contains(known, re.Name) {
			known = append(known, re.Name)
		}
	}
	if p.Routing.MX {
		known = append(known, "mx")
	}
	k := "none defined"
	if len(known) > 0 {
		k = "known: " + strings.Join(known, ", ")
	}
	l.at(r, "%s: %q is no x400_peer or smtp_relay (%s)", what, name, k)
	return NextHop{}, false
}

func (l *loader) routing(p *Policy, r *rawRouting, top hcl.Body) {
	rt := &p.Routing
	if r == nil {
		if p.Gateway.Domain != "" {
			rt.LocalDomains = []string{p.Gateway.Domain}
		}
		return
	}
	if r.MXDelivery != nil {
		rt.MX = *r.MXDelivery
	}
	if r.LocalDomains != nil {
		for i, d := range *r.LocalDomains {
			dd, err := checkDomain(d, true)
			if err != nil {
				l.at(elemRange(r.Body, "local_domains", i), "local_domains: %v", err)
				continue
			}
			rt.LocalDomains = append(rt.LocalDomains, dd)
		}
	} else if p.Gateway.Domain != "" {
		rt.LocalDomains = []string{p.Gateway.Domain}
	}
	for _, d := range []struct {
		name string
		v    *string
		dst  **NextHop
	}{{"x400_default", r.X400Default, &rt.X400Default}, {"smtp_default", r.SMTPDefault, &rt.SMTPDefault}} {
		if d.v == nil {
			continue
		}
		if h, ok := l.hop(p, *d.v, valueRange(r.Body, d.name), d.name); ok {
			*d.dst = &h
		}
	}
	seen := map[string]hcl.Range{}
	for _, rr := range r.Routes {
		var route Route
		switch {
		case (rr.ORAddress == nil) == (rr.Domain == nil):
			l.at(rr.DefRange, "route: give exactly one of or_address and domain")
			continue
		case rr.ORAddress != nil:
			vr := valueRange(rr.Body, "or_address")
			a, err := x400.ParseORAddress(*rr.ORAddress)
			if err != nil {
				l.at(vr, "or_address: %q: %v", *rr.ORAddress, err)
				continue
			}
			rest := a
			rest.Country, rest.ADMD, rest.PRMD, rest.Organization, rest.OrganizationalUnits =
				x400.NumericOrPrintable{}, x400.NumericOrPrintable{}, x400.NumericOrPrintable{}, "", nil
			rest.ZeroLength = 0
			if !rest.IsEmpty() {
				l.at(vr, "or_address: %q: a route pattern has only C, ADMD, PRMD, O and OU attributes", *rr.ORAddress)
				continue
			}
			if a.Country.IsZero() && a.ADMD.IsZero() && a.PRMD.IsZero() && a.Organization == "" && len(a.OrganizationalUnits) == 0 {
				l.at(vr, "or_address: %q: empty pattern (use x400_default)", *rr.ORAddress)
				continue
			}
			orNormalise(&a)
			route.ORPattern = &a
			key := "or:" + strings.ToLower(a.String())
			if first, dup := seen[key]; dup {
				l.at(vr, "or_address: %q: already routed at line %d", *rr.ORAddress, first.Start.Line)
				continue
			}
			seen[key] = vr
		default:
			vr := valueRange(rr.Body, "domain")
			d, err := checkDomain(*rr.Domain, true)
			if err != nil {
				l.at(vr, "domain: %v", err)
				continue
			}
			route.Domain = d
			if first, dup := seen["dom:"+d]; dup {
				l.at(vr, "domain: %q: already routed at line %d", d, first.Start.Line)
				continue
			}
			seen["dom:"+d] = vr
		}
		if !present(rr.Body, "via") {
			continue
		}
		h, ok := l.hop(p, rr.Via, valueRange(rr.Body, "via"), "via")
		if !ok {
			continue
		}
		route.Via = h
		rt.Routes = append(rt.Routes, route)
	}
}

func (l *loader) tables(p *Policy, r *rawTables) {
	if r == nil {
		return
	}
	for _, t := range []struct {
		name string
		v    *string
		kind mixer.TableKind
		dst  **mixer.Table
	}{
		{"domain_to_or", r.DomainToOR, mixer.TableDomainToOR, &p.Tables.DomainToOR},
		{"or_to_domain", r.ORToDomain, mixer.TableORToDomain, &p.Tables.ORToDomain},
		{"domain_to_gateway", r.DomainToGateway, mixer.TableDomainToGateway, &p.Tables.DomainToGateway},
		{"or_to_gateway", r.ORToGateway, mixer.TableORToGateway, &p.Tables.ORToGateway},
	} {
		if t.v == nil {
			continue
		}
		vr := valueRange(r.Body, t.name)
		if *t.v == "" {
			l.at(vr, "%s: empty path", t.name)
			continue
		}
		tab, err := mixer.LoadTableFile(l.path(*t.v), t.kind)
		var tes mixer.TableErrors
		switch {
		case errors.As(err, &tes):
			l.at(vr, "%s: %d problems in the %s (listed with their file:line:column)", t.name, len(tes), t.kind)
			for _, te := range tes {
				l.add(&Error{File: te.File, Line: te.Line, Column: te.Column, Msg: te.Msg})
			}
		case err != nil:
			l.at(vr, "%s: cannot load the %s: %v", t.name, t.kind, err)
		default:
			*t.dst = tab
		}
	}
}

// precedenceName reads a lane or civil mapping name: one of the six NATO
// precedences.
func precedenceName(s string) (x400.Precedence, error) {
	pr, err := x400.ParsePrecedence(s)
	if err != nil || pr > x400.PrecedenceOverride {
		return 0, fmt.Errorf("%q is not a precedence (OVERRIDE, FLASH, IMMEDIATE, PRIORITY, ROUTINE, DEFERRED)", s)
	}
	return pr, nil
}

func (l *loader) precedence(p *Policy, r *rawPrecedence, top hcl.Body) {
	p.Precedence = DefaultPrecedence()
	m := &p.Precedence
	if r == nil {
		l.reservations(p, nil)
		return
	}
	if r.MTPriorityPolicy != nil {
		switch pol := mixer.MTPriorityPolicy(strings.ToUpper(*r.MTPriorityPolicy)); pol {
		case mixer.MTPrioritySTANAG4406, mixer.MTPriorityMIXER:
			m.MTPriority = pol
		default:
			l.at(valueRange(r.Body, "mt_priority_policy"), "mt_priority_policy: %q is not \"STANAG4406\" (RFC 6710 Appendix A) or \"MIXER\" (Appendix B)", *r.MTPriorityPolicy)
		}
	}
	if c := r.Civil; c != nil {
		for _, f := range []struct {
			name, v string
			dst     *x400.Precedence
		}{{"non_urgent", c.NonUrgent, &m.Civil.NonUrgent}, {"normal", c.Normal, &m.Civil.Normal}, {"urgent", c.Urgent, &m.Civil.Urgent}} {
			pr, err := precedenceName(f.v)
			if err != nil {
				l.at(valueRange(c.Body, f.name), "%s: %v", f.name, err)
				continue
			}
			*f.dst = pr
		}
	}
	var defined [6]*rawLane
	for i := range r.Lanes {
		rl := &r.Lanes[i]
		pr, err := precedenceName(rl.Name)
		if err != nil {
			l.at(rl.LabelRange, "lane: %v", err)
			continue
		}
		if first := defined[pr]; first != nil {
			l.at(rl.DefRange, "lane %q: %s is already defined at line %d", rl.Name, pr, first.DefRange.Start.Line)
			continue
		}
		defined[pr] = rl
		ln := Lane{Precedence: pr}
		what := fmt.Sprintf("lane %q", rl.Name)
		if rl.Retry == nil || len(*rl.Retry) == 0 {
			l.at(rl.DefRange, "%s: no retry schedule (retry = [\"1m\", \"5m\", ...])", what)
		} else {
			if len(*rl.Retry) > 100 {
				l.at(valueRange(rl.Body, "retry"), "retry: more than 100 delays")
			}
			for j, s := range *rl.Retry {
				d, err := parseDuration(s)
				if err == nil && d == 0 {
					err = fmt.Errorf("a delay of 0 retries in a loop")
				}
				if err != nil {
					l.at(elemRange(rl.Body, "retry", j), "retry: %v", err)
					continue
				}
				ln.Retry = append(ln.Retry, d)
			}
		}
		for _, f := range []struct {
			name string
			v    *string
			dst  *time.Duration
		}{{"max_age", rl.MaxAge, &ln.MaxAge}, {"delivery_ack_timeout", rl.DeliveryAckTimeout, &ln.DeliveryAckTimeout},
			{"read_ack_timeout", rl.ReadAckTimeout, &ln.ReadAckTimeout}} {
			if f.v == nil {
				l.at(rl.DefRange, "%s: no %s", what, f.name)
				continue
			}
			l.duration(rl.Body, f.name, f.v, f.dst)
			if f.v != nil && *f.dst == 0 {
				if _, err := parseDuration(*f.v); err == nil {
					l.at(valueRange(rl.Body, f.name), "%s: must be more than 0", f.name)
				}
			}
		}
		l.count(rl.Body, "workers", rl.Workers, 0, 4096, &ln.Workers)
		l.count(rl.Body, "connections", rl.Connections, 0, 1024, &ln.Connections)
		m.Lanes[pr] = ln
	}
	for pr := x400.PrecedenceOverride; pr >= x400.PrecedenceDeferred; pr-- {
		if defined[pr] == nil {
			l.at(r.DefRange, "precedence: no lane %q (define all six lanes, or leave the precedence block out for the defaults)", pr.String())
		}
	}
	l.reservations(p, r)
}

// reservations checks that the workers and connections kept for the high
// lanes leave some to the lowest.
func (l *loader) reservations(p *Policy, r *rawPrecedence) {
	var workers, conns int
	for _, ln := range p.Precedence.Lanes {
		workers += ln.Workers
		conns += ln.Connections
	}
	wr := l.workersRange
	if r != nil {
		wr = r.DefRange
	}
	if workers >= p.Queue.Workers {
		l.at(wr, "precedence: the lanes keep %d workers, but the queue has only %d (queue.workers): the lowest lanes would never be served", workers, p.Queue.Workers)
	}
	if conns == 0 {
		return
	}
	for _, pe := range p.Peers {
		if conns >= pe.MaxAssociations {
			cr := l.maxAssocRange[pe]
			if r != nil {
				cr = r.DefRange
			}
			l.at(cr, "precedence: the lanes keep %d connections per next hop, but x400_peer %q has max_associations %d: the lowest lanes would never be served", conns, pe.Name, pe.MaxAssociations)
		}
	}
}

// DefaultPrecedence returns the precedence model used when the policy
// has no precedence block: MT-PRIORITY policy STANAG4406, civil
// priorities as x400.DefaultPriorityMap, and the lanes
//
//	lane       retry                 max_age  workers conns delivery_ack read_ack
//	OVERRIDE   30s 1m 2m 5m          1h       1       1     5m           15m
//	FLASH      1m 2m 5m 10m          2h       1       0     10m          30m
//	IMMEDIATE  2m 5m 10m 15m         8h       1       0     30m          1h
//	PRIORITY   5m 10m 30m            1d       0       0     2h           6h
//	ROUTINE    10m 30m 1h            3d       0       0     8h           1d
//	DEFERRED   30m 1h 2h             5d       0       0     1d           3d
func DefaultPrecedence() Precedence {
	m := func(s ...string) []time.Duration {
		out := make([]time.Duration, len(s))
		for i, v := range s {
			out[i], _ = parseDuration(v)
		}
		return out
	}
	h, d := time.Hour, 24*time.Hour
	return Precedence{
		MTPriority: mixer.MTPrioritySTANAG4406,
		Civil:      x400.DefaultPriorityMap(),
		Lanes: [6]Lane{
			{x400.PrecedenceDeferred, m("30m", "1h", "2h"), 5 * d, 0, 0, d, 3 * d},
			{x400.PrecedenceRoutine, m("10m", "30m", "1h"), 3 * d, 0, 0, 8 * h, d},
			{x400.PrecedencePriority, m("5m", "10m", "30m"), d, 0, 0, 2 * h, 6 * h},
			{x400.PrecedenceImmediate, m("2m", "5m", "10m", "15m"), 8 * h, 1, 0, 30 * time.Minute, h},
			{x400.PrecedenceFlash, m("1m", "2m", "5m", "10m"), 2 * h, 1, 0, 10 * time.Minute, 30 * time.Minute},
			{x400.PrecedenceOverride, m("30s", "1m", "2m", "5m"), h, 1, 1, 5 * time.Minute, 15 * time.Minute},
		},
	}
}
