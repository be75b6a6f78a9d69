package x400

import (
	"errors"
	"strconv"
)

// Priority is the X.411 priority of a message (§8.2.1.1.1.8):
// Priority ::= [APPLICATION 7] ENUMERATED { normal (0), non-urgent (1), urgent (2) }.
type Priority int

// The X.411 priorities.
const (
	PriorityNormal    Priority = 0
	PriorityNonUrgent Priority = 1
	PriorityUrgent    Priority = 2
)

// String returns the X.411 name of the priority ("normal", "non-urgent",
// "urgent"), which is also the RFC 2156 §5.3.6 "Priority:" header value,
// or "priority(N)" for a value outside the enumeration.
func (p Priority) String() string {
	switch p {
	case PriorityNormal:
		return "normal"
	case PriorityNonUrgent:
		return "non-urgent"
	case PriorityUrgent:
		return "urgent"
	}
	return "priority(" + strconv.Itoa(int(p)) + ")"
}

// Precedence is a military precedence, the value of the P772 primary and
// copy precedence heading extensions (STANAG 4406 Annex A, ACP 123 Annex
// A.1; module MMSHeadingExtensions):
//
//	MMHSPrecedence ::= INTEGER { deferred (0), routine (1), priority (2),
//	    immediate (3), flash (4), override (5) }
//	-- Values 0 to 15 are reserved for NATO defined precedence levels.
//	-- Values 16 to 31 are reserved for national use.
//
// A higher value is the more urgent one: "a Military Message with a higher
// MMHS-Primary-Precedence header field value SHOULD be handled before a
// Military Message with a lower [one]" (RFC 6477 §3.8). Values outside the
// six named ones are carried as they are.
type Precedence int

// The NATO precedences (MMSHeadingExtensions.asn, MMHSPrecedence).
const (
	PrecedenceDeferred  Precedence = 0
	PrecedenceRoutine   Precedence = 1
	PrecedencePriority  Precedence = 2
	PrecedenceImmediate Precedence = 3
	PrecedenceFlash     Precedence = 4
	PrecedenceOverride  Precedence = 5
)

// The ranges of precedence values (MMSHeadingExtensions, RFC 6710
// Appendix A): 0 to 15 are NATO defined (only 0 to 5 are in use), 16 to
// 31 national.
const (
	MaxNATOPrecedence     Precedence = 15
	MaxNationalPrecedence Precedence = 31
)

var precedenceNames = [...]string{"DEFERRED", "ROUTINE", "PRIORITY", "IMMEDIATE", "FLASH", "OVERRIDE"}

// The ACP 127 precedence prosigns, indexed by precedence. Y is emergency
// command precedence (ECP), the ACP 127 level carried as OVERRIDE.
var precedenceProsigns = [...]byte{'M', 'R', 'P', 'O', 'Z', 'Y'}

// String returns the upper-case name of a named precedence ("FLASH"), and
// the decimal value of any other (RFC 6477 §3.8 allows both forms).
func (p Precedence) String() string {
	if p >= 0 && int(p) < len(precedenceNames) {
		return precedenceNames[p]
	}
	return strconv.Itoa(int(p))
}

// Prosign returns the ACP 127 precedence prosign of a named precedence:
// Y (OVERRIDE, emergency command precedence), Z (FLASH), O (IMMEDIATE),
// P (PRIORITY), R (ROUTINE), M (DEFERRED); 0 for any other value.
func (p Precedence) Prosign() byte {
	if p >= 0 && int(p) < len(precedenceProsigns) {
		return precedenceProsigns[p]
	}
	return 0
}

// Valid reports whether p lies in the ranges ACP 123 defines (0 to 31).
func (p Precedence) Valid() bool { return p >= 0 && p <= MaxNationalPrecedence }

// ErrBadPrecedence is returned by ParsePrecedence for a text it does not
// know.
var ErrBadPrecedence = errors.New("x400: unknown precedence")

// ParsePrecedence reads a precedence from text: a name of RFC 6477 §3.8
// ("deferred", "routine", "priority", "immediate", "flash", "override",
// any case), an ACP 127 prosign (M, R, P, O, Z, Y, any case), or a
// non-negative decimal value ("7"). Surrounding spaces and tabs are
// ignored; RFC 5322 comments are the caller's business.
func ParsePrecedence(s string) (Precedence, error) {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	if len(s) == 1 {
		c := s[0] &^ 0x20 // upper case
		for i, ps := range precedenceProsigns {
			if c == ps {
				return Precedence(i), nil
			}
		}
	}
	for i, n := range precedenceNames {
		if asciiEqualFold(s, n) {
			return Precedence(i), nil
		}
	}
	if s != "" && s[0] >= '0' && s[0] <= '9' {
		v, err := strconv.ParseUint(s, 10, 31)
		if err == nil {
			return Precedence(v), nil
		}
	}
	return 0, ErrBadPrecedence
}

// asciiEqualFold compares s with the upper-case ASCII name n, ignoring
// the case of s.
func asciiEqualFold(s, n string) bool {
	if len(s) != len(n) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != n[i] {
			return false
		}
	}
	return true
}

// Rank is the position of p in the order in which messages are served:
// the higher the rank, the sooner. It is the precedence value itself, as
// RFC 6477 §3.8 orders precedences by value, so that the national values
// 16 to 31 (emergency command precedence, CRITIC ...) rank above OVERRIDE;
// an invalid negative value ranks below DEFERRED. Civil messages take
// their place on this scale through a PriorityMap.
func (p Precedence) Rank() int {
	if p < 0 {
		return -1
	}
	return int(p)
}

