package x400

import (
	"errors"
	"strconv"
	"time"

	"mixerd/ber"
)

// Interpersonal messaging, ITU-T X.420 (06/1999) §7 and §8, module
// IPMSInformationObjects (DEFINITIONS IMPLICIT TAGS). This file holds the
// information object, the IPM and its heading; ipm_body.go the body parts,
// ipn.go the notifications.

// InformationObject is the content of an interpersonal message (content
// type 22, P2 1988), X.420 §7:
//
//	InformationObject ::= CHOICE { ipm [0] IPM, ipn [1] IPN }
//
// Exactly one of IPM and IPN is set.
type InformationObject struct {
	IPM *IPM
	IPN *IPN
}

// DecodeInformationObject decodes an InformationObject from b, the content
// of a message of content type P2 1988 (or P22). The decoded value refers
// to b (strings and byte slices alias it): b must not be modified while the
// value is in use. lim bounds the decoding (nil: ber.DefaultLimits).
func DecodeInformationObject(b []byte, lim *ber.Limits) (*InformationObject, error) {
	// The object, its IPM (or IPN), the reader's budget and the heading's
	// objects that are almost always there are allocated together. The
	// alternative is known from the first identifier octet.
	var (
		o   *InformationObject
		r   ber.Reader
		e   ber.Element
		err error
	)
	tag, _, _ := ber.PeekTag(b)
	switch tag {
	case ber.Context(0):
		x := new(struct {
			o  InformationObject
			m  IPM
			sp ipmHeadingSpare
			bu ber.Budget
		})
		x.o.IPM = &x.m
		o = &x.o
		r = x.bu.Reader(b, 0, lim)
		if e, err = r.Next(); err == nil {
			err = ber.Annotate(x.m.decodeIn(&e, &x.sp), "ipm")
		}
	case ber.Context(1):
		x := new(struct {
			o  InformationObject
			n  IPN
			sp ipnSpare
			bu ber.Budget
		})
		x.o.IPN = &x.n
		o = &x.o
		r = x.bu.Reader(b, 0, lim)
		if e, err = r.Next(); err == nil {
			err = ber.Annotate(x.n.decodeIn(&e, &x.sp), "ipn")
		}
	default:
		o = new(InformationObject)
		r = ber.NewReader(b, lim)
		if e, err = r.Next(); err == nil {
			err = o.decode(&e)
		}
	}
	if err != nil {
		return nil, ber.Annotate(err, "InformationObject")
	}
	if err := r.End("InformationObject"); err != nil {
		return nil, err
	}
	return o, nil
}

func (o *InformationObject) decode(e *ber.Element) error {
	switch e.Tag {
	case ber.Context(0):
		o.IPM = new(IPM)
		return ber.Annotate(o.IPM.decode(e), "ipm")
	case ber.Context(1):
		o.IPN = new(IPN)
		return ber.Annotate(o.IPN.decode(e), "ipn")
	}
	return ber.Annotate(e.Errorf("unexpected %s: expected ipm [0] or ipn [1]", e.Tag), "InformationObject")
}

// ipmSlab hands out objects of type T from one block, so that a list of n
// values whose components are pointers costs one allocation for those
// components rather than n. want is the size of the block to allocate
// when the current one is used up (the number of list elements left, each
// needing at most one); a nil *ipmSlab allocates each object alone.
type ipmSlab[T any] struct {
	block []T
	want  int
}

func (s *ipmSlab[T]) next() *T {
	if s == nil {
		return new(T)
	}
	if len(s.block) == 0 {
		n := max(s.want, 1)
		s.block, s.want = make([]T, n), 0
	}
	p := &s.block[0]
	s.block = s.block[1:]
	return p
}

// ipmHeadingSpare holds the heading objects that are almost always
// present, allocated with the IPM when it is the information object: the
// originator's descriptor, and the O/R names of this-IPM's user and of the
// originator.
type ipmHeadingSpare struct {
	originator ORDescriptor
	names      [2]ORName
}

func (o *InformationObject) encode(b *ber.Builder) {
	switch {
	case o.IPM != nil && o.IPN != nil:
		b.Fail(errors.New("x400: InformationObject with both an IPM and an IPN"))
	case o.IPM != nil:
		o.IPM.encode(b, ber.Context(0))
	case o.IPN != nil:
		o.IPN.encode(b, ber.Context(1))
	default:
		b.Fail(errors.New("x400: empty InformationObject"))
	}
}

