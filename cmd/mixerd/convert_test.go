package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mixerd/internal/tshark"
	"mixerd/mixer"
	"mixerd/x400"
)

// The PP message of ../shared/vectors (a 1988 transfer from PP-A to
// PP-B) converts to an SMTP envelope and an RFC 5322 message that a mail
// client shows correctly: the addresses in the std-or form at the
// gateway's domain (no MCGAM given), the subject, the Message-ID from
// the IPM identifier (RFC 2156 §4.7.3.4), the text.
func TestConvertPPMessageToSMTP(t *testing.T) {
	code, out, errs := runCmd(t, nil, "convert", "--to", "smtp", "--domain", "gw.example.mil", ppMessage)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	env, msg, ok := strings.Cut(out, "\n\n")
	if !ok {
		t.Fatalf("no blank line between the envelope and the message:\n%s", out)
	}
	lines := strings.Split(env, "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "MAIL FROM:<") || !strings.HasPrefix(lines[1], "RCPT TO:<") {
		t.Fatalf("envelope:\n%s", env)
	}
	for _, want := range []string{"@gw.example.mil>", "/S=root/"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("MAIL FROM lacks %q: %s", want, lines[0])
		}
	}
	if !strings.Contains(lines[1], "/S=bob/") {
		t.Errorf("RCPT TO: %s", lines[1])
	}
	h, n, err := mixer.ParseHeader([]byte(msg), mixer.HeaderLimits{})
	if err != nil {
		t.Fatalf("message header: %v\n%s", err, msg)
	}
	for name, want := range map[string]string{
		"Subject":    "X.400 P1 test 4",
		"Message-ID": `<"26090 Sun Nov 22 21:19:53 2026"@a.test>`,
	} {
		if got, _ := h.Get(name); strings.TrimSpace(got) != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"From", "To", "Date", "X400-Received", "X400-MTS-Identifier", "MIME-Version", "Content-Type"} {
		if _, ok := h.Get(name); !ok {
			t.Errorf("no %s: field:\n%s", name, msg)
		}
	}
	if !strings.Contains(msg[n:], "Hello bob, this went over X.400 P1 (1988 normal mode) from PP-A to PP-B.") {
		t.Errorf("body:\n%s", msg[n:])
	}
	if !strings.Contains(errs, "report: mapped") {
		t.Errorf("no conversion report on stderr:\n%s", errs)
	}
}

// Messages as real mailers write them convert to P1 messages that
// Wireshark's p1, p22 and p772 dissectors decode without a warning.
func TestConvertMailersToX400(t *testing.T) {
	files, err := filepath.Glob("../../mixer/testdata/*.eml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample messages: %v", err)
	}
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.ber")
			code, _, errs := runCmd(t, nil, "convert", "--to", "x400", "--domain", "gw.example.mil",
				"--or-address", "/C=GB/ADMD= /PRMD=MOD/O=Gateway/", "-o", out, name)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			apdu, err := x400.DecodeMTSAPDU(data, nil)
			if err != nil || apdu.Message == nil {
				t.Fatalf("output is not a P1 message: %v", err)
			}
			obj, err := x400.DecodeInformationObject(apdu.Message.Content, nil)
			if err != nil || obj.IPM == nil {
				t.Fatalf("content is not an IPM: %v", err)
			}
			require := []string{"p1.message_element", "p1.originator_name_element", "p1.per_recipient_fields",
				"p1.trace_information", "p22.this_IPM_element", "p22.subject", "p22.primary_recipients"}
			if !strings.Contains(name, "military") {
				require = append(require, "p22.ipm_element")
			} else {
				// P772 content: the IPM is the MM alternative.
				require = append(require, "p772.mm_element")
				if !apdu.Message.Envelope.ContentType.Is(x400.ContentTypeP772) {
					t.Errorf("content type %v, want P772", apdu.Message.Envelope.ContentType)
				}
				require = append(require, "p772.PrimaryPrecedence", "p772.CopyPrecedence", "p772.MessageType_element",
					"p772.OriginatorReference", "p772.HandlingInstructions")
			}
			// Wireshark has no dissector for the OIDs RFC 2156 and RFC 2157
			// define under mixer (1.3.6.1.7.1: the rfc-822-field-list and
			// multipart-message heading extensions, the MIME body part):
			// values of those types, and only those, may stay undissected.
			tshark.CheckBER(t, data, "P1 Message", tshark.Check{Require: require,
				OIDsWithoutDissector: []string{"1.3.6.1.7.1"}})
		})
	}
}

// A message that cannot be converted says what the reports would carry.
func TestConvertRefused(t *testing.T) {
	code, _, errs := runCmd(t, []byte("From: a@b.example\r\nTo: c@d.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\nno boundary\r\n"),
		"convert", "--to", "x400", "-o", filepath.Join(t.TempDir(), "x.ber"), "-")
	if code != 1 || !strings.Contains(errs, "would be non-delivered: non-delivery reason 2") || !strings.Contains(errs, "DSN status 5.") {
		t.Errorf("exit %d: %s", code, errs)
	}
	code, _, errs = runCmd(t, nil, "convert", "--to", "smtp", "--mt-priority-policy", "bogus", ppMessage)
	if code != 1 || !strings.Contains(errs, "--mt-priority-policy") {
		t.Errorf("bad policy: exit %d: %s", code, errs)
	}
}
