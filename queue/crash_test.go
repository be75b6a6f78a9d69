package queue

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"mixerd/x400"
)

const crashEnv = "MIXERD_QUEUE_CRASH_DIR"

var crashLanes = map[x400.Precedence]LaneConfig{
	x400.PrecedenceRoutine: {Retry: []time.Duration{time.Millisecond}, MaxAge: 24 * time.Hour},
	x400.PrecedenceFlash:   {Retry: []time.Duration{time.Millisecond}, MaxAge: 24 * time.Hour},
}

// TestCrashHelper is the process killed by TestCrashRecovery: it puts
// messages and works the queue in a loop, printing each acknowledged step
// ("P n id created" after Put returned, with the segment files created so
// far, "L id i.." after a lease, "D id i" after a delivery was reported)
// until it is killed.
func TestCrashHelper(t *testing.T) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		t.Skip("helper process for TestCrashRecovery")
	}
	base, _ := strconv.Atoi(os.Getenv("MIXERD_QUEUE_CRASH_BASE"))
	q, err := Open(Config{Dir: dir, Lanes: crashLanes, Logger: quietLogger()})
	if err != nil {
		fmt.Println("X open", err)
		os.Exit(2)
	}
	// Small segments: the kills land across rotations, removals and
	// compactions (segment.go) too.
	q.st.segMax = 32 << 10
	var outMu sync.Mutex
	say := func(format string, a ...any) {
		outMu.Lock()
		os.Stdout.WriteString(fmt.Sprintf(format, a...) + "\n")
		outMu.Unlock()
	}
	ctx := context.Background()
	// At most 64 messages in work at once, so that segments empty and are
	// removed; every 50th message is held, pinning its segment until
	// compaction copies it forward.
	tokens := make(chan struct{}, 64)
	release := func() {
		select {
		case <-tokens:
		default:
		}
	}
	for w := 0; w < 4; w++ {
		go func() {
			acked := map[int]string{}
			for i := base + w; ; i += 4 {
				prec := x400.PrecedenceRoutine
				if i%7 == 0 {
					prec = x400.PrecedenceFlash
				}
				m := msg(prec, "m"+strconv.Itoa(i), "a@x", "hA", "b@y", "hB", "c@x", "hA")
				body := strings.Repeat(fmt.Sprintf("body-%d ", i), 1+rand.IntN(300))
				tokens <- struct{}{}
				id, dup, err := q.Put(ctx, m, []byte(body))
				if err != nil || dup {
					say("X put %d %v %v", i, dup, err)
					continue
				}
				if i%50 == 0 {
					if err := q.Hold(id); err == nil {
						say("H %s", id)
					}
					release()
				}
				acked[i] = id
				q.st.mu.Lock()
				copied := q.st.copied
				q.st.mu.Unlock()
				say("P %d %s %d %d", i, id, q.Stats().SegmentsCreated, copied)
				if j := i - 40; i%5 == 0 && acked[j] != "" {
					id2, dup, err := q.Put(ctx, msg(prec, "m"+strconv.Itoa(j), "a@x", "hA"), []byte("again"))
					if err != nil || !dup || id2 != acked[j] {
						say("X dup %d %s %v %v", j, id2, dup, err)
					}
				}
			}
		}()
	}
	for w := 0; w < 2; w++ {
		go func() {
			for {
				l, err := q.Next(ctx, x400.PrecedenceDeferred)
				if err != nil {
					say("X next %v", err)
					return
				}
				say("L %s %s", l.Message.ID, strings.Trim(fmt.Sprint(l.Recipients), "[]"))
				if _, _, err := q.Body(l); err != nil {
					say("X body %v", err)
				}
				switch r := rand.IntN(10); {
				case r < 7:
					var rs []RecipientResult
					for _, i := range l.Recipients {
						rs = append(rs, RecipientResult{Index: i, Disposition: Delivered, Attempt: Attempt{Result: ResultAccepted}})
					}
					if err := q.Report(l, rs...); err != nil {
						say("X report %v", err)
						continue
					}
					for _, i := range l.Recipients {
						say("D %s %d", l.Message.ID, i)
					}
					if _, err := q.Get(l.Message.ID); errors.Is(err, ErrNotFound) {
						release()
					}
				case r < 9:
					var rs []RecipientResult
					for _, i := range l.Recipients {
						rs = append(rs, RecipientResult{Index: i, Disposition: Transient, Attempt: Attempt{Result: ResultTimeout}})
					}
					if err := q.Report(l, rs...); err != nil {
						say("X report %v", err)
					}
				default:
					q.Abandon(l)
				}
			}
		}()
	}
	select {}
}

