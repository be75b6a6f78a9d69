package x400

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"mixerd/ber"
)

// This file holds the O/R name and O/R address of X.411 §12.2.1.1.1 (the
// attributes themselves are described in X.402 §18.3) and their BER codecs.
// The text form (RFC 2156 §4.1) is in oraddress_text.go.

// ORName is an O/R name, X.411 §12.2.1.1.1:
//
//	ORName ::= [APPLICATION 0] SEQUENCE {
//	    -- address -- COMPONENTS OF ORAddress,
//	    directory-name [0] Name OPTIONAL }
//
// ORAddressAndOrDirectoryName and ORAddressAndOptionalDirectoryName are the
// same type. The module has IMPLICIT TAGS: encode writes the SEQUENCE with
// the tag the caller gives (ber.Application(0) where ORName appears as
// itself). The address is semantically absent when IsEmpty reports true.
type ORName struct {
	ORAddress
	// DirectoryName is the X.501 Name (the RDNSequence inside the explicit
	// [0]), kept as its encoding; nil when absent.
	DirectoryName Raw
}

// ORAddress is an O/R address, X.411 §12.2.1.1.1:
//
//	ORAddress ::= SEQUENCE {
//	    built-in-standard-attributes       BuiltInStandardAttributes,
//	    built-in-domain-defined-attributes BuiltInDomainDefinedAttributes OPTIONAL,
//	    extension-attributes               ExtensionAttributes OPTIONAL }
//
// The built-in standard attributes and the standard extension attributes
// are Go fields; an absent attribute is the zero value ("" for a string,
// nil for a slice or pointer). A few systems send attributes of zero length
// and rely on them (RFC 2156 §4.3.5); those are listed in ZeroLength so
// that they are written back. Strings of the printable and numeric types
// alias the decoded input; teletex and universal strings are UTF-8.
//
// Decoding accepts values longer than the ub-* bounds of MTSUpperBounds
// (peers are sloppy); Validate reports them.
type ORAddress struct {
	// Built-in standard attributes (X.411 BuiltInStandardAttributes).

	// Country is country-name, [APPLICATION 1] CHOICE { x121-dcc-code
	// NumericString (SIZE (3)), iso-3166-alpha2-code PrintableString
	// (SIZE (2)) } (X.402 §18.3.3).
	Country NumericOrPrintable
	// ADMD is administration-domain-name, [APPLICATION 2] CHOICE { numeric
	// NumericString, printable PrintableString } (X.402 §18.3.1). A single
	// space is the usual "any ADMD"; a zero-length ADMD is flagged in
	// ZeroLength (AttrADMD).
	ADMD NumericOrPrintable
	// NetworkAddress is network-address [0] X121Address (NumericString,
	// X.402 §18.3.7).
	NetworkAddress string
	// TerminalIdentifier is terminal-identifier [1] PrintableString
	// (X.402 §18.3.23).
	TerminalIdentifier string
	// PRMD is private-domain-name [2] CHOICE { numeric, printable }
	// (X.402 §18.3.21).
	PRMD NumericOrPrintable
	// Organization is organization-name [3] PrintableString (X.402 §18.3.9).
	Organization string
	// NumericUserIdentifier is numeric-user-identifier [4] NumericString
	// (X.402 §18.3.8).
	NumericUserIdentifier string
	// PersonalName is personal-name [5] PersonalName (X.402 §18.3.12),
	// absent when all its components are "" (and no AttrSurname ..
	// AttrGenerationQualifier bit is set in ZeroLength).
	PersonalName PersonalName
	// OrganizationalUnits is organizational-unit-names [6] SEQUENCE OF
	// PrintableString, most significant first (X.402 §18.3.10).
	OrganizationalUnits []string

	// DomainDefined is built-in-domain-defined-attributes, SEQUENCE OF
	// SEQUENCE { type PrintableString, value PrintableString } (X.402 §18.1).
	DomainDefined []DomainDefinedAttribute

	// ZeroLength lists the built-in attributes (and common-name) that are
	// present with a zero-length value; their string field is "".
	ZeroLength ORAttr

	// Extension attributes (X.411 ExtensionAttributes): the standard ones.

	// CommonName is common-name (1), PrintableString (X.402 §18.3.2).
	CommonName string
	// TeletexCommonName is teletex-common-name (2), TeletexString.
	TeletexCommonName string
	// TeletexOrganization is teletex-organization-name (3), TeletexString.
	TeletexOrganization string
	// TeletexPersonalName is teletex-personal-name (4): the components are
	// TeletexStrings, given here as UTF-8; absent when all are "".
	TeletexPersonalName PersonalName
	// TeletexOrganizationalUnits is teletex-organizational-unit-names (5).
	TeletexOrganizationalUnits []string
	// TeletexDomainDefined is teletex-domain-defined-attributes (6).
	TeletexDomainDefined []DomainDefinedAttribute
	// Postal holds the physical delivery attributes (7 to 21); nil when
	// there is none.
	Postal *PostalAttributes
	// ExtendedNetworkAddress is extended-network-address (22); nil when
	// absent.
	ExtendedNetworkAddress *ExtendedNetworkAddress
	// TerminalType is terminal-type (23), INTEGER (0..ub-integer-options)
	// (see the TerminalType* constants); nil when absent.
	TerminalType *int
	// Universal holds the universal attributes (24 to 40); nil when there
	// is none.
	Universal *UniversalAttributes
	// UnknownExtensions are the extension attributes of types the code
	// does not know, each the encoding of its whole ExtensionAttribute
	// SEQUENCE, written back as they came (in DER).
	UnknownExtensions []Raw
}

// ORAttr is a set of O/R address attributes, used by ORAddress.ZeroLength.
type ORAttr uint16

// The attributes that ORAddress.ZeroLength can flag.
const (
	AttrCountry ORAttr = 1 << iota
	AttrADMD
	AttrNetworkAddress
	AttrTerminalIdentifier
	AttrPRMD
	AttrOrganization
	AttrNumericUserIdentifier
	AttrSurname
	AttrGivenName
	AttrInitials
	AttrGenerationQualifier
	AttrCommonName

	attrPersonalName = AttrSurname | AttrGivenName | AttrInitials | AttrGenerationQualifier
)

// NumericOrPrintable is the value of the attributes defined as CHOICE {
// NumericString, PrintableString }: CountryName, AdministrationDomainName,
// PrivateDomainName (and PrivateDomainIdentifier of X.411 §12.2.1.3),
// PhysicalDeliveryCountryName, PostalCode. The zero value is absent.
type NumericOrPrintable struct {
	Value string
	// Numeric records that the NumericString alternative was (or is to be)
	// used.
	Numeric bool
}

// IsZero reports whether v is absent.
func (v NumericOrPrintable) IsZero() bool { return v.Value == "" }

// String returns the value.
func (v NumericOrPrintable) String() string { return v.Value }

// decode reads the CHOICE from e (NumericString or PrintableString).
func (v *NumericOrPrintable) decode(e *ber.Element) error {
	var err error
	switch e.Tag {
	case ber.NumericString:
		v.Value, err = numericStr(e)
		v.Numeric = true
	case ber.PrintableString:
		v.Value, err = printableStr(e)
		v.Numeric = false
	default:
		return e.Errorf("expected NumericString or PrintableString, found %s", e.Tag)
	}
	return err
}

// encode writes the CHOICE (untagged).
func (v NumericOrPrintable) encode(b *ber.Builder) {
	if v.Numeric {
		oraddrAddNumeric(b, ber.NumericString, v.Value)
		return
	}
	oraddrAddPrintable(b, ber.PrintableString, v.Value)
}

// decodeExplicit reads the CHOICE inside the explicit tag of e.
func (v *NumericOrPrintable) decodeExplicit(e *ber.Element) error {
	in, err := explicit(e)
	if err != nil {
		return err
	}
	return v.decode(&in)
}

// encodeExplicit writes the CHOICE inside an explicit tag t.
func (v NumericOrPrintable) encodeExplicit(b *ber.Builder, t ber.Tag) {
	m := b.Begin(t)
	v.encode(b)
	b.End(m)
}

// PersonalName is X.411 PersonalName (X.402 §18.3.12):
//
//	PersonalName ::= SET {
//	    surname              [0] PrintableString (SIZE (1..ub-surname-length)),
//	    given-name           [1] PrintableString OPTIONAL,
//	    initials             [2] PrintableString OPTIONAL,
//	    generation-qualifier [3] PrintableString OPTIONAL }
//
// The same Go type holds TeletexPersonalName (extension attribute 4), whose
// components are TeletexStrings, as UTF-8.
type PersonalName struct {
	Surname             string
	GivenName           string
	Initials            string
	GenerationQualifier string
}

// IsZero reports whether every component is "".
func (p PersonalName) IsZero() bool {
	return p.Surname == "" && p.GivenName == "" && p.Initials == "" && p.GenerationQualifier == ""
}

// DomainDefinedAttribute is X.411 BuiltInDomainDefinedAttribute (X.402
// §18.1): SEQUENCE { type PrintableString (SIZE (1..8)), value
// PrintableString (SIZE (1..128)) }. The same Go type holds
// TeletexDomainDefinedAttribute (teletex strings, as UTF-8).
type DomainDefinedAttribute struct {
	Type  string
	Value string
}

// PDSParameter is X.411 PDSParameter, the value of most physical delivery
// attributes (X.402 §18.3):
//
//	PDSParameter ::= SET {
//	    printable-string PrintableString (SIZE (1..ub-pds-parameter-length)) OPTIONAL,
//	    teletex-string   TeletexString (SIZE (1..ub-pds-parameter-length)) OPTIONAL }
//
// Teletex is UTF-8. The zero value is absent.
type PDSParameter struct {
	Printable string
	Teletex   string
}

// IsZero reports whether both forms are "".
func (p PDSParameter) IsZero() bool { return p.Printable == "" && p.Teletex == "" }

// UnformattedPostalAddress is extension attribute 16 (X.402 §18.3.25):
//
//	UnformattedPostalAddress ::= SET {
//	    printable-address SEQUENCE SIZE (1..ub-pds-physical-address-lines) OF
//	        PrintableString (SIZE (1..ub-pds-parameter-length)) OPTIONAL,
//	    teletex-string TeletexString (SIZE (1..ub-unformatted-address-length)) OPTIONAL }
type UnformattedPostalAddress struct {
	// Lines is printable-address, one string per line.
	Lines []string
	// Teletex is teletex-string, as UTF-8.
	Teletex string
}

