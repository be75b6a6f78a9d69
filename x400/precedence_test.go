package x400

import (
	"sort"
	"testing"
)

func TestPrecedenceString(t *testing.T) {
	tests := []struct {
		p       Precedence
		name    string
		prosign byte
	}{
		{PrecedenceDeferred, "DEFERRED", 'M'},
		{PrecedenceRoutine, "ROUTINE", 'R'},
		{PrecedencePriority, "PRIORITY", 'P'},
		{PrecedenceImmediate, "IMMEDIATE", 'O'},
		{PrecedenceFlash, "FLASH", 'Z'},
		{PrecedenceOverride, "OVERRIDE", 'Y'},
		{6, "6", 0},
		{16, "16", 0},
		{31, "31", 0},
		{-1, "-1", 0},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.name {
			t.Errorf("Precedence(%d).String() = %q, want %q", int(tt.p), got, tt.name)
		}
		if got := tt.p.Prosign(); got != tt.prosign {
			t.Errorf("Precedence(%d).Prosign() = %q, want %q", int(tt.p), got, tt.prosign)
		}
	}
}

func TestParsePrecedence(t *testing.T) {
	tests := []struct {
		in   string
		want Precedence
	}{
		{"deferred", PrecedenceDeferred},
		{"ROUTINE", PrecedenceRoutine},
		{"Priority", PrecedencePriority},
		{"immediate", PrecedenceImmediate},
		{"FLASH", PrecedenceFlash},
		{"oVeRrIdE", PrecedenceOverride},
		{" flash\t", PrecedenceFlash},
		{"M", PrecedenceDeferred},
		{"r", PrecedenceRoutine},
		{"P", PrecedencePriority},
		{"o", PrecedenceImmediate},
		{"Z", PrecedenceFlash},
		{"y", PrecedenceOverride},
		{"0", PrecedenceDeferred},
		{"5", PrecedenceOverride},
		{"7", 7},
		{"31", 31},
	}
	for _, tt := range tests {
		got, err := ParsePrecedence(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParsePrecedence(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", " ", "urgent", "flashy", "X", "-1", "+2", "2 (priority)", "99999999999", "FLASHOVERRIDE"} {
		if p, err := ParsePrecedence(bad); err == nil {
			t.Errorf("ParsePrecedence(%q) = %v, want an error", bad, p)
		}
	}
	// Every name and every value String produces parses back.
	for p := Precedence(0); p <= MaxNationalPrecedence; p++ {
		got, err := ParsePrecedence(p.String())
		if err != nil || got != p {
			t.Errorf("ParsePrecedence(%q) = %v, %v; want %v", p.String(), got, err, p)
		}
		if ps := p.Prosign(); ps != 0 {
			if got, _ := ParsePrecedence(string(ps)); got != p {
				t.Errorf("prosign %c = %v, want %v", ps, got, p)
			}
		}
	}
}

func TestPrecedenceRank(t *testing.T) {
	// The order of the architecture: OVERRIDE > FLASH > IMMEDIATE >
	// PRIORITY > ROUTINE > DEFERRED, and national values above.
	order := []Precedence{-1, PrecedenceDeferred, PrecedenceRoutine, PrecedencePriority,
		PrecedenceImmediate, PrecedenceFlash, PrecedenceOverride, 6, 16, 31}
	for i := 1; i < len(order); i++ {
		if order[i-1].Rank() >= order[i].Rank() {
			t.Errorf("%v ranks %d, not below %v (%d)", order[i-1], order[i-1].Rank(), order[i], order[i].Rank())
		}
	}
	// Sorting by rank is a total order that puts civil traffic in place.
	m := DefaultPriorityMap()
	msgs := []Precedence{m.Precedence(PriorityNormal), PrecedenceFlash, m.Precedence(PriorityNonUrgent),
		PrecedenceOverride, m.Precedence(PriorityUrgent), PrecedencePriority}
	sort.Slice(msgs, func(i, j int) bool { return msgs[i].Rank() > msgs[j].Rank() })
	want := []Precedence{PrecedenceOverride, PrecedenceFlash, PrecedenceImmediate, PrecedencePriority,
		PrecedenceRoutine, PrecedenceDeferred}
	for i := range want {
		if msgs[i] != want[i] {
			t.Fatalf("sorted = %v, want %v", msgs, want)
		}
	}
}

func TestPrecedenceValid(t *testing.T) {
	for _, tt := range []struct {
		p  Precedence
		ok bool
	}{{-1, false}, {0, true}, {5, true}, {15, true}, {16, true}, {31, true}, {32, false}} {
		if tt.p.Valid() != tt.ok {
			t.Errorf("Precedence(%d).Valid() = %v", int(tt.p), !tt.ok)
		}
	}
}

// RFC 6710 Appendix A, Table 1 (STANAG4406 policy).
var rfc6710TableA = []struct {
	mt int
	p  Precedence
}{
	{-4, PrecedenceDeferred},
	{-2, PrecedenceRoutine},
	{0, PrecedencePriority},
	{2, PrecedenceImmediate},
	{4, PrecedenceFlash},
	{6, PrecedenceOverride},
}

func TestMTPriorityStanag4406(t *testing.T) {
	for _, row := range rfc6710TableA {
		if got := row.p.MTPriority(); got != row.mt {
			t.Errorf("%v.MTPriority() = %d, want %d", row.p, got, row.mt)
		}
		if got := PrecedenceFromMTPriority(row.mt); got != row.p {
			t.Errorf("PrecedenceFromMTPriority(%d) = %v, want %v", row.mt, got, row.p)
		}
	}
	// Between rows: the nearest lower row; outside: clamped.
	between := map[int]Precedence{
		-9: PrecedenceDeferred, -5: PrecedenceDeferred, -3: PrecedenceDeferred,
		-1: PrecedenceRoutine, 1: PrecedencePriority, 3: PrecedenceImmediate,
		5: PrecedenceFlash, 7: PrecedenceOverride, 9: PrecedenceOverride,
	}
	for v, want := range between {
		if got := PrecedenceFromMTPriority(v); got != want {
			t.Errorf("PrecedenceFromMTPriority(%d) = %v, want %v", v, got, want)
		}
	}
	// Monotonic over the whole MT-PRIORITY range.
	for v := -9; v < 9; v++ {
		if PrecedenceFromMTPriority(v).Rank() > PrecedenceFromMTPriority(v+1).Rank() {
			t.Errorf("PrecedenceFromMTPriority is not monotonic at %d", v)
		}
	}
	if got := Precedence(16).MTPriority(); got != 6 {
		t.Errorf("national precedence 16 MTPriority = %d, want 6", got)
	}
	if got := Precedence(-1).MTPriority(); got != -4 {
		t.Errorf("Precedence(-1).MTPriority = %d, want -4", got)
	}
}

func TestMTPriorityMixer(t *testing.T) {
	// RFC 6710 Appendix B, Table 2.
	table := []struct {
		mt int
		p  Priority
	}{{-4, PriorityNonUrgent}, {0, PriorityNormal}, {4, PriorityUrgent}}
	for _, row := range table {
		if got := MTPriorityFromPriority(row.p); got != row.mt {
			t.Errorf("MTPriorityFromPriority(%v) = %d, want %d", row.p, got, row.mt)
		}
		if got := PriorityFromMTPriority(row.mt); got != row.p {
			t.Errorf("PriorityFromMTPriority(%d) = %v, want %v", row.mt, got, row.p)
		}
	}
	between := map[int]Priority{-9: PriorityNonUrgent, -1: PriorityNonUrgent, 1: PriorityNormal,
		3: PriorityNormal, 5: PriorityUrgent, 9: PriorityUrgent}
	for v, want := range between {
		if got := PriorityFromMTPriority(v); got != want {
			t.Errorf("PriorityFromMTPriority(%d) = %v, want %v", v, got, want)
		}
	}
	if got := MTPriorityFromPriority(7); got != 0 {
		t.Errorf("MTPriorityFromPriority(7) = %d, want 0", got)
	}
}

func TestPrecedencePriority(t *testing.T) {
	want := map[Precedence]Priority{
		PrecedenceOverride:  PriorityUrgent,
		PrecedenceFlash:     PriorityUrgent,
		PrecedenceImmediate: PriorityUrgent,
		PrecedencePriority:  PriorityNormal,
		PrecedenceRoutine:   PriorityNormal,
		PrecedenceDeferred:  PriorityNonUrgent,
		16:                  PriorityUrgent,
	}
	for p, w := range want {
		if got := p.Priority(); got != w {
			t.Errorf("%v.Priority() = %v, want %v", p, got, w)
		}
	}
}

func TestPriorityMap(t *testing.T) {
	m := DefaultPriorityMap()
	want := map[Priority]Precedence{
		PriorityNonUrgent: PrecedenceDeferred,
		PriorityNormal:    PrecedenceRoutine,
		PriorityUrgent:    PrecedenceImmediate,
		Priority(9):       PrecedenceRoutine,
	}
	for p, w := range want {
		if got := m.Precedence(p); got != w {
			t.Errorf("DefaultPriorityMap().Precedence(%v) = %v, want %v", p, got, w)
		}
		if got := PrecedenceFromPriority(p); got != w {
			t.Errorf("PrecedenceFromPriority(%v) = %v, want %v", p, got, w)
		}
	}
	// The default map is undone by Precedence.Priority.
	for _, p := range []Priority{PriorityNonUrgent, PriorityNormal, PriorityUrgent} {
		if got := PrecedenceFromPriority(p).Priority(); got != p {
			t.Errorf("PrecedenceFromPriority(%v).Priority() = %v", p, got)
		}
	}
	// A policy may override it.
	m.Urgent = PrecedenceFlash
	if got := m.Precedence(PriorityUrgent); got != PrecedenceFlash {
		t.Errorf("overridden map gives %v", got)
	}
	if DefaultPriorityMap().Urgent != PrecedenceImmediate {
		t.Error("changing a copy changed the default")
	}
}

func TestPriorityString(t *testing.T) {
	for p, w := range map[Priority]string{PriorityNormal: "normal", PriorityNonUrgent: "non-urgent",
		PriorityUrgent: "urgent", 5: "priority(5)"} {
		if got := p.String(); got != w {
			t.Errorf("Priority(%d).String() = %q, want %q", int(p), got, w)
		}
	}
}
