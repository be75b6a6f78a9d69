package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestConfigTestExamplePolicy(t *testing.T) {
	code, out, errs := runCmd(t, nil, "config", "test", "-policy", "../../policy.hcl")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 || lines[0] != "../../policy.hcl: ok" || !strings.Contains(lines[1], "gateway MIXERD") {
		t.Errorf("output:\n%s", out)
	}
}

// Every problem is printed as FILE:LINE:COL: message, and the exit code
// is 1.
func TestConfigTestReportsEveryProblem(t *testing.T) {
	file := filepath.Join(t.TempDir(), "bad.hcl")
	src := `gateway {
  mta_name      = "GW"
  password      = "pw"
  global_domain = "/C=GB/ADMD= /PRMD=MOD/"
  or_address    = "/C=GB/ADMD= /PRMD=MOD/O=GW/"
  domain        = "gw.example.mil"
}
p1_listener "a" {
  address      = "127.0.0.1:10102"
  idle_timeout = "1 hour"
}
routing {
  x400_default = "NOBODY"
}
`
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd(t, nil, "config", "test", "-policy", file)
	if code != 1 || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	lines := strings.Split(strings.TrimSuffix(errs, "\n"), "\n")
	want := []string{
		file + `:10:18: idle_timeout: "1 hour" is not a duration`,
		file + `:13:18: x400_default: "NOBODY" is no x400_peer or smtp_relay`,
	}
	if len(lines) != len(want)+1 {
		t.Fatalf("stderr:\n%s", errs)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want %q...", i, lines[i], w)
		}
	}
	if lines[2] != file+": 2 problem(s)" {
		t.Errorf("last line %q", lines[2])
	}
}

func TestConfigTestMissingFileAndUsage(t *testing.T) {
	dir := t.TempDir()
	code, _, errs := runCmd(t, nil, "config", "test", "-policy", filepath.Join(dir, "none.hcl"))
	if code != 1 || !regexp.MustCompile(`none\.hcl: .*no such file`).MatchString(errs) {
		t.Errorf("missing file: exit %d: %s", code, errs)
	}
	for _, args := range [][]string{{"config"}, {"config", "check"}, {"config", "test", "extra"}, {"config", "test", "-bogus"}} {
		if code, _, _ := runCmd(t, nil, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	// The default file is policy.hcl in the working directory.
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join(wd, "..", ".."))
	if code, out, errs := runCmd(t, nil, "config", "test"); code != 0 || !strings.HasPrefix(out, "policy.hcl: ok\n") {
		t.Errorf("default file: exit %d: %s%s", code, out, errs)
	}
}
