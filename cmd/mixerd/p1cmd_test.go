package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mixerd/x400"
)

// syncBuffer is a bytes.Buffer safe for the listener's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listeningRE = regexp.MustCompile(`listening on (\S+) `)

// startListen runs mixerd listen on 127.0.0.1:0 with args until the end of
// the test and returns its address and output.
func startListen(t *testing.T, args ...string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errb := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- runListenCtx(ctx, append([]string{"127.0.0.1:0"}, args...), out, errb) }()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("listen: exit %d: %s", code, errb)
			}
		case <-time.After(10 * time.Second):
			t.Error("listen did not stop")
		}
		if t.Failed() {
			t.Logf("listen output:\n%s%s", out, errb)
		}
	})
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if m := listeningRE.FindStringSubmatch(out.String()); m != nil {
			return m[1], out
		}
		select {
		case code := <-done:
			t.Fatalf("listen exited %d: %s", code, errb)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatal("listen did not start")
	return "", nil
}

func writeAPDU(t *testing.T, a *x400.MTSAPDU) string {
	t.Helper()
	b, err := a.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "apdu.ber")
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

var bindArgs = []string{"--mta", "mta-a", "--password", "pw-a", "--peer-name", "mta-b", "--peer-password", "pw-b", "--timeout", "20s"}

func TestPingListen(t *testing.T) {
	spool := t.TempDir()
	addr, _ := startListen(t, "--spool", spool, "--mta", "mta-b", "--password", "pw-b", "--peer", "mta-a:pw-a")
	for _, extra := range [][]string{
		{"--mode", "1988"},
		{"--mode", "1988", "--dialogue", "twa", "--tsap", "0x0001", "--calling-tsap", "mixer"},
		{"--mode", "x410"},
		{"--mode", "1984", "--password-ia5"},
	} {
		code, out, errs := runCmd(t, nil, append(append([]string{"ping", addr}, bindArgs...), extra...)...)
		if code != 0 {
			t.Fatalf("ping %v: exit %d: %s", extra, code, errs)
		}
		wants := []string{"TPDU size", "session:      version", "rtse:", `peer MTA:     "mta-b"`, "released"}
		if extra[1] == "1988" {
			wants = append(wants, "contexts 1=acse 2.2.1.0.1 3=id-as-mta-rtse 2.6.0.2.12 5=id-as-mtse 2.6.0.2.7",
				"application:  id-ac-mts-transfer 2.6.0.1.6")
		}
		for _, want := range wants {
			if !strings.Contains(out, want) {
				t.Errorf("ping %v: output lacks %q:\n%s", extra, want, out)
			}
		}
	}
}

func TestPingRefused(t *testing.T) {
	addr, out := startListen(t, "--spool", t.TempDir(), "--mta", "mta-b", "--password", "pw-b", "--peer", "mta-a:pw-a")
	code, _, errs := runCmd(t, nil, "ping", addr, "--mta", "mta-a", "--password", "wrong")
	if code != 1 || !strings.Contains(errs, "bind refused: authentication-error") {
		t.Fatalf("exit %d, stderr %q: want 1 and authentication-error", code, errs)
	}
	for deadline := time.Now().Add(2 * time.Second); !strings.Contains(out.String(), "p1 bind refused") && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "p1 bind refused") {
		t.Errorf("listener did not log the refusal:\n%s", out)
	}
}

func TestSendListen(t *testing.T) {
	spool := t.TempDir()
	addr, out := startListen(t, "--spool", spool, "--mta", "mta-b", "--password", "pw-b", "--peer", "any")
	for i, c := range []struct {
		kind string
		apdu *x400.MTSAPDU
	}{{"message", x400.SampleMessage()}, {"report", x400.SampleReport()}, {"probe", x400.SampleProbe()}} {
		file := writeAPDU(t, c.apdu)
		code, sout, errs := runCmd(t, nil, append([]string{"send", addr, file}, bindArgs...)...)
		if code != 0 {
			t.Fatalf("send %s: exit %d: %s", c.kind, code, errs)
		}
		if !strings.Contains(sout, "transferred "+c.kind) || !strings.Contains(sout, "confirmed") {
			t.Errorf("send %s: output:\n%s", c.kind, sout)
		}
		// Confirmed: the file is in the spool already, and only it.
		files, _ := filepath.Glob(filepath.Join(spool, "*-"+c.kind+".ber"))
		if len(files) != 1 {
			t.Fatalf("spool has %d %s files after the send", len(files), c.kind)
		}
		got, _ := os.ReadFile(files[0])
		want, _ := os.ReadFile(file)
		if !bytes.Equal(got, want) {
			t.Errorf("spooled %s differs from the file sent", c.kind)
		}
		all, _ := os.ReadDir(spool)
		if len(all) != i+1 {
			t.Errorf("spool has %d entries after %d sends", len(all), i+1)
		}
	}
	if !strings.Contains(out.String(), "stored ") {
		t.Errorf("listener did not print the APDUs:\n%s", out)
	}
}

var summaryRE = regexp.MustCompile(`sent (\d+) APDUs, (\d+) octets, in [0-9.]+s: [0-9.]+ APDU/s, [0-9.]+ MB/s \(checkpoint size (\d+) KiB, window (\d+)\)`)

