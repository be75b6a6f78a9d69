package main

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"mixerd/internal/tshark"
	"mixerd/x400"
)

// captureAllow are the expert messages tolerated in our captures:
// x400.SampleMessage carries, on purpose, an unknown standard extension
// (200) and a private one (an OID Wireshark does not know), relayed
// untouched, as x400's conformance case "message-unknown-extensions".
var captureAllow = []string{`^Unknown standard-extension$`, `^BER: Dissector for OID not implemented`}

// TestCaptureModes captures mixerd talking to mixerd in each P1 mode (1988
// normal mode in monologue and in two-way alternate, 1988 in X.410-1984
// mode, 1984): in one capture ("bind") a ping and a bind refused for a
// wrong password; in another ("transfer") sends of a message, a report and
// a probe, each on its own association. Each capture is checked by
// internal/tshark and, when it is there, by the independent
// ../shared/tools/check-x400-capture: no malformed packet, no expert
// warning, nothing undecoded, and the fields present: the P1 bind
// argument, result and error, the message, report and probe, and the
// mode's own (ACSE in normal mode, the x410-mode-parameters of the
// presentation CP-type otherwise, RTSE's dialogueMode two-way-alternate).
// Wireshark cannot decode the data of a transfer in X.410-1984 mode (see
// splitX410Data): there the DT frames are checked apart, their APDUs cut
// out, compared with the files sent and decoded as raw BER P1 messages.
func TestCaptureModes(t *testing.T) {
	if testing.Short() {
		t.Skip("capture test in -short mode")
	}
	path := tshark.Require(t)
	checker := externalChecker(t)
	for _, m := range []struct {
		name  string
		flags []string
		x410  bool // X.410-1984 mode
	}{
		{"1988-normal-monologue", []string{"--mode", "1988", "--dialogue", "monologue"}, false},
		{"1988-normal-twa", []string{"--mode", "1988", "--dialogue", "twa"}, false},
		{"1988-x410", []string{"--mode", "x410"}, true},
		{"1984", []string{"--mode", "1984"}, true},
	} {
		t.Run(m.name, func(t *testing.T) {
			spool := t.TempDir()
			addr, _ := startListen(t, "--spool", spool, "--mta", "mta-b", "--password", "pw-b", "--peer", "mta-a:pw-a")
			_, portText, _ := strings.Cut(addr, ":")
			port, err := strconv.Atoi(portText)
			if err != nil {
				t.Fatal(err)
			}
			// modeRequire are the fields that show the mode, in n binds.
			modeRequire := func(n int) []string {
				var r []string
				if m.x410 {
					r = append(r, fmt.Sprintf("pres.x410_mode_parameters_element && !acse:%d", n))
				} else {
					r = append(r, fmt.Sprintf("acse.aarq_element && pres.normal_mode_parameters_element:%d", n))
				}
				if m.flags[len(m.flags)-1] == "twa" {
					r = append(r, fmt.Sprintf("rtse.dialogueMode == 1:%d", n))
				}
				return r
			}
			check := func(t *testing.T, file string, require []string) {
				t.Helper()
				problems, err := tshark.Problems(path, file, "", tshark.Check{Ports: []int{port}, Require: require, Allow: captureAllow})
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range problems {
					t.Errorf("tshark: %s", p)
				}
				if checker != nil {
					if out, err := checker(file, port, require); err != nil {
						t.Errorf("check-x400-capture: %v:\n%s", err, out)
					}
				}
				if t.Failed() {
					keepCapture(t, file, strings.ReplaceAll(t.Name(), "/", "-"))
				}
			}

			t.Run("bind", func(t *testing.T) {
				file, stop := tshark.Capture(t, path, port)
				if code, out, errs := runCmd(t, nil, append(append([]string{"ping", addr}, bindArgs...), m.flags...)...); code != 0 {
					t.Fatalf("ping: exit %d: %s%s", code, out, errs)
				}
				code, _, errs := runCmd(t, nil, append([]string{"ping", addr, "--mta", "mta-a", "--password", "wrong"}, m.flags...)...)
				if code != 1 || !strings.Contains(errs, "bind refused: authentication-error") {
					t.Fatalf("ping with a wrong password: exit %d, %q: want 1 and authentication-error", code, errs)
				}
				stop()
				check(t, file, append([]string{"p1.MTABindArgument:2", "p1.MTABindResult:1", "p1.MTABindError:1"}, modeRequire(2)...))
			})

			t.Run("transfer", func(t *testing.T) {
				file, stop := tshark.Capture(t, path, port)
				var sent [][]byte
				for _, a := range []*x400.MTSAPDU{x400.SampleMessage(), x400.SampleReport(), x400.SampleProbe()} {
					f := writeAPDU(t, a)
					b, _ := os.ReadFile(f)
					sent = append(sent, b)
					code, out, errs := runCmd(t, nil, append(append([]string{"send", addr, f}, bindArgs...), m.flags...)...)
					if code != 0 {
						t.Fatalf("send: exit %d: %s%s", code, out, errs)
					}
				}
				stop()
				if files, _ := filepath.Glob(filepath.Join(spool, "*.ber")); len(files) != 3 {
					t.Errorf("the spool holds %d files after 3 transfers", len(files))
				}
				binds := append([]string{"p1.MTABindArgument:3", "p1.MTABindResult:3"}, modeRequire(3)...)
				elements := []string{"p1.message_element", "p1.report_element", "p1.probe_element"}
				if !m.x410 {
					check(t, file, append(binds, elements...))
					return
				}
				// Wireshark cannot decode a transfer in X.410-1984 mode:
				// its session dissector hands the user data of every DT
				// SPDU to its presentation dissector, which knows only
				// normal mode's P-DATA (User-data, [APPLICATION 0 or 1])
				// and marks the bare MTS-APDU of X.410-1984 mode
				// malformed ("Internal error:can't get spdu type from
				// session dissector", pres.invalid_offset; Wireshark 4.0,
				// packet-pres-template.c, dissect_pres). So the capture is
				// checked without those frames, and the APDUs they carry
				// are cut out of them and checked as raw BER P1 messages.
				rest, apdus := splitX410Data(t, path, file, port)
				check(t, rest, binds)
				if len(apdus) != len(sent) {
					t.Fatalf("%d DT SPDUs with an APDU in the capture, want %d", len(apdus), len(sent))
				}
				for i, a := range apdus {
					if !bytes.Equal(a, sent[i]) {
						t.Errorf("the APDU of DT %d is not the %s sent", i+1, elements[i])
						continue
					}
					f := filepath.Join(t.TempDir(), "apdu.ber")
					if err := os.WriteFile(f, a, 0o644); err != nil {
						t.Fatal(err)
					}
					require := []string{elements[i]}
					problems, err := tshark.Problems(path, f, "P1 Message", tshark.Check{Require: require, Allow: captureAllow})
					if err != nil {
						t.Fatal(err)
					}
					for _, p := range problems {
						t.Errorf("tshark: APDU %d: %s", i+1, p)
					}
					if checker != nil {
						if out, err := checker(f, 0, require, "--ber-syntax", "P1 Message"); err != nil {
							t.Errorf("check-x400-capture: APDU %d: %v:\n%s", i+1, err, out)
						}
					}
				}
			})
		})
	}
}

