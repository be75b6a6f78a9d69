package x400

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"mixerd/ber"
)

// Test helpers (prefixed ipmT: other areas' tests share the package).

// ipmTCons and ipmTPrim build BER elements for hand-made inputs.
func ipmTCons(t ber.Tag, parts ...[]byte) []byte {
	b := ber.NewBuilder(64)
	m := b.Begin(t)
	for _, p := range parts {
		b.AddRaw(p)
	}
	b.End(m)
	return append([]byte(nil), b.Bytes()...)
}

func ipmTPrim(t ber.Tag, content string) []byte {
	b := ber.NewBuilder(16)
	b.AddString(t, content)
	return append([]byte(nil), b.Bytes()...)
}

func ipmTMarshal(t testing.TB, o *InformationObject) []byte {
	t.Helper()
	enc, err := o.Marshal()
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	return append([]byte(nil), enc...)
}

// ipmTNormalize clears, in a decoded value, what the decoder adds and a
// hand-built value does not have: the whole-parameter encoding of file
// transfer parts and the view of unknown extended parts.
func ipmTNormalize(o *InformationObject) {
	if o.IPM != nil {
		ipmTNormalizeIPM(o.IPM)
	}
	if o.IPN != nil && o.IPN.NonReceipt != nil && o.IPN.NonReceipt.ReturnedIPM != nil {
		ipmTNormalizeIPM(o.IPN.NonReceipt.ReturnedIPM)
	}
}

func ipmTNormalizeIPM(m *IPM) {
	for i := range m.Body {
		p := &m.Body[i]
		if p.FileTransfer != nil {
			p.FileTransfer.Parameters = nil
		}
		if p.Kind == BodyPartExtended {
			p.Other = nil
		}
		if p.Message != nil {
			ipmTNormalizeIPM(&p.Message.IPM)
		}
	}
}

// ipmTRoundTrip encodes o, decodes it, checks the decoded value equals o
// (after normalisation) and that re-encoding gives the same bytes.
func ipmTRoundTrip(t *testing.T, o *InformationObject) *InformationObject {
	t.Helper()
	enc := ipmTMarshal(t, o)
	d, err := DecodeInformationObject(enc, nil)
	if err != nil {
		t.Fatalf("decode: %v\n%x", err, enc)
	}
	enc2 := ipmTMarshal(t, d)
	if !bytes.Equal(enc, enc2) {
		t.Fatalf("re-encoding differs:\n%x\n%x", enc, enc2)
	}
	ipmTNormalize(d)
	if !reflect.DeepEqual(o, d) {
		t.Errorf("round trip differs:\nwant %#v\n got %#v", o, d)
		if o.IPM != nil && d.IPM != nil {
			ipmTDiffIPM(t, o.IPM, d.IPM)
		}
	}
	return d
}

func ipmTDiffIPM(t *testing.T, a, b *IPM) {
	t.Helper()
	ah, bh := reflect.ValueOf(a.Heading), reflect.ValueOf(b.Heading)
	for i := 0; i < ah.NumField(); i++ {
		if !reflect.DeepEqual(ah.Field(i).Interface(), bh.Field(i).Interface()) {
			t.Errorf("heading.%s: want %#v, got %#v", ah.Type().Field(i).Name, ah.Field(i).Interface(), bh.Field(i).Interface())
		}
	}
	for i := range a.Body {
		if i < len(b.Body) && !reflect.DeepEqual(a.Body[i], b.Body[i]) {
			t.Errorf("body[%d]: want %#v, got %#v", i, a.Body[i], b.Body[i])
		}
	}
}

func ipmTMinimal() *InformationObject {
	return &InformationObject{IPM: &IPM{
		Heading: Heading{ThisIPM: IPMIdentifier{LocalID: "local-1"}},
		Body:    []BodyPart{NewIA5TextBodyPart("hello\r\n")},
	}}
}

func ipmTWithHeading(f func(h *Heading)) *InformationObject {
	o := ipmTMinimal()
	f(&o.IPM.Heading)
	return o
}

func ipmTWithBody(parts ...BodyPart) *InformationObject {
	o := ipmTMinimal()
	o.IPM.Body = parts
	return o
}

func TestSamplesRoundTrip(t *testing.T) {
	for name, f := range map[string]func() *InformationObject{
		"SampleIPM": SampleIPM, "SampleIPN": SampleIPN, "SampleNRN": SampleNRN,
	} {
		t.Run(name, func(t *testing.T) { ipmTRoundTrip(t, f()) })
	}
}

func TestSampleIPMContents(t *testing.T) {
	d := ipmTRoundTrip(t, SampleIPM())
	h := &d.IPM.Heading
	if h.Subject != "Réunion à Zürich : préparation de l'exercice" {
		t.Errorf("subject %q", h.Subject)
	}
	if h.Importance != ImportanceHigh || len(h.PrimaryRecipients) != 2 || len(h.CopyRecipients) != 1 {
		t.Errorf("heading %+v", h)
	}
	if h.PrimaryRecipients[0].NotificationRequests&NotifyRN == 0 {
		t.Error("primary recipient without rn request")
	}
	want := []string{
		"Bob,\r\n\r\nThe meeting is confirmed for Monday 09:00.\r\n",
		"Ci-joint le rapport détaillé de la réunion préparatoire.\r\n",
	}
	for i, w := range want {
		got, ok := d.IPM.Body[i].Text()
		if !ok || got != w {
			t.Errorf("body[%d].Text() = %q, %v; want %q", i, got, ok, w)
		}
	}
	ft := d.IPM.Body[2].FileTransfer
	if ft == nil || ft.FileName() != "rapport-exercice.pdf" || ft.Size == nil ||
		!ft.DocumentType.Equal(FTAMDocumentUnstructuredBinary) {
		t.Fatalf("file transfer %+v", ft)
	}
	if c, ok := ft.Content(); !ok || !bytes.HasPrefix(c, []byte("%PDF-1.4")) || int64(len(c)) != *ft.Size {
		t.Errorf("file content %q, %v", c, ok)
	}
	if _, ok := d.IPM.Body[2].Text(); ok {
		t.Error("file transfer part has text")
	}
}

