package smtp

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mixerd/mixer"
)

const smtpSink = "/usr/sbin/smtp-sink"

// startSink runs Postfix's smtp-sink on a free loopback port, dumping
// transactions to a file; extra are its options (-N: no DSN).
func startSink(t *testing.T, extra ...string) (addr, dump string) {
	t.Helper()
	if _, err := os.Stat(smtpSink); err != nil {
		t.Skip("Postfix smtp-sink not installed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = l.Addr().String()
	l.Close()
	dir, err := os.MkdirTemp("", "mixerd-smtp-sink-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	dump = filepath.Join(dir, "dump")
	f, err := os.Create(dump)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	os.Chmod(filepath.Dir(dump), 0o777)
	os.Chmod(dump, 0o666)
	args := append([]string{}, extra...)
	if os.Getuid() == 0 {
		args = append(args, "-u", "nobody")
	}
	args = append(args, "-D", dump, addr, "10")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, smtpSink, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("smtp-sink: %s", stderr.String())
		}
	})
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return addr, dump
		}
		if time.Now().After(deadline) {
			t.Fatalf("smtp-sink did not start: %v", err)
		}
		time.Sleep(20 * time.Millisecond) // waiting for an outside process
	}
}

func TestPostfixSink(t *testing.T) {
	for _, c := range []struct {
		name    string
		opts    []string
		dsn     bool
		relayed bool
	}{{"dsn", nil, true, false}, {"nodsn", []string{"-N"}, false, true}} {
		t.Run(c.name, func(t *testing.T) {
			addr, dump := startSink(t, c.opts...)
			p := 2
			env := &mixer.SMTPEnvelope{MailFrom: "a@r.test", EnvID: "E1", Ret: "HDRS", MTPriority: &p,
				Recipients: []mixer.SMTPRecipient{{Address: "b@x.test", Notify: mixer.NotifySuccess, ORcptType: "rfc822", ORcpt: "b@x.test"}}}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			res, err := (&Client{Hostname: "c.test"}).Deliver(ctx, addr, env, []byte("Subject: s\r\n\r\nbody\r\n"))
			if err != nil {
				t.Fatal(err)
			}
			r := res.Recipients[0]
			if !r.Accepted || r.Relayed != c.relayed || res.DSN != c.dsn || res.MTPriority {
				t.Fatalf("result %+v %+v", res, r)
			}
			b, _ := os.ReadFile(dump)
			d := string(b)
			if !strings.Contains(d, "MT-Priority: 2") {
				t.Errorf("no MT-Priority header in:\n%s", d)
			}
			if strings.Contains(d, "ENVID=E1") != c.dsn || strings.Contains(d, "NOTIFY=SUCCESS") != c.dsn {
				t.Errorf("DSN parameters (offered %v) in:\n%s", c.dsn, d)
			}
		})
	}
}
