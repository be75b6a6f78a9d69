package policy

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"mixerd/mixer"
	"mixerd/osi"
	"mixerd/x400"
)

// minimal is the smallest valid policy: the gateway block alone.
const minimal = `gateway {
  mta_name      = "GW"
  password      = "secret"
  global_domain = "/C=GB/ADMD= /PRMD=MOD/"
  or_address    = "/C=GB/ADMD= /PRMD=MOD/O=Gateway/"
  domain        = "gw.example.mil"
}
`

// load loads src as the file dir/t.hcl.
func load(t *testing.T, dir, src string) (*Policy, error) {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	return LoadBytes(filepath.Join(dir, "t.hcl"), []byte(src))
}

func mustLoad(t *testing.T, src string) *Policy {
	t.Helper()
	p, err := load(t, "", src)
	if err != nil {
		t.Fatalf("load: %v\n%s", err, src)
	}
	return p
}

// posOf returns the 1-based line and column of the first occurrence of
// needle in src.
func posOf(t *testing.T, src, needle string) (int, int) {
	t.Helper()
	i := strings.Index(src, needle)
	if i < 0 {
		t.Fatalf("%q not in the source", needle)
	}
	line := 1 + strings.Count(src[:i], "\n")
	col := i - strings.LastIndex(src[:i], "\n")
	return line, col
}

// errorsOf returns the Errors of err, failing when it is not one.
func errorsOf(t *testing.T, err error) Errors {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("error %T is not Errors: %v", err, err)
	}
	return es
}

// wantAt checks that es has an error of file at line:col containing msg.
func wantAt(t *testing.T, es Errors, file string, line, col int, msg string) {
	t.Helper()
	for _, e := range es {
		if filepath.Base(e.File) == filepath.Base(file) && e.Line == line && e.Column == col && strings.Contains(e.Msg, msg) {
			return
		}
	}
	t.Errorf("no error %s:%d:%d containing %q; got:\n%v", filepath.Base(file), line, col, msg, es)
}

func TestExamplePolicyLoads(t *testing.T) {
	p, err := Load("../policy.hcl")
	if err != nil {
		t.Fatalf("policy.hcl: %v", err)
	}
	if p.Gateway.MTAName != "MIXERD" || p.Gateway.GDI.PRMD.Value != "MIXERD" || p.Gateway.ORAddress.Organization != "Gateway" {
		t.Errorf("gateway = %+v", p.Gateway)
	}
	if len(p.P1Listeners) != 1 || len(p.SMTPListeners) != 1 || p.Admin == nil || len(p.Peers) != 1 || len(p.Relays) != 1 {
		t.Fatalf("listeners/peers/relays: %+v", p)
	}
	for _, a := range []string{p.P1Listeners[0].Address, p.SMTPListeners[0].Address, p.Admin.Address, p.Peers[0].Address, p.Relays[0].Address} {
		if ap, err := netip.ParseAddrPort(a); err != nil || !ap.Addr().IsLoopback() || ap.Port() < 1024 {
			t.Errorf("address %q is not a high port on loopback", a)
		}
	}
	pe := p.PeerByName("PEER-MTA")
	if pe == nil || string(pe.TSelector) != "mts" || !slices.Equal(pe.SSelector, []byte{0, 1}) || pe.PSelector != nil || pe.Permanent != 1 {
		t.Errorf("peer = %+v", pe)
	}
	if !p.SMTPListeners[0].Trusted(netip.MustParseAddr("127.0.0.1")) || p.SMTPListeners[0].Trusted(netip.MustParseAddr("192.0.2.1")) {
		t.Error("trusted_networks not applied")
	}
	if got := p.Precedence.Lanes[x400.PrecedenceFlash].Retry; !slices.Equal(got, []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute}) {
		t.Errorf("FLASH retry = %v", got)
	}
	// The example documents the built-in model: the two must agree.
	if d := DefaultPrecedence(); !samePrecedence(d, p.Precedence) {
		t.Errorf("policy.hcl's precedence block differs from DefaultPrecedence:\n%+v\n%+v", p.Precedence, d)
	}
	if p.Queue.Directory != filepath.Join("..", "spool") || p.Audit.Embedded != filepath.Join("..", "audit.db") {
		t.Errorf("paths not relative to the policy file: %q %q", p.Queue.Directory, p.Audit.Embedded)
	}
	if _, err := p.MixerGateway(); err != nil {
		t.Error(err)
	}
	if !strings.Contains(p.Summary(), "MIXERD") {
		t.Errorf("summary %q", p.Summary())
	}
}