func TestHeadingFieldsRoundTrip(t *testing.T) {
	orn := sampleORName("GB", "TEST", "ptest", "alpha", "", "root")
	ext := []IPMSExtension{
		{Type: ber.MustOID("2.6.1.5.2"), Value: ipmTPrim(ber.Integer, "\x01")},
		{Type: ber.MustOID("2.6.1.5.0")}, // NULL value (the default)
	}
	tm := time.Date(2027, time.January, 2, 3, 4, 5, 0, time.UTC)
	cases := map[string]func(h *Heading){
		"this-IPM with user": func(h *Heading) { h.ThisIPM.User = orn },
		"empty local id":     func(h *Heading) { h.ThisIPM.LocalID = "" },
		"originator":         func(h *Heading) { h.Originator = &ORDescriptor{FormalName: orn} },
		"originator free-form and phone": func(h *Heading) {
			h.Originator = &ORDescriptor{FreeFormName: "Zoë Ærøskøbing", TelephoneNumber: "+44 20 7946 0000"}
		},
		"empty originator": func(h *Heading) { h.Originator = &ORDescriptor{} },
		"authorizing-users": func(h *Heading) {
			h.AuthorizingUsers = []ORDescriptor{{FormalName: orn, FreeFormName: "root"}, {FreeFormName: "Ops"}}
		},
		"empty authorizing-users": func(h *Heading) { h.AuthorizingUsers = []ORDescriptor{} },
		"primary-recipients": func(h *Heading) {
			h.PrimaryRecipients = []RecipientSpecifier{
				{Recipient: ORDescriptor{FormalName: orn}, NotificationRequests: NotifyRN | NotifyNRN | NotifyIPMReturn | NotifyANSupported | NotifySuppressAN, ReplyRequested: true},
				{Recipient: ORDescriptor{FreeFormName: "B"}, Extensions: ext[:1]},
				{Recipient: ORDescriptor{FreeFormName: "C"}, Extensions: []IPMSExtension{}},
			}
		},
		"recipient notification bit 20": func(h *Heading) {
			h.CopyRecipients = []RecipientSpecifier{{Recipient: ORDescriptor{FreeFormName: "x"}, NotificationRequests: 1 << 20}}
		},
		"copy-recipients": func(h *Heading) {
			h.CopyRecipients = []RecipientSpecifier{{Recipient: ORDescriptor{FormalName: orn}, NotificationRequests: NotifyNRN}}
		},
		"blind-copy-recipients": func(h *Heading) {
			h.BlindCopyRecipients = []RecipientSpecifier{{Recipient: ORDescriptor{FormalName: orn}}}
		},
		"empty blind-copy-recipients": func(h *Heading) { h.BlindCopyRecipients = []RecipientSpecifier{} },
		"replied-to-IPM": func(h *Heading) {
			h.RepliedToIPM = &IPMIdentifier{User: orn, LocalID: "orig-7"}
		},
		"obsoleted-IPMs": func(h *Heading) {
			h.ObsoletedIPMs = []IPMIdentifier{{LocalID: "a"}, {User: orn, LocalID: "b"}}
		},
		"related-IPMs":     func(h *Heading) { h.RelatedIPMs = []IPMIdentifier{{LocalID: "rel"}} },
		"subject":          func(h *Heading) { h.Subject = "Ordre n° 5, révisé" },
		"subject ascii":    func(h *Heading) { h.Subject = "Plain subject" },
		"expiry-time":      func(h *Heading) { h.ExpiryTime = tm },
		"reply-time":       func(h *Heading) { h.ReplyTime = tm.Add(time.Hour) },
		"reply-recipients": func(h *Heading) { h.ReplyRecipients = []ORDescriptor{{FormalName: orn}} },
		"importance low":   func(h *Heading) { h.Importance = ImportanceLow },
		"importance high":  func(h *Heading) { h.Importance = ImportanceHigh },
		"sensitivity personal": func(h *Heading) {
			h.Sensitivity = SensitivityPersonal
		},
		"sensitivity company-confidential": func(h *Heading) {
			h.Sensitivity = SensitivityCompanyConfidential
		},
		"auto-forwarded": func(h *Heading) { h.AutoForwarded = true },
		"extensions":     func(h *Heading) { h.Extensions = ext },
		"unknown component": func(h *Heading) {
			h.Unknown = []Raw{ipmTPrim(ber.Context(20), "x"), ipmTPrim(ber.Private(1), "y")}
		},
		"everything": func(h *Heading) {
			h.ThisIPM.User = orn
			h.Originator = &ORDescriptor{FormalName: orn, FreeFormName: "Ünïcode"}
			h.AuthorizingUsers = []ORDescriptor{{FormalName: orn}}
			h.PrimaryRecipients = []RecipientSpecifier{{Recipient: ORDescriptor{FormalName: orn}, NotificationRequests: NotifyRN}}
			h.CopyRecipients = []RecipientSpecifier{{Recipient: ORDescriptor{FormalName: orn}}}
			h.BlindCopyRecipients = []RecipientSpecifier{{Recipient: ORDescriptor{FormalName: orn}}}
			h.RepliedToIPM = &IPMIdentifier{LocalID: "r"}
			h.ObsoletedIPMs = []IPMIdentifier{{LocalID: "o"}}
			h.RelatedIPMs = []IPMIdentifier{{LocalID: "q"}}
			h.Subject = "Tout à fait"
			h.ExpiryTime = tm
			h.ReplyTime = tm
			h.ReplyRecipients = []ORDescriptor{{FormalName: orn}}
			h.Importance = ImportanceLow
			h.Sensitivity = SensitivityPrivate
			h.AutoForwarded = true
			h.Extensions = ext
			h.Unknown = []Raw{ipmTPrim(ber.Context(16), "z")}
		},
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			o := ipmTWithHeading(f)
			// SET OF components come back in DER order.
			if len(o.IPM.Heading.Extensions) == 2 {
				o.IPM.Heading.Extensions = []IPMSExtension{ext[1], ext[0]}
			}
			ipmTRoundTrip(t, o)
		})
	}
}

func TestHeadingExtensionLookup(t *testing.T) {
	h := Heading{Extensions: []IPMSExtension{
		{Type: ber.MustOID("2.6.1.5.1"), Value: ipmTPrim(ber.Integer, "\x05")},
		{Type: ber.MustOID("1.3.26.0.4406.0.2.0")},
	}}
	x, ok := h.Extension(ber.MustOID("1.3.26.0.4406.0.2.0"))
	if !ok || x != &h.Extensions[1] {
		t.Errorf("Extension = %v, %v", x, ok)
	}
	if _, ok := h.Extension(ber.MustOID("2.6.1.5")); ok {
		t.Error("found a prefix")
	}
	rs := RecipientSpecifier{Extensions: h.Extensions}
	if x, ok := rs.Extension(ber.MustOID("2.6.1.5.1")); !ok || x.Value[2] != 5 {
		t.Error("RecipientSpecifier.Extension")
	}
}

func TestIPMSExtensionNullValue(t *testing.T) {
	// An explicit NULL value decodes as absent and is not written back.
	enc := ipmTCons(ber.Sequence, ipmTPrim(ber.ObjectID, string(ber.MustOID("2.6.1.5.0"))), []byte{5, 0})
	var x IPMSExtension
	r := ber.NewReader(enc, nil)
	e, _ := r.Next()
	if err := x.decode(&e); err != nil || x.Value != nil {
		t.Fatalf("decode: %v %x", err, x.Value)
	}
	b := ber.NewBuilder(16)
	x.encode(b, ber.Sequence)
	if got := hex.EncodeToString(b.Bytes()); got != "3006060456010500" {
		t.Errorf("encode %s", got)
	}
}

func TestIPMIdentifierString(t *testing.T) {
	id := IPMIdentifier{LocalID: "abc 1"}
	if id.String() != "abc 1" {
		t.Errorf("%q", id.String())
	}
	id.User = sampleOriginatorName()
	s := id.String()
	if !strings.HasPrefix(s, "abc 1 <") || !strings.HasSuffix(s, ">") || !strings.Contains(s, "S=Dupont") {
		t.Errorf("%q", s)
	}
}

