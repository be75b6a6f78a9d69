package x400

import "time"

// SampleMilitaryHeading returns a realistic set of P772 heading extensions
// for tests, benchmarks and conformance checks: a FLASH operational
// message with ROUTINE copies, an exempted address, its release time,
// subject indicator codes, handling and message instructions, the
// originator's reference and PLAD, the ACP 127 message identifier and two
// other recipients. Each call returns a new value.
func SampleMilitaryHeading() *MilitaryHeading {
	primary := PrecedenceFlash
	copyPrec := PrecedenceRoutine
	return &MilitaryHeading{
		PrimaryPrecedence: &primary,
		CopyPrecedence:    &copyPrec,
		MessageType: &MessageType{
			Type:       MessageTypeOperation,
			Identifier: "STEADFAST DEFENDER",
		},
		ExemptedAddresses: []ExemptedAddress{
			{
				FormalName:      p772SampleORName("C=GB; ADMD= ; PRMD=NATO; O=MARCOM; OU=N3; CN=Duty Officer"),
				FreeFormName:    "COMMANDER ALLIED MARITIME COMMAND",
				TelephoneNumber: "+44 1923 956000",
			},
		},
		ExtendedAuthorisationInfo: time.Date(2024, time.November, 22, 14, 30, 0, 0, time.UTC),
		DistributionCodes: &DistributionCodes{
			SICs: []string{"AQA", "BCE", "ZUG"},
		},
		HandlingInstructions: []string{"EXCLUSIVE FOR COMMANDER"},
		MessageInstructions:  []string{"ZNR UUUUU", "ZUI ASL"},
		OriginatorReference:  "JFC/OPS/2024/117",
		OtherRecipients: []OtherRecipient{
			{Type: OtherRecipientPrimary, Designator: "COMSTRIKFORNATO"},
			{Type: OtherRecipientCopy, Designator: "CINCUSNAVEUR NAPLES IT"},
		},
		ACP127MessageIdentifier: "RFFNBRU 0117 3271430",
		OriginatorPLAD:          "JFC BRUNSSUM NL",
	}
}

// p772SampleORName parses a constant O/R address of the samples.
func p772SampleORName(s string) *ORName {
	a, err := ParseORAddress(s)
	if err != nil {
		panic("x400: bad sample O/R address " + s + ": " + err.Error())
	}
	return &ORName{ORAddress: a}
}
