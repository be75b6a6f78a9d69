package daemon

import (
	"net"
	"testing"
	"time"

	"mixerd/mixer"
	"mixerd/queue"
	"mixerd/smtp"
)

// A transfer under way when the daemon is told to stop finishes within
// ShutdownGrace and is recorded, so that it is not sent again after the
// restart; one still under way when the grace period ends is abandoned and
// pending again.
func TestShutdownLetsTransfersFinish(t *testing.T) {
	for _, finish := range []bool{true, false} {
		r := &holdRelay{entered: make(chan string, 4), done: make(chan string, 4), release: make(chan struct{})}
		s, err := smtp.NewServer(smtp.Config{Hostname: "relay.test", Accept: func(string) bool { return true }, Sink: r,
			Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go s.Serve(ln)
		dir := t.TempDir()
		pol := testPolicy(t, dir, freeAddr(t), ln.Addr().String(), "")
		old := ShutdownGrace
		ShutdownGrace = 300 * time.Millisecond
		if finish {
			ShutdownGrace = 20 * time.Second
		}
		d, stop := startDaemon(t, pol)
		env := &mixer.SMTPEnvelope{MailFrom: "alice@example.net", Recipients: []mixer.SMTPRecipient{{Address: "bob@example.net"}}}
		if res := sendSMTP(t, d.SMTPAddr("trusted").String(), env,
			"From: alice@example.net\r\nTo: bob@example.net\r\nSubject: routine x\r\nMessage-ID: <x@example.net>\r\n\r\nx\r\n"); !res.Recipients[0].Accepted {
			t.Fatalf("refused: %+v", res.Recipients[0])
		}
		recv(t, r.entered, "the message at the relay")
		stopped := make(chan struct{})
		go func() { stop(); close(stopped) }()
		if finish {
			// The daemon waits for the transfer: let the relay accept it.
			close(r.release)
			recv(t, r.done, "the relay's acceptance")
		}
		wait(t, stopped, "the daemon's stop")
		ShutdownGrace = old
		s.Close()
		if !finish {
			close(r.release)
		}

		// Reopen the spool: the message is finished, or pending again.
		q, err := queue.Open(queue.Config{Dir: pol.Queue.Directory})
		if err != nil {
			t.Fatal(err)
		}
		msgs := q.List(queue.Filter{})
		q.Close()
		if finish && len(msgs) != 0 {
			t.Errorf("finished transfer: %d messages still queued after the stop", len(msgs))
		}
		if !finish && (len(msgs) != 1 || msgs[0].Recipients[0].State != queue.StatePending) {
			t.Errorf("abandoned transfer: queue holds %+v, want the message pending", msgs)
		}
	}
}