func TestBodyPartsRoundTrip(t *testing.T) {
	pages := 3
	syntax := 0
	size := int64(4096)
	when := time.Date(2025, time.March, 4, 5, 6, 7, 0, time.UTC)
	fwd := IPM{
		Heading: Heading{ThisIPM: IPMIdentifier{LocalID: "fwd"}, Subject: "Forwarded"},
		Body:    []BodyPart{NewIA5TextBodyPart("inner\r\n")},
	}
	cases := map[string]BodyPart{
		"ia5-text":           NewIA5TextBodyPart("Hello\r\n"),
		"ia5-text ita2":      {Kind: BodyPartIA5Text, IA5Text: &IA5TextBodyPart{Repertoire: RepertoireITA2, Data: "TELEX"}},
		"ia5-text extended":  {Kind: BodyPartIA5Text, Extended: true, IA5Text: &IA5TextBodyPart{Data: "ext"}},
		"ia5-text 8-bit":     {Kind: BodyPartIA5Text, IA5Text: &IA5TextBodyPart{Data: "caf\xe9"}},
		"teletex":            {Kind: BodyPartTeletex, Teletex: &TeletexBodyPart{Data: [][]byte{[]byte("caf\xc2e"), []byte(" ok")}}},
		"teletex parameters": {Kind: BodyPartTeletex, Teletex: &TeletexBodyPart{NumberOfPages: pages, TelexCompatible: true, NonBasicParameters: ipmTCons(ber.Context(2), ipmTPrim(ber.Context(0), "\x01\x02")), Data: [][]byte{}}},
		"teletex extended":   {Kind: BodyPartTeletex, Extended: true, Teletex: &TeletexBodyPart{Data: [][]byte{[]byte("x")}}},
		"g3-facsimile": {Kind: BodyPartG3Facsimile, G3Facsimile: &G3FacsimileBodyPart{
			NumberOfPages:      2,
			NonBasicParameters: []byte{0x81, 0x02, 0x00, 0x80},
			Pages:              []ber.BitString{{Bytes: []byte{0xde, 0xad}, Len: 16}, {Bytes: []byte{0xf0}, Len: 4}},
		}},
		"g3-facsimile extended": {Kind: BodyPartG3Facsimile, Extended: true, G3Facsimile: &G3FacsimileBodyPart{Pages: []ber.BitString{}}},
		"videotex":              {Kind: BodyPartVideotex, Videotex: &VideotexBodyPart{Syntax: &syntax, Data: []byte("vtx")}},
		"videotex no syntax":    {Kind: BodyPartVideotex, Extended: true, Videotex: &VideotexBodyPart{Data: []byte{}}},
		"message": {Kind: BodyPartMessage, Message: &MessageBodyPart{
			DeliveryTime:     when,
			DeliveryEnvelope: ipmTCons(ber.Context(1), ipmTPrim(ber.Context(4), "env")),
			IPM:              fwd,
		}},
		"message extended":              {Kind: BodyPartMessage, Extended: true, Message: &MessageBodyPart{IPM: fwd}},
		"bilaterally-defined":           {Kind: BodyPartBilaterallyDefined, BilaterallyDefined: []byte{0, 1, 2, 0xff}},
		"bilaterally-defined extended":  {Kind: BodyPartBilaterallyDefined, Extended: true, BilaterallyDefined: []byte("bin")},
		"general-text ascii":            NewGeneralTextBodyPart("plain\r\n"),
		"general-text latin1":           NewGeneralTextBodyPart("Grüße\r\n"),
		"general-text utf8":             NewGeneralTextBodyPart("Привет\r\n"),
		"general-text no parameters":    {Kind: BodyPartGeneralText, Extended: true, GeneralText: &GeneralTextBodyPart{Data: []byte("x")}},
		"general-text empty parameters": {Kind: BodyPartGeneralText, Extended: true, GeneralText: &GeneralTextBodyPart{CharacterSets: []int{}, Data: []byte{}}},
		"file-transfer":                 NewFileTransferBodyPart("a.bin", []byte{1, 2, 3}, time.Time{}),
		"file-transfer all fields": {Kind: BodyPartFileTransfer, Extended: true, FileTransfer: &FileTransferBodyPart{
			DocumentType:      FTAMDocumentUnstructuredText,
			DocumentParameter: ipmTCons(ber.Sequence, ipmTPrim(ber.Context(0), "\x19")),
			Pathname:          []string{"dir", "sub", "notes.txt"},
			CompletePathname:  true,
			PermittedActions:  1 | 1<<5 | 1<<11,
			StorageAccount:    "acct",
			Created:           when,
			Modified:          when.Add(time.Minute),
			ReadAccess:        when.Add(time.Hour),
			Creator:           "alice",
			Size:              &size,
			FutureSize:        &size,
			Data: []External{
				{DirectReference: FTAMSyntaxUnstructuredText, Encoding: ExternalSingleASN1Type, Value: ipmTPrim(ber.GeneralString, "line 1\r\n")},
				{DirectReference: FTAMSyntaxUnstructuredText, Encoding: ExternalOctetAligned, Octets: []byte("line 2\r\n")},
			},
		}},
		"file-transfer constraint set": {Kind: BodyPartFileTransfer, Extended: true, FileTransfer: &FileTransferBodyPart{
			ConstraintSet:  ber.MustOID("1.0.8571.6.1"),
			AbstractSyntax: ber.MustOID("1.0.8571.2.4"),
			Data: []External{{
				DirectReference: ber.MustOID("1.2.3"), HasIndirectReference: true, IndirectReference: 5,
				DataValueDescriptor: "desc", Encoding: ExternalArbitrary, Bits: ber.BitString{Bytes: []byte{0xa0}, Len: 3},
			}},
		}},
		"file-transfer empty": {Kind: BodyPartFileTransfer, Extended: true, FileTransfer: &FileTransferBodyPart{Data: []External{}}},
		"extended unknown": {Kind: BodyPartExtended, Extended: true, Raw: ipmTCons(ber.Context(15),
			ipmTCons(ber.Context(0), ipmTPrim(ber.ObjectID, string(ber.MustOID("1.2.840.113556.3.10.1"))), ipmTCons(ber.Context(0), ipmTPrim(ber.Null, ""))),
			ipmTCons(ber.External, ipmTPrim(ber.ObjectID, string(ber.MustOID("1.2.840.113556.3.10.2"))), ipmTCons(ber.Context(0), ipmTPrim(ber.OctetString, "mime")))),
		},
		"extended octet-aligned ia5": {Kind: BodyPartExtended, Extended: true, Raw: ipmTCons(ber.Context(15),
			ipmTCons(ber.External, ipmTPrim(ber.ObjectID, string(IDEtIA5Text)), ipmTPrim(ber.Context(1), "octets")))},
		"extended unknown from view": {Kind: BodyPartExtended, Extended: true, Other: &ExtendedBodyPart{
			Data: External{DirectReference: IDEtVoice, Encoding: ExternalOctetAligned, Octets: []byte{1}},
		}},
		"g4-class1":          {Kind: BodyPartG4Class1, Raw: ipmTCons(ber.Context(4), ipmTPrim(ber.OctetString, "oda"))},
		"encrypted":          {Kind: BodyPartEncrypted, Raw: ipmTCons(ber.Context(8), ipmTCons(ber.Set), []byte{3, 2, 0, 0xaa})},
		"mixed-mode":         {Kind: BodyPartMixedMode, Raw: ipmTCons(ber.Context(11))},
		"nationally-defined": {Kind: BodyPartNationallyDefined, Raw: ipmTCons(ber.Context(7), ipmTPrim(ber.Integer, "\x07"))},
		"unknown basic tag":  {Kind: BodyPartUnknown, Raw: ipmTPrim(ber.Context(10), "sfd")},
		"universal tag":      {Kind: BodyPartUnknown, Raw: ipmTPrim(ber.OctetString, "odd")},
	}
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			o := ipmTWithBody(p)
			if name == "extended unknown from view" {
				// Decoding keeps the Raw encoding.
				enc := ipmTMarshal(t, o)
				d, err := DecodeInformationObject(enc, nil)
				if err != nil {
					t.Fatal(err)
				}
				got := d.IPM.Body[0]
				if got.Kind != BodyPartExtended || got.Raw == nil || !got.Other.Data.DirectReference.Equal(IDEtVoice) {
					t.Fatalf("%+v", got)
				}
				if enc2 := ipmTMarshal(t, d); !bytes.Equal(enc, enc2) {
					t.Fatalf("re-encoding differs")
				}
				return
			}
			if p.Kind == BodyPartGeneralText && len(p.GeneralText.CharacterSets) > 1 {
				// DER sorts the SET OF.
				cs := append([]int(nil), p.GeneralText.CharacterSets...)
				for i := range cs {
					for j := i + 1; j < len(cs); j++ {
						if cs[j] < cs[i] {
							cs[i], cs[j] = cs[j], cs[i]
						}
					}
				}
				p.GeneralText.CharacterSets = cs
			}
			ipmTRoundTrip(t, o)
		})
	}
}