// Priority returns the X.411 priority to put on the P1 envelope of a
// message of precedence p:
//
//	OVERRIDE, FLASH, IMMEDIATE (and national values above OVERRIDE) -> urgent
//	PRIORITY, ROUTINE                                           -> normal
//	DEFERRED                                                    -> non-urgent
//
// An MTA that knows only X.411 priority must not hold back the three
// precedences that carry a handling time in minutes, and must not delay
// ordinary (ROUTINE) military traffic as non-urgent mail, which an MTA
// may hold back (X.411 §8.2.1.1.1.8); only DEFERRED is meant to wait.
func (p Precedence) Priority() Priority {
	switch {
	case p >= PrecedenceImmediate:
		return PriorityUrgent
	case p == PrecedenceDeferred:
		return PriorityNonUrgent
	}
	return PriorityNormal
}

// precedenceMTPriority is RFC 6710 Appendix A, Table 1 (the "STANAG4406"
// Priority Assignment Policy), indexed by precedence.
var precedenceMTPriority = [...]int{-4, -2, 0, 2, 4, 6}

// MTPriority returns the SMTP MT-PRIORITY value of p under the STANAG4406
// policy of RFC 6710 Appendix A: DEFERRED -4, ROUTINE -2, PRIORITY 0,
// IMMEDIATE 2, FLASH 4, OVERRIDE 6. A value above OVERRIDE, which has no
// row in the table, takes OVERRIDE's 6; an invalid negative value takes
// DEFERRED's -4.
func (p Precedence) MTPriority() int {
	switch {
	case p < 0:
		return precedenceMTPriority[0]
	case int(p) >= len(precedenceMTPriority):
		return precedenceMTPriority[len(precedenceMTPriority)-1]
	}
	return precedenceMTPriority[p]
}

// PrecedenceFromMTPriority returns the precedence of an SMTP MT-PRIORITY
// value (-9 to 9) under the STANAG4406 policy of RFC 6710 Appendix A. A
// value of the table gives its row; a value between two rows gives the
// lower row's precedence (-3 is DEFERRED, -1 ROUTINE, 1 PRIORITY, 3
// IMMEDIATE, 5 FLASH), so that a message is never promoted by the
// conversion; values below -4 are DEFERRED and values above 6 OVERRIDE.
func PrecedenceFromMTPriority(v int) Precedence {
	p := PrecedenceDeferred
	for i, t := range precedenceMTPriority {
		if v >= t {
			p = Precedence(i)
		}
	}
	return p
}

// MTPriorityFromPriority returns the SMTP MT-PRIORITY value of an X.411
// priority under the MIXER policy of RFC 6710 Appendix B, Table 2:
// non-urgent -4, normal 0, urgent 4. A value outside the enumeration is
// treated as normal.
func MTPriorityFromPriority(p Priority) int {
	switch p {
	case PriorityNonUrgent:
		return -4
	case PriorityUrgent:
		return 4
	}
	return 0
}

// PriorityFromMTPriority returns the X.411 priority of an SMTP MT-PRIORITY
// value under the MIXER policy of RFC 6710 Appendix B: a value of the
// table gives its row, a value between rows the lower row (-9 to -1
// non-urgent, 0 to 3 normal, 4 to 9 urgent).
func PriorityFromMTPriority(v int) Priority {
	switch {
	case v >= 4:
		return PriorityUrgent
	case v >= 0:
		return PriorityNormal
	}
	return PriorityNonUrgent
}

// PriorityMap places civil (X.411 priority) messages on the precedence
// scale, for queueing and for acknowledgement deadlines, and gives the
// precedence of a civil message converted to a military one. Policy may
// replace the default.
type PriorityMap struct {
	NonUrgent Precedence
	Normal    Precedence
	Urgent    Precedence
}

// DefaultPriorityMap returns the default placement of civil priorities:
//
//	non-urgent -> DEFERRED
//	normal     -> ROUTINE
//	urgent     -> IMMEDIATE
//
// Each priority maps to the lowest precedence whose Priority is that
// priority, so that Precedence.Priority undoes the mapping and a civil
// message never overtakes military traffic of the same X.411 class. The
// shared MT-PRIORITY scale of RFC 6710 (Appendix B normal 0 = Appendix A
// PRIORITY, urgent 4 = FLASH) is deliberately not used: it would put every
// ordinary civil message ahead of ROUTINE military traffic, and every
// urgent one level with FLASH.
func DefaultPriorityMap() PriorityMap {
	return PriorityMap{
		NonUrgent: PrecedenceDeferred,
		Normal:    PrecedenceRoutine,
		Urgent:    PrecedenceImmediate,
	}
}

// Precedence returns the precedence of priority p under m; a value
// outside the X.411 enumeration is treated as normal.
func (m PriorityMap) Precedence(p Priority) Precedence {
	switch p {
	case PriorityNonUrgent:
		return m.NonUrgent
	case PriorityUrgent:
		return m.Urgent
	}
	return m.Normal
}

// PrecedenceFromPriority returns the precedence of a civil message of
// priority p under DefaultPriorityMap.
func PrecedenceFromPriority(p Priority) Precedence {
	return DefaultPriorityMap().Precedence(p)
}
