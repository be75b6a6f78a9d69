package main

import (
	"strings"
	"testing"

	"mixerd/policy"
)

func TestPasswordCommand(t *testing.T) {
	code, out, errs := runCmd(t, []byte("s3cret pass\n"), "password", "-iterations", "10000")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	h := strings.TrimSpace(out)
	if !strings.HasPrefix(h, policy.HashPrefix) || !policy.CheckPassword(h, "s3cret pass") || policy.CheckPassword(h, "s3cret") {
		t.Errorf("hash %q does not check", h)
	}
	if code, _, _ := runCmd(t, []byte("\n"), "password"); code != 1 {
		t.Errorf("empty password: exit %d, want 1", code)
	}
	if code, _, _ := runCmd(t, nil, "password", "s3cret"); code != 2 {
		t.Errorf("password as an argument: exit %d, want 2", code)
	}
	if code, _, _ := runCmd(t, []byte("x\n"), "password", "-iterations", "5"); code != 2 {
		t.Errorf("5 iterations: exit %d, want 2", code)
	}
}