func TestFileTransferView(t *testing.T) {
	p := NewFileTransferBodyPart("x.bin", []byte("abc"), time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	d := ipmTRoundTrip(t, ipmTWithBody(p))
	ft := d.IPM.Body[0].FileTransfer
	if ft.Parameters != nil {
		t.Fatal("normalised")
	}
	// Decoded again: Parameters is kept and written back byte for byte,
	// even when the view is changed.
	enc := ipmTMarshal(t, ipmTWithBody(p))
	d, _ = DecodeInformationObject(enc, nil)
	ft = d.IPM.Body[0].FileTransfer
	if ft.Parameters == nil || ft.FileName() != "x.bin" || !ft.Modified.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Fatalf("%+v", ft)
	}
	ft.Pathname = []string{"other"}
	if enc2 := ipmTMarshal(t, d); !bytes.Equal(enc, enc2) {
		t.Error("Parameters not written back as they were")
	}
	ft.Parameters = nil
	d2, err := DecodeInformationObject(ipmTMarshal(t, d), nil)
	if err != nil || d2.IPM.Body[0].FileTransfer.FileName() != "other" {
		t.Errorf("encode from view: %v", err)
	}
}

func TestFileTransferBERVariants(t *testing.T) {
	// A hand-made parameters SEQUENCE with components the view skips,
	// no-value-available attributes and [APPLICATION 23] pathname.
	params := ipmTCons(ber.Sequence,
		ipmTCons(ber.Context(0), ipmTCons(ber.Sequence)),
		ipmTCons(ber.Context(2), ipmTCons(ber.Sequence)),
		ipmTCons(ber.Context(4),
			ipmTCons(ber.Application(23), ipmTPrim(ber.Universal(ber.TagGraphicString), "f.txt")),
			ipmTCons(ber.Context(4), ipmTPrim(ber.Context(0), "")),
			ipmTCons(ber.Context(9), ipmTPrim(ber.Context(0), "")),
			ipmTCons(ber.Context(13), ipmTPrim(ber.Context(0), "")),
		),
		ipmTCons(ber.Context(5), ipmTCons(ber.Set)),
	)
	part := ipmTCons(ber.Context(15),
		ipmTCons(ber.Context(0), ipmTPrim(ber.ObjectID, string(IDEpFileTransfer)), ipmTCons(ber.Context(0), params)),
		ipmTCons(ber.External, ipmTPrim(ber.ObjectID, string(IDEtFileTransfer)), ipmTCons(ber.Context(0), ipmTCons(ber.Sequence))),
	)
	enc := ipmTCons(ber.Context(0),
		ipmTCons(ber.Set, ipmTCons(ipmIdentifierTag, ipmTPrim(ber.PrintableString, "x"))),
		ipmTCons(ber.Sequence, part))
	d, err := DecodeInformationObject(enc, nil)
	if err != nil {
		t.Fatal(err)
	}
	ft := d.IPM.Body[0].FileTransfer
	if ft.FileName() != "f.txt" || !ft.CompletePathname || ft.Size != nil || !ft.Created.IsZero() {
		t.Errorf("%+v", ft)
	}
	if !bytes.Equal(ft.Parameters, params) {
		t.Error("Parameters")
	}
	if enc2 := ipmTMarshal(t, d); !bytes.Equal(enc, enc2) {
		t.Errorf("re-encoding differs\n%x\n%x", enc, enc2)
	}
}