// Marshal returns the DER encoding of o.
func (o *InformationObject) Marshal() ([]byte, error) {
	b := ber.NewBuilder(o.sizeHint())
	o.encode(b)
	if err := b.Err(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// sizeHint estimates the size of the encoding from the lengths of its
// strings and data, generously, so that Marshal allocates its buffer once
// and the Builder does not grow.
func (o *InformationObject) sizeHint() int {
	switch {
	case o.IPM != nil:
		return o.IPM.sizeHint()
	case o.IPN != nil:
		return o.IPN.sizeHint()
	}
	return 16
}

func (m *IPM) sizeHint() int { return 16 + m.Heading.sizeHint() + ipmBodySize(m.Body) }

// ipmNameSize estimates the size of an O/R name's encoding from the
// lengths of its usual attributes; the rarer ones count for a flat amount.
func ipmNameSize(n *ORName) int {
	if n == nil {
		return 0
	}
	a := &n.ORAddress
	str := func(s string, overhead int) int {
		if s == "" {
			return 0
		}
		return len(s) + overhead
	}
	k := 6 + len(n.DirectoryName) + str(a.Country.Value, 4) + str(a.ADMD.Value, 4) + str(a.PRMD.Value, 4) +
		str(a.Organization, 2) + str(a.NetworkAddress, 2) + str(a.TerminalIdentifier, 2) + str(a.NumericUserIdentifier, 2) +
		str(a.PersonalName.Surname, 4) + str(a.PersonalName.GivenName, 2) + str(a.PersonalName.Initials, 2) +
		str(a.PersonalName.GenerationQualifier, 2) + 40*len(a.DomainDefined)
	for _, u := range a.OrganizationalUnits {
		k += len(u) + 2
	}
	if a.CommonName != "" || a.TeletexCommonName != "" || a.TeletexOrganization != "" ||
		!a.TeletexPersonalName.IsZero() || a.TeletexOrganizationalUnits != nil || a.TeletexDomainDefined != nil ||
		a.Postal != nil || a.ExtendedNetworkAddress != nil || a.TerminalType != nil || a.Universal != nil ||
		a.UnknownExtensions != nil {
		k += 128 + 2*(len(a.CommonName)+len(a.TeletexCommonName)+len(a.TeletexOrganization)) + ipmRawSize(a.UnknownExtensions)
	}
	return k
}

func (d *ORDescriptor) sizeHint() int {
	return 4 + ipmNameSize(d.FormalName) + len(d.FreeFormName) + len(d.TelephoneNumber)
}

func (id *IPMIdentifier) sizeHint() int { return 6 + len(id.LocalID) + ipmNameSize(id.User) }

func ipmExtensionsSize(xs []IPMSExtension) int {
	n := 8
	for i := range xs {
		n += 8 + len(xs[i].Type) + len(xs[i].Value)
	}
	return n
}

func ipmRawSize(rs []Raw) int {
	n := 0
	for _, r := range rs {
		n += len(r)
	}
	return n
}

func (h *Heading) sizeHint() int {
	n := 24 + h.ThisIPM.sizeHint() + len(h.Subject) + ipmRawSize(h.Unknown)
	if h.Originator != nil {
		n += h.Originator.sizeHint()
	}
	for i := range h.AuthorizingUsers {
		n += h.AuthorizingUsers[i].sizeHint()
	}
	for i := range h.ReplyRecipients {
		n += h.ReplyRecipients[i].sizeHint()
	}
	for _, rs := range [...][]RecipientSpecifier{h.PrimaryRecipients, h.CopyRecipients, h.BlindCopyRecipients} {
		n += 4
		for i := range rs {
			n += 12 + rs[i].Recipient.sizeHint() + ipmRawSize(rs[i].Unknown)
			if rs[i].Extensions != nil {
				n += ipmExtensionsSize(rs[i].Extensions)
			}
		}
	}
	if h.RepliedToIPM != nil {
		n += h.RepliedToIPM.sizeHint()
	}
	for i := range h.ObsoletedIPMs {
		n += h.ObsoletedIPMs[i].sizeHint()
	}
	for i := range h.RelatedIPMs {
		n += h.RelatedIPMs[i].sizeHint()
	}
	if len(h.Extensions) > 0 {
		n += ipmExtensionsSize(h.Extensions)
	}
	return n
}

func ipmBodySize(body []BodyPart) int {
	n := 8
	for i := range body {
		p := &body[i]
		n += 32 + len(p.Raw) + len(p.BilaterallyDefined)
		switch {
		case p.IA5Text != nil:
			n += len(p.IA5Text.Data)
		case p.GeneralText != nil:
			n += len(p.GeneralText.Data) + 4*len(p.GeneralText.CharacterSets)
		case p.Teletex != nil:
			n += 16 + len(p.Teletex.NonBasicParameters)
			for _, d := range p.Teletex.Data {
				n += len(d) + 4
			}
		case p.G3Facsimile != nil:
			n += 16 + len(p.G3Facsimile.NonBasicParameters)
			for _, d := range p.G3Facsimile.Pages {
				n += len(d.Bytes) + 5
			}
		case p.Videotex != nil:
			n += 16 + len(p.Videotex.Data)
		case p.FileTransfer != nil:
			n += len(p.FileTransfer.Parameters) + 128
			for _, s := range p.FileTransfer.Pathname {
				n += len(s) + 4
			}
			for _, d := range p.FileTransfer.Data {
				n += len(d.Value) + len(d.Octets) + len(d.Bits.Bytes) + 16
			}
		case p.Message != nil:
			n += 32 + len(p.Message.DeliveryEnvelope) + p.Message.IPM.sizeHint()
		case p.Other != nil:
			for _, x := range [...]*External{p.Other.Parameters, &p.Other.Data} {
				if x != nil {
					n += 32 + len(x.Value) + len(x.Octets) + len(x.Bits.Bytes)
				}
			}
		}
	}
	return n
}

// IPM is an interpersonal message, X.420 §7:
//
//	IPM ::= SEQUENCE { heading Heading, body Body }
//	Body ::= SEQUENCE OF BodyPart
type IPM struct {
	Heading Heading
	Body    []BodyPart
}

func (m *IPM) decode(e *ber.Element) error { return m.decodeIn(e, nil) }

// decodeIn is decode with the heading's common objects in sp (nil: each
// is allocated alone).
func (m *IPM) decodeIn(e *ber.Element, sp *ipmHeadingSpare) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	h, err := r.Expect(ber.Set)
	if err != nil {
		return ber.Annotate(err, "heading")
	}
	if err := m.Heading.decodeIn(&h, sp); err != nil {
		return ber.Annotate(err, "heading")
	}
	be, err := r.Expect(ber.Sequence)
	if err != nil {
		return ber.Annotate(err, "body")
	}
	if err := m.decodeBody(&be); err != nil {
		return ber.Annotate(err, "body")
	}
	return r.End("IPM")
}

func (m *IPM) decodeBody(e *ber.Element) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	// The IA5 and general text parts, the usual ones, share one block of
	// slots, allocated with the list when it is short.
	var text ipmSlab[ipmTextSlot]
	m.Body, text.block = ipmBodyBlock(listCap(&r))
	for i := 0; !r.Empty(); i++ {
		p, err := r.Next()
		if err != nil {
			return err
		}
		text.want = cap(m.Body) - i
		m.Body = append(m.Body, BodyPart{})
		if err := m.Body[len(m.Body)-1].decodeIn(&p, &text); err != nil {
			return ber.Annotate(err, "body-part["+strconv.Itoa(i)+"]")
		}
	}
	return nil
}

