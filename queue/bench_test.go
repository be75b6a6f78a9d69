package queue

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"mixerd/x400"
)

// BenchmarkPut measures durable Puts (a record appended to the current segment, one shared fdatasync)
// of 5 KB messages with 1 and 32 concurrent writers; with 32 the
// fdatasync is shared (group commit). Reports Puts/s.
func BenchmarkPut(b *testing.B) {
	body := make([]byte, 5000)
	for _, writers := range []int{1, 32} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			q := openQ(b, Config{MaxMessages: 1 << 30})
			var n atomic.Int64
			b.SetBytes(int64(len(body)))
			b.ResetTimer()
			var wg sync.WaitGroup
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := n.Add(1)
						if i > int64(b.N) {
							return
						}
						m := msg(x400.PrecedenceRoutine, "b"+strconv.FormatInt(i, 10), "r@x", "hop")
						if _, _, err := q.Put(context.Background(), m, body); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "puts/s")
			b.ReportMetric(float64(q.Stats().Syncs)/float64(b.N), "syncs/put")
		})
	}
}

// BenchmarkNextReport measures a lease and its durable delivered report
// (one journal fsync, then the seen record and the file removal).
func BenchmarkNextReport(b *testing.B) {
	q := openQ(b, Config{MaxMessages: 1 << 30})
	putMany(b, q, b.N, x400.PrecedenceRoutine)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l, _, _, err := q.TryNext(0)
		if err != nil || l == nil {
			b.Fatalf("TryNext: %v %v", l, err)
		}
		if err := q.Report(l, RecipientResult{Index: 0, Disposition: Delivered, Attempt: Attempt{Result: ResultAccepted}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPutFinish measures the steady state of a gateway: each of 4
// writers puts a 5 KB message, then leases one and reports it delivered
// (its records released; segment.go). Reports Puts/s and segment files
// created per Put.
func BenchmarkPutFinish(b *testing.B) {
	body := make([]byte, 5000)
	for _, writers := range []int{4} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			q := openQ(b, Config{MaxMessages: 1 << 30})
			var n atomic.Int64
			b.SetBytes(int64(len(body)))
			b.ResetTimer()
			var wg sync.WaitGroup
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := n.Add(1)
						if i > int64(b.N) {
							return
						}
						m := msg(x400.PrecedenceRoutine, "b"+strconv.FormatInt(i, 10), "r@x", "hop")
						if _, _, err := q.Put(context.Background(), m, body); err != nil {
							b.Error(err)
							return
						}
						l, _, _, err := q.TryNext(0)
						if err != nil || l == nil {
							b.Errorf("TryNext: %v %v", l, err)
							return
						}
						if err := q.Report(l, RecipientResult{Index: 0, Disposition: Delivered, Attempt: Attempt{Result: ResultAccepted}}); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "puts/s")
			b.ReportMetric(float64(q.Stats().SegmentsCreated)/float64(b.N), "creates/put")
		})
	}
}
