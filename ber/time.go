package ber

import (
	"strconv"
	"time"
)

// UTCTime decodes a UTCTime (X.680 §47): YYMMDDhhmm[ss] followed by Z or a
// +hhmm/-hhmm offset, as BER allows. Years 50-99 are 1950-1999 (X.509 and
// X.400 practice). A constructed encoding is accepted.
func (e *Element) UTCTime() (time.Time, error) {
	c, err := e.Bytes()
	if err != nil {
		return time.Time{}, err
	}
	t, ok := ParseUTCTime(c)
	if !ok {
		return time.Time{}, errorf(e.Offset, "%s: malformed UTCTime %q", e.Tag, printable(c))
	}
	return t, nil
}

// GeneralizedTime decodes a GeneralizedTime (X.680 §46): YYYYMMDDhh[mm[ss[.f]]]
// with Z, an offset, or neither (local time, read as UTC).
func (e *Element) GeneralizedTime() (time.Time, error) {
	c, err := e.Bytes()
	if err != nil {
		return time.Time{}, err
	}
	t, ok := ParseGeneralizedTime(c)
	if !ok {
		return time.Time{}, errorf(e.Offset, "%s: malformed GeneralizedTime %q", e.Tag, printable(c))
	}
	return t, nil
}

func printable(b []byte) string {
	if len(b) > 40 {
		b = b[:40]
	}
	out := make([]byte, len(b))
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		out[i] = c
	}
	return string(out)
}

func digits(b []byte, n int) (int, bool) {
	if len(b) < n {
		return 0, false
	}
	v := 0
	for _, c := range b[:n] {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// zone parses "Z", "+hhmm" or "-hhmm" (all of b).
func zone(b []byte) (*time.Location, bool) {
	if len(b) == 1 && b[0] == 'Z' {
		return time.UTC, true
	}
	if len(b) != 5 || (b[0] != '+' && b[0] != '-') {
		return nil, false
	}
	h, ok1 := digits(b[1:], 2)
	m, ok2 := digits(b[3:], 2)
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return nil, false
	}
	secs := h*3600 + m*60
	if b[0] == '-' {
		secs = -secs
	}
	return time.FixedZone("", secs), true
}

func valid(y, mo, d, h, mi, s int) bool {
	if mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60 {
		return false
	}
	return d <= time.Date(y, time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// ParseUTCTime parses the text of a UTCTime.
func ParseUTCTime(b []byte) (time.Time, bool) {
	var f [5]int
	for i := range f {
		v, ok := digits(b[i*2:], 2)
		if !ok {
			return time.Time{}, false
		}
		f[i] = v
	}
	rest := b[10:]
	sec := 0
	if v, ok := digits(rest, 2); ok {
		sec = v
		rest = rest[2:]
	}
	loc, ok := zone(rest)
	if !ok {
		return time.Time{}, false
	}
	y := 1900 + f[0]
	if f[0] < 50 {
		y += 100
	}
	if !valid(y, f[1], f[2], f[3], f[4], sec) {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(f[1]), f[2], f[3], f[4], sec, 0, loc), true
}

// ParseGeneralizedTime parses the text of a GeneralizedTime.
func ParseGeneralizedTime(b []byte) (time.Time, bool) {
	y, ok := digits(b, 4)
	if !ok {
		return time.Time{}, false
	}
	var f [5]int // month day hour minute second
	b = b[4:]
	i := 0
	for ; i < 5; i++ {
		v, ok := digits(b, 2)
		if !ok {
			break
		}
		f[i] = v
		b = b[2:]
	}
	if i < 3 {
		return time.Time{}, false
	}
	nsec := 0
	if len(b) > 0 && (b[0] == '.' || b[0] == ',') && i == 5 {
		j := 1
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j == 1 || j > 10 {
			return time.Time{}, false
		}
		frac := string(b[1:j]) + "000000000"
		v, _ := strconv.Atoi(frac[:9])
		nsec = v
		b = b[j:]
	}
	loc := time.UTC
	if len(b) > 0 {
		l, ok := zone(b)
		if !ok {
			return time.Time{}, false
		}
		loc = l
	}
	if !valid(y, f[0], f[1], f[2], f[3], f[4]) {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(f[0]), f[1], f[2], f[3], f[4], nsec, loc), true
}

// AppendUTCTime appends the DER text of t as a UTCTime: YYMMDDhhmmssZ in
// UTC (X.690 §11.8).
func AppendUTCTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	b = append2(b, t.Year()%100)
	b = append2(b, int(t.Month()))
	b = append2(b, t.Day())
	b = append2(b, t.Hour())
	b = append2(b, t.Minute())
	b = append2(b, t.Second())
	return append(b, 'Z')
}

// AppendGeneralizedTime appends the DER text of t as a GeneralizedTime:
// YYYYMMDDhhmmss[.f]Z in UTC, without trailing zeros in the fraction
// (X.690 §11.7).
func AppendGeneralizedTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	y := t.Year()
	b = append2(b, y/100)
	b = append2(b, y%100)
	b = append2(b, int(t.Month()))
	b = append2(b, t.Day())
	b = append2(b, t.Hour())
	b = append2(b, t.Minute())
	b = append2(b, t.Second())
	if ns := t.Nanosecond(); ns != 0 {
		s := strconv.Itoa(ns + 1e9)[1:]
		for s[len(s)-1] == '0' {
			s = s[:len(s)-1]
		}
		b = append(b, '.')
		b = append(b, s...)
	}
	return append(b, 'Z')
}

func append2(b []byte, v int) []byte {
	return append(b, byte('0'+v/10%10), byte('0'+v%10))
}
