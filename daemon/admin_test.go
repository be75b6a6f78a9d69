package daemon

import (
	"encoding/json"
	"net/http"
	"testing"

	"mixerd/admin"
	"mixerd/mixer"
)

// The admin interface serves the running daemon's queue (what `mixerd
// queue` reads): a message waiting for a peer that is down is listed with
// its next hop.
func TestAdminQueue(t *testing.T) {
	d, _ := startDaemon(t, testPolicy(t, t.TempDir(), freeAddr(t), freeAddr(t), ""))
	if d.AdminAddr() == nil {
		t.Fatal("no admin listener")
	}
	env := &mixer.SMTPEnvelope{MailFrom: "alice@example.net",
		Recipients: []mixer.SMTPRecipient{{Address: `"/C=XX/ADMD= /PRMD=Peer/O=HQ/S=Bob/"@gateway.test`}}}
	if res := sendSMTP(t, d.SMTPAddr("trusted").String(), env,
		"From: alice@example.net\r\nTo: bob@gateway.test\r\nSubject: waiting\r\nMessage-ID: <w@example.net>\r\n\r\nx\r\n"); !res.Recipients[0].Accepted {
		t.Fatalf("refused: %+v", res.Recipients[0])
	}
	resp, err := http.Get("http://" + d.AdminAddr().String() + "/queue")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list admin.QueueList
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /queue: %d %v", resp.StatusCode, err)
	}
	if len(list.Messages) != 1 || len(list.Messages[0].Recipients) != 1 || list.Messages[0].Recipients[0].NextHop != "p1:PEER-MTA" {
		t.Errorf("queue %+v", list)
	}
}

// /health says whether the spool and the audit log take writes.
func TestAdminHealth(t *testing.T) {
	d, _ := startDaemon(t, testPolicy(t, t.TempDir(), freeAddr(t), freeAddr(t), ""))
	get := func() int {
		resp, err := http.Get("http://" + d.AdminAddr().String() + "/health")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := get(); c != 200 {
		t.Fatalf("health %d with everything working", c)
	}
	d.audit.Close() // as after a failed fdatasync: no record can be written
	if c := get(); c != 503 {
		t.Errorf("health %d with the audit log refusing writes, want 503", c)
	}
}