// IsZero reports whether both forms are absent.
func (u UnformattedPostalAddress) IsZero() bool { return len(u.Lines) == 0 && u.Teletex == "" }

// PostalAttributes are the physical delivery extension attributes of an
// O/R address, X.411 §12.2.1.1.1 (types 7 to 21; X.402 §18.3.4 to §18.3.26).
// Each field is absent when zero.
type PostalAttributes struct {
	// PDSName is pds-name (7), PrintableString (SIZE (1..ub-pds-name-length)).
	PDSName string
	// CountryName is physical-delivery-country-name (8), CHOICE {
	// x121-dcc-code NumericString, iso-3166-alpha2-code PrintableString }.
	CountryName NumericOrPrintable
	// PostalCode is postal-code (9), CHOICE { numeric-code NumericString,
	// printable-code PrintableString }.
	PostalCode NumericOrPrintable
	// OfficeName is physical-delivery-office-name (10).
	OfficeName PDSParameter
	// OfficeNumber is physical-delivery-office-number (11).
	OfficeNumber PDSParameter
	// ExtensionORAddressComponents is extension-OR-address-components (12).
	ExtensionORAddressComponents PDSParameter
	// PersonalName is physical-delivery-personal-name (13).
	PersonalName PDSParameter
	// OrganizationName is physical-delivery-organization-name (14).
	OrganizationName PDSParameter
	// ExtensionPhysicalDeliveryAddressComponents is
	// extension-physical-delivery-address-components (15).
	ExtensionPhysicalDeliveryAddressComponents PDSParameter
	// UnformattedAddress is unformatted-postal-address (16).
	UnformattedAddress UnformattedPostalAddress
	// StreetAddress is street-address (17).
	StreetAddress PDSParameter
	// PostOfficeBox is post-office-box-address (18).
	PostOfficeBox PDSParameter
	// PosteRestante is poste-restante-address (19).
	PosteRestante PDSParameter
	// UniquePostalName is unique-postal-name (20).
	UniquePostalName PDSParameter
	// LocalPostalAttributes is local-postal-attributes (21).
	LocalPostalAttributes PDSParameter
}

// IsZero reports whether every postal attribute is absent.
func (p *PostalAttributes) IsZero() bool {
	if p == nil {
		return true
	}
	return p.PDSName == "" && p.CountryName.IsZero() && p.PostalCode.IsZero() && p.UnformattedAddress.IsZero() &&
		p.OfficeName.IsZero() && p.OfficeNumber.IsZero() && p.ExtensionORAddressComponents.IsZero() &&
		p.PersonalName.IsZero() && p.OrganizationName.IsZero() && p.ExtensionPhysicalDeliveryAddressComponents.IsZero() &&
		p.StreetAddress.IsZero() && p.PostOfficeBox.IsZero() && p.PosteRestante.IsZero() &&
		p.UniquePostalName.IsZero() && p.LocalPostalAttributes.IsZero()
}

// pds returns the PDSParameter attribute of extension type t (10..21
// except 16), or nil.
func (p *PostalAttributes) pds(t int) *PDSParameter {
	switch t {
	case extPDOfficeName:
		return &p.OfficeName
	case extPDOfficeNumber:
		return &p.OfficeNumber
	case extExtensionORAddressComponents:
		return &p.ExtensionORAddressComponents
	case extPDPersonalName:
		return &p.PersonalName
	case extPDOrganizationName:
		return &p.OrganizationName
	case extExtensionPDAddressComponents:
		return &p.ExtensionPhysicalDeliveryAddressComponents
	case extStreetAddress:
		return &p.StreetAddress
	case extPostOfficeBoxAddress:
		return &p.PostOfficeBox
	case extPosteRestanteAddress:
		return &p.PosteRestante
	case extUniquePostalName:
		return &p.UniquePostalName
	case extLocalPostalAttributes:
		return &p.LocalPostalAttributes
	}
	return nil
}

// ExtendedNetworkAddress is extension attribute 22 (X.402 §18.3.7):
//
//	ExtendedNetworkAddress ::= CHOICE {
//	    e163-4-address SEQUENCE {
//	        number      [0] NumericString (SIZE (1..ub-e163-4-number-length)),
//	        sub-address [1] NumericString (SIZE (1..ub-e163-4-sub-address-length)) OPTIONAL },
//	    psap-address [0] PresentationAddress }
//
// The psap-address alternative is chosen when PSAPAddress is not nil.
type ExtendedNetworkAddress struct {
	// Number and SubAddress are the e163-4-address.
	Number     string
	SubAddress string
	// PSAPAddress is the psap-address alternative: the whole [0] element
	// (an X.520 PresentationAddress, implicitly tagged), kept as its
	// encoding.
	PSAPAddress Raw
}

// The terminal types of X.411 TerminalType (extension attribute 23).
const (
	TerminalTypeTelex       = 3
	TerminalTypeTeletex     = 4
	TerminalTypeG3Facsimile = 5
	TerminalTypeG4Facsimile = 6
	TerminalTypeIA5Terminal = 7
	TerminalTypeVideotex    = 8
)

// UniversalOrBMPString is X.411 UniversalOrBMPString (1994 onwards):
//
//	UniversalOrBMPString{INTEGER:ub-string-length} ::= SET {
//	    character-encoding CHOICE {
//	        two-octets  BMPString (SIZE (1..ub-string-length)),
//	        four-octets UniversalString (SIZE (1..ub-string-length)) },
//	    iso-639-language-code PrintableString (SIZE (2 | 5)) OPTIONAL }
//
// The zero value (Text "") is absent.
type UniversalOrBMPString struct {
	// Text is the string as UTF-8.
	Text string
	// Language is the ISO 639 language code, "" when absent.
	Language string
	// FourOctets records that the UniversalString alternative was (or is
	// to be) used. The encoder uses it anyway when Text has a character
	// outside the Basic Multilingual Plane.
	FourOctets bool
}

// IsZero reports whether s is absent.
func (s UniversalOrBMPString) IsZero() bool { return s.Text == "" }

// UniversalPersonalName is extension attribute 26, X.411
// UniversalPersonalName: SET { surname [0] UniversalOrBMPString, given-name
// [1] OPTIONAL, initials [2] OPTIONAL, generation-qualifier [3] OPTIONAL }.
type UniversalPersonalName struct {
	Surname             UniversalOrBMPString
	GivenName           UniversalOrBMPString
	Initials            UniversalOrBMPString
	GenerationQualifier UniversalOrBMPString
}

// IsZero reports whether every component is absent.
func (p UniversalPersonalName) IsZero() bool {
	return p.Surname.IsZero() && p.GivenName.IsZero() && p.Initials.IsZero() && p.GenerationQualifier.IsZero()
}

// UniversalDomainDefinedAttribute is X.411 UniversalDomainDefinedAttribute:
// SEQUENCE { type UniversalOrBMPString, value UniversalOrBMPString }.
type UniversalDomainDefinedAttribute struct {
	Type  UniversalOrBMPString
	Value UniversalOrBMPString
}

// UniversalAttributes are the universal extension attributes of an O/R
// address (types 24 to 40, X.411 (1996) §12.2.1.1.1), whose values are
// UniversalOrBMPStrings. Each field is absent when zero.
type UniversalAttributes struct {
	CommonName          UniversalOrBMPString              // universal-common-name (24)
	OrganizationName    UniversalOrBMPString              // universal-organization-name (25)
	PersonalName        UniversalPersonalName             // universal-personal-name (26)
	OrganizationalUnits []UniversalOrBMPString            // universal-organizational-unit-names (27)
	DomainDefined       []UniversalDomainDefinedAttribute // universal-domain-defined-attributes (28)
	// Postal ones (UniversalPDSParameter).
	OfficeName                                 UniversalOrBMPString // universal-physical-delivery-office-name (29)
	OfficeNumber                               UniversalOrBMPString // universal-physical-delivery-office-number (30)
	ExtensionORAddressComponents               UniversalOrBMPString // universal-extension-OR-address-components (31)
	PhysicalDeliveryPersonalName               UniversalOrBMPString // universal-physical-delivery-personal-name (32)
	PhysicalDeliveryOrganizationName           UniversalOrBMPString // universal-physical-delivery-organization-name (33)
	ExtensionPhysicalDeliveryAddressComponents UniversalOrBMPString // universal-extension-physical-delivery-address-components (34)
	UnformattedPostalAddress                   UniversalOrBMPString // universal-unformatted-postal-address (35)
	StreetAddress                              UniversalOrBMPString // universal-street-address (36)
	PostOfficeBox                              UniversalOrBMPString // universal-post-office-box-address (37)
	PosteRestante                              UniversalOrBMPString // universal-poste-restante-address (38)
	UniquePostalName                           UniversalOrBMPString // universal-unique-postal-name (39)
	LocalPostalAttributes                      UniversalOrBMPString // universal-local-postal-attributes (40)
}

// IsZero reports whether every universal attribute is absent.
func (u *UniversalAttributes) IsZero() bool {
	if u == nil {
		return true
	}
	if !u.CommonName.IsZero() || !u.OrganizationName.IsZero() || !u.PersonalName.IsZero() ||
		len(u.OrganizationalUnits) > 0 || len(u.DomainDefined) > 0 {
		return false
	}
	for t := extUniversalPDOfficeName; t <= extUniversalLocalPostalAttributes; t++ {
		if !u.single(t).IsZero() {
			return false
		}
	}
	return true
}

// single returns the single-string universal attribute of type t (24, 25,
// 29..40), or nil.
func (u *UniversalAttributes) single(t int) *UniversalOrBMPString {
	switch t {
	case extUniversalCommonName:
		return &u.CommonName
	case extUniversalOrganizationName:
		return &u.OrganizationName
	case extUniversalPDOfficeName:
		return &u.OfficeName
	case extUniversalPDOfficeNumber:
		return &u.OfficeNumber
	case extUniversalExtensionORAddressComponents:
		return &u.ExtensionORAddressComponents
	case extUniversalPDPersonalName:
		return &u.PhysicalDeliveryPersonalName
	case extUniversalPDOrganizationName:
		return &u.PhysicalDeliveryOrganizationName
	case extUniversalExtensionPDAddressComponents:
		return &u.ExtensionPhysicalDeliveryAddressComponents
	case extUniversalUnformattedPostalAddress:
		return &u.UnformattedPostalAddress
	case extUniversalStreetAddress:
		return &u.StreetAddress
	case extUniversalPostOfficeBoxAddress:
		return &u.PostOfficeBox
	case extUniversalPosteRestanteAddress:
		return &u.PosteRestante
	case extUniversalUniquePostalName:
		return &u.UniquePostalName
	case extUniversalLocalPostalAttributes:
		return &u.LocalPostalAttributes
	}
	return nil
}