func samePrecedence(a, b Precedence) bool {
	if a.MTPriority != b.MTPriority || a.Civil != b.Civil {
		return false
	}
	for i := range a.Lanes {
		x, y := a.Lanes[i], b.Lanes[i]
		if !slices.Equal(x.Retry, y.Retry) || x.MaxAge != y.MaxAge || x.Workers != y.Workers || x.Connections != y.Connections ||
			x.DeliveryAckTimeout != y.DeliveryAckTimeout || x.ReadAckTimeout != y.ReadAckTimeout || x.Precedence != y.Precedence {
			return false
		}
	}
	return true
}

// Every setting of policy.hcl is in the schema (the file would not load
// otherwise), and every attribute of the schema is shown in policy.hcl,
// set or in a comment.
func TestExamplePolicyDocumentsEverySetting(t *testing.T) {
	src, err := os.ReadFile("../policy.hcl")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range schemaNames() {
		if !strings.Contains(string(src), name+" ") && !strings.Contains(string(src), name+"\n") {
			t.Errorf("policy.hcl does not show %q", name)
		}
	}
}

func TestDefaults(t *testing.T) {
	dir := t.TempDir()
	p, err := load(t, dir, minimal+`
p1_listener "a" { address = "127.0.0.1:0" }
smtp_listener "b" { address = ":0" }
x400_peer "P" {
  password = "pw"
  address  = "127.0.0.1:102"
}
smtp_relay "r" { address = "127.0.0.1:25" }
`)
	if err != nil {
		t.Fatal(err)
	}
	if p.Gateway.SMTPHostname != "gw.example.mil" || !slices.Equal(p.Routing.LocalDomains, []string{"gw.example.mil"}) {
		t.Errorf("hostname %q, local domains %v", p.Gateway.SMTPHostname, p.Routing.LocalDomains)
	}
	want := Limits{MessageSize: 64 << 20, SMTPConnections: 200, P1Associations: 64, LineLength: 1000, PDUSize: 80 << 20}
	if p.Limits != want {
		t.Errorf("limits = %+v", p.Limits)
	}
	if p.Queue.Directory != filepath.Join(dir, "spool") || p.Queue.Workers != 16 {
		t.Errorf("queue = %+v", p.Queue)
	}
	if p.Audit.Embedded != filepath.Join(dir, "audit.db") || p.Audit.Postgres != "" ||
		p.Audit.LogDirectory != filepath.Join(dir, "audit-log") || p.Audit.RotateSize != 64<<20 ||
		p.Audit.RotateAge != 24*time.Hour || p.Audit.Keep != 0 || p.Audit.CorrelationWindow != 30*24*time.Hour {
		t.Errorf("audit = %+v", p.Audit)
	}
	if !samePrecedence(p.Precedence, DefaultPrecedence()) || p.Precedence.MTPriority != mixer.MTPrioritySTANAG4406 {
		t.Errorf("precedence = %+v", p.Precedence)
	}
	l := p.P1Listeners[0]
	if l.Modes != nil || l.DialogueModes != nil || l.IdleTimeout != 30*time.Minute || l.RecoveryTimeout != 0 || l.MaxAssociations != 64 || l.AcceptAny {
		t.Errorf("p1 listener = %+v", l)
	}
	s := p.SMTPListeners[0]
	if s.StartTLS != StartTLSOff || s.Submission || s.TrustedNetworks != nil || s.DelayedAckMax != 0 || s.MaxConnections != 200 {
		t.Errorf("smtp listener = %+v", s)
	}
	pe := p.Peers[0]
	if pe.BindPassword != "secret" || pe.Mode != osi.Mode1988Normal || pe.DialogueMode != osi.Monologue || pe.MaxAssociations != 4 || pe.Permanent != 0 || pe.AcceptFrom.IsValid() {
		t.Errorf("peer = %+v", pe)
	}
	if r := p.Relays[0]; r.StartTLS != ClientTLSOpportunistic || r.Username != "" {
		t.Errorf("relay = %+v", r)
	}
	if p.Admin != nil || p.Routing.MX || p.Routing.X400Default != nil || p.Routing.SMTPDefault != nil {
		t.Errorf("admin %v, routing %+v", p.Admin, p.Routing)
	}
	if p.Tables != (Tables{}) {
		t.Errorf("tables = %+v", p.Tables)
	}
	if got := p.Precedence.Lane(x400.Precedence(20)).Precedence; got != x400.PrecedenceOverride {
		t.Errorf("national precedence lane %v", got)
	}
	if got := p.Precedence.Lane(-1).Precedence; got != x400.PrecedenceDeferred {
		t.Errorf("negative precedence lane %v", got)
	}
}

