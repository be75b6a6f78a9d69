package audit

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzAuditLog feeds arbitrary bytes as a log file to the readers
// (ScanDir, as `mixerd track` and a loader read a directory they are
// given) and to Open's recovery: no panic, every record read back checks,
// and the log opened on it appends after what it kept.
func FuzzAuditLog(f *testing.F) {
	dir := f.TempDir()
	l, err := Open(Config{Dir: dir, Gateway: "gw"})
	if err != nil {
		f.Fatal(err)
	}
	for i := range 3 {
		r := &Record{Event: EventDeparted, ID: "Q" + string(rune('a'+i)), Keys: Keys{MessageID: "<m@x>"},
			Recipients: []Recipient{{Index: 0, SMTP: "a@b"}}}
		if _, err := l.Append(r); err != nil {
			f.Fatal(err)
		}
	}
	l.Close()
	good, err := os.ReadFile(filepath.Join(dir, fileName(1)))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)-7])
	f.Add(append(append([]byte{}, good...), "{\"seq\":9,\"crc\":\"00000000\"}\n"...))
	f.Add([]byte("\n\n{}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := t.TempDir()
		if err := os.WriteFile(filepath.Join(d, fileName(1)), data, 0o640); err != nil {
			t.Fatal(err)
		}
		var last uint64
		if err := ScanDir(d, 1, func(r *Record, _ Loc) error {
			if r.Seq <= last && last != 0 {
				t.Errorf("seq %d after %d", r.Seq, last)
			}
			last = r.Seq
			return nil
		}); err != nil {
			return // a directory it cannot read is an error, not a panic
		}
		l, err := Open(Config{Dir: d, Gateway: "gw"})
		if err != nil {
			return
		}
		defer l.Close()
		// The index reads departed records by their head alone
		// (parseHead): every record it takes must read back whole.
		x, err := BuildIndex(l, 0, time.Now())
		if err != nil {
			t.Fatalf("BuildIndex: %v", err)
		}
		_, _ = x.Lookup(Query{MessageID: "<m@x>"})
		r := &Record{Event: EventArrived, ID: "new"}
		locs, err := l.Append(r)
		if err != nil {
			t.Fatalf("append after recovery: %v", err)
		}
		if r.Seq <= last && last != 0 {
			t.Errorf("appended seq %d, not past the last read %d", r.Seq, last)
		}
		if back, err := l.Read(locs[0]); err != nil || back.ID != "new" {
			t.Errorf("read back %+v %v", back, err)
		}
	})
}