// externalChecker returns a function that runs ../shared/tools/check-x400-capture
// (or the file named by MIXERD_CHECK_X400_CAPTURE) on a capture, or nil
// when the tool or python3 is not here.
func externalChecker(t *testing.T) func(file string, port int, require []string, extra ...string) (string, error) {
	t.Helper()
	tool := os.Getenv("MIXERD_CHECK_X400_CAPTURE")
	if tool != "" {
		if _, err := os.Stat(tool); err != nil {
			t.Fatalf("MIXERD_CHECK_X400_CAPTURE: %v", err)
		}
	} else {
		root, err := moduleRoot()
		if err != nil {
			t.Logf("check-x400-capture not run: %v", err)
			return nil
		}
		tool = filepath.Join(root, "..", "shared", "tools", "check-x400-capture")
	}
	if _, err := os.Stat(tool); err != nil {
		t.Logf("check-x400-capture not run: %v", err)
		return nil
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Logf("check-x400-capture not run: %v", err)
		return nil
	}
	return func(file string, port int, require []string, extra ...string) (string, error) {
		args := append([]string{tool, file}, extra...)
		if port != 0 {
			args = append(args, "--port", strconv.Itoa(port))
		}
		for _, r := range require {
			args = append(args, "--require", r)
		}
		for _, a := range captureAllow {
			args = append(args, "--allow", a)
		}
		cmd := exec.Command(python, args...)
		// tshark writes its configuration under HOME: keep it out of the
		// user's.
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
		out, err := cmd.CombinedOutput()
		if err == nil && !strings.HasPrefix(string(out), "PASS ") {
			err = errors.New("no PASS line")
		}
		return string(out), err
	}
}

