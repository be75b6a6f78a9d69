package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mixerd serve with the repository's policy.hcl starts, listens on its
// loopback ports, reloads on SIGHUP and stops within a second when its
// context (SIGTERM in serveCmd) ends.
func TestServePolicyHCL(t *testing.T) {
	src, err := os.ReadFile("../../policy.hcl")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "policy.hcl")
	if err := os.WriteFile(file, src, 0o600); err != nil {
		t.Fatal(err)
	}
	// The ports policy.hcl names must be free here.
	for _, a := range []string{"127.0.0.1:10102", "127.0.0.1:10025"} {
		l, err := net.Listen("tcp", a)
		if err != nil {
			t.Skipf("%s busy: %v", a, err)
		}
		l.Close()
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	hup := make(chan os.Signal, 1)
	done := make(chan int, 1)
	go func() { done <- serve(ctx, []string{"-policy", file}, &logs, hup) }()

	deadline := time.Now().Add(10 * time.Second)
	for _, a := range []string{"127.0.0.1:10102", "127.0.0.1:10025"} {
		for {
			c, err := net.DialTimeout("tcp", a, time.Second)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s not listening: %v\n%s", a, err, logs.String())
			}
			select {
			case code := <-done:
				t.Fatalf("serve exited %d:\n%s", code, logs.String())
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	// A bad policy on SIGHUP is refused; the daemon goes on.
	if err := os.WriteFile(file, []byte("gateway {\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hup <- os.Interrupt
	for !strings.Contains(logs.String(), "reload refused") {
		select {
		case code := <-done:
			t.Fatalf("serve exited %d on a bad reload:\n%s", code, logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	start := time.Now()
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d:\n%s", code, logs.String())
		}
		if el := time.Since(start); el > time.Second {
			t.Errorf("stopped in %v", el)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("serve did not stop:\n%s", logs.String())
	}
}