// ExtensionAttributeType values, X.411 §12.2.1.1.1.
const (
	extCommonName                            = 1
	extTeletexCommonName                     = 2
	extTeletexOrganizationName               = 3
	extTeletexPersonalName                   = 4
	extTeletexOrganizationalUnitNames        = 5
	extTeletexDomainDefinedAttributes        = 6
	extPDSName                               = 7
	extPDCountryName                         = 8
	extPostalCode                            = 9
	extPDOfficeName                          = 10
	extPDOfficeNumber                        = 11
	extExtensionORAddressComponents          = 12
	extPDPersonalName                        = 13
	extPDOrganizationName                    = 14
	extExtensionPDAddressComponents          = 15
	extUnformattedPostalAddress              = 16
	extStreetAddress                         = 17
	extPostOfficeBoxAddress                  = 18
	extPosteRestanteAddress                  = 19
	extUniquePostalName                      = 20
	extLocalPostalAttributes                 = 21
	extExtendedNetworkAddress                = 22
	extTerminalType                          = 23
	extUniversalCommonName                   = 24
	extUniversalOrganizationName             = 25
	extUniversalPersonalName                 = 26
	extUniversalOrganizationalUnitNames      = 27
	extUniversalDomainDefinedAttributes      = 28
	extUniversalPDOfficeName                 = 29
	extUniversalPDOfficeNumber               = 30
	extUniversalExtensionORAddressComponents = 31
	extUniversalPDPersonalName               = 32
	extUniversalPDOrganizationName           = 33
	extUniversalExtensionPDAddressComponents = 34
	extUniversalUnformattedPostalAddress     = 35
	extUniversalStreetAddress                = 36
	extUniversalPostOfficeBoxAddress         = 37
	extUniversalPosteRestanteAddress         = 38
	extUniversalUniquePostalName             = 39
	extUniversalLocalPostalAttributes        = 40
	extLast                                  = 40
)

var oraddrExtNames = [extLast + 1]string{
	"", "common-name", "teletex-common-name", "teletex-organization-name",
	"teletex-personal-name", "teletex-organizational-unit-names",
	"teletex-domain-defined-attributes", "pds-name", "physical-delivery-country-name",
	"postal-code", "physical-delivery-office-name", "physical-delivery-office-number",
	"extension-OR-address-components", "physical-delivery-personal-name",
	"physical-delivery-organization-name", "extension-physical-delivery-address-components",
	"unformatted-postal-address", "street-address", "post-office-box-address",
	"poste-restante-address", "unique-postal-name", "local-postal-attributes",
	"extended-network-address", "terminal-type", "universal-common-name",
	"universal-organization-name", "universal-personal-name",
	"universal-organizational-unit-names", "universal-domain-defined-attributes",
	"universal-physical-delivery-office-name", "universal-physical-delivery-office-number",
	"universal-extension-OR-address-components", "universal-physical-delivery-personal-name",
	"universal-physical-delivery-organization-name",
	"universal-extension-physical-delivery-address-components",
	"universal-unformatted-postal-address", "universal-street-address",
	"universal-post-office-box-address", "universal-poste-restante-address",
	"universal-unique-postal-name", "universal-local-postal-attributes",
}

// IsEmpty reports whether the address is semantically absent (X.411
// §12.2.1.1.1: no built-in standard attribute, no domain-defined and no
// extension attribute), as in an O/R name that has only a directory name.
func (a *ORAddress) IsEmpty() bool {
	return a.Country.IsZero() && a.ADMD.IsZero() && a.NetworkAddress == "" && a.TerminalIdentifier == "" &&
		a.PRMD.IsZero() && a.Organization == "" && a.NumericUserIdentifier == "" && a.PersonalName.IsZero() &&
		len(a.OrganizationalUnits) == 0 && len(a.DomainDefined) == 0 && a.ZeroLength == 0 && !a.hasExtensions()
}

func (a *ORAddress) hasExtensions() bool {
	return a.CommonName != "" || a.ZeroLength&AttrCommonName != 0 || a.TeletexCommonName != "" ||
		a.TeletexOrganization != "" || !a.TeletexPersonalName.IsZero() || a.TeletexOrganizationalUnits != nil ||
		a.TeletexDomainDefined != nil || !a.Postal.IsZero() || a.ExtendedNetworkAddress != nil ||
		a.TerminalType != nil || !a.Universal.IsZero() || len(a.UnknownExtensions) > 0
}

// ---------------------------------------------------------------------------
// Decoding.

// decode reads an O/R name from e (any tag: [APPLICATION 0] or the tag of
// the component that holds it).
func (n *ORName) decode(e *ber.Element) error { return n.decodeIn(e, nil) }

// decodeIn is decode taking the lists of strings from spare (see
// oraddrTake; nil: allocate each).
func (n *ORName) decodeIn(e *ber.Element, spare *[]string) error {
	*n = ORName{}
	r, err := e.Children()
	if err != nil {
		return err
	}
	if err := n.ORAddress.decodeComponents(&r, spare); err != nil {
		return err
	}
	if d, ok, err := r.Optional(ber.Context(0)); err != nil {
		return err
	} else if ok {
		in, err := explicit(&d)
		if err != nil {
			return ber.Annotate(err, "directory-name")
		}
		if !in.Constructed {
			return ber.Annotate(in.Errorf("%s: expected a constructed Name", in.Tag), "directory-name")
		}
		if err := oraddrCheckTree(&in); err != nil {
			return ber.Annotate(err, "directory-name")
		}
		n.DirectoryName = Raw(in.Raw)
	}
	return r.End("ORName")
}

// decode reads an O/R address from e (a SEQUENCE, or implicitly tagged).
func (a *ORAddress) decode(e *ber.Element) error {
	*a = ORAddress{}
	r, err := e.Children()
	if err != nil {
		return err
	}
	if err := a.decodeComponents(&r, nil); err != nil {
		return err
	}
	return r.End("ORAddress")
}

// decodeComponents reads the components of ORAddress from r (which may
// hold more, as in ORName), leaving r after them. Lenient: a missing
// built-in-standard-attributes is read as empty. The lists of strings are
// taken from spare (see oraddrTake).
func (a *ORAddress) decodeComponents(r *ber.Reader, spare *[]string) error {
	if r.PeekIs(ber.Sequence) {
		e, _ := r.Next()
		if err := a.decodeStandard(&e, spare); err != nil {
			return ber.Annotate(err, "built-in-standard-attributes")
		}
		if e, ok, err := r.Optional(ber.Sequence); err != nil {
			return err
		} else if ok {
			dd, err := oraddrDecodeDDAs(&e, false)
			if err != nil {
				return ber.Annotate(err, "built-in-domain-defined-attributes")
			}
			a.DomainDefined = dd
		}
	}
	if e, ok, err := r.Optional(ber.Set); err != nil {
		return err
	} else if ok {
		if err := a.decodeExtensions(&e); err != nil {
			return ber.Annotate(err, "extension-attributes")
		}
	}
	return nil
}

// decodeStandard reads BuiltInStandardAttributes. Components out of order
// are accepted; repeated ones are not.
func (a *ORAddress) decodeStandard(e *ber.Element, spare *[]string) error {
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
		var bit uint
		var name string
		switch c.Tag {
		case ber.Application(1):
			bit, name = 0, "country-name"
			err = a.Country.decodeExplicit(&c)
			a.noteZero(a.Country.Value, AttrCountry)
		case ber.Application(2):
			bit, name = 1, "administration-domain-name"
			err = a.ADMD.decodeExplicit(&c)
			a.noteZero(a.ADMD.Value, AttrADMD)
		case ber.Context(0):
			bit, name = 2, "network-address"
			a.NetworkAddress, err = numericStr(&c)
			a.noteZero(a.NetworkAddress, AttrNetworkAddress)
		case ber.Context(1):
			bit, name = 3, "terminal-identifier"
			a.TerminalIdentifier, err = printableStr(&c)
			a.noteZero(a.TerminalIdentifier, AttrTerminalIdentifier)
		case ber.Context(2):
			bit, name = 4, "private-domain-name"
			err = a.PRMD.decodeExplicit(&c)
			a.noteZero(a.PRMD.Value, AttrPRMD)
		case ber.Context(3):
			bit, name = 5, "organization-name"
			a.Organization, err = printableStr(&c)
			a.noteZero(a.Organization, AttrOrganization)
		case ber.Context(4):
			bit, name = 6, "numeric-user-identifier"
			a.NumericUserIdentifier, err = numericStr(&c)
			a.noteZero(a.NumericUserIdentifier, AttrNumericUserIdentifier)
		case ber.Context(5):
			bit, name = 7, "personal-name"
			var zl ORAttr
			zl, err = a.PersonalName.decodeWith(&c, false)
			a.ZeroLength |= zl
		case ber.Context(6):
			bit, name = 8, "organizational-unit-names"
			a.OrganizationalUnits, err = oraddrDecodeStrings(&c, false, spare)
		default:
			return c.Errorf("unexpected %s in BuiltInStandardAttributes", c.Tag)
		}
		if err := seen.add(&c, bit, name); err != nil {
			return err
		}
		if err != nil {
			return ber.Annotate(err, name)
		}
	}
	return nil
}

func (a *ORAddress) noteZero(v string, bit ORAttr) {
	if v == "" {
		a.ZeroLength |= bit
	}
}