// Each kind of problem is reported with what is wrong at the line and
// column of the value at fault.
func TestErrorPositions(t *testing.T) {
	for _, c := range []struct {
		name   string
		src    string
		needle string // where the error points
		msg    string
		// line and col, when set, say where instead of needle.
		line, col int
	}{
		{"syntax", minimal + "p1_listener \"a\" {\n  address = \n}\n", "", "Invalid expression", 9, 13},
		{"unknown block", minimal + "listener \"x\" {}\n", "listener", "Unsupported block type", 0, 0},
		{"unknown attribute", minimal + "limits {\n  colour = 1\n}\n", "colour", "Unsupported argument", 0, 0},
		// gohcl points inside the quotes of a string where a number is
		// wanted.
		{"wrong type", minimal + "limits {\n  line_length = \"long\"\n}\n", `long"`, "a number is required", 0, 0},
		{"missing attribute", "gateway {\n  mta_name = \"GW\"\n}\n", "{", `"password" is required`, 0, 0},
		{"missing gateway", "limits {}\n", "", "no gateway block", 1, 1},
		{"duration", minimal + "p1_listener \"a\" {\n  address = \"127.0.0.1:1\"\n  idle_timeout = \"5 minutes\"\n}\n", `"5 minutes"`, `"5 minutes" is not a duration`, 0, 0},
		{"negative duration", minimal + "smtp_listener \"a\" {\n  address = \"127.0.0.1:1\"\n  delayed_ack_max = \"-1s\"\n}\n", `"-1s"`, "negative", 0, 0},
		{"route to unknown peer", minimal + "routing {\n  route {\n    domain = \"a.example\"\n    via = \"NOWHERE\"\n  }\n}\n", `"NOWHERE"`, `"NOWHERE" is no x400_peer or smtp_relay`, 0, 0},
		{"default to unknown", minimal + "routing {\n  x400_default = \"X\"\n}\n", `"X"`, "x400_default", 0, 0},
		{"mx without mx_delivery", minimal + "routing {\n  smtp_default = \"mx\"\n}\n", `"mx"`, "mx_delivery is false", 0, 0},
		{"duplicate peer", minimal + "x400_peer \"P\" {\n  password = \"a\"\n  address = \"h:1\"\n}\nsmtp_relay \"P\" {\n  address = \"h:2\"\n}\n", "smtp_relay", "already used at line 8", 0, 0},
		{"gateway O/R address", strings.Replace(minimal, "/O=Gateway/", "/O=Gate/way=/", 1), `"/C=GB/ADMD= /PRMD=MOD/O=Gate`, "or_address", 0, 0},
		{"route O/R address", minimal + "x400_peer \"P\" {\n  password = \"a\"\n  address = \"h:1\"\n}\nrouting {\n  route {\n    or_address = \"/C=GB/BOGUS=1/\"\n    via = \"P\"\n  }\n}\n", `"/C=GB/BOGUS`, "or_address", 0, 0},
		{"route pattern with a surname", minimal + "x400_peer \"P\" {\n  password = \"a\"\n  address = \"h:1\"\n}\nrouting {\n  route {\n    or_address = \"/C=GB/S=Smith/\"\n    via = \"P\"\n  }\n}\n", `"/C=GB/S=`, "only C, ADMD, PRMD, O and OU", 0, 0},
		{"route with both", minimal + "routing {\n  route {\n    or_address = \"/C=GB/\"\n    domain = \"a.b\"\n    via = \"x\"\n  }\n}\n", "route {", "exactly one of or_address and domain", 0, 0},
		{"global domain", strings.Replace(minimal, `"/C=GB/ADMD= /PRMD=MOD/"`, `"/C=GB/O=MOD/"`, 1), `"/C=GB/O=MOD/"`, "C, ADMD and PRMD only", 0, 0},
		{"CIDR", minimal + "smtp_listener \"s\" {\n  address = \"127.0.0.1:1\"\n  trusted_networks = [\"10.0.0.0/8\", \"10.0.0.0/33\"]\n}\n", `"10.0.0.0/33"`, "not a CIDR", 0, 0},
		{"CIDR host bits", minimal + "smtp_listener \"s\" {\n  address = \"127.0.0.1:1\"\n  trusted_networks = [\"10.1.2.3/8\"]\n}\n", `"10.1.2.3/8"`, "host bits set", 0, 0},
		{"accept_from", minimal + "x400_peer \"P\" {\n  password = \"a\"\n  address = \"h:1\"\n  accept_from = \"nowhere\"\n}\n", `"nowhere"`, "not a CIDR", 0, 0},
		{"lane without retry", minimal + laneBlock("FLASH", "retry"), `lane "FLASH"`, "no retry schedule", 0, 0},
		{"lane without delivery ack timeout", minimal + laneBlock("FLASH", "delivery_ack_timeout"), `lane "FLASH"`, "no delivery_ack_timeout", 0, 0},
		{"lane without read ack timeout", minimal + laneBlock("ROUTINE", "read_ack_timeout"), `lane "ROUTINE"`, "no read_ack_timeout", 0, 0},
		{"lane retry duration", minimal + strings.Replace(laneBlock("", ""), `"30s"`, `"soon"`, 1), `"soon"`, `"soon" is not a duration`, 0, 0},
		{"lane name", minimal + strings.Replace(laneBlock("", ""), `"DEFERRED"`, `"LATER"`, 1), `"LATER"`, "not a precedence", 0, 0},
		{"missing lane", minimal + laneBlock("DEFERRED", "*"), "precedence {", `no lane "DEFERRED"`, 0, 0},
		{"mt_priority_policy", minimal + "precedence {\n  mt_priority_policy = \"NATO\"\n}\n", `"NATO"`, "STANAG4406", 0, 0},
		{"address without port", minimal + "p1_listener \"a\" {\n  address = \"127.0.0.1\"\n}\n", `"127.0.0.1"`, "not host:port", 0, 0},
		{"peer address without host", minimal + "x400_peer \"P\" {\n  password = \"a\"\n  address = \":102\"\n}\n", `":102"`, "has no host", 0, 0},
		{"relay bad port", minimal + "smtp_relay \"r\" {\n  address = \"h:smtp\"\n}\n", `"h:smtp"`, "not a number", 0, 0},
		{"two listeners one address", minimal + "p1_listener \"a\" {\n  address = \"127.0.0.1:5\"\n}\nsmtp_listener \"b\" {\n  address = \"127.0.0.1:5\"\n}\n", `"127.0.0.1:5"`, "already the address", 12, 13},
		{"table missing", minimal + "tables {\n  domain_to_or = \"nosuch.mcgam\"\n}\n", `"nosuch.mcgam"`, "cannot load the domain -> O/R address MCGAM table", 0, 0},
		{"size", minimal + "limits {\n  message_size = \"big\"\n}\n", `"big"`, "not a size", 0, 0},
		{"pdu smaller than message", minimal + "limits {\n  message_size = \"10MB\"\n  pdu_size = \"1MB\"\n}\n", `"1MB"`, "smaller than message_size", 0, 0},
		{"line length", minimal + "limits {\n  line_length = 512\n}\n", "512", "out of range", 0, 0},
		{"audit both", minimal + "audit {\n  embedded = \"a.db\"\n  postgres = \"host=x\"\n}\n", "audit {", "at most one", 0, 0},
		{"audit rotate size", minimal + "audit {\n  rotate_size = \"big\"\n}\n", "\"big\"", "rotate_size", 0, 0},
		{"audit window", minimal + "audit {\n  correlation_window = \"soon\"\n}\n", "\"soon\"", "correlation_window", 0, 0},
		{"audit window zero", minimal + "audit {\n  correlation_window = \"0s\"\n}\n", "\"0s\"", "longer than zero", 0, 0},
		{"audit keep", minimal + "audit {\n  keep = \"2d\"\n}\n", "\"2d\"", "shorter than correlation_window", 0, 0},
		{"starttls without cert", minimal + "smtp_listener \"s\" {\n  address = \"127.0.0.1:1\"\n  starttls = \"required\"\n}\n", `"required"`, "needs tls_cert", 0, 0},
		{"submission without users", minimal + "smtp_listener \"s\" {\n  address = \"127.0.0.1:1\"\n  submission = true\n}\n", `smtp_listener "s"`, "at least one smtp_user", 0, 0},
		{"submission without TLS", minimal + "smtp_user \"u\" { password = \"p\" }\nsmtp_listener \"s\" {\n  address = \"127.0.0.1:1\"\n  submission = true\n}\n", "true", "neither tls_cert nor trusted_networks", 0, 0},
		{"permanent over max", minimal + "x400_peer \"P\" {\n  password = \"a\"\n  address = \"h:1\"\n  permanent = 5\n}\n", "5\n", "more than max_associations", 0, 0},
		{"selector", minimal + "x400_peer \"P\" {\n  password = \"a\"\n  address = \"h:1\"\n  t_selector = \"0xZZ\"\n}\n", `"0xZZ"`, "bad hexadecimal", 0, 0},
		{"reserved workers", minimal + "queue {\n  workers = 3\n}\n", "3\n", "keep 3 workers", 0, 0},
		{"reserved connections", minimal + "x400_peer \"P\" {\n  password = \"a\"\n  address = \"h:1\"\n  max_associations = 1\n}\n", "1\n", "keep 1 connections", 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := load(t, "", c.src)
			es := errorsOf(t, err)
			line, col := c.line, c.col
			if line == 0 {
				line, col = posOf(t, c.src, c.needle)
			}
			wantAt(t, es, "t.hcl", line, col, c.msg)
		})
	}
}

