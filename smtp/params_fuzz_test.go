package smtp

import (
	"strings"
	"testing"
)

// FuzzParse checks that no MAIL or RCPT argument panics the parsers and
// that a successful parse keeps the path as given.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"FROM:<a@b> MT-PRIORITY=-2 RET=HDRS ENVID=QQ+2Bx SIZE=100 BODY=8BITMIME",
		"TO:<b@c> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+40x@c",
		"TO:<\"q >\"@c> ORCPT=x400;+2FC+3DGB+2F",
		"FROM:<> SMTPUTF8", "FROM:<@r,@s:a@b>", "FROM:<a@b>x", "TO:<a@b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if m, rep := parseMail(s, 1000, true); rep == nil && !strings.Contains(s, "<"+m.from+">") {
			t.Errorf("path %q not in %q", m.from, s)
		}
		if r, rep := parseRcpt(s, true); rep == nil && r.to == "" {
			t.Errorf("empty forward-path from %q", s)
		}
	})
}
