package smtp

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"
)

// fconn is one connection to a fake next hop; the test's handler runs
// its side of the dialogue.
type fconn struct {
	t   *testing.T
	n   int // 0 for the first connection
	c   net.Conn
	br  *bufio.Reader
	got chan<- string
	// back is a line read by the handler that basic is to handle.
	back string
}

// line reads one line (without CRLF) and records it; ok is false at EOF.
func (f *fconn) line() (string, bool) {
	if l := f.back; l != "" {
		f.back = ""
		return l, true
	}
	l, err := f.br.ReadString('\n')
	if err != nil {
		return "", false
	}
	l = strings.TrimRight(l, "\r\n")
	f.got <- l
	return l, true
}

// say writes reply lines.
func (f *fconn) say(lines ...string) {
	for _, l := range lines {
		if _, err := f.c.Write([]byte(l + "\r\n")); err != nil {
			return
		}
	}
}

// ehloReply writes a 250 EHLO reply with ext.
func (f *fconn) ehloReply(ext []string) {
	out := append([]string{"fake"}, ext...)
	for i, e := range out {
		sep := "-"
		if i == len(out)-1 {
			sep = " "
		}
		f.say("250" + sep + e)
	}
}

// basic serves a plain transaction: ext in EHLO, rcpt maps a part of a
// RCPT line to its reply (250 otherwise), other maps a verb to its
// reply; it returns at QUIT or EOF.
func (f *fconn) basic(ext []string, rcpt map[string]string, other map[string]string) {
	inData := false
	for {
		l, ok := f.line()
		if !ok {
			return
		}
		if inData {
			if l == "." {
				inData = false
				f.say("250 2.0.0 ok")
			}
			continue
		}
		verb := strings.ToUpper(strings.Fields(l + " x")[0])
		if r, ok := other[verb]; ok {
			f.say(r)
			continue
		}
		switch verb {
		case "EHLO":
			f.ehloReply(ext)
		case "MAIL":
			f.say("250 2.1.0 ok")
		case "RCPT":
			r := "250 2.1.5 ok"
			for k, v := range rcpt {
				if strings.Contains(l, k) {
					r = v
				}
			}
			f.say(r)
		case "DATA":
			inData = true
			f.say("354 go")
		case "RSET":
			f.say("250 2.0.0 ok")
		case "QUIT":
			f.say("221 bye")
			return
		default:
			f.say("502 5.5.1 no")
		}
	}
}

// startFake listens on loopback and runs handle for each connection
// (greeted already); every line the fake reads goes to the returned
// channel, which is closed when the listener is (at the test's end).
func startFake(t *testing.T, handle func(f *fconn)) (string, <-chan string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 10000)
	t.Cleanup(func() { l.Close() })
	go func() {
		for n := 0; ; n++ {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.SetDeadline(time.Now().Add(10 * time.Second))
			f := &fconn{t: t, n: n, c: c, br: bufio.NewReader(c), got: got}
			f.say("220 fake")
			handle(f)
			f.c.Close()
		}
	}()
	return l.Addr().String(), got
}

// drain returns the lines the fake read so far (the client has returned).
func drain(got <-chan string) []string {
	var out []string
	for {
		select {
		case l := <-got:
			out = append(out, l)
		default:
			return out
		}
	}
}