// splitX410Data splits a capture of transfers in X.410-1984 mode: it
// returns a copy of the capture without the frames of the DT SPDUs that
// carry the APDUs, and those APDUs, cut out of the frames (each must be in
// one TPDU: the test's APDUs are smaller than the TPDU size).
func splitX410Data(t *testing.T, tsharkPath, file string, port int) (string, [][]byte) {
	t.Helper()
	const dt = "ses.type == 1 && pres" // a DT SPDU (after a GT) with user data
	base := []string{"-r", file, "-n", "-d", fmt.Sprintf("tcp.port==%d,tpkt", port)}
	run := func(args ...string) string {
		cmd := exec.Command(tsharkPath, append(append([]string{}, base...), args...)...)
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
		var errb bytes.Buffer
		cmd.Stderr = &errb
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("tshark %v: %v: %s", args, err, errb.String())
		}
		return string(out)
	}
	rest := filepath.Join(t.TempDir(), "without-data.pcapng")
	run("-Y", "!("+dt+")", "-w", rest)
	var apdus [][]byte
	for _, line := range strings.Split(strings.TrimSpace(run("-Y", dt, "-T", "fields", "-e", "tcp.payload")), "\n") {
		if line == "" {
			continue
		}
		payload, err := hex.DecodeString(strings.ReplaceAll(line, ":", ""))
		if err != nil {
			t.Fatalf("tcp.payload %q: %v", line, err)
		}
		apdu, err := x410DTUserData(payload)
		if err != nil {
			t.Fatalf("DT frame %x: %v", payload, err)
		}
		apdus = append(apdus, apdu)
	}
	return rest, apdus
}

// x410DTUserData returns the user information of the DT SPDU in the TCP
// payload b: of the TPKTs it holds (a sender may write several in one
// segment: the activity start, the data and the activity end of a
// transfer), the one whose TSDU is a GT then the DT.
func x410DTUserData(b []byte) ([]byte, error) {
	var first error
	for len(b) > 0 {
		if len(b) < 4 || b[0] != 3 {
			return nil, errors.New("not a TPKT")
		}
		n := int(b[2])<<8 | int(b[3])
		if n < 4 || n > len(b) {
			return nil, errors.New("TPKT cut")
		}
		ud, err := x410TPKTUserData(b[:n])
		if err == nil {
			return ud, nil
		}
		if first == nil {
			first = err
		}
		b = b[n:]
	}
	if first == nil {
		first = errors.New("no TPKT")
	}
	return nil, first
}

// x410TPKTUserData returns the user information of the DT SPDU in one
// TPKT (RFC 1006 §6) holding one COTP DT TPDU with EOT (X.224 §13.7), whose
// TSDU is a GT then the DT (X.225 §8.3.11, §8.3.13).
func x410TPKTUserData(b []byte) ([]byte, error) {
	if len(b) < 7 || b[0] != 3 || int(b[2])<<8|int(b[3]) != len(b) {
		return nil, errors.New("not one TPKT")
	}
	b = b[4:]
	li := int(b[0])
	if li < 2 || len(b) < 1+li || b[1] != 0xf0 || b[2]&0x80 == 0 {
		return nil, errors.New("not a COTP DT TPDU with EOT")
	}
	b = b[1+li:]
	// spdu splits off one SPDU: its SI, and what follows its parameters.
	spdu := func(b []byte) (byte, []byte, error) {
		if len(b) < 2 {
			return 0, nil, errors.New("truncated SPDU")
		}
		n, hl := int(b[1]), 2
		if b[1] == 0xff {
			if len(b) < 4 {
				return 0, nil, errors.New("truncated SPDU length")
			}
			n, hl = int(b[2])<<8|int(b[3]), 4
		}
		if len(b) < hl+n {
			return 0, nil, errors.New("truncated SPDU")
		}
		return b[0], b[hl+n:], nil
	}
	si, b, err := spdu(b)
	if err != nil || si != 1 {
		return nil, fmt.Errorf("the TSDU does not start with a GT SPDU (SI %d, %v)", si, err)
	}
	si, b, err = spdu(b)
	if err != nil || si != 1 {
		return nil, fmt.Errorf("no DT SPDU after the GT (SI %d, %v)", si, err)
	}
	return b, nil
}

// moduleRoot is the directory of go.mod above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// keepCapture copies a failed test's capture to MIXERD_KEEP_CAPTURES (a
// directory), when set, for a look with Wireshark.
func keepCapture(t *testing.T, file, name string) {
	dir := os.Getenv("MIXERD_KEEP_CAPTURES")
	if dir == "" {
		t.Logf("set MIXERD_KEEP_CAPTURES=DIR to keep the capture")
		return
	}
	b, err := os.ReadFile(file)
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, name+".pcapng"), b, 0o644)
	}
	if err != nil {
		t.Logf("capture not kept: %v", err)
		return
	}
	t.Logf("capture kept in %s", filepath.Join(dir, name+".pcapng"))
}
