package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mixerd/internal/netfault"
	"mixerd/x400"
)

// TestSendRecovered: mixerd send to mixerd listen, with their default
// recovery settings, of a 6 MB message whose connection is killed in the
// middle: the transfer is resumed on a new connection (RTSE recovery) and
// the spool holds the message once, byte for byte.
func TestSendRecovered(t *testing.T) {
	for _, mode := range []string{"1988", "x410"} {
		t.Run(mode, func(t *testing.T) {
			spool := t.TempDir()
			addr, out := startListen(t, "--spool", spool, "--mta", "mta-b", "--password", "pw-b", "--peer", "mta-a:pw-a")
			p := netfault.NewCutProxy(t, addr, 3<<20)
			m := x400.SampleMessage()
			m.Message.Content = bytes.Repeat([]byte("recovered "), 600_000)
			f := writeAPDU(t, m)
			sent, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			code, stdout, errs := runCmd(t, nil, append([]string{"send", p.Addr(), f, "--mode", mode, "--checkpoint", "16"}, bindArgs...)...)
			if code != 0 {
				t.Fatalf("send: exit %d: %s%s", code, stdout, errs)
			}
			if n := p.Conns(); n != 2 {
				t.Fatalf("%d connections: the transfer was not recovered", n)
			}
			files, _ := filepath.Glob(filepath.Join(spool, "*.ber"))
			if len(files) != 1 {
				t.Fatalf("the spool holds %d files, want 1:\n%s", len(files), out)
			}
			got, err := os.ReadFile(files[0])
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, sent) {
				t.Fatalf("the spooled APDU (%d octets) is not the one sent (%d octets)", len(got), len(sent))
			}
			if !strings.Contains(stdout, "confirmed") {
				t.Errorf("send's output: %s", stdout)
			}
		})
	}
}

// TestSendNotRecovered: with --recover 0 the same cut fails the send, and
// the listener keeps nothing of the half-sent message.
func TestSendNotRecovered(t *testing.T) {
	spool := t.TempDir()
	addr, _ := startListen(t, "--spool", spool, "--mta", "mta-b", "--password", "pw-b", "--peer", "mta-a:pw-a")
	p := netfault.NewCutProxy(t, addr, 3<<20)
	m := x400.SampleMessage()
	m.Message.Content = bytes.Repeat([]byte("recovered "), 600_000)
	f := writeAPDU(t, m)
	code, stdout, errs := runCmd(t, nil, append([]string{"send", p.Addr(), f, "--checkpoint", "16", "--recover", "0"}, bindArgs...)...)
	if code != 1 || !strings.Contains(errs, "not confirmed") {
		t.Fatalf("send: exit %d: %s%s, want 1 and not confirmed", code, stdout, errs)
	}
	if files, _ := filepath.Glob(filepath.Join(spool, "*.ber")); len(files) != 0 {
		t.Fatalf("the spool holds %d files", len(files))
	}
}