// ipmBodyBlock returns an empty body list of capacity n and, for short
// lists, n text slots allocated with it.
func ipmBodyBlock(n int) ([]BodyPart, []ipmTextSlot) {
	switch n {
	case 1:
		x := new(struct {
			p [1]BodyPart
			t [1]ipmTextSlot
		})
		return x.p[:0:1], x.t[:]
	case 2:
		x := new(struct {
			p [2]BodyPart
			t [2]ipmTextSlot
		})
		return x.p[:0:2], x.t[:]
	case 3:
		x := new(struct {
			p [3]BodyPart
			t [3]ipmTextSlot
		})
		return x.p[:0:3], x.t[:]
	case 4:
		x := new(struct {
			p [4]BodyPart
			t [4]ipmTextSlot
		})
		return x.p[:0:4], x.t[:]
	}
	return make([]BodyPart, 0, n), nil
}

func (m *IPM) encode(b *ber.Builder, t ber.Tag) {
	mk := b.Begin(t)
	m.Heading.encode(b, ber.Set)
	bm := b.Begin(ber.Sequence)
	for i := range m.Body {
		m.Body[i].encode(b)
	}
	b.End(bm)
	b.End(mk)
}

// Importance is the importance heading field, X.420 §7.2.14:
//
//	ImportanceField ::= ENUMERATED { low(0), normal(1), high(2) }  -- DEFAULT normal
//
// The Go zero value is the default, normal; the constants are not the
// ASN.1 values (the codec maps them).
type Importance uint8

// The importances.
const (
	ImportanceNormal Importance = iota // normal(1), the default
	ImportanceLow                      // low(0)
	ImportanceHigh                     // high(2)
)

var importanceWire = [...]int64{ImportanceNormal: 1, ImportanceLow: 0, ImportanceHigh: 2}

// String returns the ASN.1 name: "low", "normal" or "high".
func (i Importance) String() string {
	switch i {
	case ImportanceNormal:
		return "normal"
	case ImportanceLow:
		return "low"
	case ImportanceHigh:
		return "high"
	}
	return "importance(" + strconv.Itoa(int(i)) + ")"
}

// Sensitivity is the sensitivity heading field, X.420 §7.2.15:
//
//	SensitivityField ::= ENUMERATED { personal(1), private(2), company-confidential(3) }
//
// The zero value means the field is absent. The constants are the ASN.1
// values.
type Sensitivity uint8

// The sensitivities.
const (
	SensitivityNone                Sensitivity = 0 // absent
	SensitivityPersonal            Sensitivity = 1
	SensitivityPrivate             Sensitivity = 2
	SensitivityCompanyConfidential Sensitivity = 3
)

// String returns the ASN.1 name ("personal", "private",
// "company-confidential"), "" when absent.
func (s Sensitivity) String() string {
	switch s {
	case SensitivityNone:
		return ""
	case SensitivityPersonal:
		return "personal"
	case SensitivityPrivate:
		return "private"
	case SensitivityCompanyConfidential:
		return "company-confidential"
	}
	return "sensitivity(" + strconv.Itoa(int(s)) + ")"
}

// Heading is the IPM heading, X.420 §7.2:
//
//	Heading ::= SET {
//	  this-IPM               ThisIPMField,
//	  originator             [0]  OriginatorField OPTIONAL,
//	  authorizing-users      [1]  AuthorizingUsersField OPTIONAL,
//	  primary-recipients     [2]  PrimaryRecipientsField DEFAULT {},
//	  copy-recipients        [3]  CopyRecipientsField DEFAULT {},
//	  blind-copy-recipients  [4]  BlindCopyRecipientsField OPTIONAL,
//	  replied-to-IPM         [5]  RepliedToIPMField OPTIONAL,
//	  obsoleted-IPMs         [6]  ObsoletedIPMsField DEFAULT {},
//	  related-IPMs           [7]  RelatedIPMsField DEFAULT {},
//	  subject                [8] EXPLICIT SubjectField OPTIONAL,
//	  expiry-time            [9]  ExpiryTimeField OPTIONAL,
//	  reply-time             [10]  ReplyTimeField OPTIONAL,
//	  reply-recipients       [11]  ReplyRecipientsField OPTIONAL,
//	  importance             [12]  ImportanceField DEFAULT normal,
//	  sensitivity            [13]  SensitivityField OPTIONAL,
//	  auto-forwarded         [14]  AutoForwardedField DEFAULT FALSE,
//	  extensions             [15]  ExtensionsField DEFAULT {} }
//
// The SEQUENCE OF fields are nil when absent; AuthorizingUsers,
// BlindCopyRecipients and ReplyRecipients (OPTIONAL, not DEFAULT {}) are
// written when non-nil, even empty. Subject "" and zero times are absent.
// Components of unknown tags are kept in Unknown and written back.
type Heading struct {
	ThisIPM             IPMIdentifier
	Originator          *ORDescriptor
	AuthorizingUsers    []ORDescriptor
	PrimaryRecipients   []RecipientSpecifier
	CopyRecipients      []RecipientSpecifier
	BlindCopyRecipients []RecipientSpecifier
	RepliedToIPM        *IPMIdentifier
	ObsoletedIPMs       []IPMIdentifier
	RelatedIPMs         []IPMIdentifier
	// Subject is the TeletexString subject as UTF-8 (SIZE 0..128 is not
	// enforced).
	Subject         string
	ExpiryTime      time.Time
	ReplyTime       time.Time
	ReplyRecipients []ORDescriptor
	Importance      Importance
	Sensitivity     Sensitivity
	AutoForwarded   bool
	// Extensions are the heading extensions ([15] SET OF IPMSExtension),
	// among them the P772 military ones.
	Extensions []IPMSExtension
	// Unknown holds components with tags this version does not know.
	Unknown []Raw
}

