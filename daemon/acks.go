package daemon

import (
	"errors"
	"sync"
	"time"

	"mixerd/queue"
)

// acks are the delayed acknowledgements waiting for a message's next hops.
type acks struct {
	mu sync.Mutex
	m  map[string]*ackWait
}

type ackWait struct {
	ch chan error
}

// wait registers a delayed acknowledgement for message id, forgotten after
// ttl (the listener's maximum delay has passed by then).
func (a *acks) wait(id string, ttl time.Duration) <-chan error {
	w := &ackWait{ch: make(chan error, 1)}
	a.mu.Lock()
	a.m[id] = w
	a.mu.Unlock()
	time.AfterFunc(ttl, func() { a.take(id, w) })
	return w.ch
}

// take removes id's waiter (only w, if w is given) and returns it.
func (a *acks) take(id string, w *ackWait) *ackWait {
	a.mu.Lock()
	defer a.mu.Unlock()
	cur := a.m[id]
	if cur == nil || (w != nil && cur != w) {
		return nil
	}
	delete(a.m, id)
	return cur
}

func (a *acks) has(id string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.m[id] != nil
}

var errNotForwarded = errors.New("a recipient failed")

// signal completes message id's delayed acknowledgement when every
// recipient has been accepted by its next hop (closed), or one failed
// permanently (sent an error: the reply then comes from the spool).
func (d *Daemon) signal(id string) {
	if !d.acks.has(id) {
		return
	}
	m, err := d.q.Get(id)
	if errors.Is(err, queue.ErrNotFound) {
		if w := d.acks.take(id, nil); w != nil {
			close(w.ch) // finished: every recipient delivered or reported
		}
		return
	}
	if err != nil {
		return
	}
	done := true
	for _, r := range m.Recipients {
		switch r.State {
		case queue.StateDelivered:
		case queue.StateFailed, queue.StateDead:
			if w := d.acks.take(id, nil); w != nil {
				w.ch <- errNotForwarded
			}
			return
		default:
			done = false
		}
	}
	if done {
		if w := d.acks.take(id, nil); w != nil {
			close(w.ch)
		}
	}
}
