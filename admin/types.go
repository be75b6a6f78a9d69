package admin

import (
	"time"

	"mixerd/queue"
)

// The JSON shapes of the answers. `mixerd queue` decodes these same
// types, so the two stay in step.

// QueueList is the answer to GET /queue.
type QueueList struct {
	// Total is how many messages matched; Messages holds at most the
	// limit of them (Truncated then true), by lane, highest first, then
	// arrival.
	Total     int       `json:"total"`
	Truncated bool      `json:"truncated,omitempty"`
	Messages  []Message `json:"messages"`
	Stats     Stats     `json:"stats"`
}

// Stats is the whole queue's size, whatever the filter.
type Stats struct {
	Messages int            `json:"messages"`
	Bytes    int64          `json:"bytes"`
	Leases   int            `json:"leases"`
	ByLane   map[string]int `json:"by_lane"`
}

// Message is one queued message.
type Message struct {
	ID         string    `json:"id"`
	Arrival    time.Time `json:"arrival"`
	AgeSeconds int64     `json:"age_seconds"`
	// Lane is the lane's name (FLASH); Precedence the message's own value
	// (a national value 16..31 waits in its lane).
	Lane       string `json:"lane"`
	Precedence int    `json:"precedence"`
	Kind       string `json:"kind"`
	Protocol   string `json:"protocol,omitempty"` // where it came from: p1, smtp
	Peer       string `json:"peer,omitempty"`
	Size       int64  `json:"size"`
	Held       bool   `json:"held"`
	MTSID      string `json:"mts_id,omitempty"`
	MessageID  string `json:"message_id,omitempty"`
	// Originator is the sender: the SMTP reverse-path ("<>" for the null
	// one) or the X.400 originator's O/R address.
	Originator string `json:"originator,omitempty"`
	// Deferred and Latest are the deferred and latest delivery times
	// (X.411 §8.2.1.1.1.11, §8.2.1.1.1.13), if any.
	Deferred   *time.Time  `json:"deferred,omitempty"`
	Latest     *time.Time  `json:"latest,omitempty"`
	Recipients []Recipient `json:"recipients"`
}

// Recipient is one recipient of a queued message.
type Recipient struct {
	Index    int    `json:"index"`
	Address  string `json:"address"`
	NextHop  string `json:"next_hop"`
	State    string `json:"state"`
	Attempts int    `json:"attempts"`
	// NextTry is when a pending or transiently failed recipient is tried
	// next.
	NextTry  *time.Time `json:"next_try,omitempty"`
	Reason   string     `json:"reason,omitempty"`   // why it failed or is dead
	Reported bool       `json:"reported,omitempty"` // failed: report made
	Last     *Attempt   `json:"last,omitempty"`
	// History holds every attempt, oldest first, in GET /queue/{id} only.
	History []Attempt `json:"history,omitempty"`
}

// Attempt is one transfer attempt's result.
type Attempt struct {
	Time    time.Time `json:"time"`
	NextHop string    `json:"next_hop,omitempty"`
	Stage   string    `json:"stage,omitempty"`
	Result  string    `json:"result"`
	// Code and Enhanced are the SMTP reply code (RFC 5321 §4.2) and
	// enhanced status code (RFC 3463).
	Code     int    `json:"code,omitempty"`
	Enhanced string `json:"enhanced,omitempty"`
	// X411Reason and X411Diagnostic are the X.411 non-delivery reason
	// and diagnostic codes (X.411 §8.3.1.2.1.10, §8.3.1.2.1.11).
	X411Reason     *int   `json:"x411_reason,omitempty"`
	X411Diagnostic *int   `json:"x411_diagnostic,omitempty"`
	Text           string `json:"text,omitempty"`
}

// ActionResult is the answer to hold, release, retry and delete.
type ActionResult struct {
	ID      string   `json:"id"`
	Action  string   `json:"action"`
	Reason  string   `json:"reason,omitempty"`  // delete
	Message *Message `json:"message,omitempty"` // the message afterwards
}

// ParseState reads a recipient state's name as queue.State.String writes
// it ("pending", "in-transfer", "delivered", "transient", "failed",
// "dead").
func ParseState(s string) (queue.State, bool) {
	for st := queue.StatePending; st <= queue.StateDead; st++ {
		if st.String() == s {
			return st, true
		}
	}
	return 0, false
}

func stateNames() []string {
	var out []string
	for st := queue.StatePending; st <= queue.StateDead; st++ {
		out = append(out, st.String())
	}
	return out
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// view turns a queue.Message into its JSON shape; full keeps every
// attempt (from queue.Inspect).
func view(m *queue.Message, now time.Time, full bool) Message {
	age := now.Sub(m.Arrival)
	if age < 0 {
		age = 0
	}
	v := Message{
		ID: m.ID, Arrival: m.Arrival, AgeSeconds: int64(age / time.Second),
		Lane: queue.Lane(m.Precedence).String(), Precedence: int(m.Precedence),
		Kind: string(m.Kind), Protocol: m.Source.Protocol, Peer: m.Source.Peer,
		Size: m.Size, Held: m.Held, MTSID: m.MTSID, MessageID: m.MessageID, Originator: m.Originator,
		Deferred: timePtr(m.Deferred), Latest: timePtr(m.Latest),
		Recipients: make([]Recipient, len(m.Recipients)),
	}
	for i, r := range m.Recipients {
		rv := Recipient{Index: i, Address: r.Address, NextHop: r.NextHop, State: r.State.String(),
			Attempts: r.NumAttempts, NextTry: timePtr(r.NextTry), Reason: r.Reason, Reported: r.Reported}
		if n := len(r.Attempts); n > 0 {
			last := attemptView(&r.Attempts[n-1])
			rv.Last = &last
			if full {
				rv.History = make([]Attempt, n)
				for j := range r.Attempts {
					rv.History[j] = attemptView(&r.Attempts[j])
				}
			}
		}
		v.Recipients[i] = rv
	}
	return v
}

func attemptView(a *queue.Attempt) Attempt {
	v := Attempt{Time: a.Time, NextHop: a.NextHop, Stage: string(a.Stage), Result: string(a.Result),
		Code: a.Code, Enhanced: a.Enhanced, Text: a.Text}
	if a.X411 != nil {
		r := a.X411.Reason
		v.X411Reason = &r
		if a.X411.HasDiag {
			d := a.X411.Diagnostic
			v.X411Diagnostic = &d
		}
	}
	return v
}
