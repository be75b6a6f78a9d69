package daemon

import (
	"strings"
	"testing"
)

// Routing an SMTP recipient (RFC 2156 §4.3.1, §4.3.4): an X.400 address
// at the gateway's domain goes to the X.400 peer; a local part there that
// is no O/R address has no route (it would come back to the gateway); an
// Internet domain goes to the relay.
func TestRouteSMTP(t *testing.T) {
	pol := testPolicy(t, t.TempDir(), freeAddr(t), freeAddr(t), "")
	d, _ := startDaemon(t, pol)
	st := d.st.Load()
	dom := st.gw.Domain
	for _, c := range []struct {
		addr, hop, why string
	}{
		{`"/C=XX/ADMD= /PRMD=Peer/O=HQ/S=Bob/"@` + dom, "p1:", ""},
		{"Smith@" + dom, hopNone, "must be an X.400 address"},
		{"bob@example.net", "smtp:", ""},
	} {
		hop, why := d.routeSMTP(st, c.addr)
		if !strings.HasPrefix(hop, c.hop) || !strings.Contains(why, c.why) {
			t.Errorf("%s: hop %q (%s), want %q (%s)", c.addr, hop, why, c.hop, c.why)
		}
	}
}
