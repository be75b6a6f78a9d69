package smtp

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"
)

// front wraps one accepted connection under go-smtp (see the package
// doc). All fields but raw are used only by go-smtp's connection
// goroutine, which calls Read and Write in turn.
type front struct {
	raw  net.Conn      // the socket; Close closes it
	conn net.Conn      // raw, or the tls.Conn over it after STARTTLS
	br   *bufio.Reader // reads conn; its size is the line limit
	srv  *Server
	id   string // connection id for logs
	// trusted: the client is in the listener's trusted networks.
	trusted bool
	// authFailures counts the failed AUTH of the connection.
	authFailures int
	log          *slog.Logger // with the connection id
	sess         *session     // set by NewSession

	pending   []byte // the line (or data) go-smtp reads next
	wbuf      []byte // an unfinished reply line from go-smtp
	out       []byte // replies not yet sent (RFC 2920 §3: batched while pipelined commands wait)
	dataMode  bool   // passing message content until "."
	lineStart bool   // in dataMode: the next byte starts a line
	longLine  bool   // in dataMode: a content line exceeded the limit
	afterData bool   // the last line passed was DATA
	lastReply int    // code of go-smtp's last final reply line
	needHello bool   // after STARTTLS, until a new EHLO/HELO
	tlsState  *tls.ConnectionState
	errCount  int

	mail       *mailParams // parameters of the MAIL line being handled
	rcpt       *rcptParams // parameters of the RCPT line being handled
	lowered    bool        // rewrite go-smtp's next 250 to MAIL as 2.3.6
	ehlo       bool        // replace go-smtp's reply to EHLO
	ehloLines  []string
	swallowing int // go-smtp replies to drop (the RSET after STARTTLS)
}

const maxFrontErrors = 20

var errClosing = errors.New("smtp: closing connection")

func (f *front) Read(p []byte) (int, error) {
	for len(f.pending) == 0 {
		// RFC 2920 §3: replies to pipelined commands go out together, when
		// no more input is waiting (and always before we wait for input).
		if f.br.Buffered() == 0 {
			if err := f.flush(); err != nil {
				return 0, err
			}
		}
		if err := f.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, f.pending)
	f.pending = f.pending[n:]
	return n, nil
}

// next fills f.pending with the next command line for go-smtp, or a run
// of message content; it answers by itself what go-smtp must not see.
func (f *front) next() error {
	if f.afterData {
		f.afterData = false
		if f.lastReply == 354 {
			f.dataMode, f.lineStart, f.longLine = true, true, false
		}
	}
	if f.dataMode {
		return f.nextData()
	}
	line, err := f.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		for err == bufio.ErrBufferFull {
			_, err = f.br.ReadSlice('\n')
		}
		if err != nil {
			return err
		}
		// RFC 5321 §4.5.3.1.4: 512 octets for a command line.
		f.log.Warn("command line too long")
		return f.fail(&Reply{500, "5.5.2", "Line too long"})
	}
	if err != nil {
		return err
	}
	s := strings.TrimRight(string(line), "\r\n")
	verb, arg, _ := strings.Cut(s, " ")
	verb = strings.ToUpper(verb)
	f.log.Debug("command", "verb", printable(verb))
	if f.srv.cfg.RequireTLS && f.tlsState == nil {
		switch verb {
		case "EHLO", "STARTTLS", "NOOP", "QUIT":
		default:
			// RFC 3207 §4.
			f.log.Info("command refused before STARTTLS", "verb", printable(verb))
			return f.fail(&Reply{530, "5.7.0", "Must issue a STARTTLS command first"})
		}
	}
	switch verb {
	case "EHLO", "HELO":
		f.needHello = false
		f.ehlo = verb == "EHLO"
		f.ehloLines = f.ehloLines[:0]
	case "STARTTLS":
		return f.startTLS(arg)
	case "AUTH":
		switch {
		case f.authFailures >= maxAuthFailures:
			// RFC 4954 §4: a server may limit failed attempts.
			f.log.Warn("too many failed AUTH, closing")
			f.writeOwn("421 4.7.0 Too many failed authentications, closing connection")
			return errClosing
		case f.needHello:
			return f.fail(&Reply{503, "5.5.1", "Send EHLO first"})
		case f.srv.cfg.Authenticate == nil:
			return f.fail(&Reply{502, "5.5.1", "AUTH not offered"})
		case f.tlsState == nil && !f.insecureAuthOK():
			// RFC 4954 §4, §6.
			return f.fail(&Reply{538, "5.7.11", "Encryption required for requested authentication mechanism"})
		}
	case "MAIL":
		if f.needHello {
			return f.fail(&Reply{503, "5.5.1", "Send EHLO first"})
		}
		if f.srv.cfg.RequireAuth && (f.sess == nil || f.sess.authUser == "") {
			return f.fail(&Reply{530, "5.7.0", "Authentication required"})
		}
		m, rep := parseMail(arg, f.srv.cfg.MaxMessageBytes, f.srv.cfg.SMTPUTF8)
		if rep != nil {
			f.log.Info("MAIL refused", "reply", rep.line())
			return f.fail(rep)
		}
		f.mail = m
		f.pending = []byte("MAIL FROM:<" + m.from + ">\r\n")
		return nil
	case "RCPT":
		if f.needHello {
			return f.fail(&Reply{503, "5.5.1", "Send EHLO first"})
		}
		r, rep := parseRcpt(arg, f.sess != nil && f.sess.env.SMTPUTF8)
		if rep != nil {
			f.log.Info("RCPT refused", "reply", rep.line())
			return f.fail(rep)
		}
		f.rcpt = r
		f.pending = []byte("RCPT TO:<" + r.to + ">\r\n")
		return nil
	case "DATA":
		if f.needHello {
			return f.fail(&Reply{503, "5.5.1", "Send EHLO first"})
		}
		f.afterData = true
	case "BDAT":
		return f.fail(&Reply{502, "5.5.1", "CHUNKING not offered"})
	}
	f.pending = append(f.pending[:0], s...)
	f.pending = append(f.pending, '\r', '\n')
	return nil
}

