package mixer

import "testing"

// RFC 3461 §4: xtext.
func TestSMTPXText(t *testing.T) {
	for _, c := range []struct{ in, out string }{
		{"abc", "abc"},
		{"a+b=c", "a+2Bb+3Dc"},
		{"x y\x7f", "x+20y+7F"},
		{"<1234@host>", "<1234@host>"},
	} {
		if got := XText(c.in); got != c.out {
			t.Errorf("XText(%q) = %q, want %q", c.in, got, c.out)
		}
		back, err := ParseXText(c.out)
		if err != nil || back != c.in {
			t.Errorf("ParseXText(%q) = %q, %v", c.out, back, err)
		}
	}
	for _, bad := range []string{"a+2", "a+2b", "a b", "a=b", "+G0"} {
		if _, err := ParseXText(bad); err == nil {
			t.Errorf("ParseXText(%q) accepted", bad)
		}
	}
}

func TestSMTPCommands(t *testing.T) {
	p := 4
	e := SMTPEnvelope{MailFrom: "a@b.example", EnvID: "QQ 1+", Ret: "HDRS", MTPriority: &p,
		Recipients: []SMTPRecipient{
			{Address: "x@y.example", Notify: NotifySuccess | NotifyFailure, ORcptType: "rfc822", ORcpt: "x@y.example"},
			{Address: "z@y.example", Notify: NotifyNever},
			{Address: "w@y.example"},
		}}
	if got, want := e.MailCommand(), "MAIL FROM:<a@b.example> RET=HDRS ENVID=QQ+201+2B MT-PRIORITY=4"; got != want {
		t.Errorf("MAIL = %q, want %q", got, want)
	}
	for i, want := range []string{
		"RCPT TO:<x@y.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;x@y.example",
		"RCPT TO:<z@y.example> NOTIFY=NEVER",
		"RCPT TO:<w@y.example>",
	} {
		if got := e.RcptCommand(i); got != want {
			t.Errorf("RCPT %d = %q, want %q", i, got, want)
		}
	}
	if n, err := ParseNotify("success,Delay"); err != nil || n != NotifySuccess|NotifyDelay {
		t.Errorf("ParseNotify = %v, %v", n, err)
	}
	for _, bad := range []string{"NEVER,SUCCESS", "SOMETIMES", ""} {
		if _, err := ParseNotify(bad); err == nil {
			t.Errorf("ParseNotify(%q) accepted", bad)
		}
	}
}