// Extension returns the heading extension of type oid, if present (the
// first one, should a peer send it twice).
func (h *Heading) Extension(oid ber.OID) (*IPMSExtension, bool) {
	return ipmsExtensionLookup(h.Extensions, oid)
}

func ipmsExtensionLookup(xs []IPMSExtension, oid ber.OID) (*IPMSExtension, bool) {
	for i := range xs {
		if string(xs[i].Type) == string(oid) {
			return &xs[i], true
		}
	}
	return nil, false
}

var headingNames = [...]string{
	"originator", "authorizing-users", "primary-recipients", "copy-recipients",
	"blind-copy-recipients", "replied-to-IPM", "obsoleted-IPMs", "related-IPMs",
	"subject", "expiry-time", "reply-time", "reply-recipients", "importance",
	"sensitivity", "auto-forwarded", "extensions",
}

func (h *Heading) decode(e *ber.Element) error { return h.decodeIn(e, nil) }

func (h *Heading) decodeIn(e *ber.Element, sp *ipmHeadingSpare) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	var seen seenSet // bits 0 to 15: the context tags; 16: this-IPM
	const bitThisIPM = 16
	// The recipient and O/R descriptor lists share blocks, counted first.
	var rb *ipmRecipientBlocks
	if nr, nd := ipmCountRecipients(e.Content); nr+nd > 0 && nr+nd <= maxListPrealloc {
		rb = &ipmRecipientBlocks{}
		if nr > 0 {
			rb.rs = make([]RecipientSpecifier, nr)
		}
		if nd > 0 {
			rb.ods = make([]ORDescriptor, nd)
		}
		rb.names.want = nr + nd
	}
	for !r.Empty() {
		c, err := r.Next()
		if err != nil {
			return err
		}
		if c.Tag == ipmIdentifierTag {
			if err := seen.add(&c, bitThisIPM, "this-IPM"); err != nil {
				return err
			}
			var names *ipmSlab[ORName]
			if sp != nil {
				names = &ipmSlab[ORName]{block: sp.names[0:1:1]}
			}
			if err := h.ThisIPM.decodeIn(&c, names); err != nil {
				return ber.Annotate(err, "this-IPM")
			}
			continue
		}
		if c.Tag.Class != ber.ClassContext || c.Tag.Number > 15 {
			h.Unknown = append(h.Unknown, Raw(c.Raw))
			continue
		}
		n := c.Tag.Number
		if err := seen.add(&c, uint(n), headingNames[n]); err != nil {
			return err
		}
		if err := h.decodeField(n, &c, sp, rb); err != nil {
			return ber.Annotate(err, headingNames[n])
		}
	}
	if !seen.has(bitThisIPM) {
		return ber.Annotate(e.Errorf("missing this-IPM"), "this-IPM")
	}
	return nil
}

func (h *Heading) decodeField(n uint32, c *ber.Element, sp *ipmHeadingSpare, rb *ipmRecipientBlocks) error {
	var err error
	switch n {
	case 0:
		var names *ipmSlab[ORName]
		if sp != nil {
			h.Originator = &sp.originator
			names = &ipmSlab[ORName]{block: sp.names[1:2:2]}
		} else {
			h.Originator = new(ORDescriptor)
		}
		err = h.Originator.decodeIn(c, names)
	case 1:
		h.AuthorizingUsers, err = ipmDecodeORDescriptors(c, rb)
	case 2:
		h.PrimaryRecipients, err = ipmDecodeRecipients(c, rb)
	case 3:
		h.CopyRecipients, err = ipmDecodeRecipients(c, rb)
	case 4:
		h.BlindCopyRecipients, err = ipmDecodeRecipients(c, rb)
	case 5:
		x := new(struct {
			id   IPMIdentifier
			user [1]ORName
		})
		h.RepliedToIPM = &x.id
		err = x.id.decodeIn(c, &ipmSlab[ORName]{block: x.user[:]})
	case 6:
		h.ObsoletedIPMs, err = ipmDecodeIdentifiers(c)
	case 7:
		h.RelatedIPMs, err = ipmDecodeIdentifiers(c)
	case 8:
		h.Subject, err = ipmExplicitTeletex(c)
	case 9:
		h.ExpiryTime, err = c.UTCTime()
	case 10:
		h.ReplyTime, err = c.UTCTime()
	case 11:
		h.ReplyRecipients, err = ipmDecodeORDescriptors(c, rb)
	case 12:
		var v int64
		if v, err = c.Int64(); err == nil {
			switch v {
			case 0:
				h.Importance = ImportanceLow
			case 1:
				h.Importance = ImportanceNormal
			case 2:
				h.Importance = ImportanceHigh
			default:
				err = c.Errorf("%s: importance %d not in low(0), normal(1), high(2)", c.Tag, v)
			}
		}
	case 13:
		var v int64
		if v, err = c.Int64(); err == nil {
			if v < 1 || v > 3 {
				err = c.Errorf("%s: sensitivity %d not in personal(1), private(2), company-confidential(3)", c.Tag, v)
			}
			h.Sensitivity = Sensitivity(v)
		}
	case 14:
		h.AutoForwarded, err = c.Bool()
	case 15:
		h.Extensions, err = ipmDecodeExtensions(c)
	}
	return err
}