// nextData passes message content up to and including the "." line.
// A content line longer than the limit is passed on and flagged; the
// session refuses the message (RFC 5321 §4.5.3.1.6).
func (f *front) nextData() error {
	for len(f.pending) < 32<<10 {
		line, err := f.br.ReadSlice('\n')
		full := err == nil
		if err == bufio.ErrBufferFull {
			if !f.longLine {
				f.log.Warn("message line too long")
			}
			f.longLine, err = true, nil
		}
		if err != nil {
			if len(f.pending) > 0 {
				return nil
			}
			return err
		}
		f.pending = append(f.pending, line...)
		if f.lineStart && full && (string(line) == ".\r\n" || string(line) == ".\n") {
			f.dataMode = false
			return nil
		}
		f.lineStart = full
		if f.br.Buffered() == 0 {
			return nil
		}
	}
	return nil
}

// fail writes the front's own reply to the command just read.
func (f *front) fail(r *Reply) error {
	if err := f.writeOwn(r.line()); err != nil {
		return err
	}
	f.errCount++
	if f.errCount > maxFrontErrors {
		f.log.Warn("too many errors, closing")
		f.writeOwn("421 4.7.0 Too many errors, closing connection")
		return errClosing
	}
	return nil
}

// writeOwn writes one reply line of the front itself.
func (f *front) writeOwn(line string) error { return f.emit(line) }

// emit queues one reply line after those before it (go-smtp's and the
// front's own, in command order). A reply after which the connection
// closes or changes (221, 421, the 220 before a TLS handshake) is sent at
// once; the others when Read finds no more input waiting.
func (f *front) emit(line string) error {
	f.out = append(f.out, line...)
	f.out = append(f.out, '\r', '\n')
	// Bounded: a client that keeps input waiting cannot make replies pile
	// up; past 4 KiB they go out (and a client that does not read them
	// meets WriteTimeout).
	if len(f.out) >= 4<<10 || strings.HasPrefix(line, "221") || strings.HasPrefix(line, "421") || strings.HasPrefix(line, "220") {
		return f.flush()
	}
	return nil
}

// flush sends the queued replies.
func (f *front) flush() error {
	if len(f.out) == 0 {
		return nil
	}
	if d := f.srv.cfg.WriteTimeout; d > 0 {
		f.conn.SetWriteDeadline(time.Now().Add(d))
	}
	_, err := f.conn.Write(f.out)
	f.out = f.out[:0]
	return err
}

// startTLS is RFC 3207 §4 done under go-smtp.
func (f *front) startTLS(arg string) error {
	switch {
	case f.srv.cfg.TLS == nil:
		return f.fail(&Reply{502, "5.5.1", "STARTTLS not offered"})
	case f.tlsState != nil:
		return f.fail(&Reply{503, "5.5.1", "TLS already active"})
	case strings.TrimSpace(arg) != "":
		return f.fail(&Reply{501, "5.5.4", "STARTTLS takes no parameters"})
	}
	if n := f.br.Buffered(); n > 0 {
		// RFC 3207 §5: nothing sent before the handshake may be acted on.
		f.log.Warn("discarding commands pipelined after STARTTLS", "bytes", n)
		f.br.Discard(n)
	}
	if err := f.writeOwn("220 2.0.0 Ready to start TLS"); err != nil {
		return err
	}
	tc := tls.Server(f.raw, f.srv.cfg.TLS)
	d := f.srv.cfg.ReadTimeout
	if d <= 0 {
		d = time.Minute
	}
	tc.SetDeadline(time.Now().Add(d))
	if err := tc.Handshake(); err != nil {
		f.log.Warn("TLS handshake failed", "err", err)
		return errClosing
	}
	tc.SetDeadline(time.Time{})
	st := tc.ConnectionState()
	f.conn, f.tlsState = tc, &st
	f.br = bufio.NewReaderSize(tc, f.srv.lineLimit())
	f.needHello = true
	if f.sess != nil {
		f.sess.authUser = ""
	}
	f.log.Info("TLS started", "version", tls.VersionName(st.Version), "cipher", tls.CipherSuiteName(st.CipherSuite))
	// Reset go-smtp's transaction; its reply is dropped.
	f.swallowing++
	f.pending = []byte("RSET\r\n")
	return nil
}

