package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A hashed password checks against the password and nothing else; a
// password kept as it is compares as it is.
func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("operator-secret", hashMinIter)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, HashPrefix+"10000$") || strings.Contains(h, "operator-secret") {
		t.Fatalf("hash %q", h)
	}
	h2, _ := HashPassword("operator-secret", hashMinIter)
	if h == h2 {
		t.Error("two hashes of one password are the same: no random salt")
	}
	for _, c := range []struct {
		stored, given string
		ok            bool
	}{
		{h, "operator-secret", true},
		{h, "operator-secreT", false},
		{h, "", false},
		{h, h, false},
		{"plain", "plain", true},
		{"plain", "plain ", false},
		{HashPrefix + "10000$bad", "x", false},
	} {
		if got := CheckPassword(c.stored, c.given); got != c.ok {
			t.Errorf("CheckPassword(%.30q, %q) = %v, want %v", c.stored, c.given, got, c.ok)
		}
	}
	if _, err := HashPassword("x", 100); err == nil {
		t.Error("100 iterations accepted")
	}
}

// The policy takes hashed smtp_user passwords, and reports a malformed
// one at its place.
func TestPolicyHashedUser(t *testing.T) {
	h, err := HashPassword("pw", hashMinIter)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(pw string) string {
		f := filepath.Join(dir, "p.hcl")
		src := minimal + "smtp_user \"alice\" {\n  password = \"" + pw + "\"\n}\n"
		if err := os.WriteFile(f, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	p, err := Load(write(h))
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(p.SMTPUsers["alice"], "pw") || CheckPassword(p.SMTPUsers["alice"], "pw2") {
		t.Errorf("stored %q does not check", p.SMTPUsers["alice"])
	}
	for _, bad := range []string{HashPrefix + "5$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA", HashPrefix + "10000$salt", HashPrefix + "10000$!!$!!"} {
		_, err := Load(write(bad))
		if err == nil || !strings.Contains(err.Error(), "p.hcl:") || !strings.Contains(err.Error(), "hashed password") {
			t.Errorf("password %q: %v", bad, err)
		}
	}
}

// UnknownUser costs what the costliest stored hash costs and matches no
// password; none without hashed passwords. A key of more than one
// HMAC-SHA-256 block is refused (each block would cost a whole run).
func TestPasswordUnknownUser(t *testing.T) {
	if u := UnknownUser(map[string]string{"a": "plain"}); u != "" {
		t.Errorf("UnknownUser without hashes = %q", u)
	}
	h1, _ := HashPassword("x", 10000)
	h2, _ := HashPassword("y", 20000)
	u := UnknownUser(map[string]string{"a": h1, "b": h2, "c": "plain"})
	if !strings.HasPrefix(u, HashPrefix+"20000$") || CheckPassword(u, "x") || CheckPassword(u, "") {
		t.Errorf("UnknownUser = %q", u)
	}
	long := HashPrefix + "10000$" + hashEncoding.EncodeToString(make([]byte, 16)) + "$" + hashEncoding.EncodeToString(make([]byte, 64))
	if _, _, err := parseHash(long); err == nil {
		t.Error("a 64-byte key accepted")
	}
}
