package osi

import (
	"encoding/hex"
	"fmt"
	"strings"

	"mixerd/osi/rtse"
)

// ParseMode reads a P1 mode as the policy and the commands write it:
// "1988" (or "normal", "1988-normal"), "x410" ("1988-x410") or "1984".
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(s) {
	case "1988", "normal", "1988-normal":
		return Mode1988Normal, nil
	case "x410", "1988-x410":
		return Mode1988X410, nil
	case "1984":
		return Mode1984, nil
	}
	return 0, fmt.Errorf("unknown P1 mode %q (\"1988\", \"x410\" or \"1984\")", s)
}

// ParseDialogueMode reads an RTSE dialogue mode: "monologue" ("mono") or
// "twa" ("two-way-alternate").
func ParseDialogueMode(s string) (rtse.DialogueMode, error) {
	switch strings.ToLower(s) {
	case "monologue", "mono":
		return Monologue, nil
	case "twa", "two-way-alternate":
		return TwoWayAlternate, nil
	}
	return 0, fmt.Errorf("unknown dialogue mode %q (\"monologue\" or \"twa\")", s)
}

// ParseSelector reads a transport, session or presentation selector:
// hexadecimal after "0x", else the text's octets; "" is absent (nil). A
// selector is at most 64 octets (X.213 A.2.1.2 allows up to 32 for a
// TSAP, 16 for SSAP and PSAP; 64 leaves room for peers that exceed them).
func ParseSelector(s string) ([]byte, error) {
	var b []byte
	if h, ok := strings.CutPrefix(s, "0x"); ok {
		var err error
		if b, err = hex.DecodeString(h); err != nil {
			return nil, fmt.Errorf("%q: bad hexadecimal after 0x", s)
		}
	} else {
		b = []byte(s)
	}
	if len(b) > 64 {
		return nil, fmt.Errorf("%q: longer than 64 octets", s)
	}
	if len(b) == 0 {
		return nil, nil
	}
	return b, nil
}
