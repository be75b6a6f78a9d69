package policy

import (
	"os"
	"testing"
)

// FuzzLoadBytes: any input gives a policy or Errors, never a panic, and
// every error has a position in the file.
func FuzzLoadBytes(f *testing.F) {
	src, err := os.ReadFile("../policy.hcl")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(src)
	f.Add([]byte(minimal))
	f.Add([]byte(routes))
	f.Add([]byte(minimal + laneBlock("FLASH", "retry")))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		p, err := LoadBytes(dir+"/f.hcl", b)
		if (p == nil) == (err == nil) {
			t.Fatalf("policy %v, error %v", p, err)
		}
		if err != nil {
			es := errorsOf(t, err)
			if len(es) == 0 {
				t.Fatal("empty Errors")
			}
		}
	})
}