// decodeWith reads a PersonalName or (teletex) a TeletexPersonalName, a
// SET of [0] to [3]; it returns the components present with zero length.
func (p *PersonalName) decodeWith(e *ber.Element, teletex bool) (ORAttr, error) {
	r, err := e.Children()
	if err != nil {
		return 0, err
	}
	var zl ORAttr
	var seen seenSet
	for !r.Empty() {
		c, err := r.Next()
		if err != nil {
			return 0, err
		}
		var dst *string
		var bit ORAttr
		switch c.Tag {
		case ber.Context(0):
			dst, bit = &p.Surname, AttrSurname
		case ber.Context(1):
			dst, bit = &p.GivenName, AttrGivenName
		case ber.Context(2):
			dst, bit = &p.Initials, AttrInitials
		case ber.Context(3):
			dst, bit = &p.GenerationQualifier, AttrGenerationQualifier
		default:
			return 0, c.Errorf("unexpected %s in PersonalName", c.Tag)
		}
		i := c.Tag.Number
		if err := seen.add(&c, uint(i), oraddrPNNames[i]); err != nil {
			return 0, err
		}
		s, err := oraddrStr(&c, teletex)
		if err != nil {
			return 0, ber.Annotate(err, oraddrPNNames[i])
		}
		*dst = s
		if s == "" {
			zl |= bit
		}
	}
	if !seen.has(0) {
		return 0, e.Errorf("PersonalName without surname")
	}
	return zl, nil
}

// oraddrStr reads a PrintableString or (teletex) a TeletexString as UTF-8,
// whatever the tag of e.
func oraddrStr(e *ber.Element, teletex bool) (string, error) {
	if teletex {
		return teletexStr(e)
	}
	return printableStr(e)
}

// oraddrStrTagged is oraddrStr for an untagged string: it checks the tag.
func oraddrStrTagged(e *ber.Element, teletex bool) (string, error) {
	t := ber.PrintableString
	if teletex {
		t = ber.TeletexString
	}
	if e.Tag != t {
		return "", e.Errorf("expected %s, found %s", t, e.Tag)
	}
	return oraddrStr(e, teletex)
}

// oraddrDecodeStrings reads a SEQUENCE OF PrintableString or (teletex)
// TeletexString, into a list of the exact size taken from spare (see
// oraddrTake).
func oraddrDecodeStrings(e *ber.Element, teletex bool, spare *[]string) ([]string, error) {
	r, err := e.Children()
	if err != nil {
		return nil, err
	}
	out := oraddrTake(spare, min(listCap(&r), oraddrMaxList))
	for !r.Empty() {
		c, err := r.Next()
		if err != nil {
			return nil, err
		}
		if len(out) == oraddrMaxList {
			return nil, c.Errorf("more than %d elements in an O/R address attribute list", oraddrMaxList)
		}
		s, err := oraddrStrTagged(&c, teletex)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// oraddrMaxList bounds the lists inside an O/R address: four times the
// largest X.411 upper bound for them (ub-organizational-units and
// ub-domain-defined-attributes 4, ub-pds-physical-address-lines 6), so
// that a sloppy peer's address still decodes (Validate reports the bound)
// while a list cannot grow without end.
const oraddrMaxList = 24

// oraddrSpareStrings is how many strings oraddrTake allocates at once:
// room for the organizational units of the few O/R names of an envelope.
const oraddrSpareStrings = 8

// oraddrTake returns an empty list with room for exactly n strings (none
// if n < 0). With spare nil it allocates it; otherwise it cuts it from
// *spare, refilled with room for oraddrSpareStrings (or n) strings when
// short, so that the lists of the O/R names of one message share an
// allocation. The list's capacity is n: appending to it never writes
// into the room of another list.
func oraddrTake(spare *[]string, n int) []string {
	if n < 0 {
		n = 0
	}
	if spare == nil || n == 0 {
		return make([]string, 0, n)
	}
	if len(*spare) < n {
		*spare = make([]string, max(n, oraddrSpareStrings))
	}
	s := (*spare)[:0:n]
	*spare = (*spare)[n:]
	return s
}

// oraddrDecodeDDAs reads a SEQUENCE OF SEQUENCE { type, value } of
// PrintableStrings or (teletex) TeletexStrings.
func oraddrDecodeDDAs(e *ber.Element, teletex bool) ([]DomainDefinedAttribute, error) {
	r, err := e.Children()
	if err != nil {
		return nil, err
	}
	out := make([]DomainDefinedAttribute, 0, min(listCap(&r), oraddrMaxList))
	for !r.Empty() {
		c, err := r.Expect(ber.Sequence)
		if err != nil {
			return nil, err
		}
		if len(out) == oraddrMaxList {
			return nil, c.Errorf("more than %d domain-defined attributes", oraddrMaxList)
		}
		cr, err := c.Children()
		if err != nil {
			return nil, err
		}
		var d DomainDefinedAttribute
		t, err := cr.Next()
		if err != nil {
			return nil, ber.Annotate(err, "type")
		}
		if d.Type, err = oraddrStrTagged(&t, teletex); err != nil {
			return nil, ber.Annotate(err, "type")
		}
		v, err := cr.Next()
		if err != nil {
			return nil, ber.Annotate(err, "value")
		}
		if d.Value, err = oraddrStrTagged(&v, teletex); err != nil {
			return nil, ber.Annotate(err, "value")
		}
		if err := cr.End("DomainDefinedAttribute"); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// decodeExtensions reads ExtensionAttributes (SET OF ExtensionAttribute).
func (a *ORAddress) decodeExtensions(e *ber.Element) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	var seen seenSet
	for !r.Empty() {
		x, err := r.Expect(ber.Sequence)
		if err != nil {
			return err
		}
		xr, err := x.Children()
		if err != nil {
			return err
		}
		te, err := xr.Expect(ber.Context(0))
		if err != nil {
			return ber.Annotate(err, "extension-attribute-type")
		}
		typ, err := te.Int64()
		if err != nil {
			return ber.Annotate(err, "extension-attribute-type")
		}
		ve, err := xr.Expect(ber.Context(1))
		if err != nil {
			return ber.Annotate(err, "extension-attribute-value")
		}
		if err := xr.End("ExtensionAttribute"); err != nil {
			return err
		}
		v, err := explicit(&ve)
		if err != nil {
			return ber.Annotate(err, "extension-attribute-value")
		}
		if typ < 1 || typ > extLast {
			if err := oraddrCheckTree(&v); err != nil {
				return ber.Annotate(err, "extension-attribute-value")
			}
			a.UnknownExtensions = append(a.UnknownExtensions, Raw(x.Raw))
			continue
		}
		t := int(typ)
		name := oraddrExtNames[t]
		if err := seen.add(&x, uint(t), name); err != nil {
			return err
		}
		if err := a.decodeExtension(t, &v); err != nil {
			return ber.Annotate(err, name)
		}
	}
	return nil
}

// decodeExtension reads the value v of the standard extension attribute
// of type t.
func (a *ORAddress) decodeExtension(t int, v *ber.Element) error {
	var err error
	switch t {
	case extCommonName:
		if err = oraddrWant(v, ber.PrintableString); err == nil {
			a.CommonName, err = printableStr(v)
			a.noteZero(a.CommonName, AttrCommonName)
		}
	case extTeletexCommonName:
		a.TeletexCommonName, err = oraddrStrTagged(v, true)
	case extTeletexOrganizationName:
		a.TeletexOrganization, err = oraddrStrTagged(v, true)
	case extTeletexPersonalName:
		if err = oraddrWant(v, ber.Set); err == nil {
			_, err = a.TeletexPersonalName.decodeWith(v, true)
		}
	case extTeletexOrganizationalUnitNames:
		if err = oraddrWant(v, ber.Sequence); err == nil {
			a.TeletexOrganizationalUnits, err = oraddrDecodeStrings(v, true, nil)
		}
	case extTeletexDomainDefinedAttributes:
		if err = oraddrWant(v, ber.Sequence); err == nil {
			a.TeletexDomainDefined, err = oraddrDecodeDDAs(v, true)
		}
	case extPDSName:
		a.postal().PDSName, err = oraddrStrTagged(v, false)
	case extPDCountryName:
		err = a.postal().CountryName.decode(v)
	case extPostalCode:
		err = a.postal().PostalCode.decode(v)
	case extUnformattedPostalAddress:
		err = a.postal().UnformattedAddress.decode(v)
	case extExtendedNetworkAddress:
		x := new(ExtendedNetworkAddress)
		if err = x.decode(v); err == nil {
			a.ExtendedNetworkAddress = x
		}
	case extTerminalType:
		if err = oraddrWant(v, ber.Integer); err == nil {
			var n int
			if n, err = v.Int(); err == nil {
				a.TerminalType = &n
			}
		}
	case extUniversalPersonalName:
		err = a.universal().PersonalName.decode(v)
	case extUniversalOrganizationalUnitNames:
		err = a.universal().decodeUnits(v)
	case extUniversalDomainDefinedAttributes:
		err = a.universal().decodeDDAs(v)
	default:
		if t >= extPDOfficeName && t <= extLocalPostalAttributes {
			err = a.postal().pds(t).decode(v)
		} else if err = oraddrWant(v, ber.Set); err == nil {
			err = a.universal().single(t).decode(v)
		}
	}
	return err
}

func (a *ORAddress) postal() *PostalAttributes {
	if a.Postal == nil {
		a.Postal = new(PostalAttributes)
	}
	return a.Postal
}

func (a *ORAddress) universal() *UniversalAttributes {
	if a.Universal == nil {
		a.Universal = new(UniversalAttributes)
	}
	return a.Universal
}

func oraddrWant(e *ber.Element, t ber.Tag) error {
	if e.Tag != t {
		return e.Errorf("expected %s, found %s", t, e.Tag)
	}
	return nil
}

// decode reads a PDSParameter (a SET of an optional PrintableString and
// an optional TeletexString).
func (p *PDSParameter) decode(e *ber.Element) error {
	if err := oraddrWant(e, ber.Set); err != nil {
		return err
	}
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
			if err := seen.add(&c, 0, "printable-string"); err != nil {
				return err
			}
			if p.Printable, err = printableStr(&c); err != nil {
				return ber.Annotate(err, "printable-string")
			}
		case ber.TeletexString:
			if err := seen.add(&c, 1, "teletex-string"); err != nil {
				return err
			}
			if p.Teletex, err = teletexStr(&c); err != nil {
				return ber.Annotate(err, "teletex-string")
			}
		default:
			return c.Errorf("unexpected %s in PDSParameter", c.Tag)
		}
	}
	return nil
}

// decode reads an UnformattedPostalAddress.
func (u *UnformattedPostalAddress) decode(e *ber.Element) error {
	if err := oraddrWant(e, ber.Set); err != nil {
		return err
	}
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
		case ber.Sequence:
			if err := seen.add(&c, 0, "printable-address"); err != nil {
				return err
			}
			if u.Lines, err = oraddrDecodeStrings(&c, false, nil); err != nil {
				return ber.Annotate(err, "printable-address")
			}
		case ber.TeletexString:
			if err := seen.add(&c, 1, "teletex-string"); err != nil {
				return err
			}
			if u.Teletex, err = teletexStr(&c); err != nil {
				return ber.Annotate(err, "teletex-string")
			}
		default:
			return c.Errorf("unexpected %s in UnformattedPostalAddress", c.Tag)
		}
	}
	return nil
}