func TestBodyPartText(t *testing.T) {
	gt := func(sets []int, data string) BodyPart {
		return BodyPart{Kind: BodyPartGeneralText, Extended: true, GeneralText: &GeneralTextBodyPart{CharacterSets: sets, Data: []byte(data)}}
	}
	cases := []struct {
		name string
		p    BodyPart
		want string
		ok   bool
	}{
		{"ia5", NewIA5TextBodyPart("abc\r\n"), "abc\r\n", true},
		{"ia5 8-bit", BodyPart{Kind: BodyPartIA5Text, IA5Text: &IA5TextBodyPart{Data: "caf\xe9"}}, "caf\xe9", false},
		{"teletex", BodyPart{Kind: BodyPartTeletex, Teletex: &TeletexBodyPart{Data: [][]byte{[]byte("Caf\xc2e "), []byte("cr\xc1eme")}}}, "Café crème", true},
		{"teletex one", BodyPart{Kind: BodyPartTeletex, Teletex: &TeletexBodyPart{Data: [][]byte{[]byte("\xc8u")}}}, "ü", true},
		{"teletex bad", BodyPart{Kind: BodyPartTeletex, Teletex: &TeletexBodyPart{Data: [][]byte{[]byte("a"), []byte("\xcc")}}}, "", false},
		{"general ascii", gt([]int{1, 6}, "Hello"), "Hello", true},
		{"general no params", gt(nil, "Hello"), "Hello", true},
		{"general latin1 GR default", gt([]int{1, 6, 100}, "Gr\xfc\xdfe"), "Grüße", true},
		{"general latin1 ESC - A", gt([]int{1, 6, 100}, "\x1b-AGr\xfc\xdfe"), "Grüße", true},
		{"general latin1 designated without registration", gt([]int{6}, "\x1b-A\xe9"), "é", true},
		{"general latin1 SO/SI", gt([]int{1, 6, 100}, "a\x0e\x69\x0fb"), "aéb", true},
		{"general latin1 LS1R", gt([]int{1, 6, 100}, "\x1b~\xe0"), "à", true},
		{"general C1", gt([]int{1, 6, 77, 100}, "\x85x"), "\u0085x", true},
		{"general C1 unregistered", gt([]int{1, 6, 100}, "\x85x"), "", false},
		{"general 8-bit without G1", gt([]int{1, 6}, "\xe9"), "", false},
		{"general utf8 registered", gt([]int{1, 6, 196}, "Привет"), "Привет", true},
		{"general utf8 ESC % G", gt([]int{6}, "a\x1b%GПр\x1b%@b"), "aПрb", true},
		{"general utf8 level 3", gt([]int{192}, "\x1b%/Iж"), "ж", true},
		{"general utf8 invalid", gt([]int{196}, "\xff"), "", false},
		{"general utf8 with latin1 registered", gt([]int{6, 100, 196}, "\xe9\x1b%G\xc3\xa9"), "éé", true},
		{"general ESC ( B", gt([]int{6}, "\x1b(Bx"), "x", true},
		{"general unknown registration", gt([]int{1, 6, 101}, "x"), "", false},
		{"general unknown escape", gt([]int{6}, "\x1b$B"), "", false},
		{"general truncated escape", gt([]int{6}, "x\x1b("), "", false},
		{"general SO without G1", gt([]int{6}, "\x0ea"), "", false},
		{"general escape in utf8", gt([]int{196}, "\x1b(B"), "", false},
		{"bilateral", BodyPart{Kind: BodyPartBilaterallyDefined, BilaterallyDefined: []byte("x")}, "", false},
		{"nil ia5", BodyPart{Kind: BodyPartIA5Text}, "", false},
	}
	for _, c := range cases {
		got, ok := c.p.Text()
		if got != c.want || ok != c.ok {
			t.Errorf("%s: Text() = %q, %v; want %q, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

func TestNewGeneralTextBodyPart(t *testing.T) {
	for _, s := range []string{"", "ascii\r\n", "Grüße \u0085", "ÿ", "日本語", "mixed é and €"} {
		p := NewGeneralTextBodyPart(s)
		got, ok := p.Text()
		if !ok || got != s {
			t.Errorf("%q: Text() = %q, %v", s, got, ok)
		}
	}
	p := NewGeneralTextBodyPart("é")
	if !reflect.DeepEqual(p.GeneralText.CharacterSets, []int{1, 6, 100}) || !bytes.Equal(p.GeneralText.Data, []byte("\x1b-A\xe9")) {
		t.Errorf("%+v", p.GeneralText)
	}
}

func TestGoldenPP1988(t *testing.T) {
	raw, err := os.ReadFile("testdata/ipm_pp_1988.ber")
	if err != nil {
		t.Fatal(err)
	}
	o, err := DecodeInformationObject(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.IPM == nil || o.IPN != nil {
		t.Fatal("not an IPM")
	}
	h := &o.IPM.Heading
	if h.ThisIPM.LocalID != "(q)26090 Sun Nov 22 21:19:53 2026(q)(a)a.test" || h.ThisIPM.User != nil {
		t.Errorf("this-IPM %+v", h.ThisIPM)
	}
	if h.Subject != "X.400 P1 test 4" {
		t.Errorf("subject %q", h.Subject)
	}
	if h.Originator == nil || h.Originator.FormalName == nil || h.Originator.FreeFormName != "" {
		t.Errorf("originator %+v", h.Originator)
	}
	if len(h.AuthorizingUsers) != 1 || h.AuthorizingUsers[0].FreeFormName != "root" || h.AuthorizingUsers[0].FormalName == nil {
		t.Errorf("authorizing-users %+v", h.AuthorizingUsers)
	}
	if len(h.PrimaryRecipients) != 1 || h.PrimaryRecipients[0].Recipient.FormalName == nil ||
		h.PrimaryRecipients[0].NotificationRequests != 0 || h.PrimaryRecipients[0].ReplyRequested {
		t.Errorf("primary-recipients %+v", h.PrimaryRecipients)
	}
	if h.Importance != ImportanceNormal || h.CopyRecipients != nil || h.Extensions != nil {
		t.Errorf("heading %+v", h)
	}
	if s := h.Originator.FormalName.String(); !strings.Contains(s, "S=root") || !strings.Contains(s, "O=alpha") {
		t.Errorf("originator %q", s)
	}
	if s := h.PrimaryRecipients[0].Recipient.FormalName.String(); !strings.Contains(s, "S=bob") {
		t.Errorf("recipient %q", s)
	}
	if len(o.IPM.Body) != 1 || o.IPM.Body[0].Kind != BodyPartIA5Text || o.IPM.Body[0].Extended {
		t.Fatalf("body %+v", o.IPM.Body)
	}
	text, ok := o.IPM.Body[0].Text()
	if !ok || text != "Hello bob, this went over X.400 P1 (1988 normal mode) from PP-A to PP-B.\r\n" {
		t.Errorf("text %q %v", text, ok)
	}
	// Re-encode (DER: definite lengths, no default importance/repertoire),
	// decode again, compare.
	enc := ipmTMarshal(t, o)
	if len(enc) >= len(raw) {
		t.Errorf("DER (%d) not shorter than PP's BER (%d)", len(enc), len(raw))
	}
	o2, err := DecodeInformationObject(enc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(o, o2) {
		t.Errorf("decode(encode(golden)) differs:\n%#v\n%#v", o, o2)
	}
	if enc2 := ipmTMarshal(t, o2); !bytes.Equal(enc, enc2) {
		t.Error("DER not stable")
	}
	// No copy: the strings alias the input.
	if !ipmTAliases(raw, h.ThisIPM.LocalID) || !ipmTAliases(raw, o.IPM.Body[0].IA5Text.Data) {
		t.Error("strings copied")
	}
}

func ipmTAliases(buf []byte, s string) bool {
	if len(s) == 0 {
		return true
	}
	p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	b := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	return p >= b && p < b+uintptr(len(buf))
}

func TestMarshalErrors(t *testing.T) {
	cases := map[string]*InformationObject{
		"empty":                   {},
		"both":                    {IPM: &IPM{}, IPN: &IPN{}},
		"bad local id":            ipmTWithHeading(func(h *Heading) { h.ThisIPM.LocalID = "a@b" }),
		"subject not T.61":        ipmTWithHeading(func(h *Heading) { h.Subject = "€ 5" }),
		"free-form not T.61":      ipmTWithHeading(func(h *Heading) { h.Originator = &ORDescriptor{FreeFormName: "日本"} }),
		"bad phone":               ipmTWithHeading(func(h *Heading) { h.Originator = &ORDescriptor{TelephoneNumber: "#1"} }),
		"bad importance":          ipmTWithHeading(func(h *Heading) { h.Importance = 9 }),
		"bad sensitivity":         ipmTWithHeading(func(h *Heading) { h.Sensitivity = 4 }),
		"extension without type":  ipmTWithHeading(func(h *Heading) { h.Extensions = []IPMSExtension{{}} }),
		"body part without value": ipmTWithBody(BodyPart{Kind: BodyPartG4Class1}),
		"nil ia5":                 ipmTWithBody(BodyPart{Kind: BodyPartIA5Text}),
		"bad repertoire":          ipmTWithBody(BodyPart{Kind: BodyPartIA5Text, IA5Text: &IA5TextBodyPart{Repertoire: 7}}),
		"external without value": ipmTWithBody(BodyPart{Kind: BodyPartFileTransfer, FileTransfer: &FileTransferBodyPart{
			Data: []External{{DirectReference: FTAMSyntaxUnstructuredBinary}}}}),
		"external bad bits": ipmTWithBody(BodyPart{Kind: BodyPartFileTransfer, FileTransfer: &FileTransferBodyPart{
			Data: []External{{Encoding: ExternalArbitrary, Bits: ber.BitString{Len: 9}}}}}),
		"external bad encoding": ipmTWithBody(BodyPart{Kind: BodyPartFileTransfer, FileTransfer: &FileTransferBodyPart{
			Data: []External{{Encoding: 9}}}}),
		"half contents-type": ipmTWithBody(BodyPart{Kind: BodyPartFileTransfer, FileTransfer: &FileTransferBodyPart{ConstraintSet: ber.MustOID("1.2")}}),
		"bad registration":   ipmTWithBody(BodyPart{Kind: BodyPartGeneralText, GeneralText: &GeneralTextBodyPart{CharacterSets: []int{0}}}),
		"bad fax page":       ipmTWithBody(BodyPart{Kind: BodyPartG3Facsimile, G3Facsimile: &G3FacsimileBodyPart{Pages: []ber.BitString{{Len: 8}}}}),
		"ipn without choice": {IPN: &IPN{}},
		"ipn two choices":    {IPN: &IPN{Receipt: &ReceiptFields{ReceiptTime: time.Now()}, Other: []IPMSExtension{}}},
		"rn without time":    {IPN: &IPN{Receipt: &ReceiptFields{}}},
		"rn bad mode":        {IPN: &IPN{Receipt: &ReceiptFields{ReceiptTime: time.Now(), AcknowledgmentMode: 2}}},
		"rn bad info":        {IPN: &IPN{Receipt: &ReceiptFields{ReceiptTime: time.Now(), SupplReceiptInfo: "a&b"}}},
		"nrn bad comment":    {IPN: &IPN{NonReceipt: &NonReceiptFields{AutoForwardComment: "a*b"}}},
		"nrn bad discard":    {IPN: &IPN{NonReceipt: &NonReceiptFields{DiscardReason: -3}}},
	}
	for name, o := range cases {
		if _, err := o.Marshal(); err == nil {
			t.Errorf("%s: Marshal succeeded", name)
		}
	}
}

// TestDecodeMalformed checks that malformed inputs are refused with a
// ber.Error that names an offset (and, where the input allows, the path).
func TestDecodeMalformed(t *testing.T) {
	id := ipmTCons(ipmIdentifierTag, ipmTPrim(ber.PrintableString, "x"))
	ipm := func(heading ...[]byte) []byte {
		return ipmTCons(ber.Context(0), ipmTCons(ber.Set, heading...), ipmTCons(ber.Sequence))
	}
	withBody := func(parts ...[]byte) []byte {
		return ipmTCons(ber.Context(0), ipmTCons(ber.Set, id), ipmTCons(ber.Sequence, parts...))
	}
	ipn := func(parts ...[]byte) []byte { return ipmTCons(ber.Context(1), parts...) }
	rt := ipmTPrim(ber.Context(0), "261122101542Z")
	extPart := func(dataOID ber.OID, value []byte) []byte {
		return ipmTCons(ber.Context(15), ipmTCons(ber.External, ipmTPrim(ber.ObjectID, string(dataOID)), ipmTCons(ber.Context(0), value)))
	}
	cases := []struct {
		name, in string // in: hex, or built below
		b        []byte
		want     string
	}{
		{name: "empty", b: []byte{}, want: "expected an element"},
		{name: "wrong tag", b: ipmTCons(ber.Context(2)), want: "expected ipm [0] or ipn [1]"},
		{name: "trailing", b: append(ipm(id), 0x05, 0x00), want: "at the end of InformationObject"},
		{name: "truncated", b: ipm(id)[:10], want: "claims"},
		{name: "primitive ipm", b: ipmTPrim(ber.Context(0), "x"), want: "constructed"},
		{name: "heading not a SET", b: ipmTCons(ber.Context(0), ipmTCons(ber.Sequence)), want: "heading: offset 2: expected SET"},
		{name: "missing body", b: ipmTCons(ber.Context(0), ipmTCons(ber.Set, id)), want: "body: offset"},
		{name: "extra after body", b: ipmTCons(ber.Context(0), ipmTCons(ber.Set, id), ipmTCons(ber.Sequence), ipmTCons(ber.Sequence)), want: "at the end of IPM"},
		{name: "missing this-IPM", b: ipm(), want: "missing this-IPM"},
		{name: "duplicate this-IPM", b: ipm(id, id), want: "heading.this-IPM: offset 9: [APPLICATION 11] appears twice"},
		{name: "bad local id", b: ipm(ipmTCons(ipmIdentifierTag, ipmTPrim(ber.PrintableString, "a@b"))), want: "this-IPM.user-relative-identifier"},
		{name: "missing local id", b: ipm(ipmTCons(ipmIdentifierTag)), want: "missing user-relative-identifier"},
		{name: "identifier junk", b: ipm(ipmTCons(ipmIdentifierTag, ipmTPrim(ber.PrintableString, "a"), ipmTPrim(ber.Integer, "\x01"))), want: "unexpected INTEGER in IPMIdentifier"},
		{name: "duplicate originator", b: ipm(id, ipmTCons(ber.Context(0)), ipmTCons(ber.Context(0))), want: "heading.originator: offset 11: [0] appears twice"},
		{name: "originator primitive", b: ipm(id, ipmTPrim(ber.Context(0), "x")), want: "heading.originator: offset"},
		{name: "originator junk", b: ipm(id, ipmTCons(ber.Context(0), ipmTPrim(ber.Context(5), "x"))), want: "unexpected [5] in ORDescriptor"},
		{name: "free-form bad T.61", b: ipm(id, ipmTCons(ber.Context(0), ipmTPrim(ber.Context(0), "\xcc"))), want: "originator.free-form-name: offset"},
		{name: "phone not printable", b: ipm(id, ipmTCons(ber.Context(0), ipmTPrim(ber.Context(1), "#1"))), want: "telephone-number"},
		{name: "duplicate phone", b: ipm(id, ipmTCons(ber.Context(0), ipmTPrim(ber.Context(1), "1"), ipmTPrim(ber.Context(1), "2"))), want: "originator.telephone-number: offset 14: [1] appears twice"},
		{name: "recipients not SETs", b: ipm(id, ipmTCons(ber.Context(2), ipmTCons(ber.Sequence))), want: "primary-recipients: offset"},
		{name: "recipient missing", b: ipm(id, ipmTCons(ber.Context(3), ipmTCons(ber.Set))), want: "copy-recipients.RecipientSpecifier[0].recipient"},
		{name: "recipient bad bits", b: ipm(id, ipmTCons(ber.Context(2), ipmTCons(ber.Set, ipmTCons(ber.Context(0)), ipmTPrim(ber.Context(1), "\x09\x00")))), want: "notification-requests"},
		{name: "recipient duplicate", b: ipm(id, ipmTCons(ber.Context(2), ipmTCons(ber.Set, ipmTCons(ber.Context(0)), ipmTCons(ber.Context(0))))), want: "RecipientSpecifier[0].recipient: offset 15: [0] appears twice"},
		{name: "subject bad T.61", b: ipm(id, ipmTCons(ber.Context(8), ipmTPrim(ber.TeletexString, "a\xcc"))), want: "heading.subject: offset"},
		{name: "subject two strings", b: ipm(id, ipmTCons(ber.Context(8), ipmTPrim(ber.TeletexString, "a"), ipmTPrim(ber.TeletexString, "b"))), want: "at the end of subject"},
		{name: "bad expiry", b: ipm(id, ipmTPrim(ber.Context(9), "2611")), want: "expiry-time: offset"},
		{name: "importance 3", b: ipm(id, ipmTPrim(ber.Context(12), "\x03")), want: "importance 3"},
		{name: "sensitivity 0", b: ipm(id, ipmTPrim(ber.Context(13), "\x00")), want: "sensitivity 0"},
		{name: "auto-forwarded bad", b: ipm(id, ipmTPrim(ber.Context(14), "\x01\x02")), want: "auto-forwarded"},
		{name: "extension no type", b: ipm(id, ipmTCons(ber.Context(15), ipmTCons(ber.Sequence))), want: "extensions.IPMSExtension[0].type"},
		{name: "extension two values", b: ipm(id, ipmTCons(ber.Context(15), ipmTCons(ber.Sequence, ipmTPrim(ber.ObjectID, "\x2a"), ipmTPrim(ber.Null, ""), ipmTPrim(ber.Null, "")))), want: "at the end of IPMSExtension"},
		{name: "extension bad OID", b: ipm(id, ipmTCons(ber.Context(15), ipmTCons(ber.Sequence, ipmTPrim(ber.ObjectID, "\x2a\x80")))), want: "OBJECT IDENTIFIER"},
		{name: "obsoleted not identifiers", b: ipm(id, ipmTCons(ber.Context(6), ipmTCons(ber.Set))), want: "obsoleted-IPMs: offset"},
		{name: "ia5 data OCTET STRING", b: withBody(ipmTCons(ber.Context(0), ipmTCons(ber.Set), ipmTPrim(ber.OctetString, "x"))), want: "body.body-part[0].ia5-text.data: offset"},
		{name: "ia5 bad repertoire", b: withBody(ipmTCons(ber.Context(0), ipmTCons(ber.Set, ipmTPrim(ber.Context(0), "\x03")), ipmTPrim(ber.IA5String, "x"))), want: "repertoire 3"},
		{name: "ia5 missing data", b: withBody(ipmTCons(ber.Context(0), ipmTCons(ber.Set))), want: "ia5-text.data"},
		{name: "ia5 extra", b: withBody(ipmTCons(ber.Context(0), ipmTCons(ber.Set), ipmTPrim(ber.IA5String, "x"), ipmTPrim(ber.IA5String, "y"))), want: "at the end of body part"},
		{name: "teletex data not T.61 strings", b: withBody(ipmTCons(ber.Context(5), ipmTCons(ber.Set), ipmTCons(ber.Sequence, ipmTPrim(ber.IA5String, "x")))), want: "teletex.data"},
		{name: "fax bad page", b: withBody(ipmTCons(ber.Context(3), ipmTCons(ber.Set), ipmTCons(ber.Sequence, ipmTPrim(ber.BitStringTag, "\x08")))), want: "g3-facsimile.data"},
		{name: "message bad IPM", b: withBody(ipmTCons(ber.Context(9), ipmTCons(ber.Set), ipmTCons(ber.Sequence))), want: "message.data"},
		{name: "message bad time", b: withBody(ipmTCons(ber.Context(9), ipmTCons(ber.Set, ipmTPrim(ber.Context(0), "x")), ipmTCons(ber.Sequence))), want: "message.parameters.delivery-time"},
		{name: "extended no data", b: withBody(ipmTCons(ber.Context(15))), want: "extended.data"},
		{name: "extended bad encoding", b: withBody(ipmTCons(ber.Context(15), ipmTCons(ber.External, ipmTPrim(ber.ObjectID, string(IDEtIA5Text)), ipmTCons(ber.Context(3))))), want: "unexpected [3] in EXTERNAL"},
		{name: "extended two values", b: withBody(extPart(IDEtIA5Text, append(ipmTPrim(ber.IA5String, "a"), ipmTPrim(ber.IA5String, "b")...))), want: "at the end of single-ASN1-type"},
		{name: "extended ia5 wrong type", b: withBody(extPart(IDEtIA5Text, ipmTPrim(ber.OctetString, "a"))), want: "extended.data: offset"},
		{name: "general text bad registration", b: withBody(ipmTCons(ber.Context(15),
			ipmTCons(ber.Context(0), ipmTPrim(ber.ObjectID, string(IDEpGeneralText)), ipmTCons(ber.Context(0), ipmTCons(ber.Set, ipmTPrim(ber.Integer, "\x00")))),
			ipmTCons(ber.External, ipmTPrim(ber.ObjectID, string(IDEtGeneralText)), ipmTCons(ber.Context(0), ipmTPrim(ber.GeneralString, "x"))))), want: "registration 0"},
		{name: "file transfer bad size", b: withBody(ipmTCons(ber.Context(15),
			ipmTCons(ber.Context(0), ipmTPrim(ber.ObjectID, string(IDEpFileTransfer)), ipmTCons(ber.Context(0), ipmTCons(ber.Sequence, ipmTCons(ber.Context(4), ipmTCons(ber.Context(13), ipmTPrim(ber.Context(1), "")))))),
			ipmTCons(ber.External, ipmTPrim(ber.ObjectID, string(IDEtFileTransfer)), ipmTCons(ber.Context(0), ipmTCons(ber.Sequence))))), want: "file-attributes.object-size"},
		{name: "file transfer data not EXTERNAL", b: withBody(extPart(IDEtFileTransfer, ipmTCons(ber.Sequence, ipmTCons(ber.Sequence)))), want: "extended.data: offset"},
		{name: "ipn empty", b: ipn(), want: "missing subject-ipm"},
		{name: "ipn no choice", b: ipn(id), want: "missing choice"},
		{name: "ipn bad choice", b: ipn(id, ipmTCons(ber.Context(0), ipmTCons(ber.Context(5)))), want: "ipn.choice: offset"},
		{name: "ipn choice primitive", b: ipn(id, ipmTPrim(ber.Context(0), "")), want: "ipn.choice"},
		{name: "ipn duplicate originator", b: ipn(id, ipmTCons(ber.Context(1)), ipmTCons(ber.Context(1))), want: "ipn.ipn-originator: offset 9: [1] appears twice"},
		{name: "ipn eits primitive", b: ipn(id, ipmTPrim(ber.Application(5), "")), want: "conversion-eits"},
		{name: "rn no time", b: ipn(id, ipmTCons(ber.Context(0), ipmTCons(ber.Context(1)))), want: "receipt-fields.receipt-time"},
		{name: "rn bad mode", b: ipn(id, ipmTCons(ber.Context(0), ipmTCons(ber.Context(1), rt, ipmTPrim(ber.Context(1), "\x05")))), want: "acknowledgment mode 5"},
		{name: "rn bad info", b: ipn(id, ipmTCons(ber.Context(0), ipmTCons(ber.Context(1), rt, ipmTPrim(ber.Context(2), "a&b")))), want: "suppl-receipt-info"},
		{name: "rn duplicate time", b: ipn(id, ipmTCons(ber.Context(0), ipmTCons(ber.Context(1), rt, rt))), want: "receipt-fields.receipt-time: offset 26: [0] appears twice"},
		{name: "nrn no reason", b: ipn(id, ipmTCons(ber.Context(0), ipmTCons(ber.Context(0)))), want: "non-receipt-reason"},
		{name: "nrn negative discard", b: ipn(id, ipmTCons(ber.Context(0), ipmTCons(ber.Context(0), ipmTPrim(ber.Context(0), "\x00"), ipmTPrim(ber.Context(1), "\xff")))), want: "discard reason -1"},
		{name: "nrn bad returned IPM", b: ipn(id, ipmTCons(ber.Context(0), ipmTCons(ber.Context(0), ipmTPrim(ber.Context(0), "\x00"), ipmTCons(ber.Context(3))))), want: "non-receipt-fields.returned-ipm"},
		{name: "other not extensions", b: ipn(id, ipmTCons(ber.Context(0), ipmTCons(ber.Context(2), ipmTCons(ber.Set)))), want: "other-notification-type-fields"},
		{name: "deep nesting", b: ipmTDeep(200), want: "nesting deeper"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeInformationObject(c.b, nil)
			if err == nil {
				t.Fatalf("decoded %x", c.b)
			}
			var be *ber.Error
			if !errors.As(err, &be) {
				t.Fatalf("not a *ber.Error: %T %v", err, err)
			}
			if !strings.Contains(err.Error(), "offset ") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want it to contain %q", err, c.want)
			}
		})
	}
}

// ipmTDeep nests forwarded IPMs n deep.
func ipmTDeep(n int) []byte {
	id := ipmTCons(ipmIdentifierTag, ipmTPrim(ber.PrintableString, "x"))
	inner := ipmTCons(ber.Sequence, ipmTCons(ber.Set, id), ipmTCons(ber.Sequence))
	for i := 0; i < n; i++ {
		inner = ipmTCons(ber.Sequence, ipmTCons(ber.Set, id), ipmTCons(ber.Sequence, ipmTCons(ber.Context(9), ipmTCons(ber.Set), inner)))
	}
	r := ber.NewReader(inner, nil)
	e, err := r.Next()
	if err != nil {
		panic(err)
	}
	return ipmTCons(ber.Context(0), e.Content)
}

func TestDecodeTruncations(t *testing.T) {
	golden, err := os.ReadFile("testdata/ipm_pp_1988.ber")
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range [][]byte{golden, ipmTMarshal(t, SampleIPM()), ipmTMarshal(t, SampleIPN()), ipmTMarshal(t, SampleNRN())} {
		for i := 0; i < len(in); i++ {
			if _, err := DecodeInformationObject(in[:i], nil); err == nil {
				t.Fatalf("prefix of %d of %d bytes decoded", i, len(in))
			} else if !strings.Contains(err.Error(), "offset ") {
				t.Fatalf("prefix %d: %v", i, err)
			}
		}
	}
}

func TestDecodeLimits(t *testing.T) {
	enc := ipmTMarshal(t, SampleIPM())
	if _, err := DecodeInformationObject(enc, &ber.Limits{MaxElements: 20}); err == nil || !strings.Contains(err.Error(), "more than 20 elements") {
		t.Errorf("MaxElements: %v", err)
	}
	if _, err := DecodeInformationObject(enc, &ber.Limits{MaxDepth: 4}); err == nil || !strings.Contains(err.Error(), "nesting deeper") {
		t.Errorf("MaxDepth: %v", err)
	}
}

// TestIPMAllocs pins the allocations of decoding and encoding information
// objects, so that they cannot silently come back. The bounds are the
// counts measured when the test was written. Decoding SampleIPM (9): the
// ber.Reader's state; the object with its IPM, this-IPM's user, the
// originator and its name; the recipients of all lists; their O/R names;
// the body list with its text parts; the file transfer part; and the T.61
// subject and free-form names with accents (3, converted to UTF-8).
// Decoding PP's IPM (6): the state, the object, the recipients, the reply
// recipients (O/R descriptors), the O/R names of both, the body list.
// Decoding an IPN (2): the state, the object with everything else.
// Encoding (1): the output buffer only (the size hint fits, the Builder
// stays on the stack, the encoders allocate nothing else).
func TestIPMAllocs(t *testing.T) {
	pp, err := os.ReadFile("testdata/ipm_pp_1988.ber")
	if err != nil {
		t.Fatal(err)
	}
	enc := func(o *InformationObject) []byte {
		b, err := o.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, c := range []struct {
		name string
		b    []byte
		max  float64
	}{
		{"SampleIPM", enc(SampleIPM()), 9},
		{"pp1988", pp, 6},
		{"SampleIPN", enc(SampleIPN()), 2},
		{"SampleNRN", enc(SampleNRN()), 2},
	} {
		if _, err := DecodeInformationObject(c.b, nil); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		n := testing.AllocsPerRun(100, func() {
			if _, err := DecodeInformationObject(c.b, nil); err != nil {
				panic(err)
			}
		})
		t.Logf("decode %s: %v allocs", c.name, n)
		if n > c.max {
			t.Errorf("DecodeInformationObject(%s) makes %v allocations, want at most %v", c.name, n, c.max)
		}
	}
	ppo, err := DecodeInformationObject(pp, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		o    *InformationObject
	}{
		{"SampleIPM", SampleIPM()}, {"pp1988", ppo}, {"SampleIPN", SampleIPN()},
		{"SampleNRN", SampleNRN()}, {"typical", newBenchTypical(t).Object},
	} {
		if h, n := c.o.sizeHint(), len(enc(c.o)); h < n {
			t.Errorf("%s: size hint %d < encoding's %d octets", c.name, h, n)
		}
		n := testing.AllocsPerRun(100, func() {
			if _, err := c.o.Marshal(); err != nil {
				panic(err)
			}
		})
		t.Logf("encode %s: %v allocs", c.name, n)
		if n > 1 {
			t.Errorf("Marshal(%s) makes %v allocations, want at most 1", c.name, n)
		}
	}
}

// TestIPMSharedBlocks checks the lists decoded into shared blocks: every
// recipient and descriptor list of a heading, with and without formal
// names, stays intact when another is appended to; a heading of
// indefinite length (the lists are then allocated one by one) and a long
// body (no text block) decode to the same value.
func TestIPMSharedBlocks(t *testing.T) {
	orn := func(s string) *ORName { return sampleORName("GB", "TEST", "ptest", "alpha", "", s) }
	rs := func(names ...string) []RecipientSpecifier {
		out := []RecipientSpecifier{}
		for _, n := range names {
			r := RecipientSpecifier{Recipient: ORDescriptor{FreeFormName: n}}
			if n != "anon" {
				r.Recipient.FormalName = orn(n)
			}
			out = append(out, r)
		}
		return out
	}
	o := ipmTWithHeading(func(h *Heading) {
		h.ThisIPM.User = orn("this")
		h.Originator = &ORDescriptor{FormalName: orn("orig")}
		h.AuthorizingUsers = []ORDescriptor{{FormalName: orn("auth")}, {FreeFormName: "anon"}}
		h.PrimaryRecipients = rs("p1", "anon", "p2")
		h.CopyRecipients = rs("c1")
		h.BlindCopyRecipients = rs("anon", "b1")
		h.RepliedToIPM = &IPMIdentifier{LocalID: "r", User: orn("replied")}
		h.RelatedIPMs = []IPMIdentifier{{LocalID: "x", User: orn("rel")}, {LocalID: "y"}}
		h.ReplyRecipients = []ORDescriptor{{FormalName: orn("reply")}}
	})
	var long []BodyPart
	for i := 0; i < 6; i++ {
		long = append(long, NewIA5TextBodyPart("part\r\n"), NewGeneralTextBodyPart("caf\u00e9\r\n"))
	}
	long = append(long, BodyPart{Kind: BodyPartMessage, Message: &MessageBodyPart{IPM: *o.IPM}})
	o.IPM.Body = long
	d := ipmTRoundTrip(t, o)
	h := &d.IPM.Heading
	h.PrimaryRecipients = append(h.PrimaryRecipients, RecipientSpecifier{})
	h.AuthorizingUsers = append(h.AuthorizingUsers, ORDescriptor{})
	if got := h.CopyRecipients[0].Recipient.FormalName.PersonalName.Surname; got != "c1" {
		t.Errorf("copy recipient after appending to the primary ones: %q", got)
	}
	if got := h.ReplyRecipients[0].FormalName.PersonalName.Surname; got != "reply" {
		t.Errorf("reply recipient after appending to the authorizing users: %q", got)
	}

	// A recipient list in indefinite-length form: the lists are then
	// allocated one by one.
	enc := ipmTMarshal(t, ipmTWithHeading(func(h *Heading) {
		h.PrimaryRecipients = rs("p1", "p2")
		h.CopyRecipients = rs("c1")
	}))
	r := ber.NewReader(enc, nil)
	top, _ := r.Next()
	cr, _ := top.Children()
	he, _ := cr.Next()
	be, _ := cr.Next()
	hr, _ := he.Children()
	var heading []byte
	for !hr.Empty() {
		c, _ := hr.Next()
		if c.Tag == ber.Context(2) {
			heading = append(append(append(heading, 0xa2, 0x80), c.Content...), 0, 0)
		} else {
			heading = append(heading, c.Raw...)
		}
	}
	ber2 := ipmTCons(ber.Context(0), ipmTCons(ber.Set, heading), be.Raw)
	if nr, nd := ipmCountRecipients(heading); nr != 0 || nd != 0 {
		t.Errorf("ipmCountRecipients of a heading with an indefinite list: %d, %d, want 0, 0", nr, nd)
	}
	d2, err := DecodeInformationObject(ber2, nil)
	if err != nil {
		t.Fatalf("indefinite heading: %v", err)
	}
	if enc2 := ipmTMarshal(t, d2); !bytes.Equal(enc, enc2) {
		t.Errorf("indefinite heading: re-encoding differs:\n%x\n%x", enc, enc2)
	}
}

// A body part alone: Marshal gives the same bytes as the part inside an
// IPM's body, and DecodeBodyPart reads them back.
func TestBodyPartMarshalAlone(t *testing.T) {
	obj := SampleIPM()
	whole, err := obj.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for i := range obj.IPM.Body {
		b, err := obj.IPM.Body[i].Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(whole, b) {
			t.Errorf("part %d: % x is not in the IPM's encoding", i, b)
		}
		p, err := DecodeBodyPart(b, nil)
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		again, _ := p.Marshal()
		if !bytes.Equal(again, b) {
			t.Errorf("part %d: decoded and encoded again differs", i)
		}
	}
	if _, err := DecodeBodyPart(append([]byte{0xa0, 0x00}, 0x00), nil); err == nil {
		t.Error("trailing data accepted")
	}
}