// laneBlock writes a precedence block with the six default lanes, less
// attribute drop of lane ("*": the whole lane).
func laneBlock(lane, drop string) string {
	var sb strings.Builder
	sb.WriteString("precedence {\n")
	for pr := x400.PrecedenceOverride; pr >= x400.PrecedenceDeferred; pr-- {
		if pr.String() == lane && drop == "*" {
			continue
		}
		d := DefaultPrecedence().Lanes[pr]
		sb.WriteString("  lane \"" + pr.String() + "\" {\n")
		attr := func(name, v string) {
			if pr.String() != lane || name != drop {
				sb.WriteString("    " + name + " = " + v + "\n")
			}
		}
		var rs []string
		for _, r := range d.Retry {
			rs = append(rs, `"`+r.String()+`"`)
		}
		attr("retry", "["+strings.Join(rs, ", ")+"]")
		attr("max_age", `"`+d.MaxAge.String()+`"`)
		attr("delivery_ack_timeout", `"`+d.DeliveryAckTimeout.String()+`"`)
		attr("read_ack_timeout", `"`+d.ReadAckTimeout.String()+`"`)
		sb.WriteString("  }\n")
	}
	sb.WriteString("}\n")
	return sb.String()
}

// A table file's problems come with the table file's own line:column,
// and the policy's attribute is pointed at too.
func TestTableErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.mcgam"), []byte("# comment\nAC.UK#PRMD$UK.ADMD$GOLD 400.C$GB#\nfoo.example O$X.C$GB#\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := minimal + "tables {\n  domain_to_or = \"bad.mcgam\"\n}\n"
	_, err := load(t, dir, src)
	es := errorsOf(t, err)
	line, col := posOf(t, src, `"bad.mcgam"`)
	wantAt(t, es, "t.hcl", line, col, "problems in the domain -> O/R address MCGAM table")
	var tableErrs int
	for _, e := range es {
		if filepath.Base(e.File) == "bad.mcgam" {
			tableErrs++
			if e.Line != 3 {
				t.Errorf("table error at line %d, want 3: %v", e.Line, e)
			}
		}
	}
	if tableErrs == 0 {
		t.Errorf("no error in bad.mcgam: %v", es)
	}
	// The policy's own problems come first.
	if filepath.Base(es[0].File) != "t.hcl" {
		t.Errorf("first error %v", es[0])
	}
}