// decode reads the ExtendedNetworkAddress CHOICE.
func (x *ExtendedNetworkAddress) decode(e *ber.Element) error {
	switch e.Tag {
	case ber.Context(0):
		if !e.Constructed {
			return ber.Annotate(e.Errorf("%s: expected a constructed PresentationAddress", e.Tag), "psap-address")
		}
		if err := oraddrCheckTree(e); err != nil {
			return ber.Annotate(err, "psap-address")
		}
		x.PSAPAddress = Raw(e.Raw)
		return nil
	case ber.Sequence:
	default:
		return e.Errorf("expected SEQUENCE or [0], found %s", e.Tag)
	}
	r, err := e.Children()
	if err != nil {
		return err
	}
	n, err := r.Expect(ber.Context(0))
	if err != nil {
		return ber.Annotate(err, "e163-4-address")
	}
	if x.Number, err = numericStr(&n); err != nil {
		return ber.Annotate(ber.Annotate(err, "number"), "e163-4-address")
	}
	if s, ok, err := r.Optional(ber.Context(1)); err != nil {
		return ber.Annotate(err, "e163-4-address")
	} else if ok {
		if x.SubAddress, err = numericStr(&s); err != nil {
			return ber.Annotate(ber.Annotate(err, "sub-address"), "e163-4-address")
		}
	}
	return ber.Annotate(r.End("e163-4-address"), "e163-4-address")
}

// decode reads a UniversalOrBMPString (a SET of the encoding CHOICE and an
// optional language code), whatever the tag of e.
func (s *UniversalOrBMPString) decode(e *ber.Element) error {
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
		case ber.BMPString, ber.UniversalString:
			if err := seen.add(&c, 0, "character-encoding"); err != nil {
				return err
			}
			b, err := c.Bytes()
			if err != nil {
				return ber.Annotate(err, "character-encoding")
			}
			s.FourOctets = c.Tag == ber.UniversalString
			if s.FourOctets {
				s.Text, err = UniversalStringToUTF8(b)
			} else {
				s.Text, err = BMPStringToUTF8(b)
			}
			if err != nil {
				return ber.Annotate(c.Errorf("%s: %v", c.Tag, err), "character-encoding")
			}
		case ber.PrintableString:
			if err := seen.add(&c, 1, "iso-639-language-code"); err != nil {
				return err
			}
			if s.Language, err = printableStr(&c); err != nil {
				return ber.Annotate(err, "iso-639-language-code")
			}
		default:
			return c.Errorf("unexpected %s in UniversalOrBMPString", c.Tag)
		}
	}
	if !seen.has(0) {
		return e.Errorf("UniversalOrBMPString without character-encoding")
	}
	return nil
}

// decode reads a UniversalPersonalName.
func (p *UniversalPersonalName) decode(e *ber.Element) error {
	if err := oraddrWant(e, ber.Set); err != nil {
		return err
	}
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
		var dst *UniversalOrBMPString
		var i int
		switch c.Tag {
		case ber.Context(0):
			dst, i = &p.Surname, 0
		case ber.Context(1):
			dst, i = &p.GivenName, 1
		case ber.Context(2):
			dst, i = &p.Initials, 2
		case ber.Context(3):
			dst, i = &p.GenerationQualifier, 3
		default:
			return c.Errorf("unexpected %s in UniversalPersonalName", c.Tag)
		}
		name := oraddrPNNames[i]
		if err := seen.add(&c, uint(i), name); err != nil {
			return err
		}
		if err := dst.decode(&c); err != nil {
			return ber.Annotate(err, name)
		}
	}
	if !seen.has(0) {
		return e.Errorf("UniversalPersonalName without surname")
	}
	return nil
}

var oraddrPNNames = [4]string{"surname", "given-name", "initials", "generation-qualifier"}

func (u *UniversalAttributes) decodeUnits(e *ber.Element) error {
	if err := oraddrWant(e, ber.Sequence); err != nil {
		return err
	}
	r, err := e.Children()
	if err != nil {
		return err
	}
	u.OrganizationalUnits = make([]UniversalOrBMPString, 0, min(listCap(&r), oraddrMaxList))
	for !r.Empty() {
		c, err := r.Next()
		if err != nil {
			return err
		}
		if len(u.OrganizationalUnits) == oraddrMaxList {
			return c.Errorf("more than %d organizational units", oraddrMaxList)
		}
		var s UniversalOrBMPString
		if err := oraddrWant(&c, ber.Set); err != nil {
			return err
		}
		if err := s.decode(&c); err != nil {
			return err
		}
		u.OrganizationalUnits = append(u.OrganizationalUnits, s)
	}
	return nil
}

func (u *UniversalAttributes) decodeDDAs(e *ber.Element) error {
	if err := oraddrWant(e, ber.Sequence); err != nil {
		return err
	}
	r, err := e.Children()
	if err != nil {
		return err
	}
	u.DomainDefined = make([]UniversalDomainDefinedAttribute, 0, min(listCap(&r), oraddrMaxList))
	for !r.Empty() {
		c, err := r.Expect(ber.Sequence)
		if err != nil {
			return err
		}
		if len(u.DomainDefined) == oraddrMaxList {
			return c.Errorf("more than %d domain-defined attributes", oraddrMaxList)
		}
		cr, err := c.Children()
		if err != nil {
			return err
		}
		var d UniversalDomainDefinedAttribute
		t, err := cr.Expect(ber.Set)
		if err == nil {
			err = d.Type.decode(&t)
		}
		if err != nil {
			return ber.Annotate(err, "type")
		}
		v, err := cr.Expect(ber.Set)
		if err == nil {
			err = d.Value.decode(&v)
		}
		if err != nil {
			return ber.Annotate(err, "value")
		}
		if err := cr.End("UniversalDomainDefinedAttribute"); err != nil {
			return err
		}
		u.DomainDefined = append(u.DomainDefined, d)
	}
	return nil
}

