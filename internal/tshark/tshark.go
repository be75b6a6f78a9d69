// Package tshark runs Wireshark's tshark as an independent decoder of the
// encodings and captures that mixerd produces, for conformance tests: its
// p1, p22 and p772 dissectors (and those of the OSI layers) must decode our
// bytes with no malformed packet, no expert warning and nothing left
// undecoded, and must find the fields a test names.
//
// Tests call Require, which skips the test when tshark is not installed,
// unless the environment variable CI is set, where a missing tshark fails:
// CI installs it (.ci/run).
package tshark

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// luaBERFile makes tshark decode a raw BER file (wiretap's BER file type,
// encapsulation 90) with the BER syntax named in MIXERD_BER_SYNTAX.
const luaBERFile = `
local syntax = os.getenv("MIXERD_BER_SYNTAX") or "P1 Message"
local p = Proto("mixerdber", "BER file as " .. syntax)
local syntaxes = DissectorTable.get("ber.syntax")
function p.dissector(tvb, pinfo, tree)
  if syntaxes:try(syntax, tvb, pinfo, tree) == 0 then
    Dissector.get("ber"):call(tvb, pinfo, tree)
  end
end
DissectorTable.get("wtap_encap"):add(90, p)
`

// Require returns the path of tshark, or skips (fails under CI) the test
// when it is missing.
func Require(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tshark is not installed (CI must install it: see .ci/run)")
		}
		t.Skip("tshark is not installed; apt-get install tshark")
	}
	return p
}

// Check describes what a decode must show.
type Check struct {
	// Ports are TCP ports to decode as RFC 1006 (TPKT), for captures.
	Ports []int
	// Require are display filters, each of which must match at least one
	// frame ("filter:N" for at least N frames).
	Require []string
	// Allow are regular expressions of expert messages that are tolerated.
	Allow []string
	// OIDsWithoutDissector are OID prefixes (dotted) that Wireshark has no
	// dissector for (those of RFC 2156 and RFC 2157, for instance): its
	// "Dissector for OID not implemented" warning is tolerated on a value
	// whose type (an extension's type, an EXTERNAL's direct-reference) is
	// under one of them, and is a problem on any other.
	OIDsWithoutDissector []string
}

// oidNotImplemented is the expert message of BER values of an unknown OID.
const oidNotImplemented = "BER: Dissector for OID not implemented"

// oidLine finds the OID of the value that follows in tshark -V output.
var oidLine = regexp.MustCompile(`(?:type|direct-reference|type-id|extension-type|Object Identifier): ([0-9]+(?:\.[0-9]+)+)`)