// Every problem of a file is reported at once, in position order.
func TestManyErrors(t *testing.T) {
	src := strings.Replace(minimal, `"gw.example.mil"`, `"gw..mil"`, 1) + `
p1_listener "a" {
  address = "nowhere"
  idle_timeout = "forever"
}
smtp_listener "b" {
  address = "127.0.0.1:25"
  trusted_networks = ["bogus"]
}
routing {
  route {
    domain = "*.example.org"
    via    = "nobody"
  }
}
limits {
  unknown = 1
}
`
	_, err := load(t, "", src)
	es := errorsOf(t, err)
	wants := []struct{ needle, msg string }{
		{`"gw..mil"`, "not a domain"},
		{`"nowhere"`, "not host:port"},
		{`"forever"`, "not a duration"},
		{`"bogus"`, "not a CIDR"},
		{`"nobody"`, "no x400_peer"},
		{"unknown", "Unsupported argument"},
	}
	if len(es) != len(wants) {
		t.Errorf("%d errors, want %d:\n%v", len(es), len(wants), es)
	}
	for _, w := range wants {
		line, col := posOf(t, src, w.needle)
		wantAt(t, es, "t.hcl", line, col, w.msg)
	}
	for i := 1; i < len(es); i++ {
		if es[i].Line < es[i-1].Line {
			t.Errorf("errors out of order: %v before %v", es[i-1], es[i])
		}
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		if !strings.HasPrefix(line, filepath.Join(filepath.Dir(es[0].File), "t.hcl")+":") {
			t.Errorf("line %q is not FILE:LINE:COL: message", line)
		}
	}
}