func (f *front) Write(b []byte) (int, error) {
	f.wbuf = append(f.wbuf, b...)
	for {
		i := bytes.IndexByte(f.wbuf, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimRight(string(f.wbuf[:i]), "\r")
		f.wbuf = append(f.wbuf[:0], f.wbuf[i+1:]...)
		if err := f.replyLine(line); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

// replyLine handles one reply line written by go-smtp.
func (f *front) replyLine(line string) error {
	code := 0
	if len(line) >= 3 {
		code, _ = strconv.Atoi(line[:3])
	}
	final := len(line) == 3 || len(line) > 3 && line[3] == ' '
	if f.swallowing > 0 {
		if final {
			f.swallowing--
		}
		return nil
	}
	if f.ehlo {
		f.ehloLines = append(f.ehloLines, line)
		if !final {
			return nil
		}
		f.ehlo = false
		if code == 250 {
			return f.writeLines(f.ehloReply(f.ehloLines[0]))
		}
		return f.writeLines(f.ehloLines)
	}
	if final {
		f.lastReply = code
		if f.lowered {
			f.lowered = false
			if code == 250 {
				// RFC 6710 §4.1: X.3.6, then the new priority.
				line = "250 2.3.6 0 MT-PRIORITY lowered: raised priority needs a trusted or authenticated client"
			}
		}
	}
	return f.emit(line)
}

func (f *front) writeLines(lines []string) error {
	for _, l := range lines {
		if err := f.emit(l); err != nil {
			return err
		}
	}
	return nil
}

// ehloReply is the EHLO reply, RFC 5321 §4.1.1.1, with the extensions
// mixerd implements on this connection.
func (f *front) ehloReply(first string) []string {
	cfg := &f.srv.cfg
	caps := []string{cfg.Hostname + " " + first[4:], "PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "DSN"}
	if cfg.MaxMessageBytes > 0 {
		caps = append(caps, "SIZE "+strconv.FormatInt(cfg.MaxMessageBytes, 10))
	} else {
		caps = append(caps, "SIZE")
	}
	if cfg.SMTPUTF8 {
		caps = append(caps, "SMTPUTF8")
	}
	if cfg.TLS != nil && f.tlsState == nil {
		caps = append(caps, "STARTTLS")
	}
	if cfg.Authenticate != nil && (f.tlsState != nil || f.insecureAuthOK()) {
		caps = append(caps, "AUTH PLAIN")
	}
	if cfg.MaxRecipients > 0 {
		caps = append(caps, "LIMITS RCPTMAX="+strconv.Itoa(cfg.MaxRecipients))
	}
	caps = append(caps, "MT-PRIORITY "+cfg.mtPolicy())
	out := make([]string, len(caps))
	for i, c := range caps {
		sep := "-"
		if i == len(caps)-1 {
			sep = " "
		}
		out[i] = "250" + sep + c
	}
	return out
}

func (f *front) Close() error                       { return f.raw.Close() }
func (f *front) LocalAddr() net.Addr                { return f.raw.LocalAddr() }
func (f *front) RemoteAddr() net.Addr               { return f.raw.RemoteAddr() }
func (f *front) SetDeadline(t time.Time) error      { return f.conn.SetDeadline(t) }
func (f *front) SetReadDeadline(t time.Time) error  { return f.conn.SetReadDeadline(t) }
func (f *front) SetWriteDeadline(t time.Time) error { return f.conn.SetWriteDeadline(t) }

func newReader(c net.Conn, limit int) *bufio.Reader { return bufio.NewReaderSize(c, limit) }

// insecureAuthOK says whether AUTH may go without TLS on this connection:
// never when TLS is required; when the listener allows it to everyone
// (tests); else only on a listener without TLS, to a client in its
// trusted networks (RFC 4954 §4: a plaintext mechanism is not offered
// where a protected session could be had).
func (f *front) insecureAuthOK() bool {
	cfg := &f.srv.cfg
	return !cfg.RequireTLS && (cfg.AllowInsecureAuth || f.trusted && cfg.TLS == nil)
}

// maxAuthFailures is how many failed AUTH a connection gets before it is
// closed: each costs a password hash.
const maxAuthFailures = 3
