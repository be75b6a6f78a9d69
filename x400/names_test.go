package x400

import "testing"

func TestNames(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{PerMessageIndicators(0).String(), "{}"},
		{(PerMessageAlternateRecipientAllowed | PerMessageContentReturnRequest).String(), "{alternate-recipient-allowed, content-return-request}"},
		{(PerRecipientResponsibility | PerRecipientOriginatorReport | 1<<9).String(), "{responsibility, originator-report, bit-9}"},
		{(EITIA5Text | EITTeletex).String(), "{ia5-text, teletex}"},
		{CriticalForDelivery.String(), "{for-delivery}"},
		{OtherActionRedirected.String(), "{redirected}"},
		{(NotifyRN | NotifyNRN).String(), "{rn, nrn}"},
		{ACP127PositiveNotification.String(), "{acp127-pn}"},
		{RoutingRerouted.String(), "rerouted"},
		{RoutingAction(7).String(), "7"},
		{ExplicitConversion(12).String(), "teletex-to-g3-facsimile"},
		{ExplicitConversion(5).String(), "5"},
		{NonReceiptIPMAutoForwarded.String(), "ipm-auto-forwarded"},
		{DiscardIPMExpired.String(), "ipm-expired"},
		{DiscardNone.String(), ""},
		{AcknowledgmentAutomatic.String(), "automatic"},
		{OtherRecipientCopy.String(), "copy"},
		{AddressListRequestBoth.String(), "both"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