func TestLoadFileErrors(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "none.hcl"))
	if es := errorsOf(t, err); len(es) != 1 || !strings.Contains(es[0].Msg, "no such file") {
		t.Errorf("%v", es)
	}
	_, err = Load(t.TempDir())
	if es := errorsOf(t, err); len(es) != 1 || !strings.Contains(es[0].Msg, "not a regular file") {
		t.Errorf("%v", es)
	}
}

const routes = minimal + `
x400_peer "UK" {
  password = "a"
  address  = "127.0.0.1:1"
}
x400_peer "MOD" {
  password = "a"
  address  = "127.0.0.1:2"
}
x400_peer "HQ" {
  password = "a"
  address  = "127.0.0.1:3"
}
smtp_relay "ORG" { address = "127.0.0.1:4" }
smtp_relay "SUB" { address = "127.0.0.1:5" }
smtp_relay "EXACT" { address = "127.0.0.1:6" }
routing {
  local_domains = ["gw.example.mil", "*.x400.example.mil"]
  mx_delivery   = true
  x400_default  = "UK"
  smtp_default  = "mx"
  route {
    or_address = "/C=GB/PRMD=MOD/"
    via        = "MOD"
  }
  route {
    or_address = "/C=GB/ADMD= /PRMD=MOD/O=Army/OU=HQ/"
    via        = "HQ"
  }
  route {
    domain = "*.example.org"
    via    = "ORG"
  }
  route {
    domain = "*.sub.example.org"
    via    = "SUB"
  }
  route {
    domain = "sub.example.org"
    via    = "EXACT"
  }
}
`

func TestRouteORAddress(t *testing.T) {
	p := mustLoad(t, routes)
	for _, c := range []struct {
		addr, hop string
	}{
		{"/C=GB/ADMD= /PRMD=MOD/O=Navy/S=Smith/", "MOD"},
		{"/C=gb/PRMD=mod/O=Army/S=Smith/", "MOD"}, // no OU: the O/OU route does not match; ADMD implied
		{"/C=GB/ADMD= /PRMD=MOD/O=Army/OU=HQ/OU=Ops/S=Smith/", "HQ"},
		{"/C=GB/ADMD= /PRMD=MOD/O=ARMY/OU=hq/S=Smith/", "HQ"},
		{"/C=GB/ADMD=BT/PRMD=MOD/O=Army/OU=HQ/S=Smith/", "UK"}, // another ADMD: the default
		{"/C=US/ADMD=ATT/O=Xerox/S=Jones/", "UK"},
	} {
		a, err := x400.ParseORAddress(c.addr)
		if err != nil {
			t.Fatal(err)
		}
		h, ok := p.RouteORAddress(&a)
		if !ok || h.Name != c.hop || h.Kind != HopPeer || h.Peer == nil || h.Peer.Name != c.hop {
			t.Errorf("%s: %+v %v, want %s", c.addr, h, ok, c.hop)
		}
	}
	// Without a default there is no route.
	p2 := mustLoad(t, strings.Replace(routes, `x400_default  = "UK"`, "", 1))
	a, _ := x400.ParseORAddress("/C=US/ADMD=ATT/O=Xerox/S=Jones/")
	if h, ok := p2.RouteORAddress(&a); ok {
		t.Errorf("route %+v without a default", h)
	}
}