// TestSendMany sends two files three times each over one association,
// with checkpointing agreed at 4 KiB, to a listener without fsync: six
// APDUs stored, in order, and a summary line (the one bench/p1transfer
// reads); the per-APDU lines only with -v.
func TestSendMany(t *testing.T) {
	for _, verbose := range []bool{false, true} {
		spool := t.TempDir()
		addr, out := startListen(t, "--spool", spool, "--mta", "mta-b", "--password", "pw-b", "--peer", "mta-a:pw-a",
			"--no-fsync", "--checkpoint", "4")
		msg, probe := writeAPDU(t, x400.SampleMessage()), writeAPDU(t, x400.SampleProbe())
		args := append([]string{"send", addr, msg, probe, "--count", "3", "--checkpoint", "63", "--window", "2"}, bindArgs...)
		if verbose {
			args = append(args, "-v")
		}
		code, sout, errs := runCmd(t, nil, args...)
		if code != 0 {
			t.Fatalf("send: exit %d: %s", code, errs)
		}
		m := summaryRE.FindStringSubmatch(sout)
		if m == nil {
			t.Fatalf("no summary line:\n%s", sout)
		}
		mb, _ := os.ReadFile(msg)
		pb, _ := os.ReadFile(probe)
		if want := strconv.Itoa(3 * (len(mb) + len(pb))); m[1] != "6" || m[2] != want || m[3] != "4" || m[4] != "2" {
			t.Errorf("summary %q: want 6 APDUs, %s octets, checkpoint 4 KiB, window 2", m[0], want)
		}
		if n := strings.Count(sout, "transferred "); verbose && n != 6 || !verbose && n != 0 {
			t.Errorf("-v %v: %d per-APDU lines:\n%s", verbose, n, sout)
		}
		if !strings.HasSuffix(sout, "released\n") {
			t.Errorf("output does not end with the release:\n%s", sout)
		}
		// The spool names sort in arrival order.
		files, _ := filepath.Glob(filepath.Join(spool, "*.ber"))
		if len(files) != 6 {
			t.Fatalf("spool has %d files, want 6", len(files))
		}
		for i, f := range files {
			got, _ := os.ReadFile(f)
			if want := [][]byte{mb, pb}[i%2]; !bytes.Equal(got, want) {
				t.Errorf("spool file %d (%s) differs from the file sent", i, f)
			}
		}
		if !strings.Contains(out.String(), "--no-fsync") {
			t.Errorf("listen does not warn of --no-fsync:\n%s", out)
		}
	}
}

func TestSendNotAnAPDU(t *testing.T) {
	f := filepath.Join(t.TempDir(), "x.ber")
	os.WriteFile(f, []byte{0x04, 0x01, 0x00}, 0o600)
	code, _, errs := runCmd(t, nil, "send", "127.0.0.1:1", f, "--mta", "a")
	if code != 1 || !strings.Contains(errs, "not an MTS-APDU") {
		t.Fatalf("exit %d: %s", code, errs)
	}
}

// TestPingSource: a peer listed with its address is accepted when ping
// dials from that address (--source) and refused from another; a password
// with an @ that is not followed by an address stays whole.
func TestPingSource(t *testing.T) {
	addr, _ := startListen(t, "--spool", t.TempDir(), "--mta", "mta-b", "--password", "pw-b",
		"--peer", "mta-a:pw-a@127.0.0.2", "--peer", "mta-c:p@ss")
	if code, out, errs := runCmd(t, nil, "ping", addr, "--mta", "mta-a", "--password", "pw-a", "--source", "127.0.0.2"); code != 0 {
		t.Fatalf("ping from 127.0.0.2: exit %d: %s%s", code, out, errs)
	}
	code, _, errs := runCmd(t, nil, "ping", addr, "--mta", "mta-a", "--password", "pw-a", "--source", "127.0.0.3")
	if code != 1 || !strings.Contains(errs, "bind refused: authentication-error") {
		t.Fatalf("ping from 127.0.0.3: exit %d, %q: want 1 and authentication-error", code, errs)
	}
	if code, out, errs := runCmd(t, nil, "ping", addr, "--mta", "mta-c", "--password", "p@ss"); code != 0 {
		t.Fatalf("ping with p@ss: exit %d: %s%s", code, out, errs)
	}
}

// TestPingTSDU: the session TSDU maximum sizes agreed are printed; a
// message sent with them travels segmented and arrives whole.
func TestPingTSDU(t *testing.T) {
	spool := t.TempDir()
	addr, _ := startListen(t, "--spool", spool, "--mta", "mta-b", "--password", "pw-b", "--peer", "mta-a:pw-a", "--tsdu-size", "1024")
	code, out, errs := runCmd(t, nil, "ping", addr, "--mta", "mta-a", "--password", "pw-a", "--tsdu-size", "512")
	if code != 0 || !strings.Contains(out, "TSDU maximum size 512 to the peer, 512 from it") {
		t.Fatalf("ping: exit %d: %s%s", code, out, errs)
	}
	f := writeAPDU(t, x400.SampleMessage())
	if code, out, errs := runCmd(t, nil, append([]string{"send", addr, f, "--tsdu-size", "512"}, bindArgs...)...); code != 0 {
		t.Fatalf("send: exit %d: %s%s", code, out, errs)
	}
	files, _ := filepath.Glob(filepath.Join(spool, "*.ber"))
	if len(files) != 1 {
		t.Fatalf("the spool holds %d files", len(files))
	}
	got, _ := os.ReadFile(files[0])
	want, _ := os.ReadFile(f)
	if !bytes.Equal(got, want) {
		t.Error("the spooled APDU is not the one sent")
	}
}