// ipmExplicitTeletex reads the subject: [8] EXPLICIT TeletexString. The
// implicit (primitive) form some 1984 implementations send is accepted.
func ipmExplicitTeletex(e *ber.Element) (string, error) {
	if !e.Constructed {
		return ipmTeletex(e)
	}
	r, _ := e.Children()
	if !r.PeekIs(ber.TeletexString) {
		// A constructed implicit TeletexString (segments).
		return ipmTeletex(e)
	}
	c, err := r.Next()
	if err != nil {
		return "", err
	}
	if err := r.End("subject"); err != nil {
		return "", err
	}
	return ipmTeletex(&c)
}

// ipmTeletex reads a TeletexString as UTF-8 like teletexStr, without
// copying when it is 7-bit (where T.61 and UTF-8 coincide, as T61ToUTF8
// maps them).
func ipmTeletex(e *ber.Element) (string, error) {
	if !e.Constructed {
		c := e.Content
		i := 0
		for i < len(c) && c[i] < 0x80 {
			i++
		}
		if i == len(c) {
			return unsafeString(c), nil
		}
	}
	return teletexStr(e)
}

// ipmAddTeletex writes s (UTF-8) as a TeletexString like addTeletex,
// without an intermediate copy when s is 7-bit (UTF8ToT61 keeps 7-bit
// characters as they are).
func ipmAddTeletex(b *ber.Builder, t ber.Tag, s string) {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			addTeletex(b, t, s)
			return
		}
	}
	b.AddString(t, s)
}

func (h *Heading) encode(b *ber.Builder, t ber.Tag) {
	m := b.Begin(t)
	h.ThisIPM.encode(b, ipmIdentifierTag)
	if h.Originator != nil {
		h.Originator.encode(b, ber.Context(0))
	}
	if h.AuthorizingUsers != nil {
		ipmEncodeORDescriptors(b, ber.Context(1), h.AuthorizingUsers)
	}
	if len(h.PrimaryRecipients) > 0 {
		ipmEncodeRecipients(b, ber.Context(2), h.PrimaryRecipients)
	}
	if len(h.CopyRecipients) > 0 {
		ipmEncodeRecipients(b, ber.Context(3), h.CopyRecipients)
	}
	if h.BlindCopyRecipients != nil {
		ipmEncodeRecipients(b, ber.Context(4), h.BlindCopyRecipients)
	}
	if h.RepliedToIPM != nil {
		h.RepliedToIPM.encode(b, ber.Context(5))
	}
	if len(h.ObsoletedIPMs) > 0 {
		ipmEncodeIdentifiers(b, ber.Context(6), h.ObsoletedIPMs)
	}
	if len(h.RelatedIPMs) > 0 {
		ipmEncodeIdentifiers(b, ber.Context(7), h.RelatedIPMs)
	}
	if h.Subject != "" {
		sm := b.Begin(ber.Context(8))
		ipmAddTeletex(b, ber.TeletexString, h.Subject)
		b.End(sm)
	}
	if !h.ExpiryTime.IsZero() {
		b.AddUTCTime(ber.Context(9), h.ExpiryTime)
	}
	if !h.ReplyTime.IsZero() {
		b.AddUTCTime(ber.Context(10), h.ReplyTime)
	}
	if h.ReplyRecipients != nil {
		ipmEncodeORDescriptors(b, ber.Context(11), h.ReplyRecipients)
	}
	switch {
	case h.Importance == ImportanceNormal:
	case int(h.Importance) < len(importanceWire):
		b.AddInt(ber.Context(12), importanceWire[h.Importance])
	default:
		b.Fail(errors.New("x400: heading: invalid importance " + h.Importance.String()))
	}
	if h.Sensitivity != SensitivityNone {
		if h.Sensitivity > SensitivityCompanyConfidential {
			b.Fail(errors.New("x400: heading: invalid " + h.Sensitivity.String()))
		}
		b.AddInt(ber.Context(13), int64(h.Sensitivity))
	}
	if h.AutoForwarded {
		b.AddBool(ber.Context(14), true)
	}
	if len(h.Extensions) > 0 {
		ipmEncodeExtensions(b, ber.Context(15), h.Extensions)
	}
	ipmEndSet(b, m, h.Unknown)
}

// ipmEndSet closes a SET whose known components were written in canonical
// order; unknown components are appended and the SET sorted only when
// there are some (EndSet allocates).
func ipmEndSet(b *ber.Builder, m ber.Mark, unknown []Raw) {
	if len(unknown) == 0 {
		b.End(m)
		return
	}
	for _, u := range unknown {
		b.AddRaw(u)
	}
	b.EndSet(m)
}

// IPMIdentifier identifies an IPM, X.420 §7.1.1:
//
//	IPMIdentifier ::= [APPLICATION 11] SET {
//	  user                      ORName OPTIONAL,
//	  user-relative-identifier  LocalIPMIdentifier }
//	LocalIPMIdentifier ::= PrintableString (SIZE (0..ub-local-ipm-identifier))
type IPMIdentifier struct {
	User    *ORName // nil when absent
	LocalID string  // user-relative-identifier
}