func TestRouteDomain(t *testing.T) {
	p := mustLoad(t, routes)
	for _, c := range []struct {
		domain, hop string
		kind        HopKind
	}{
		{"a.example.org", "ORG", HopRelay},
		{"A.B.Example.ORG.", "ORG", HopRelay},
		{"sub.example.org", "EXACT", HopRelay},
		{"x.sub.example.org", "SUB", HopRelay},
		{"example.org", "mx", HopMX}, // "*." is subdomains only
		{"xexample.org", "mx", HopMX},
	} {
		h, ok := p.RouteDomain(c.domain)
		if !ok || h.Name != c.hop || h.Kind != c.kind || (c.kind == HopRelay && h.Relay.Name != c.hop) {
			t.Errorf("%s: %+v %v, want %s", c.domain, h, ok, c.hop)
		}
	}
	p2 := mustLoad(t, strings.Replace(routes, `smtp_default  = "mx"`, "", 1))
	if h, ok := p2.RouteDomain("example.com"); ok {
		t.Errorf("route %+v without a default", h)
	}
	for d, want := range map[string]bool{
		"gw.example.mil": true, "GW.example.mil.": true, "a.x400.example.mil": true,
		"x400.example.mil": false, "example.mil": false, "evil.com": false, "a.gw.example.mil": false,
	} {
		if got := p.IsLocalDomain(d); got != want {
			t.Errorf("IsLocalDomain(%q) = %v", d, got)
		}
	}
}

