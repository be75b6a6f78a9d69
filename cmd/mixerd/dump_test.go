package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func runCmd(t *testing.T, stdin []byte, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, bytes.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

const ppMessage = "../../x400/testdata/p1_message_pp1988.ber"

func TestDumpP1Message(t *testing.T) {
	for _, as := range []string{"p1", "auto"} {
		code, out, errs := runCmd(t, nil, "dump", "--as", as, ppMessage)
		if code != 0 {
			t.Fatalf("--as %s: exit %d: %s", as, code, errs)
		}
		for _, want := range []string{
			"message-identifier: [/PRMD=ptest/ADMD=TEST/C=GB/;a.test.086:22.10.26.21.19.53]",
			"originator-name: /C=GB/ADMD=TEST/PRMD=ptest/O=alpha/S=root/",
			"recipient-name: /C=GB/ADMD=TEST/PRMD=ptest/O=beta/S=bob/",
			"content-type: P22",
			"per-message-indicators: {alternate-recipient-allowed, content-return-request}",
			"original-eits:",
			`subject: "X.400 P1 test 4"`,
			"Hello bob, this went over X.400 P1",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("--as %s: output lacks %q:\n%s", as, want, out)
			}
		}
	}
}

func TestDumpJSON(t *testing.T) {
	code, out, errs := runCmd(t, nil, "dump", "--json", ppMessage)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	apdu := v["mts-apdu"].(map[string]any)["mtsapdu"].(map[string]any)
	env := apdu["message"].(map[string]any)["envelope"].(map[string]any)
	if got := env["originator-name"]; got != "/C=GB/ADMD=TEST/PRMD=ptest/O=alpha/S=root/" {
		t.Errorf("originator-name = %v", got)
	}
}

func TestDumpStdinAndRaw(t *testing.T) {
	data, err := os.ReadFile(ppMessage)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd(t, data, "dump", "--as", "raw", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, `IA5String "a.test.086:22.10.26.21.19.53"`) || !strings.Contains(out, "l= inf cons: [0]") {
		t.Errorf("raw listing:\n%s", out)
	}
}

func TestDumpBinds(t *testing.T) {
	for file, want := range map[string]string{
		"p1_bindarg_normal_mon.ber": "mta-bind-argument-or-result:",
		"p1_bindres_normal_mon.ber": "mta-bind-argument-or-result:",
		"p1_bindarg_loop84.ber":     "mta-bind-argument-or-result:",
	} {
		for _, as := range []string{"p1-bind", "auto"} {
			code, out, errs := runCmd(t, nil, "dump", "--as", as, "../../x400/testdata/"+file)
			if code != 0 {
				t.Fatalf("%s --as %s: exit %d: %s", file, as, code, errs)
			}
			if !strings.HasPrefix(out, want) || !strings.Contains(out, "mta-a") && !strings.Contains(out, "mta-b") {
				t.Errorf("%s --as %s:\n%s", file, as, out)
			}
		}
	}
}

func TestDumpMalformed(t *testing.T) {
	data, err := os.ReadFile(ppMessage)
	if err != nil {
		t.Fatal(err)
	}
	// Cut the message short inside the originator's O/R name: the error must
	// name the offset and the element being read.
	code, _, errs := runCmd(t, data[:40], "dump", "--as", "p1", "-")
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(errs, "offset 4: [APPLICATION 4] claims 53 content octets, only 34 present") {
		t.Errorf("error does not name the offset and element: %s", errs)
	}
	// A file that is not BER at all.
	code, _, errs = runCmd(t, []byte("hello, world"), "dump", "-")
	if code != 1 || !strings.Contains(errs, "offset 0") {
		t.Errorf("exit %d: %s", code, errs)
	}
	// Corrupt one length octet deep inside: auto reports the kind that read
	// furthest.
	bad := append([]byte(nil), data...)
	bad[25] = 0x7f
	code, _, errs = runCmd(t, bad, "dump", "-")
	if code != 1 || !strings.Contains(errs, "MTS-APDU") {
		t.Errorf("exit %d: %s", code, errs)
	}
	code, _, errs = runCmd(t, nil, "dump", "--as", "nonsense", ppMessage)
	if code != 1 || !strings.Contains(errs, "unknown --as") {
		t.Errorf("exit %d: %s", code, errs)
	}
	code, _, _ = runCmd(t, nil, "dump", "/nonexistent/file.ber")
	if code != 1 {
		t.Errorf("missing file: exit %d", code)
	}
	code, _, _ = runCmd(t, nil, "dump")
	if code != 2 {
		t.Errorf("no args: exit %d", code)
	}
}

func TestUsage(t *testing.T) {
	code, out, _ := runCmd(t, nil, "help")
	if code != 0 || !strings.Contains(out, "dump") {
		t.Errorf("help: %d %s", code, out)
	}
	if code, _, _ := runCmd(t, nil, "frobnicate"); code != 2 {
		t.Errorf("unknown command: exit %d", code)
	}
}

func TestKebab(t *testing.T) {
	for in, want := range map[string]string{
		"OriginatorName": "originator-name", "MTSAPDU": "mtsapdu", "ThisIPM": "this-ipm",
		"ACP127MessageIdentifier": "acp127-message-identifier", "IPMIdentifier": "ipm-identifier",
		"OriginalEITs": "original-eits", "ConversionEITsX": "conversion-eits-x",
	} {
		if got := kebab(in); got != want {
			t.Errorf("kebab(%q) = %q, want %q", in, got, want)
		}
	}
}