var (
	ipmIdentifierTag = ber.Application(11)
	ipmORNameTag     = ber.Application(0)
)

// String returns a display form, "LocalID <O/R name>" (the O/R name in
// its RFC 2156 text form), or "LocalID" when there is no user. The mapping
// of RFC 2156 §4.7 to a Message-ID is the converter's job.
func (id *IPMIdentifier) String() string {
	if id.User == nil {
		return id.LocalID
	}
	return id.LocalID + " <" + id.User.String() + ">"
}

func (id *IPMIdentifier) decode(e *ber.Element) error { return id.decodeIn(e, nil) }

// decodeIn is decode taking the user's O/R name from names.
func (id *IPMIdentifier) decodeIn(e *ber.Element, names *ipmSlab[ORName]) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	var seen seenSet
	for !r.Empty() {
		c, err := r.Next()
		if err != nil {
			return err
		}
		switch c.Tag {
		case ber.PrintableString:
			if err := seen.add(&c, 0, "user-relative-identifier"); err != nil {
				return err
			}
			if id.LocalID, err = printableStr(&c); err != nil {
				return ber.Annotate(err, "user-relative-identifier")
			}
		case ipmORNameTag:
			if err := seen.add(&c, 1, "user"); err != nil {
				return err
			}
			id.User = names.next()
			if err := id.User.decode(&c); err != nil {
				return ber.Annotate(err, "user")
			}
		default:
			return c.Errorf("unexpected %s in IPMIdentifier", c.Tag)
		}
	}
	if !seen.has(0) {
		return ber.Annotate(e.Errorf("missing user-relative-identifier"), "user-relative-identifier")
	}
	return nil
}

func (id *IPMIdentifier) encode(b *ber.Builder, t ber.Tag) {
	if !IsPrintableString(id.LocalID) {
		b.Fail(errors.New("x400: IPM identifier " + strconv.Quote(id.LocalID) + " is not a PrintableString"))
	}
	m := b.Begin(t)
	b.AddString(ber.PrintableString, id.LocalID)
	if id.User != nil {
		id.User.encode(b, ipmORNameTag)
	}
	b.End(m)
}