// Problems decodes file (a capture, or with syntax != "" a raw BER file
// decoded as that Wireshark BER syntax, e.g. "P1 Message") and returns what
// is wrong with it: malformed frames, expert items of severity warning or
// above (TCP sequence analysis aside), bytes no dissector claimed, COTP data
// whose session PDU was not decoded, TCP payload on a named port not
// decoded as TPKT, and required fields that are missing.
func Problems(tsharkPath, file, syntax string, c Check) ([]string, error) {
	env := os.Environ()
	base := []string{"-r", file, "-n"}
	for _, p := range c.Ports {
		base = append(base, "-d", fmt.Sprintf("tcp.port==%d,tpkt", p))
	}
	if syntax != "" {
		dir, err := os.MkdirTemp("", "mixerd-tshark")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		lua := filepath.Join(dir, "berfile.lua")
		if err := os.WriteFile(lua, []byte(luaBERFile), 0o644); err != nil {
			return nil, err
		}
		env = append(env, "MIXERD_BER_SYNTAX="+syntax)
		base = append(base, "-X", "lua_script:"+lua)
	}
	// tshark writes its config under HOME; keep it out of the user's.
	home, err := os.MkdirTemp("", "mixerd-tshark-home")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(home)
	env = append(env, "HOME="+home)

	run := func(extra ...string) (string, error) {
		cmd := exec.Command(tsharkPath, append(append([]string{}, base...), extra...)...)
		cmd.Env = env
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("tshark %v: %v: %s", extra, err, errb.String())
		}
		return out.String(), nil
	}
	frames := func(filter string) ([]int, error) {
		out, err := run("-Y", filter, "-T", "fields", "-e", "frame.number")
		if err != nil {
			return nil, err
		}
		var fr []int
		for _, f := range strings.Fields(out) {
			n, _ := strconv.Atoi(f)
			fr = append(fr, n)
		}
		return fr, nil
	}

	var problems []string
	if fr, err := frames("_ws.malformed"); err != nil {
		return nil, err
	} else if len(fr) > 0 {
		problems = append(problems, fmt.Sprintf("malformed frames %v", fr))
	}

	const sep = "\x1f"
	out, err := run("-Y", "_ws.expert", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator="+sep,
		"-e", "frame.number", "-e", "_ws.expert.severity", "-e", "_ws.expert.group", "-e", "_ws.expert.message")
	if err != nil {
		return nil, err
	}
	var allow []*regexp.Regexp
	for _, a := range c.Allow {
		allow = append(allow, regexp.MustCompile(a))
	}
	const warn, groupSequence = 0x00600000, 0x02000000
	for _, line := range strings.Split(out, "\n") {
		cols := strings.Split(line, "\t")
		if len(cols) < 4 {
			continue
		}
		sev, grp, msg := strings.Split(cols[1], sep), strings.Split(cols[2], sep), strings.Split(cols[3], sep)
		for i := range sev {
			s, _ := strconv.ParseInt(sev[i], 0, 64)
			var g int64
			if i < len(grp) {
				g, _ = strconv.ParseInt(grp[i], 0, 64)
			}
			m := ""
			if i < len(msg) {
				m = msg[i]
			}
			if s < warn || g == groupSequence {
				continue
			}
			ok := len(c.OIDsWithoutDissector) > 0 && strings.HasPrefix(m, oidNotImplemented) // checked below
			for _, a := range allow {
				ok = ok || a.MatchString(m)
			}
			if !ok {
				problems = append(problems, fmt.Sprintf("frame %s: expert %#x/%#x: %s", cols[0], s, g, m))
			}
		}
	}

	if len(c.OIDsWithoutDissector) > 0 {
		out, err := run("-V")
		if err != nil {
			return nil, err
		}
		last := ""
		for _, line := range strings.Split(out, "\n") {
			if m := oidLine.FindStringSubmatch(line); m != nil {
				last = m[1]
			}
			if !strings.Contains(line, "Expert Info") || !strings.Contains(line, oidNotImplemented) {
				continue
			}
			under := false
			for _, p := range c.OIDsWithoutDissector {
				under = under || last == p || strings.HasPrefix(last, p+".")
			}
			if !under {
				problems = append(problems, fmt.Sprintf("a value of OID %q was not dissected (not under %v)", last, c.OIDsWithoutDissector))
			}
		}
	}

	guards := []string{"data", "cotp.type == 0x0f && cotp.eot == 1 && !ses && !cotp.reassembled_in"}
	if len(c.Ports) > 0 {
		guards = append(guards, "tcp.len > 0 && !tpkt && !tcp.analysis.retransmission")
	}
	for _, g := range guards {
		fr, err := frames(g)
		if err != nil {
			return nil, err
		}
		if len(fr) > 0 {
			problems = append(problems, fmt.Sprintf("frames %v match %q (bytes not decoded)", fr, g))
		}
	}
	for _, req := range c.Require {
		filter, min := req, 1
		if i := strings.LastIndexByte(req, ':'); i > 0 {
			if n, err := strconv.Atoi(req[i+1:]); err == nil {
				filter, min = req[:i], n
			}
		}
		fr, err := frames(filter)
		if err != nil {
			return nil, err
		}
		if len(fr) < min {
			problems = append(problems, fmt.Sprintf("required %q matched %d frames, want >= %d", filter, len(fr), min))
		}
	}
	return problems, nil
}

// Fields returns the values tshark shows for a field in a raw BER file or
// capture, for tests that compare values as well as presence.
func Fields(tsharkPath, file, syntax, field string, ports ...int) ([]string, error) {
	args := []string{"-r", file, "-n", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=\x1f", "-e", field}
	for _, p := range ports {
		args = append(args, "-d", fmt.Sprintf("tcp.port==%d,tpkt", p))
	}
	env := os.Environ()
	if syntax != "" {
		dir, err := os.MkdirTemp("", "mixerd-tshark")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		lua := filepath.Join(dir, "berfile.lua")
		if err := os.WriteFile(lua, []byte(luaBERFile), 0o644); err != nil {
			return nil, err
		}
		env = append(env, "MIXERD_BER_SYNTAX="+syntax, "HOME="+dir)
		args = append(args, "-X", "lua_script:"+lua)
	}
	cmd := exec.Command(tsharkPath, args...)
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("tshark: %v", err)
	}
	var vals []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		for _, v := range strings.Split(line, "\x1f") {
			if v != "" {
				vals = append(vals, v)
			}
		}
	}
	return vals, nil
}

// CheckBER writes data to a temporary file and checks it as a raw BER file
// of the given syntax, failing t with every problem found.
func CheckBER(t testing.TB, data []byte, syntax string, c Check) {
	t.Helper()
	path := Require(t)
	f := filepath.Join(t.TempDir(), "value.ber")
	if err := os.WriteFile(f, data, 0o644); err != nil {
		t.Fatal(err)
	}
	problems, err := Problems(path, f, syntax, c)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}