// oraddrCheckTree reads every element nested in e, so that an encoding
// kept as Raw is known to be well formed (and can be written in DER).
func oraddrCheckTree(e *ber.Element) error {
	if !e.Constructed {
		return nil
	}
	r, err := e.Children()
	if err != nil {
		return err
	}
	for !r.Empty() {
		c, err := r.Next()
		if err != nil {
			return err
		}
		if err := oraddrCheckTree(&c); err != nil {
			return err
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// Encoding (DER).

// encode writes the O/R name with tag t (ber.Application(0) as itself).
func (n *ORName) encode(b *ber.Builder, t ber.Tag) {
	m := b.Begin(t)
	n.ORAddress.encodeComponents(b)
	if n.DirectoryName != nil {
		d := b.Begin(ber.Context(0))
		oraddrAddDER(b, n.DirectoryName, "directory-name", ber.Tag{})
		b.End(d)
	}
	b.End(m)
}

// encode writes the O/R address as a SEQUENCE with tag t.
func (a *ORAddress) encode(b *ber.Builder, t ber.Tag) {
	m := b.Begin(t)
	a.encodeComponents(b)
	b.End(m)
}

// encodeComponents writes the components of ORAddress into an open
// constructed element (COMPONENTS OF ORAddress).
func (a *ORAddress) encodeComponents(b *ber.Builder) {
	a.encodeStandard(b)
	if a.DomainDefined != nil {
		oraddrEncodeDDAs(b, a.DomainDefined, false)
	}
	if a.hasExtensions() {
		m := b.Begin(ber.Set)
		a.encodeExtensions(b)
		b.EndSetOf(m)
	}
}

func (a *ORAddress) present(v string, bit ORAttr) bool {
	return v != "" || a.ZeroLength&bit != 0
}

func (a *ORAddress) encodeStandard(b *ber.Builder) {
	m := b.Begin(ber.Sequence)
	if a.present(a.Country.Value, AttrCountry) {
		a.Country.encodeExplicit(b, ber.Application(1))
	}
	if a.present(a.ADMD.Value, AttrADMD) {
		a.ADMD.encodeExplicit(b, ber.Application(2))
	}
	if a.present(a.NetworkAddress, AttrNetworkAddress) {
		oraddrAddNumeric(b, ber.Context(0), a.NetworkAddress)
	}
	if a.present(a.TerminalIdentifier, AttrTerminalIdentifier) {
		oraddrAddPrintable(b, ber.Context(1), a.TerminalIdentifier)
	}
	if a.present(a.PRMD.Value, AttrPRMD) {
		a.PRMD.encodeExplicit(b, ber.Context(2))
	}
	if a.present(a.Organization, AttrOrganization) {
		oraddrAddPrintable(b, ber.Context(3), a.Organization)
	}
	if a.present(a.NumericUserIdentifier, AttrNumericUserIdentifier) {
		oraddrAddNumeric(b, ber.Context(4), a.NumericUserIdentifier)
	}
	if !a.PersonalName.IsZero() || a.ZeroLength&attrPersonalName != 0 {
		a.PersonalName.encodeWith(b, ber.Context(5), false, a.ZeroLength)
	}
	if a.OrganizationalUnits != nil {
		oraddrEncodeStrings(b, ber.Context(6), a.OrganizationalUnits, false)
	}
	b.End(m)
}

// encodeWith writes a PersonalName (teletex false) or TeletexPersonalName
// with tag t; zl flags the optional components present with zero length.
func (p *PersonalName) encodeWith(b *ber.Builder, t ber.Tag, teletex bool, zl ORAttr) {
	// A plain function, not a function value: an indirect call would
	// make every builder escape to the heap.
	add := func(b *ber.Builder, t ber.Tag, s string) {
		if teletex {
			addTeletex(b, t, s)
		} else {
			oraddrAddPrintable(b, t, s)
		}
	}
	m := b.Begin(t)
	add(b, ber.Context(0), p.Surname)
	if p.GivenName != "" || zl&AttrGivenName != 0 {
		add(b, ber.Context(1), p.GivenName)
	}
	if p.Initials != "" || zl&AttrInitials != 0 {
		add(b, ber.Context(2), p.Initials)
	}
	if p.GenerationQualifier != "" || zl&AttrGenerationQualifier != 0 {
		add(b, ber.Context(3), p.GenerationQualifier)
	}
	b.End(m) // the components are written in tag order: a DER SET
}

func oraddrEncodeStrings(b *ber.Builder, t ber.Tag, ss []string, teletex bool) {
	m := b.Begin(t)
	for _, s := range ss {
		if teletex {
			addTeletex(b, ber.TeletexString, s)
		} else {
			oraddrAddPrintable(b, ber.PrintableString, s)
		}
	}
	b.End(m)
}

func oraddrEncodeDDAs(b *ber.Builder, dd []DomainDefinedAttribute, teletex bool) {
	m := b.Begin(ber.Sequence)
	for _, d := range dd {
		s := b.Begin(ber.Sequence)
		if teletex {
			addTeletex(b, ber.TeletexString, d.Type)
			addTeletex(b, ber.TeletexString, d.Value)
		} else {
			oraddrAddPrintable(b, ber.PrintableString, d.Type)
			oraddrAddPrintable(b, ber.PrintableString, d.Value)
		}
		b.End(s)
	}
	b.End(m)
}

// beginExt opens ExtensionAttribute of type t and its explicit value; end
// closes both.
func oraddrBeginExt(b *ber.Builder, t int) (ber.Mark, ber.Mark) {
	m := b.Begin(ber.Sequence)
	b.AddInt(ber.Context(0), int64(t))
	return m, b.Begin(ber.Context(1))
}

func oraddrEndExt(b *ber.Builder, m, v ber.Mark) {
	b.End(v)
	b.End(m)
}

// encodeExtensions writes every extension attribute (in any order: the
// caller closes the SET OF with EndSetOf).
func (a *ORAddress) encodeExtensions(b *ber.Builder) {
	if a.present(a.CommonName, AttrCommonName) {
		m, v := oraddrBeginExt(b, extCommonName)
		oraddrAddPrintable(b, ber.PrintableString, a.CommonName)
		oraddrEndExt(b, m, v)
	}
	if a.TeletexCommonName != "" {
		m, v := oraddrBeginExt(b, extTeletexCommonName)
		addTeletex(b, ber.TeletexString, a.TeletexCommonName)
		oraddrEndExt(b, m, v)
	}
	if a.TeletexOrganization != "" {
		m, v := oraddrBeginExt(b, extTeletexOrganizationName)
		addTeletex(b, ber.TeletexString, a.TeletexOrganization)
		oraddrEndExt(b, m, v)
	}
	if !a.TeletexPersonalName.IsZero() {
		m, v := oraddrBeginExt(b, extTeletexPersonalName)
		a.TeletexPersonalName.encodeWith(b, ber.Set, true, 0)
		oraddrEndExt(b, m, v)
	}
	if a.TeletexOrganizationalUnits != nil {
		m, v := oraddrBeginExt(b, extTeletexOrganizationalUnitNames)
		oraddrEncodeStrings(b, ber.Sequence, a.TeletexOrganizationalUnits, true)
		oraddrEndExt(b, m, v)
	}
	if a.TeletexDomainDefined != nil {
		m, v := oraddrBeginExt(b, extTeletexDomainDefinedAttributes)
		oraddrEncodeDDAs(b, a.TeletexDomainDefined, true)
		oraddrEndExt(b, m, v)
	}
	if p := a.Postal; p != nil {
		p.encode(b)
	}
	if x := a.ExtendedNetworkAddress; x != nil {
		m, v := oraddrBeginExt(b, extExtendedNetworkAddress)
		x.encode(b)
		oraddrEndExt(b, m, v)
	}
	if a.TerminalType != nil {
		m, v := oraddrBeginExt(b, extTerminalType)
		b.AddInt(ber.Integer, int64(*a.TerminalType))
		oraddrEndExt(b, m, v)
	}
	if u := a.Universal; u != nil {
		u.encode(b)
	}
	for _, x := range a.UnknownExtensions {
		oraddrAddDER(b, x, "extension-attributes", ber.Sequence)
	}
}

func (p *PostalAttributes) encode(b *ber.Builder) {
	if p.PDSName != "" {
		m, v := oraddrBeginExt(b, extPDSName)
		oraddrAddPrintable(b, ber.PrintableString, p.PDSName)
		oraddrEndExt(b, m, v)
	}
	if !p.CountryName.IsZero() {
		m, v := oraddrBeginExt(b, extPDCountryName)
		p.CountryName.encode(b)
		oraddrEndExt(b, m, v)
	}
	if !p.PostalCode.IsZero() {
		m, v := oraddrBeginExt(b, extPostalCode)
		p.PostalCode.encode(b)
		oraddrEndExt(b, m, v)
	}
	for t := extPDOfficeName; t <= extLocalPostalAttributes; t++ {
		if t == extUnformattedPostalAddress {
			if u := &p.UnformattedAddress; !u.IsZero() {
				m, v := oraddrBeginExt(b, t)
				s := b.Begin(ber.Set)
				if u.Lines != nil {
					oraddrEncodeStrings(b, ber.Sequence, u.Lines, false)
				}
				if u.Teletex != "" {
					addTeletex(b, ber.TeletexString, u.Teletex)
				}
				b.End(s) // SEQUENCE (16) before TeletexString (20): DER order
				oraddrEndExt(b, m, v)
			}
			continue
		}
		if d := p.pds(t); !d.IsZero() {
			m, v := oraddrBeginExt(b, t)
			s := b.Begin(ber.Set)
			if d.Printable != "" {
				oraddrAddPrintable(b, ber.PrintableString, d.Printable)
			}
			if d.Teletex != "" {
				addTeletex(b, ber.TeletexString, d.Teletex)
			}
			b.End(s) // PrintableString (19) before TeletexString (20)
			oraddrEndExt(b, m, v)
		}
	}
}

func (x *ExtendedNetworkAddress) encode(b *ber.Builder) {
	if x.PSAPAddress != nil {
		oraddrAddDER(b, x.PSAPAddress, "psap-address", ber.Context(0))
		return
	}
	m := b.Begin(ber.Sequence)
	oraddrAddNumeric(b, ber.Context(0), x.Number)
	if x.SubAddress != "" {
		oraddrAddNumeric(b, ber.Context(1), x.SubAddress)
	}
	b.End(m)
}

// encode writes a UniversalOrBMPString with tag t.
func (s *UniversalOrBMPString) encode(b *ber.Builder, t ber.Tag) {
	m := b.Begin(t)
	if s.Language != "" {
		oraddrAddPrintable(b, ber.PrintableString, s.Language)
	}
	var enc []byte
	var err error
	four := s.FourOctets
	if !four {
		enc, err = UTF8ToBMPString(s.Text)
		if err != nil && utf8.ValidString(s.Text) {
			four = true // a character beyond the BMP
		}
	}
	if four {
		enc, err = UTF8ToUniversalString(s.Text)
	}
	if err != nil {
		b.Fail(err)
	} else if four {
		b.AddPrimitive(ber.UniversalString, enc)
	} else {
		b.AddPrimitive(ber.BMPString, enc)
	}
	b.End(m) // PrintableString (19) before UniversalString (28) / BMPString (30)
}

func (u *UniversalAttributes) encode(b *ber.Builder) {
	for t := extUniversalCommonName; t <= extUniversalLocalPostalAttributes; t++ {
		switch t {
		case extUniversalPersonalName:
			p := &u.PersonalName
			if p.IsZero() {
				continue
			}
			m, v := oraddrBeginExt(b, t)
			s := b.Begin(ber.Set)
			p.Surname.encode(b, ber.Context(0))
			if !p.GivenName.IsZero() {
				p.GivenName.encode(b, ber.Context(1))
			}
			if !p.Initials.IsZero() {
				p.Initials.encode(b, ber.Context(2))
			}
			if !p.GenerationQualifier.IsZero() {
				p.GenerationQualifier.encode(b, ber.Context(3))
			}
			b.End(s)
			oraddrEndExt(b, m, v)
		case extUniversalOrganizationalUnitNames:
			if u.OrganizationalUnits == nil {
				continue
			}
			m, v := oraddrBeginExt(b, t)
			s := b.Begin(ber.Sequence)
			for i := range u.OrganizationalUnits {
				u.OrganizationalUnits[i].encode(b, ber.Set)
			}
			b.End(s)
			oraddrEndExt(b, m, v)
		case extUniversalDomainDefinedAttributes:
			if u.DomainDefined == nil {
				continue
			}
			m, v := oraddrBeginExt(b, t)
			s := b.Begin(ber.Sequence)
			for i := range u.DomainDefined {
				d := b.Begin(ber.Sequence)
				u.DomainDefined[i].Type.encode(b, ber.Set)
				u.DomainDefined[i].Value.encode(b, ber.Set)
				b.End(d)
			}
			b.End(s)
			oraddrEndExt(b, m, v)
		default:
			if s := u.single(t); !s.IsZero() {
				m, v := oraddrBeginExt(b, t)
				s.encode(b, ber.Set)
				oraddrEndExt(b, m, v)
			}
		}
	}
}

// oraddrAddPrintable writes s as a PrimitiveString with tag t, failing the
// builder if s has a character outside PrintableString.
func oraddrAddPrintable(b *ber.Builder, t ber.Tag, s string) {
	if !IsPrintableString(s) {
		b.Fail(fmt.Errorf("x400: O/R address: character outside PrintableString in %q", s))
		return
	}
	b.AddString(t, s)
}

// oraddrAddNumeric writes s as a NumericString with tag t.
func oraddrAddNumeric(b *ber.Builder, t ber.Tag, s string) {
	if !IsNumericString(s) {
		b.Fail(fmt.Errorf("x400: O/R address: character outside NumericString in %q", s))
		return
	}
	b.AddString(t, s)
}

// oraddrAddDER writes the constructed element kept in raw in DER: definite
// lengths, primitive strings (a value decoded from DER is written byte for
// byte). It fails the builder, writing nothing, if raw is not one
// well-formed constructed element with tag want (any tag if want is zero).
func oraddrAddDER(b *ber.Builder, raw []byte, what string, want ber.Tag) {
	r := ber.NewReader(raw, nil)
	e, err := keptElement(&r, want, true)
	if err != nil {
		b.Fail(keptError("x400: O/R address: ", what, err))
		return
	}
	oraddrElemDER(b, &e)
}

func oraddrElemDER(b *ber.Builder, e *ber.Element) {
	if !e.Constructed {
		b.AddPrimitive(e.Tag, e.Content)
		return
	}
	if e.Tag == ber.BitStringTag {
		if s, err := e.BitString(); err == nil {
			b.AddBitString(e.Tag, s)
			return
		}
	} else if e.Tag.IsString() {
		if c, err := e.Bytes(); err == nil {
			b.AddPrimitive(e.Tag, c)
			return
		}
	}
	r, _ := e.Children()
	m := b.Begin(e.Tag)
	for !r.Empty() {
		c, err := r.Next()
		if err != nil {
			b.Fail(err)
			break
		}
		oraddrElemDER(b, &c)
	}
	b.End(m)
}

// ---------------------------------------------------------------------------
// Validation.

// Validate reports the first violation of the X.411 rules that the decoder
// tolerates: the ub-* upper bounds of MTSUpperBounds (lengths in
// characters), the character sets of the string types, at most
// ub-organizational-units units and ub-domain-defined-attributes
// domain-defined attributes, a surname in a present personal name, and the
// fixed sizes of the country codes. It does not apply the routing rules of
// X.402 §18.5 (which attributes make a valid mnemonic or numeric form).
func (a *ORAddress) Validate() error {
	v := oraddrValidator{}
	if a.present(a.Country.Value, AttrCountry) {
		v.country("country-name", a.Country)
	}
	if a.present(a.ADMD.Value, AttrADMD) {
		v.numOrPrint("administration-domain-name", a.ADMD, 0, 16)
	}
	if a.present(a.NetworkAddress, AttrNetworkAddress) {
		v.str("network-address", a.NetworkAddress, oraddrNumeric, 1, 16)
	}
	if a.present(a.TerminalIdentifier, AttrTerminalIdentifier) {
		v.str("terminal-identifier", a.TerminalIdentifier, oraddrPrintable, 1, 24)
	}
	if a.present(a.PRMD.Value, AttrPRMD) {
		v.numOrPrint("private-domain-name", a.PRMD, 1, 16)
	}
	if a.present(a.Organization, AttrOrganization) {
		v.str("organization-name", a.Organization, oraddrPrintable, 1, 64)
	}
	if a.present(a.NumericUserIdentifier, AttrNumericUserIdentifier) {
		v.str("numeric-user-identifier", a.NumericUserIdentifier, oraddrNumeric, 1, 32)
	}
	if !a.PersonalName.IsZero() || a.ZeroLength&attrPersonalName != 0 {
		v.personal("personal-name", &a.PersonalName, oraddrPrintable, a.ZeroLength)
	}
	if a.OrganizationalUnits != nil {
		v.units("organizational-unit-names", a.OrganizationalUnits, oraddrPrintable)
	}
	if a.DomainDefined != nil {
		v.ddas("built-in-domain-defined-attributes", a.DomainDefined, oraddrPrintable)
	}
	if a.present(a.CommonName, AttrCommonName) {
		v.str("common-name", a.CommonName, oraddrPrintable, 1, 64)
	}
	if a.TeletexCommonName != "" {
		v.str("teletex-common-name", a.TeletexCommonName, oraddrTeletex, 1, 64)
	}
	if a.TeletexOrganization != "" {
		v.str("teletex-organization-name", a.TeletexOrganization, oraddrTeletex, 1, 64)
	}
	if !a.TeletexPersonalName.IsZero() {
		v.personal("teletex-personal-name", &a.TeletexPersonalName, oraddrTeletex, 0)
	}
	if a.TeletexOrganizationalUnits != nil {
		v.units("teletex-organizational-unit-names", a.TeletexOrganizationalUnits, oraddrTeletex)
	}
	if a.TeletexDomainDefined != nil {
		v.ddas("teletex-domain-defined-attributes", a.TeletexDomainDefined, oraddrTeletex)
	}
	if p := a.Postal; p != nil {
		if p.PDSName != "" {
			v.str("pds-name", p.PDSName, oraddrPrintable, 1, 16)
		}
		if !p.CountryName.IsZero() {
			v.country("physical-delivery-country-name", p.CountryName)
		}
		if !p.PostalCode.IsZero() {
			v.numOrPrint("postal-code", p.PostalCode, 1, 16)
		}
		for t := extPDOfficeName; t <= extLocalPostalAttributes; t++ {
			if t == extUnformattedPostalAddress {
				u := &p.UnformattedAddress
				if len(u.Lines) > 6 {
					v.fail("unformatted-postal-address: %d lines, more than ub-pds-physical-address-lines (6)", len(u.Lines))
				}
				for _, l := range u.Lines {
					v.str("unformatted-postal-address.printable-address", l, oraddrPrintable, 1, 30)
				}
				if u.Teletex != "" {
					v.str("unformatted-postal-address.teletex-string", u.Teletex, oraddrTeletex, 1, 180)
				}
				continue
			}
			d := p.pds(t)
			if d.Printable != "" {
				v.str(oraddrExtNames[t]+".printable-string", d.Printable, oraddrPrintable, 1, 30)
			}
			if d.Teletex != "" {
				v.str(oraddrExtNames[t]+".teletex-string", d.Teletex, oraddrTeletex, 1, 30)
			}
		}
	}
	if x := a.ExtendedNetworkAddress; x != nil && x.PSAPAddress == nil {
		v.str("extended-network-address.number", x.Number, oraddrNumeric, 1, 15)
		if x.SubAddress != "" {
			v.str("extended-network-address.sub-address", x.SubAddress, oraddrNumeric, 1, 40)
		}
	}
	if a.TerminalType != nil && (*a.TerminalType < 0 || *a.TerminalType > 256) {
		v.fail("terminal-type: %d outside 0..ub-integer-options (256)", *a.TerminalType)
	}
	if u := a.Universal; u != nil {
		v.universal(u)
	}
	for _, x := range a.UnknownExtensions {
		r := ber.NewReader(x, nil)
		e, err := r.Next()
		if err == nil {
			var xr ber.Reader
			if xr, err = e.Children(); err == nil {
				var te ber.Element
				if te, err = xr.Expect(ber.Context(0)); err == nil {
					if t, err2 := te.Int64(); err2 == nil && t >= 1 && t <= extLast {
						v.fail("unknown extension attribute of the known type %s (%d)", oraddrExtNames[t], t)
					}
				}
			}
		}
		if err != nil {
			v.fail("unknown extension attribute: %v", err)
		}
	}
	if n := a.extensionCount(); n > 256 {
		v.fail("extension-attributes: %d, more than ub-extension-attributes (256)", n)
	}
	return v.err
}

func (a *ORAddress) extensionCount() int {
	b := ber.NewBuilder(0)
	a.encodeExtensions(b)
	n := 0
	r := ber.NewReader(b.Bytes(), nil)
	for !r.Empty() {
		if _, err := r.Next(); err != nil {
			break
		}
		n++
	}
	return n
}

const (
	oraddrPrintable = 1 + iota
	oraddrNumeric
	oraddrTeletex
	oraddrUniversal
)

type oraddrValidator struct{ err error }

func (v *oraddrValidator) fail(format string, args ...any) {
	if v.err == nil {
		v.err = fmt.Errorf("x400: O/R address: "+format, args...)
	}
}

func (v *oraddrValidator) str(name, s string, set, lo, hi int) {
	var n int
	switch set {
	case oraddrPrintable:
		if !IsPrintableString(s) {
			v.fail("%s: character outside PrintableString in %q", name, s)
			return
		}
		n = len(s)
	case oraddrNumeric:
		if !IsNumericString(s) {
			v.fail("%s: character outside NumericString in %q", name, s)
			return
		}
		n = len(s)
	case oraddrTeletex:
		if _, err := UTF8ToT61(s); err != nil {
			v.fail("%s: %v", name, err)
			return
		}
		n = utf8.RuneCountInString(s)
	default:
		if !utf8.ValidString(s) {
			v.fail("%s: invalid UTF-8 in %q", name, s)
			return
		}
		n = utf8.RuneCountInString(s)
	}
	if n < lo || n > hi {
		if lo == hi {
			v.fail("%s: %q has %d characters, must have %d", name, s, n, lo)
		} else {
			v.fail("%s: %q has %d characters, outside %d..%d", name, s, n, lo, hi)
		}
	}
}

func (v *oraddrValidator) numOrPrint(name string, x NumericOrPrintable, lo, hi int) {
	if x.Numeric {
		v.str(name, x.Value, oraddrNumeric, lo, hi)
	} else {
		v.str(name, x.Value, oraddrPrintable, lo, hi)
	}
}

func (v *oraddrValidator) country(name string, x NumericOrPrintable) {
	if x.Numeric {
		v.str(name, x.Value, oraddrNumeric, 3, 3)
	} else {
		v.str(name, x.Value, oraddrPrintable, 2, 2)
	}
}

func (v *oraddrValidator) personal(name string, p *PersonalName, set int, zl ORAttr) {
	v.str(name+".surname", p.Surname, set, 1, 40)
	if p.GivenName != "" || zl&AttrGivenName != 0 {
		v.str(name+".given-name", p.GivenName, set, 1, 16)
	}
	if p.Initials != "" || zl&AttrInitials != 0 {
		v.str(name+".initials", p.Initials, set, 1, 5)
	}
	if p.GenerationQualifier != "" || zl&AttrGenerationQualifier != 0 {
		v.str(name+".generation-qualifier", p.GenerationQualifier, set, 1, 3)
	}
}

func (v *oraddrValidator) units(name string, units []string, set int) {
	if len(units) < 1 || len(units) > 4 {
		v.fail("%s: %d units, outside 1..ub-organizational-units (4)", name, len(units))
	}
	for _, u := range units {
		v.str(name, u, set, 1, 32)
	}
}

func (v *oraddrValidator) ddas(name string, dd []DomainDefinedAttribute, set int) {
	if len(dd) < 1 || len(dd) > 4 {
		v.fail("%s: %d attributes, outside 1..ub-domain-defined-attributes (4)", name, len(dd))
	}
	for _, d := range dd {
		v.str(name+".type", d.Type, set, 1, 8)
		v.str(name+".value", d.Value, set, 1, 128)
	}
}

func (v *oraddrValidator) ustr(name string, s *UniversalOrBMPString, hi int) {
	v.str(name, s.Text, oraddrUniversal, 1, hi)
	if s.Language != "" && (!IsPrintableString(s.Language) || (len(s.Language) != 2 && len(s.Language) != 5)) {
		v.fail("%s: language code %q is not 2 or 5 printable characters", name, s.Language)
	}
}

func (v *oraddrValidator) universal(u *UniversalAttributes) {
	if !u.CommonName.IsZero() {
		v.ustr("universal-common-name", &u.CommonName, 64)
	}
	if !u.OrganizationName.IsZero() {
		v.ustr("universal-organization-name", &u.OrganizationName, 64)
	}
	if p := &u.PersonalName; !p.IsZero() {
		v.ustr("universal-personal-name.surname", &p.Surname, 64)
		if !p.GivenName.IsZero() {
			v.ustr("universal-personal-name.given-name", &p.GivenName, 40)
		}
		if !p.Initials.IsZero() {
			v.ustr("universal-personal-name.initials", &p.Initials, 16)
		}
		if !p.GenerationQualifier.IsZero() {
			v.ustr("universal-personal-name.generation-qualifier", &p.GenerationQualifier, 16)
		}
	}
	if u.OrganizationalUnits != nil {
		if n := len(u.OrganizationalUnits); n < 1 || n > 4 {
			v.fail("universal-organizational-unit-names: %d units, outside 1..4", n)
		}
		for i := range u.OrganizationalUnits {
			v.ustr("universal-organizational-unit-names", &u.OrganizationalUnits[i], 32)
		}
	}
	if u.DomainDefined != nil {
		if n := len(u.DomainDefined); n < 1 || n > 4 {
			v.fail("universal-domain-defined-attributes: %d attributes, outside 1..4", n)
		}
		for i := range u.DomainDefined {
			v.ustr("universal-domain-defined-attributes.type", &u.DomainDefined[i].Type, 8)
			v.ustr("universal-domain-defined-attributes.value", &u.DomainDefined[i].Value, 128)
		}
	}
	for t := extUniversalPDOfficeName; t <= extUniversalLocalPostalAttributes; t++ {
		if s := u.single(t); !s.IsZero() {
			hi := 30
			if t == extUniversalUnformattedPostalAddress {
				hi = 180
			}
			v.ustr(oraddrExtNames[t], s, hi)
		}
	}
}

// ---------------------------------------------------------------------------
// Equality.

// Equal reports whether a and o name the same O/R address, comparing
// attribute by attribute as X.400 does: letter case and leading and
// trailing spaces are not significant (as in RFC 2156 §4.2 mappings),
// the numeric or printable form of a value is not significant, and an
// attribute present with zero length equals an absent one. The printable
// and teletex forms of an attribute are distinct attributes. Unknown
// extension attributes are compared by their DER encodings, in any order.
func (a *ORAddress) Equal(o *ORAddress) bool {
	if a == nil || o == nil {
		return a == o
	}
	if !oraddrEq(a.Country.Value, o.Country.Value) || !oraddrEq(a.ADMD.Value, o.ADMD.Value) ||
		!oraddrEq(a.NetworkAddress, o.NetworkAddress) || !oraddrEq(a.TerminalIdentifier, o.TerminalIdentifier) ||
		!oraddrEq(a.PRMD.Value, o.PRMD.Value) || !oraddrEq(a.Organization, o.Organization) ||
		!oraddrEq(a.NumericUserIdentifier, o.NumericUserIdentifier) || !a.PersonalName.equal(&o.PersonalName) ||
		!oraddrEqList(a.OrganizationalUnits, o.OrganizationalUnits) || !oraddrEqDDAs(a.DomainDefined, o.DomainDefined) ||
		!oraddrEq(a.CommonName, o.CommonName) || !oraddrEq(a.TeletexCommonName, o.TeletexCommonName) ||
		!oraddrEq(a.TeletexOrganization, o.TeletexOrganization) || !a.TeletexPersonalName.equal(&o.TeletexPersonalName) ||
		!oraddrEqList(a.TeletexOrganizationalUnits, o.TeletexOrganizationalUnits) ||
		!oraddrEqDDAs(a.TeletexDomainDefined, o.TeletexDomainDefined) {
		return false
	}
	var zp PostalAttributes
	pa, po := a.Postal, o.Postal
	if pa == nil {
		pa = &zp
	}
	if po == nil {
		po = &zp
	}
	if !pa.equal(po) {
		return false
	}
	xa, xo := a.ExtendedNetworkAddress, o.ExtendedNetworkAddress
	if (xa == nil) != (xo == nil) {
		return false
	}
	if xa != nil && (!oraddrEq(xa.Number, xo.Number) || !oraddrEq(xa.SubAddress, xo.SubAddress) ||
		!oraddrEqRaw(xa.PSAPAddress, xo.PSAPAddress)) {
		return false
	}
	if (a.TerminalType == nil) != (o.TerminalType == nil) || (a.TerminalType != nil && *a.TerminalType != *o.TerminalType) {
		return false
	}
	var zu UniversalAttributes
	ua, uo := a.Universal, o.Universal
	if ua == nil {
		ua = &zu
	}
	if uo == nil {
		uo = &zu
	}
	if !ua.equal(uo) {
		return false
	}
	return oraddrEqRaws(a.UnknownExtensions, o.UnknownExtensions)
}

// Equal reports whether two O/R names are equal: equal addresses (see
// ORAddress.Equal) and the same directory name encoding (in DER).
func (n *ORName) Equal(o *ORName) bool {
	if n == nil || o == nil {
		return n == o
	}
	return n.ORAddress.Equal(&o.ORAddress) && oraddrEqRaw(n.DirectoryName, o.DirectoryName)
}

// oraddrEq compares two attribute values ignoring case and leading and
// trailing spaces.
func oraddrEq(x, y string) bool {
	x, y = strings.Trim(x, " "), strings.Trim(y, " ")
	return x == y || strings.EqualFold(x, y)
}

func oraddrEqList(x, y []string) bool {
	return slices.EqualFunc(x, y, oraddrEq)
}

func oraddrEqDDAs(x, y []DomainDefinedAttribute) bool {
	return slices.EqualFunc(x, y, func(p, q DomainDefinedAttribute) bool {
		return oraddrEq(p.Type, q.Type) && oraddrEq(p.Value, q.Value)
	})
}

// oraddrEqRaw compares two kept encodings, in their DER form when their
// bytes differ (a value read from BER and its DER re-encoding are equal).
func oraddrEqRaw(x, y Raw) bool {
	if bytes.Equal(x, y) {
		return (x == nil) == (y == nil)
	}
	if x == nil || y == nil {
		return false
	}
	var bx, by ber.Builder
	oraddrAddDER(&bx, x, "", ber.Tag{})
	oraddrAddDER(&by, y, "", ber.Tag{})
	return bx.Err() == nil && by.Err() == nil && bytes.Equal(bx.Bytes(), by.Bytes())
}

func oraddrEqRaws(x, y []Raw) bool {
	if len(x) != len(y) {
		return false
	}
	used := make([]bool, len(y))
outer:
	for _, p := range x {
		for j, q := range y {
			if !used[j] && oraddrEqRaw(p, q) {
				used[j] = true
				continue outer
			}
		}
		return false
	}
	return true
}

func (p *PersonalName) equal(o *PersonalName) bool {
	return oraddrEq(p.Surname, o.Surname) && oraddrEq(p.GivenName, o.GivenName) &&
		oraddrEq(p.Initials, o.Initials) && oraddrEq(p.GenerationQualifier, o.GenerationQualifier)
}

func (p *PDSParameter) equal(o *PDSParameter) bool {
	return oraddrEq(p.Printable, o.Printable) && oraddrEq(p.Teletex, o.Teletex)
}

func (p *PostalAttributes) equal(o *PostalAttributes) bool {
	if !oraddrEq(p.PDSName, o.PDSName) || !oraddrEq(p.CountryName.Value, o.CountryName.Value) ||
		!oraddrEq(p.PostalCode.Value, o.PostalCode.Value) ||
		!oraddrEqList(p.UnformattedAddress.Lines, o.UnformattedAddress.Lines) ||
		!oraddrEq(p.UnformattedAddress.Teletex, o.UnformattedAddress.Teletex) {
		return false
	}
	for t := extPDOfficeName; t <= extLocalPostalAttributes; t++ {
		if t != extUnformattedPostalAddress && !p.pds(t).equal(o.pds(t)) {
			return false
		}
	}
	return true
}

func (s *UniversalOrBMPString) equal(o *UniversalOrBMPString) bool {
	return oraddrEq(s.Text, o.Text) && strings.EqualFold(s.Language, o.Language)
}

func (u *UniversalAttributes) equal(o *UniversalAttributes) bool {
	if !u.PersonalName.Surname.equal(&o.PersonalName.Surname) || !u.PersonalName.GivenName.equal(&o.PersonalName.GivenName) ||
		!u.PersonalName.Initials.equal(&o.PersonalName.Initials) ||
		!u.PersonalName.GenerationQualifier.equal(&o.PersonalName.GenerationQualifier) ||
		len(u.OrganizationalUnits) != len(o.OrganizationalUnits) || len(u.DomainDefined) != len(o.DomainDefined) {
		return false
	}
	for i := range u.OrganizationalUnits {
		if !u.OrganizationalUnits[i].equal(&o.OrganizationalUnits[i]) {
			return false
		}
	}
	for i := range u.DomainDefined {
		if !u.DomainDefined[i].Type.equal(&o.DomainDefined[i].Type) || !u.DomainDefined[i].Value.equal(&o.DomainDefined[i].Value) {
			return false
		}
	}
	for t := extUniversalCommonName; t <= extUniversalLocalPostalAttributes; t++ {
		if s := u.single(t); s != nil && !s.equal(o.single(t)) {
			return false
		}
	}
	return true
}