// TestCrashRecovery kills a helper process with SIGKILL at random moments
// while it puts and delivers, then checks that every message whose Put
// returned is in the spool exactly once (or finished), that no recipient
// reported delivered is leased again, and that nothing is left in transfer.
func TestCrashRecovery(t *testing.T) {
	if os.Getenv(crashEnv) != "" {
		t.Skip("in helper")
	}
	dir := t.TempDir()
	acked := map[int]string{} // n -> id
	delivered := map[string]bool{}
	held := map[string]bool{}
	created := 0 // files created by the helpers (the last count of each)
	rounds := 4
	for round := 0; round < rounds; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+dir, "MIXERD_QUEUE_CRASH_BASE="+strconv.Itoa(round*1000000))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		killAt := 200 + rand.IntN(1500)
		deadline := time.After(30 * time.Second)
		n, killed, roundCreated, roundCopied := 0, false, 0, 0
		for line := range func(yield func(string) bool) {
			for {
				select {
				case l, ok := <-lines:
					if !ok || !yield(l) {
						return
					}
				case <-deadline:
					cmd.Process.Kill()
					t.Errorf("round %d: helper stalled after %d lines", round, n)
					deadline = nil
				}
			}
		} {
			n++
			if n == killAt && !killed {
				cmd.Process.Signal(syscall.SIGKILL)
				killed = true
			}
			f := strings.Fields(line)
			switch f[0] {
			case "P":
				i, _ := strconv.Atoi(f[1])
				acked[i] = f[2]
				if c, _ := strconv.Atoi(f[3]); c > roundCreated {
					roundCreated = c
				}
				if c, _ := strconv.Atoi(f[4]); c > roundCopied {
					roundCopied = c
				}
			case "L":
				for _, s := range f[2:] {
					if delivered[f[1]+"/"+s] {
						t.Errorf("round %d: recipient %s/%s leased again after its delivery was reported", round, f[1], s)
					}
				}
			case "D":
				delivered[f[1]+"/"+f[2]] = true
			case "H":
				held[f[1]] = true
			case "X":
				t.Errorf("round %d: helper: %s", round, line)
			}
		}
		cmd.Wait()
		created += roundCreated
		t.Logf("round %d: killed after %d lines, %d segments created, %d messages copied forward", round, n, roundCreated, roundCopied)
	}

	q := openQ(t, Config{Dir: dir, Lanes: crashLanes})
	t.Logf("recovery: %+v; %d messages acknowledged, %d deliveries", q.Recovery(), len(acked), len(delivered))
	if r := q.Recovery(); len(r.Bad) > 0 {
		t.Errorf("bad files after crashes: %v", r.Bad)
	}
	byMTS := map[string][]Message{}
	for _, m := range q.List(Filter{}) {
		byMTS[m.MTSID] = append(byMTS[m.MTSID], m)
		if held[m.ID] && !m.Held {
			t.Errorf("%s: held, recovered not held", m.ID)
		}
		for i, r := range m.Recipients {
			if r.State == StateInTransfer {
				t.Errorf("%s/%d in transfer after recovery", m.ID, i)
			}
			if delivered[m.ID+"/"+strconv.Itoa(i)] && r.State != StateDelivered {
				t.Errorf("%s/%d reported delivered, recovered as %v", m.ID, i, r.State)
			}
		}
	}
	for mts, ms := range byMTS {
		if len(ms) != 1 {
			t.Errorf("%s queued %d times", mts, len(ms))
		}
	}
	for i, id := range acked {
		mts := "m" + strconv.Itoa(i)
		if ms := byMTS[mts]; len(ms) == 1 && ms[0].ID != id {
			t.Errorf("%s: queued as %s, acknowledged as %s", mts, ms[0].ID, id)
		}
		// Queued or finished: either way a duplicate of the acknowledged id.
		got, dup, err := q.Put(context.Background(), msg(1, mts, "a", "h"), []byte("x"))
		if err != nil || !dup || got != id {
			t.Errorf("%s (acknowledged as %s) lost: Put = %s %v %v", mts, id, got, dup, err)
		}
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(ents) != 0 {
		t.Errorf("temps left after recovery: %d", len(ents))
	}
	// Many messages share a segment (segment.go), and segments were
	// rotated: more than one file, far fewer than messages.
	if created >= len(acked)/4 || created < 2 {
		t.Errorf("%d segment files created for %d messages acknowledged", created, len(acked))
	}
	if s := q.Stats(); s.Segments > 2*created+2 {
		t.Errorf("%d segments in the spool, %d created: old segments not removed", s.Segments, created)
	}
}