func ipmDecodeIdentifiers(e *ber.Element) ([]IPMIdentifier, error) {
	r, err := e.Children()
	if err != nil {
		return nil, err
	}
	out := make([]IPMIdentifier, 0, listCap(&r))
	var names ipmSlab[ORName]
	for !r.Empty() {
		c, err := r.Expect(ipmIdentifierTag)
		if err != nil {
			return nil, err
		}
		names.want = cap(out) - len(out)
		out = append(out, IPMIdentifier{})
		if err := out[len(out)-1].decodeIn(&c, &names); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func ipmEncodeIdentifiers(b *ber.Builder, t ber.Tag, ids []IPMIdentifier) {
	m := b.Begin(t)
	for i := range ids {
		ids[i].encode(b, ipmIdentifierTag)
	}
	b.End(m)
}

// IPMSExtension is X.420 §7.2.17 (ExtensionsField) and §7.1.4:
//
//	IPMSExtension ::= SEQUENCE {
//	  type   IPMS-EXTENSION.&id,
//	  value  IPMS-EXTENSION.&Type DEFAULT NULL:NULL }
type IPMSExtension struct {
	Type ber.OID
	// Value is the encoding of the value; nil when absent (NULL default).
	// A value that is NULL is decoded as nil (DER omits the default).
	Value Raw
}

func (x *IPMSExtension) decode(e *ber.Element) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	t, err := r.Expect(ber.ObjectID)
	if err != nil {
		return ber.Annotate(err, "type")
	}
	if x.Type, err = t.OID(); err != nil {
		return ber.Annotate(err, "type")
	}
	x.Value = nil
	if !r.Empty() {
		v, err := r.Next()
		if err != nil {
			return ber.Annotate(err, "value")
		}
		if !(v.Tag == ber.Null && !v.Constructed && len(v.Content) == 0) {
			x.Value = Raw(v.Raw)
		}
	}
	return r.End("IPMSExtension")
}

func (x *IPMSExtension) encode(b *ber.Builder, t ber.Tag) {
	if len(x.Type) == 0 {
		b.Fail(errors.New("x400: IPMS extension without a type"))
	}
	m := b.Begin(t)
	b.AddOID(ber.ObjectID, x.Type)
	if len(x.Value) > 0 && !(len(x.Value) == 2 && x.Value[0] == 0x05 && x.Value[1] == 0) {
		b.AddRaw(x.Value)
	}
	b.End(m)
}

// ipmDecodeExtensions reads a SET OF IPMSExtension (heading, recipient,
// notification extensions).
func ipmDecodeExtensions(e *ber.Element) ([]IPMSExtension, error) {
	r, err := e.Children()
	if err != nil {
		return nil, err
	}
	out := make([]IPMSExtension, 0, listCap(&r))
	for i := 0; !r.Empty(); i++ {
		c, err := r.Expect(ber.Sequence)
		if err != nil {
			return nil, err
		}
		out = append(out, IPMSExtension{})
		if err := out[len(out)-1].decode(&c); err != nil {
			return nil, ber.Annotate(err, "IPMSExtension["+strconv.Itoa(i)+"]")
		}
	}
	return out, nil
}

func ipmEncodeExtensions(b *ber.Builder, t ber.Tag, xs []IPMSExtension) {
	m := b.Begin(t)
	for i := range xs {
		xs[i].encode(b, ber.Sequence)
	}
	if len(xs) > 1 {
		b.EndSetOf(m)
	} else {
		b.End(m)
	}
}

// ORDescriptor describes a user or distribution list, X.420 §7.1.3:
//
//	ORDescriptor ::= SET {
//	  formal-name       ORName OPTIONAL,
//	  free-form-name    [0]  FreeFormName OPTIONAL,
//	  telephone-number  [1]  TelephoneNumber OPTIONAL }
//	FreeFormName ::= TeletexString (SIZE (0..ub-free-form-name))
//	TelephoneNumber ::= PrintableString (SIZE (0..ub-telephone-number))
//
// Empty strings are absent.
type ORDescriptor struct {
	FormalName *ORName
	// FreeFormName is the TeletexString as UTF-8.
	FreeFormName    string
	TelephoneNumber string
}

func (d *ORDescriptor) decode(e *ber.Element) error { return d.decodeIn(e, nil) }

// decodeIn is decode taking the formal name's O/R name from names.
func (d *ORDescriptor) decodeIn(e *ber.Element, names *ipmSlab[ORName]) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	var seen seenSet
	for !r.Empty() {
		c, err := r.Next()
		if err != nil {
			return err
		}
		switch c.Tag {
		case ipmORNameTag:
			if err = seen.add(&c, 0, "formal-name"); err == nil {
				d.FormalName = names.next()
				err = ber.Annotate(d.FormalName.decode(&c), "formal-name")
			}
		case ber.Context(0):
			if err = seen.add(&c, 1, "free-form-name"); err == nil {
				d.FreeFormName, err = ipmTeletex(&c)
				err = ber.Annotate(err, "free-form-name")
			}
		case ber.Context(1):
			if err = seen.add(&c, 2, "telephone-number"); err == nil {
				d.TelephoneNumber, err = printableStr(&c)
				err = ber.Annotate(err, "telephone-number")
			}
		default:
			return c.Errorf("unexpected %s in ORDescriptor", c.Tag)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (d *ORDescriptor) encode(b *ber.Builder, t ber.Tag) {
	m := b.Begin(t)
	if d.FormalName != nil {
		d.FormalName.encode(b, ipmORNameTag)
	}
	if d.FreeFormName != "" {
		ipmAddTeletex(b, ber.Context(0), d.FreeFormName)
	}
	if d.TelephoneNumber != "" {
		if !IsPrintableString(d.TelephoneNumber) {
			b.Fail(errors.New("x400: telephone number " + strconv.Quote(d.TelephoneNumber) + " is not a PrintableString"))
		}
		b.AddString(ber.Context(1), d.TelephoneNumber)
	}
	b.End(m)
}

func ipmDecodeORDescriptors(e *ber.Element, rb *ipmRecipientBlocks) ([]ORDescriptor, error) {
	r, err := e.Children()
	if err != nil {
		return nil, err
	}
	var out []ORDescriptor
	var own ipmSlab[ORName]
	names := &own
	if n := r.Count(); rb != nil && n >= 0 && n <= len(rb.ods) {
		out, rb.ods = rb.ods[:0:n], rb.ods[n:]
		names = &rb.names
	} else {
		out = make([]ORDescriptor, 0, listCap(&r))
	}
	for i := 0; !r.Empty(); i++ {
		c, err := r.Expect(ber.Set)
		if err != nil {
			return nil, err
		}
		if names == &own {
			own.want = cap(out) - i
		}
		out = append(out, ORDescriptor{})
		if err := out[len(out)-1].decodeIn(&c, names); err != nil {
			return nil, ber.Annotate(err, "ORDescriptor["+strconv.Itoa(i)+"]")
		}
	}
	return out, nil
}

func ipmEncodeORDescriptors(b *ber.Builder, t ber.Tag, ds []ORDescriptor) {
	m := b.Begin(t)
	for i := range ds {
		ds[i].encode(b, ber.Set)
	}
	b.End(m)
}

// NotificationRequests are the notifications a recipient is asked for,
// X.420 §7.1.2:
//
//	NotificationRequests ::= BIT STRING {
//	  rn(0), nrn(1), ipm-return(2), an-supported(3), suppress-an(4) }
//
// Bit i of the ASN.1 value is bit i of the Go value (at most 32 bits are
// kept).
type NotificationRequests uint32

// The named bits of NotificationRequests.
const (
	NotifyRN          NotificationRequests = 1 << 0 // receipt notification
	NotifyNRN         NotificationRequests = 1 << 1 // non-receipt notification
	NotifyIPMReturn   NotificationRequests = 1 << 2
	NotifyANSupported NotificationRequests = 1 << 3
	NotifySuppressAN  NotificationRequests = 1 << 4
)

// RecipientSpecifier is a recipient in the heading, X.420 §7.1.2:
//
//	RecipientSpecifier ::= SET {
//	  recipient              [0]  ORDescriptor,
//	  notification-requests  [1]  NotificationRequests DEFAULT {},
//	  reply-requested        [2]  BOOLEAN DEFAULT FALSE,
//	  recipient-extensions   [3]  RecipientExtensionsField OPTIONAL }
//	RecipientExtensionsField ::= SET OF IPMSExtension
type RecipientSpecifier struct {
	Recipient            ORDescriptor
	NotificationRequests NotificationRequests
	ReplyRequested       bool
	// Extensions are the recipient extensions (P772 per-recipient
	// precedence, circulation list indicator, ...); nil when absent.
	Extensions []IPMSExtension
	// Unknown holds components with tags this version does not know.
	Unknown []Raw
}

// Extension returns the recipient extension of type oid, if present.
func (s *RecipientSpecifier) Extension(oid ber.OID) (*IPMSExtension, bool) {
	return ipmsExtensionLookup(s.Extensions, oid)
}

var recipientSpecifierNames = [...]string{"recipient", "notification-requests", "reply-requested", "recipient-extensions"}

func (s *RecipientSpecifier) decode(e *ber.Element) error { return s.decodeIn(e, nil) }

// decodeIn is decode taking the recipient's O/R name from names.
func (s *RecipientSpecifier) decodeIn(e *ber.Element, names *ipmSlab[ORName]) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	var seen seenSet
	for !r.Empty() {
		c, err := r.Next()
		if err != nil {
			return err
		}
		if c.Tag.Class != ber.ClassContext || c.Tag.Number > 3 {
			s.Unknown = append(s.Unknown, Raw(c.Raw))
			continue
		}
		n := c.Tag.Number
		if err := seen.add(&c, uint(n), recipientSpecifierNames[n]); err != nil {
			return err
		}
		switch n {
		case 0:
			err = s.Recipient.decodeIn(&c, names)
		case 1:
			var bs ber.BitString
			if bs, err = c.BitString(); err == nil {
				s.NotificationRequests = NotificationRequests(bs.Uint32Bits())
			}
		case 2:
			s.ReplyRequested, err = c.Bool()
		case 3:
			s.Extensions, err = ipmDecodeExtensions(&c)
		}
		if err != nil {
			return ber.Annotate(err, recipientSpecifierNames[n])
		}
	}
	if !seen.has(0) {
		return ber.Annotate(e.Errorf("missing recipient"), "recipient")
	}
	return nil
}

func (s *RecipientSpecifier) encode(b *ber.Builder, t ber.Tag) {
	m := b.Begin(t)
	s.Recipient.encode(b, ber.Context(0))
	if s.NotificationRequests != 0 {
		b.AddNamedBits(ber.Context(1), ber.BitsFromUint32(uint32(s.NotificationRequests)))
	}
	if s.ReplyRequested {
		b.AddBool(ber.Context(2), true)
	}
	if s.Extensions != nil {
		ipmEncodeExtensions(b, ber.Context(3), s.Extensions)
	}
	ipmEndSet(b, m, s.Unknown)
}

// ipmRecipientBlocks are the blocks the recipient and O/R descriptor
// lists of a heading share: rs the RecipientSpecifiers not yet used, ods
// the ORDescriptors, names the O/R names of both.
type ipmRecipientBlocks struct {
	rs    []RecipientSpecifier
	ods   []ORDescriptor
	names ipmSlab[ORName]
}

// ipmCountRecipients counts the elements of the recipient lists (primary,
// copy and blind copy: nr) and of the O/R descriptor lists (authorizing
// users, reply recipients: nd) in b, the contents of a heading, reading
// only identifier and length octets. It returns zeros when it meets what
// it does not expect (an indefinite length, say), leaving each list to be
// allocated alone.
func ipmCountRecipients(b []byte) (nr, nd int) {
	for len(b) > 0 {
		t, c, rest, ok := ipmTLV(b)
		if !ok {
			return 0, 0
		}
		var n *int
		switch t {
		case 0xa2, 0xa3, 0xa4:
			n = &nr
		case 0xa1, 0xab:
			n = &nd
		}
		if n != nil {
			for len(c) > 0 {
				_, _, cr, ok := ipmTLV(c)
				if !ok {
					return 0, 0
				}
				*n, c = *n+1, cr
			}
		}
		b = rest
	}
	return nr, nd
}

// ipmTLV splits off the element at b[0] of definite length: t is its
// first identifier octet, c its contents; ok is false if the encoding is
// indefinite or malformed.
func ipmTLV(b []byte) (t byte, c, rest []byte, ok bool) {
	i := 1
	if len(b) == 0 {
		return 0, nil, nil, false
	}
	if b[0]&0x1f == 0x1f {
		for i < len(b) && i < 6 && b[i]&0x80 != 0 {
			i++
		}
		i++
	}
	if i >= len(b) {
		return 0, nil, nil, false
	}
	l := int(b[i])
	i++
	if l >= 0x80 {
		k := l & 0x7f
		if k == 0 || k > 3 || len(b)-i < k {
			return 0, nil, nil, false
		}
		l = 0
		for ; k > 0; k-- {
			l = l<<8 | int(b[i])
			i++
		}
	}
	if l > len(b)-i {
		return 0, nil, nil, false
	}
	return b[0], b[i : i+l], b[i+l:], true
}

func ipmDecodeRecipients(e *ber.Element, rb *ipmRecipientBlocks) ([]RecipientSpecifier, error) {
	r, err := e.Children()
	if err != nil {
		return nil, err
	}
	var out []RecipientSpecifier
	var own ipmSlab[ORName]
	names := &own
	if n := r.Count(); rb != nil && n >= 0 && n <= len(rb.rs) {
		out, rb.rs = rb.rs[:0:n], rb.rs[n:]
		names = &rb.names
	} else {
		out = make([]RecipientSpecifier, 0, listCap(&r))
	}
	for i := 0; !r.Empty(); i++ {
		c, err := r.Expect(ber.Set)
		if err != nil {
			return nil, err
		}
		if names == &own {
			own.want = cap(out) - i
		}
		out = append(out, RecipientSpecifier{})
		if err := out[len(out)-1].decodeIn(&c, names); err != nil {
			return nil, ber.Annotate(err, "RecipientSpecifier["+strconv.Itoa(i)+"]")
		}
	}
	return out, nil
}

func ipmEncodeRecipients(b *ber.Builder, t ber.Tag, rs []RecipientSpecifier) {
	m := b.Begin(t)
	for i := range rs {
		rs[i].encode(b, ber.Set)
	}
	b.End(m)
}