func TestMixerGateway(t *testing.T) {
	td, err := filepath.Abs("../mixer/testdata")
	if err != nil {
		t.Fatal(err)
	}
	src := minimal + `
precedence {
` + strings.TrimPrefix(laneBlock("", ""), "precedence {\n") + `
tables {
  domain_to_or      = "` + filepath.Join(td, "domain-or.mcgam") + `"
  or_to_domain      = "` + filepath.Join(td, "or-domain.mcgam") + `"
  domain_to_gateway = "` + filepath.Join(td, "domain-gateway.tab") + `"
  or_to_gateway     = "` + filepath.Join(td, "or-gateway.tab") + `"
}
`
	src = strings.Replace(src, "precedence {\n", "precedence {\n  mt_priority_policy = \"mixer\"\n", 1)
	p := mustLoad(t, src)
	g, err := p.MixerGateway()
	if err != nil {
		t.Fatal(err)
	}
	if g.DomainToOR == nil || g.ORToDomain == nil || g.DomainToGateway == nil || g.ORToGateway == nil ||
		len(g.DomainToOR.Entries) == 0 || g.DomainToOR.Kind != mixer.TableDomainToOR || g.ORToGateway.Kind != mixer.TableORToGateway {
		t.Fatalf("tables not loaded: %+v", g)
	}
	if g.Domain != "gw.example.mil" || g.MTAName != "GW" || g.GDI.PRMD.Value != "MOD" || g.GDI.ADMD.Value != " " ||
		g.ORAddress.Organization != "Gateway" || g.Priority != mixer.MTPriorityMIXER {
		t.Errorf("gateway = %+v", g)
	}
	// The tables work: RFC 2156 §4.3.4 stage I maps xerox.com by its MCGAM.
	a, err := g.RFC822ToORAddress(mixer.Mailbox{AddrSpec: mixer.AddrSpec{LocalPart: "Jones", Domain: "xerox.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if a.Organization != "Xerox" || a.ADMD.Value != "ATT" || a.Country.Value != "US" {
		t.Errorf("xerox.com -> %s", a.String())
	}
	m, err := g.ORAddressToRFC822(&a)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.EqualFold(m.Domain, "xerox.com") {
		t.Errorf("%s -> %+v", a.String(), m)
	}
}

// writeCert writes a self-signed certificate and its key in dir.
func writeCert(t *testing.T, dir string) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "gw.example.mil"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"gw.example.mil"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	cert, key = filepath.Join(dir, "gw.crt"), filepath.Join(dir, "gw.key")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func TestSMTPListenerTLS(t *testing.T) {
	dir := t.TempDir()
	writeCert(t, dir)
	src := minimal + `
smtp_user "alice" { password = "pw" }
smtp_listener "sub" {
  address    = "127.0.0.1:0"
  tls_cert   = "gw.crt"
  tls_key    = "gw.key"
  submission = true
}
`
	p, err := load(t, dir, src)
	if err != nil {
		t.Fatal(err)
	}
	l := p.SMTPListeners[0]
	if l.Certificate == nil || l.StartTLS != StartTLSOptional || !l.Submission || p.SMTPUsers["alice"] != "pw" {
		t.Errorf("listener = %+v, users %v", l, p.SMTPUsers)
	}
	// A key that is not the certificate's.
	if err := os.WriteFile(filepath.Join(dir, "gw.key"), []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = load(t, dir, src)
	line, col := posOf(t, src, `"gw.crt"`)
	wantAt(t, errorsOf(t, err), "t.hcl", line, col, "tls_cert, tls_key")
}

func TestP1Configs(t *testing.T) {
	p, err := Load("../policy.hcl")
	if err != nil {
		t.Fatal(err)
	}
	sc := p.P1ServerConfig(&p.P1Listeners[0], nil)
	if sc.Name != "MIXERD" || len(sc.Peers) != 1 || sc.Peers[0].Name != "PEER-MTA" || sc.Peers[0].Password != "peer-secret" ||
		!sc.Peers[0].Addr.Contains(netip.MustParseAddr("127.0.0.1")) || len(sc.Modes) != 3 || sc.Recovery.Timeout != 2*time.Minute {
		t.Errorf("server config = %+v", sc)
	}
	pc := p.P1PoolConfig(p.Peers[0], nil)
	if pc.Dial.Address != "127.0.0.1:10103" || pc.Dial.Name != "MIXERD" || pc.Dial.Password != "mixerd-secret" ||
		pc.Dial.PeerName != "PEER-MTA" || string(pc.Dial.CalledTSAP) != "mts" || pc.Permanent != 1 || pc.MaxAssociations != 4 {
		t.Errorf("pool config = %+v", pc)
	}
	// policy.hcl keeps one connection for OVERRIDE.
	if pc.Reserve != 1 || pc.ReservePriority != x400.PrecedenceOverride.Rank() {
		t.Errorf("reserve %d at %d", pc.Reserve, pc.ReservePriority)
	}
}

// A failed load returns no policy; loading twice gives equal results (no
// state kept between loads).
func TestLoadIsPure(t *testing.T) {
	p, err := load(t, "", minimal+"limits {\n  line_length = 5\n}\n")
	if p != nil || err == nil {
		t.Fatalf("bad policy loaded: %v %v", p, err)
	}
	a, err1 := Load("../policy.hcl")
	b, err2 := Load("../policy.hcl")
	if err1 != nil || err2 != nil || a == b || a.Summary() != b.Summary() {
		t.Errorf("two loads: %v %v", err1, err2)
	}
}

// The admin interface's bearer token comes from a file; an address that is
// not loopback needs one.
func TestAdminToken(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "admin.token"), []byte("0123456789abcdef-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "short.token"), []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := load(t, dir, minimal+"admin_listener {\n  address = \"0.0.0.0:10080\"\n  token_file = \"admin.token\"\n}\n")
	if err != nil {
		t.Fatal(err)
	}
	if p.Admin.Token != "0123456789abcdef-secret" || p.Admin.TokenFile != filepath.Join(dir, "admin.token") {
		t.Errorf("admin %+v", p.Admin)
	}
	for _, c := range []struct{ src, want string }{
		{"admin_listener {\n  address = \"0.0.0.0:10080\"\n}\n", "needs a token_file"},
		{"admin_listener {\n  address = \"127.0.0.1:10080\"\n  token_file = \"short.token\"\n}\n", "at least 16 characters"},
		{"admin_listener {\n  address = \"127.0.0.1:10080\"\n  token_file = \"missing.token\"\n}\n", "token_file:"},
	} {
		_, err := load(t, dir, minimal+c.src)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.src, err, c.want)
		}
	}
	for _, a := range []string{"127.0.0.1:10080", "[::1]:10080", "localhost:10080", "[::ffff:127.0.0.1]:10080"} {
		if p := mustLoad(t, minimal+"admin_listener {\n  address = \""+a+"\"\n}\n"); p.Admin.Token != "" {
			t.Errorf("%s without a token: %+v", a, p.Admin)
		}
	}
	for _, a := range []string{"192.0.2.1:10080", "[2001:db8::1]:10080"} {
		if _, err := load(t, dir, minimal+"admin_listener {\n  address = \""+a+"\"\n}\n"); err == nil || !strings.Contains(err.Error(), "needs a token_file") {
			t.Errorf("%s without a token: %v", a, err)
		}
	}
}
