package mixer

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"mixerd/x400"
)

// This file holds the address mapping tables of RFC 2156 §4.2 (Global
// Address Mapping) in the text format of RFC 2156 Appendix F ("Text format
// for MCGAM distribution"). Appendix F §1 defines four tables:
//
//	1. Domain Name Space -> OR Address Space MCGAM            (TableDomainToOR)
//	2. OR Address Space -> Domain Name Space MCGAM            (TableORToDomain)
//	3. Domain Name Space -> OR Address of preferred gateway   (TableDomainToGateway)
//	4. OR Address Space -> Domain Name of preferred gateway   (TableORToGateway)
//
// A line of tables 1 and 3 is (Appendix F §5 and §7)
//
//	domain-syntax "#" dmn-or-address "#"
//
// and a line of tables 2 and 4 is (Appendix F §6 and §8)
//
//	dmn-or-address "#" domain-syntax "#"
//
// "Lines starting with "#" are comments" (§5); the trailing "#" is there
// "for clarity, as the dmn-or-address syntax might lead to values with
// trailing blanks". This package also skips blank lines and accepts a CR
// before the line feed; nothing else may follow the trailing "#".
//
// The dmn-or-address (Appendix F §3) writes an O/R address as a domain,
// most significant component on the right:
//
//	dmn-or-address  = dmn-part *( "." dmn-part )
//	dmn-part        = dmn-attribute "$" value
//	dmn-attribute   = standard-type / "~" dmn-printablestring
//	value           = dmn-printablestring / "@"
//	dmn-printablestring = *( dmn-char / dmn-pair )
//	dmn-char        = <"{", "}", "*", and any ps-char except ".">
//	dmn-pair        = "\\."
//
//	AC.UK#PRMD$UK\\.AC.ADMD$GOLD 400.C$GB#
//	GMD.DE#O$@.PRMD$GMD.ADMD$DBP.C$DE#
//
// The value "@" marks an omitted level of the hierarchy (Appendix F §3,
// §4.2 "omitted PRMD"), distinct from an attribute with an empty value.
// The RFC prints dmn-pair as "\\."; whether that is one backslash or two
// before the dot is unclear from the text (RFC 2163 stores the same syntax
// in the DNS with one). Neither a backslash nor a dot is a dmn-char, so
// both spellings are read unambiguously as an escaped "."; the writer uses
// the two-backslash spelling printed in RFC 2156.

// TableKind says which of the four tables of RFC 2156 Appendix F §1 a
// Table is, and so which column is its key.
type TableKind uint8

// The four tables of RFC 2156 Appendix F §1.
const (
	// TableDomainToOR is "Domain Name Space -> OR Address Space MCGAM"
	// (Appendix F §5), used by §4.3.4 stage I step 8: keyed by domain.
	TableDomainToOR TableKind = iota + 1
	// TableORToDomain is "OR Address Space -> Domain Name Space MCGAM"
	// (Appendix F §6), used by §4.3.5 mapping B step 3: keyed by the O/R
	// address hierarchy.
	TableORToDomain
	// TableDomainToGateway is "Domain Name Space -> OR Address of
	// preferred gateway" (Appendix F §7, §4.3.4 stage II): keyed by
	// domain; its O/R address may use any attribute, not only the
	// C/ADMD/PRMD/O/OU hierarchy.
	TableDomainToGateway
	// TableORToGateway is "OR Address Space -> Domain Name of preferred
	// gateway" (Appendix F §8, §4.3.5 mapping B step 3): keyed by the O/R
	// address hierarchy.
	TableORToGateway
)

// String names the table as Appendix F §1 does.
func (k TableKind) String() string {
	switch k {
	case TableDomainToOR:
		return "domain -> O/R address MCGAM table"
	case TableORToDomain:
		return "O/R address -> domain MCGAM table"
	case TableDomainToGateway:
		return "domain -> O/R address of preferred gateway table"
	case TableORToGateway:
		return "O/R address -> domain of preferred gateway table"
	}
	return "TableKind(" + strconv.Itoa(int(k)) + ")"
}

// domainKeyed reports whether the table's key column is the domain.
func (k TableKind) domainKeyed() bool { return k == TableDomainToOR || k == TableDomainToGateway }

// hierarchyOnly reports whether the table's O/R addresses are restricted
// to C, ADMD, PRMD, O and up to four OUs (Appendix F §3 restriction a;
// lifted for the domain -> gateway table by §7).
func (k TableKind) hierarchyOnly() bool { return k != TableDomainToGateway }

// DmnAttribute is one dmn-part of a dmn-or-address (RFC 2156 Appendix F
// §3).
type DmnAttribute struct {
	// Type is the standard-type key of RFC 2156 §4.1.1, upper case; the
	// hierarchy keys are canonical ("C", "ADMD", "PRMD", "O", "OU": the
	// §4.1.1 alternatives "A", "P" and "OU1".."OU4" are read as these).
	// For a domain defined attribute ("~" form) it is the domain defined
	// type, as written.
	Type string
	// DomainDefined is set for the "~" dmn-attribute form.
	DomainDefined bool
	// Value is the value with its dmn-pair escapes removed ("UK.AC" for
	// "UK\\.AC"); "" both for an empty value and when Omitted.
	Value string
	// Omitted is set for the pseudo-value "@": the level of the hierarchy
	// is absent from the O/R address (Appendix F §3).
	Omitted bool
}

// DmnORAddress is a dmn-or-address (RFC 2156 Appendix F §3), most
// significant component FIRST (the reverse of the text, where "the most
// significant components [are] on the RHS").
type DmnORAddress []DmnAttribute

// tableHierarchy is the MIXER hierarchy of §4.2, "Country, ADMD, PRMD,
// Organization, Organizational Units", with its upper bounds (§4.3.4 stage
// I step 8: "ADMD: 16; PRMD: 16; O: 64; OU: 32").
var tableHierarchy = [...]struct {
	typ string
	max int
}{{"C", 3}, {"ADMD", 16}, {"PRMD", 16}, {"O", 64}, {"OU", 32}, {"OU", 32}, {"OU", 32}, {"OU", 32}}

// tableHierarchyAlias maps the §4.1.1 keys of the hierarchy attributes to
// the canonical ones.
var tableHierarchyAlias = map[string]string{
	"C": "C", "ADMD": "ADMD", "A": "ADMD", "PRMD": "PRMD", "P": "PRMD", "O": "O",
	"OU": "OU", "OU1": "OU", "OU2": "OU", "OU3": "OU", "OU4": "OU",
}

// tableSyntaxError is an error at a byte offset of a parsed string.
type tableSyntaxError struct {
	off int
	msg string
}

func (e *tableSyntaxError) Error() string { return "offset " + strconv.Itoa(e.off) + ": " + e.msg }

// ParseDmnORAddress parses the text form of a dmn-or-address (RFC 2156
// Appendix F §3), such as "~ROLE$Big\\.Chief.ADMD$ATT.C$US" or
// "PRMD$DEC.ADMD$@.C$US". Only the syntax is checked (the attribute types
// are standard-types of §4.1.1 or "~" domain defined types, the values
// dmn-printablestrings or "@"); the table loader applies the rules of the
// tables on top.
func ParseDmnORAddress(s string) (DmnORAddress, error) {
	a, err := tableParseDmn(s)
	if err != nil {
		return nil, fmt.Errorf("mixer: dmn-or-address: %w", err)
	}
	return a, nil
}

// tableParseDmn parses s; errors are *tableSyntaxError.
func tableParseDmn(s string) (DmnORAddress, *tableSyntaxError) {
	if s == "" {
		return nil, &tableSyntaxError{0, "empty O/R address"}
	}
	var parts []DmnAttribute
	i := 0
	for {
		start := i
		// The dmn-attribute, up to "$".
		for i < len(s) && s[i] != '$' && s[i] != '.' {
			i++
		}
		if i == len(s) || s[i] == '.' {
			return nil, &tableSyntaxError{start, fmt.Sprintf("component %q has no \"$\" between attribute type and value", tableClip(s[start:i]))}
		}
		typ := s[start:i]
		i++ // "$"
		at := DmnAttribute{}
		if strings.HasPrefix(typ, "~") {
			at.DomainDefined = true
			at.Type = typ[1:]
			if at.Type == "" {
				return nil, &tableSyntaxError{start, "empty domain defined attribute type after \"~\""}
			}
			for j := 0; j < len(at.Type); j++ {
				if !tableDmnChar(at.Type[j]) {
					return nil, &tableSyntaxError{start + 1 + j, fmt.Sprintf("character %q not allowed in a domain defined attribute type", at.Type[j])}
				}
			}
		} else {
			if typ == "" {
				return nil, &tableSyntaxError{start, "missing attribute type before \"$\""}
			}
			up := strings.ToUpper(typ)
			if canon, ok := tableHierarchyAlias[up]; ok {
				up = canon
			} else if !tableKnownKeys[up] {
				return nil, &tableSyntaxError{start, fmt.Sprintf("unknown attribute type %q (RFC 2156 §4.1.1 key table)", tableClip(typ))}
			}
			at.Type = up
		}
		// The value, up to an unescaped ".".
		voff := i
		var v strings.Builder
		for i < len(s) && s[i] != '.' {
			c := s[i]
			switch {
			case c == '\\':
				// dmn-pair: "\\." or "\.".
				j := i + 1
				if j < len(s) && s[j] == '\\' {
					j++
				}
				if j >= len(s) || s[j] != '.' {
					return nil, &tableSyntaxError{i, "backslash not followed by \".\" (the only escape is dmn-pair \"\\\\.\")"}
				}
				v.WriteByte('.')
				i = j + 1
				continue
			case c == '@':
				if i != voff || (i+1 < len(s) && s[i+1] != '.') {
					return nil, &tableSyntaxError{i, "\"@\" (omitted attribute) must be the whole value"}
				}
				at.Omitted = true
			case !tableDmnChar(c):
				return nil, &tableSyntaxError{i, fmt.Sprintf("character %q not allowed in a value (dmn-char: a PrintableString character, \"{\", \"}\" or \"*\")", c)}
			default:
				v.WriteByte(c)
			}
			i++
		}
		at.Value = v.String()
		parts = append(parts, at)
		if len(parts) > tableMaxParts {
			return nil, &tableSyntaxError{start, "too many components (more than " + strconv.Itoa(tableMaxParts) + ")"}
		}
		if i == len(s) {
			break
		}
		i++ // "."
		if i == len(s) {
			return nil, &tableSyntaxError{i - 1, "\".\" at the end of the O/R address (a \".\" in a value is written \"\\\\.\")"}
		}
	}
	// Most significant first.
	for l, r := 0, len(parts)-1; l < r; l, r = l+1, r-1 {
		parts[l], parts[r] = parts[r], parts[l]
	}
	return DmnORAddress(parts), nil
}

// tableMaxParts bounds the components of a dmn-or-address: the standard
// attributes of §4.1.1 plus the four domain defined attributes of X.411.
const tableMaxParts = 64

// tableDmnChar reports whether c is a dmn-char (RFC 2156 Appendix F §3):
// "{", "}", "*", and any ps-char except ".". The ps-chars are those of
// §3.3.3: letters, digits, and ' ( ) + , - / : = ? and space.
func tableDmnChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte(" '()+,-/:=?{}*", c) >= 0
}

// tablePSChar reports whether c is a ps-char (RFC 2156 §3.3.3).
func tablePSChar(c byte) bool {
	return c == '.' || (tableDmnChar(c) && c != '{' && c != '}' && c != '*')
}

// tableKnownKeys are the standard-types of the RFC 2156 §4.1.1 key table
// (and its alternatives) that can be written as a dmn-attribute (without a
// "."); the hierarchy keys are in tableHierarchyAlias.
var tableKnownKeys = map[string]bool{
	"X121": true, "T-ID": true, "UA-ID": true, "N-ID": true, "PN": true, "S": true, "G": true,
	"I": true, "GQ": true, "Q": true, "CN": true, "PD-SERVICE": true, "PD-SN": true, "PD-C": true,
	"PD-CODE": true, "PD-PC": true, "PD-OFFICE": true, "PD-OF": true, "PD-OFFICE-NUM": true,
	"PD-OFN": true, "PD-EXT-ADDRESS": true, "PD-EA": true, "PD-PN": true, "PD-O": true,
	"PD-EXT-DELIVERY": true, "PD-ED": true, "PD-ADDRESS": true, "PD-A": true, "PD-A1": true,
	"PD-A2": true, "PD-A3": true, "PD-A4": true, "PD-A5": true, "PD-A6": true, "PD-STREET": true,
	"PD-S": true, "PD-BOX": true, "PD-B": true, "PD-RESTANTE": true, "PD-R": true,
	"PD-UNIQUE": true, "PD-U": true, "PD-LOCAL": true, "PD-L": true, "NET-NUM": true,
	"NET-SUB": true, "NET-PSAP": true, "PSAP": true, "T-TY": true, "RFC-822": true,
	"PD-OFFICE NUMBER": true, "U-CN": true, "U-O": true, "U-S": true, "U-G": true, "U-I": true,
	"U-GQ": true, "U-OU": true, "U-PD-OFFICE": true, "U-PD-OFFICE-NUM": true,
	"U-PD-EXT-ADDRESS": true, "U-PD-PN": true, "U-PD-O": true, "U-PD-EXT-DELIVERY": true,
	"U-PD-ADDRESS": true, "U-PD-STREET": true, "U-PD-BOX": true, "U-PD-RESTANTE": true,
	"U-PD-UNIQUE": true, "U-PD-LOCAL": true,
}

// String writes a in the text form of Appendix F §3, most significant
// component on the right, a "." in a value as the dmn-pair "\\.".
func (a DmnORAddress) String() string {
	var sb strings.Builder
	for i := len(a) - 1; i >= 0; i-- {
		at := a[i]
		if at.DomainDefined {
			sb.WriteByte('~')
			tableWriteEscaped(&sb, at.Type)
		} else {
			sb.WriteString(at.Type)
		}
		sb.WriteByte('$')
		if at.Omitted {
			sb.WriteByte('@')
		} else {
			tableWriteEscaped(&sb, at.Value)
		}
		if i > 0 {
			sb.WriteByte('.')
		}
	}
	return sb.String()
}

func tableWriteEscaped(sb *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			sb.WriteString(`\\.`)
		} else {
			sb.WriteByte(s[i])
		}
	}
}

// ORAddress converts a to an x400.ORAddress through the RFC 2156 §4.1.3
// text form (x400.ParseORAddress), which checks the attribute types and
// values; omitted ("@") components are left out, and a domain defined
// attribute becomes "DD.type". The address is then checked with
// x400.ORAddress.Validate (X.411 upper bounds and character sets).
func (a DmnORAddress) ORAddress() (x400.ORAddress, error) {
	var sb strings.Builder
	n := 0
	for _, at := range a {
		if at.Omitted {
			continue
		}
		n++
		sb.WriteByte('/')
		if at.DomainDefined {
			sb.WriteString("DD.")
			tableStdEscape(&sb, at.Type)
		} else {
			sb.WriteString(at.Type)
		}
		sb.WriteByte('=')
		tableStdEscape(&sb, at.Value)
	}
	if n == 0 {
		return x400.ORAddress{}, errors.New("no attribute present (all omitted)")
	}
	sb.WriteByte('/')
	addr, err := x400.ParseORAddress(sb.String())
	if err != nil {
		var pe *x400.ParseError
		if errors.As(err, &pe) {
			return x400.ORAddress{}, errors.New(pe.Msg)
		}
		return x400.ORAddress{}, err
	}
	if err := addr.Validate(); err != nil {
		return x400.ORAddress{}, err
	}
	return addr, nil
}

// tableStdEscape writes s as an std-printablestring (RFC 2156 §4.1.3),
// quoting "/", "=" and space with the std-pair "$".
func tableStdEscape(sb *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '/', '=', ' ', '$', ';':
			sb.WriteByte('$')
		}
		sb.WriteByte(s[i])
	}
}

// ValidDomainSyntax reports whether d is a domain made of labels of
// EBNF.domain-syntax (RFC 2156 §4.2: "alphanum [ *alphanumhyphen alphanum
// ]"), the only domains MCGAMs may use, of at most 63 characters a label
// and 255 in all (RFC 1035 §2.3.4).
func ValidDomainSyntax(d string) bool { return tableCheckDomain(d) == nil }

func tableCheckDomain(d string) *tableSyntaxError {
	if d == "" {
		return &tableSyntaxError{0, "empty domain"}
	}
	if len(d) > 255 {
		return &tableSyntaxError{255, "domain longer than 255 characters (RFC 1035 §2.3.4)"}
	}
	start := 0
	for i := 0; i <= len(d); i++ {
		if i < len(d) && d[i] != '.' {
			c := d[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return &tableSyntaxError{i, fmt.Sprintf("character %q not allowed in a domain (RFC 2156 §4.2 domain-syntax: letters, digits, hyphen)", c)}
			}
			continue
		}
		l := d[start:i]
		switch {
		case l == "":
			return &tableSyntaxError{start, "empty label in domain"}
		case len(l) > 63:
			return &tableSyntaxError{start, "domain label longer than 63 characters (RFC 1035 §2.3.4)"}
		case l[0] == '-' || l[len(l)-1] == '-':
			return &tableSyntaxError{start, fmt.Sprintf("label %q begins or ends with a hyphen (RFC 2156 §4.2 domain-syntax)", l)}
		}
		start = i + 1
	}
	return nil
}

// TableEntry is one line of a table.
type TableEntry struct {
	// Domain is the domain column as written.
	Domain string
	// OR is the dmn-or-address column.
	OR DmnORAddress
	// Line is the line number in the file (1-based); 0 for an entry not
	// loaded from a file.
	Line int
}

// Table is one address mapping table of RFC 2156 Appendix F, loaded by
// LoadTable. A Table is not modified after loading and may be used by
// several goroutines at once.
type Table struct {
	// Name is the file name given to LoadTable, for messages.
	Name string
	// Kind says which of the four tables this is.
	Kind TableKind
	// Entries are the lines of the table in file order.
	Entries []TableEntry
	// index maps the folded key (tableDomainKey or tableORKey) to an index
	// in Entries.
	index map[string]int
}

// TableError is one problem in a table file: the file name, the line
// (1-based) and the column (1-based byte offset in the line; 0 when the
// whole line is at fault).
type TableError struct {
	File   string
	Line   int
	Column int
	Msg    string
}

func (e *TableError) Error() string {
	if e.Column > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// TableErrors are all the problems found in a table file, in line order;
// LoadTable returns them together, like a compiler.
type TableErrors []*TableError

func (es TableErrors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Limits of LoadTable.
const (
	// TableMaxLine is the longest line accepted, in bytes, not counting
	// the line end.
	TableMaxLine = 4096
	// TableMaxErrors is the number of errors after which LoadTable stops.
	TableMaxErrors = 100
	// TableMaxEntries is the number of entries after which LoadTable
	// stops.
	TableMaxEntries = 1 << 20
)

// LoadTableFile reads the table of the given kind from the file at path.
func LoadTableFile(path string, kind TableKind) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return LoadTable(path, kind, f)
}

// LoadTable reads a table of the given kind in the format of RFC 2156
// Appendix F from r; name is the file name used in messages. Every line is
// checked and every problem reported: the error is then TableErrors, each
// "name:line:column: message", and the table is nil. A line is rejected
// when
//
//   - it lacks the "#" separator or the trailing "#", or has text after it;
//   - its domain is not domain-syntax (§4.2);
//   - its dmn-or-address is not well formed (Appendix F §3: "$" between
//     type and value, known §4.1.1 types, dmn-chars, "\\." escapes, "@"
//     alone);
//   - its O/R address does not begin (on the right) with the country, or
//     has C, ADMD, PRMD, O and OU out of that order (a level may be
//     skipped: it is read as omitted, see DmnORAddress.Complete);
//   - in the MCGAM tables and the O/R address -> gateway table, it uses
//     other attributes than C, ADMD, PRMD, O and up to four OUs (Appendix
//     F §3 a), or a value is not a PrintableString within the upper bounds
//     of §4.3.4 (C: 2 letters or 3 digits; ADMD, PRMD: 16; O: 64; OU: 32),
//     or the country is omitted;
//   - in the domain -> gateway table, its O/R address is not a valid O/R
//     address (checked through x400.ParseORAddress and Validate), or has
//     other attributes than the hierarchy's to the right of them, or "@"
//     outside the hierarchy;
//   - its key (the domain, or the O/R address prefix, compared case
//     independently) already appeared on an earlier line.
func LoadTable(name string, kind TableKind, r io.Reader) (*Table, error) {
	if kind < TableDomainToOR || kind > TableORToGateway {
		return nil, fmt.Errorf("mixer: %s: unknown table kind %d", name, kind)
	}
	t := &Table{Name: name, Kind: kind, index: make(map[string]int)}
	var errs TableErrors
	fail := func(line, col int, format string, args ...any) {
		errs = append(errs, &TableError{File: name, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)})
	}
	br := bufio.NewReaderSize(r, TableMaxLine+2)
	for lineNo := 1; ; lineNo++ {
		if len(errs) >= TableMaxErrors {
			fail(lineNo, 0, "too many errors, giving up")
			break
		}
		raw, isPrefix, err := br.ReadLine()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("mixer: %s:%d: %w", name, lineNo, err)
		}
		if isPrefix {
			fail(lineNo, 0, "line longer than %d bytes", TableMaxLine)
			for isPrefix && err == nil {
				_, isPrefix, err = br.ReadLine()
			}
			if err != nil && err != io.EOF {
				return nil, fmt.Errorf("mixer: %s:%d: %w", name, lineNo, err)
			}
			continue
		}
		line := strings.TrimSuffix(string(raw), "\r")
		if strings.TrimLeft(line, " \t") == "" || line[0] == '#' {
			continue
		}
		if len(t.Entries) >= TableMaxEntries {
			fail(lineNo, 0, "more than %d entries", TableMaxEntries)
			break
		}
		e, key, col, msg := tableParseLine(kind, line)
		if msg != "" {
			fail(lineNo, col, "%s", msg)
			continue
		}
		e.Line = lineNo
		if prev, dup := t.index[key]; dup {
			fail(lineNo, 1, "%s already mapped on line %d", tableKeyName(kind, e), t.Entries[prev].Line)
			continue
		}
		t.index[key] = len(t.Entries)
		t.Entries = append(t.Entries, e)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return t, nil
}

func tableKeyName(kind TableKind, e TableEntry) string {
	if kind.domainKeyed() {
		return fmt.Sprintf("domain %q", e.Domain)
	}
	return "O/R address " + e.OR.String()
}

// tableParseLine parses and checks one non-comment line. It returns the
// entry and its index key, or a 1-based column and a message.
func tableParseLine(kind TableKind, line string) (e TableEntry, key string, col int, msg string) {
	for i := 0; i < len(line); i++ {
		if line[i] >= 0x80 || line[i] < 0x20 && line[i] != '\t' {
			return e, "", i + 1, fmt.Sprintf("byte 0x%02x not allowed in a table line", line[i])
		}
	}
	first := strings.IndexByte(line, '#')
	if first < 0 {
		return e, "", 0, `no "#" separator (want domain#O/R-address# or O/R-address#domain#)`
	}
	second := strings.IndexByte(line[first+1:], '#')
	if second < 0 {
		return e, "", len(line) + 1, `missing trailing "#"`
	}
	second += first + 1
	if rest := line[second+1:]; strings.Trim(rest, " \t") != "" {
		return e, "", second + 2, fmt.Sprintf("text %q after the trailing \"#\"", tableClip(rest))
	}
	left, right := line[:first], line[first+1:second]
	domCol, orCol := 1, first+2
	dom, or := left, right
	if !kind.domainKeyed() {
		domCol, orCol = first+2, 1
		dom, or = right, left
	}
	if se := tableCheckDomain(dom); se != nil {
		return e, "", domCol + se.off, se.msg
	}
	a, se := tableParseDmn(or)
	if se != nil {
		return e, "", orCol + se.off, se.msg
	}
	if m := tableCheckOR(kind, a); m != "" {
		return e, "", orCol, m
	}
	e = TableEntry{Domain: dom, OR: a}
	if kind.domainKeyed() {
		key = tableDomainKey(dom)
	} else {
		key = tableORKey(a.Complete())
	}
	return e, key, 0, ""
}

// tableLevel returns the position of at in the hierarchy (0 for C .. 4 for
// the first OU), or -1 for an attribute outside it.
func tableLevel(at DmnAttribute) int {
	if at.DomainDefined {
		return -1
	}
	switch at.Type {
	case "C":
		return 0
	case "ADMD":
		return 1
	case "PRMD":
		return 2
	case "O":
		return 3
	case "OU":
		return 4
	}
	return -1
}

// Complete returns the hierarchy part of a (its C, ADMD, PRMD, O and OU
// components, most significant first) with every level that a skips
// written as omitted ("@"), up to its last hierarchy component. Appendix F
// §3 b says "No components shall be omitted from this hierarchy ... If the
// mapping is to an omitted component, the "@" syntax is used", yet its own
// example "XEROX.COM#O$Xerox.ADMD$ATT.C$US#" (§5) skips the PRMD: a
// skipped level is therefore read as omitted. This is the form the tables
// are matched in, and the one to allocate subdomains against (§4.3.4 stage
// I step 8, §4.3.5 mapping B step 4). It returns nil when the hierarchy
// components are out of order (see LoadTable).
func (a DmnORAddress) Complete() DmnORAddress {
	var out DmnORAddress
	next := 0
	for _, at := range a {
		l := tableLevel(at)
		if l < 0 {
			break
		}
		if l < next && !(l == 4 && next > 4) || next >= len(tableHierarchy) {
			return nil
		}
		for ; next < l; next++ {
			out = append(out, DmnAttribute{Type: tableHierarchy[next].typ, Omitted: true})
		}
		out = append(out, at)
		next++
	}
	return out
}

// completeLen is len(a.Complete()), without building it: every level up
// to the last hierarchy component is counted, the omitted ones included.
func (a DmnORAddress) completeLen() int {
	next := 0
	for _, at := range a {
		l := tableLevel(at)
		if l < 0 {
			break
		}
		if l < next && !(l == 4 && next > 4) || next >= len(tableHierarchy) {
			return 0
		}
		next = max(next, l) + 1
	}
	return next
}

// tableCheckOR applies the rules of the tables to a parsed address.
func tableCheckOR(kind TableKind, a DmnORAddress) string {
	// The hierarchy part: C, ADMD, PRMD, O, OU... in order, most
	// significant first; levels may be skipped (read as omitted).
	next, h := 0, 0
	for ; h < len(a); h++ {
		l := tableLevel(a[h])
		if l < 0 {
			break
		}
		if next >= len(tableHierarchy) {
			return "more than four OUs (RFC 2156 Appendix F §3 a)"
		}
		if l < next && !(l == 4 && next > 4) {
			return fmt.Sprintf("attribute %s out of order: components are ordered C, ADMD, PRMD, O, OU from the right, each at most once but the OUs (RFC 2156 Appendix F §3)", a[h].Type)
		}
		if l > next {
			next = l
		}
		next++
	}
	if h == 0 || tableLevel(a[0]) != 0 {
		return "no C: the most significant (rightmost) component must be the country (RFC 2156 §4.2 hierarchy)"
	}
	if kind.hierarchyOnly() {
		if h < len(a) {
			at := a[h]
			if at.DomainDefined {
				return fmt.Sprintf("domain defined attribute ~%s not allowed: only C, ADMD, PRMD, O and up to four OUs may be used (RFC 2156 Appendix F §3 a)", at.Type)
			}
			return fmt.Sprintf("attribute %s not allowed: only C, ADMD, PRMD, O and up to four OUs may be used (RFC 2156 Appendix F §3 a)", at.Type)
		}
		for i, at := range a.Complete() {
			if m := tableCheckLevel(i, at); m != "" {
				return m
			}
		}
		return ""
	}
	// Domain -> gateway: any attribute, the hierarchy ones first.
	for i := h; i < len(a); i++ {
		if tableLevel(a[i]) >= 0 {
			return fmt.Sprintf("attribute %s out of order: the hierarchy C, ADMD, PRMD, O, OU is the most significant part, on the right (RFC 2156 Appendix F §3)", a[i].Type)
		}
		if a[i].Omitted {
			return fmt.Sprintf("\"@\" (omitted) is only for the levels of the C, ADMD, PRMD, O, OU hierarchy, not %s", a[i].Type)
		}
	}
	if a[0].Omitted {
		return "the country cannot be omitted"
	}
	if _, err := a.ORAddress(); err != nil {
		return "not a valid O/R address: " + err.Error()
	}
	return ""
}

// tableCheckLevel checks the value of hierarchy level i.
func tableCheckLevel(i int, at DmnAttribute) string {
	lv := tableHierarchy[i]
	if at.Omitted {
		if i == 0 {
			return "the country cannot be omitted"
		}
		return ""
	}
	v := at.Value
	for j := 0; j < len(v); j++ {
		if !tablePSChar(v[j]) {
			return fmt.Sprintf("%s value %q: character %q is not a PrintableString character (mapping table values are compared with PrintableString attributes)", lv.typ, v, v[j])
		}
	}
	if i == 0 {
		if !tableValidCountry(v) {
			return fmt.Sprintf("C value %q is not an ISO 3166 alpha-2 code or an X.121 DCC (2 letters or 3 digits, X.411 CountryName)", v)
		}
		return ""
	}
	if len(v) > lv.max {
		return fmt.Sprintf("%s value %q longer than %d characters (RFC 2156 §4.3.4 upper bounds)", lv.typ, v, lv.max)
	}
	return ""
}

func tableValidCountry(v string) bool {
	switch len(v) {
	case 2:
		for j := 0; j < 2; j++ {
			if c := v[j] | 0x20; c < 'a' || c > 'z' {
				return false
			}
		}
		return true
	case 3:
		for j := 0; j < 3; j++ {
			if v[j] < '0' || v[j] > '9' {
				return false
			}
		}
		return true
	}
	return false
}

// tableClip shortens s for a message.
func tableClip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// tableAppendFold appends v normalised for comparison to b: RFC 2156
// Appendix F §4 "Matches are always case independent", and §4.3.5 mapping
// B step 1 "remove any leading or trailing spaces, and replace adjacent
// spaces with a single space ... The only attribute which is permitted to
// have zero length is the ADMD. This shall be mapped onto a single space."
func tableAppendFold(b []byte, v string, admd bool) []byte {
	start := len(b)
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			space = len(b) > start
			continue
		}
		if space {
			b = append(b, ' ')
			space = false
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	if admd && len(b) == start {
		b = append(b, ' ')
	}
	return b
}

// tableDomainKey folds a domain for lookup: lower case, without a final
// ".".
func tableDomainKey(d string) string {
	d = strings.TrimSuffix(d, ".")
	b := []byte(d)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// tableORKey is the index key of a hierarchy prefix: the folded values,
// most significant first, "@" for an omitted level. A "\x00" separates
// the levels (no value contains it).
func tableORKey(a DmnORAddress) string {
	return string(tableAppendORKey(nil, a, nil))
}

// tableAppendORKey appends tableORKey(a) to b and, when ends is not nil,
// sets ends[n-1] to the length of b after the key of a[:n]: the keys of
// all the prefixes of a are prefixes of a's key, each with its end in
// ends (len(ends) >= len(a)).
func tableAppendORKey(b []byte, a DmnORAddress, ends []int) []byte {
	for i, at := range a {
		if i > 0 {
			b = append(b, 0)
		}
		if at.Omitted {
			b = append(b, '@')
		} else {
			b = append(b, '=')
			b = tableAppendFold(b, at.Value, at.Type == "ADMD")
		}
		if ends != nil {
			ends[i] = len(b)
		}
	}
	return b
}

// DomainMatch is the result of Table.LookupDomain.
type DomainMatch struct {
	// Entry is the matching line: Entry.Domain is the matched suffix
	// (as written in the table), Entry.OR the O/R address prefix (or, in
	// the gateway table, the gateway's O/R address).
	Entry *TableEntry
	// Below are the labels of the looked-up domain that are not part of
	// the match, in the order in which RFC 2156 §4.3.4 stage I step 8
	// allocates them to the levels below the prefix ("For each component,
	// systematically allocate the attribute implied ... in the order: C,
	// ADMD, PRMD, O, OU"): the label next to the match first. For
	// "R-D.Salford.AC.UK" and the entry AC.UK, Below is ["Salford",
	// "R-D"]. The labels are as given to LookupDomain; checking them
	// against domain-syntax and the upper bounds is the caller's.
	Below []string
}

// LookupDomain finds the entry whose domain is the longest suffix (in whole
// labels) of domain, RFC 2156 Appendix F §4: "Matches are always case
// independent. The key for all three tables is a domain. The longest
// possible match shall be obtained ... Domain "I.J.K.L" will match the
// entry "J.K.L"." A final "." of domain is ignored. It reports false when
// nothing matches, or when t is not keyed by domain (TableDomainToOR and
// TableDomainToGateway are).
func (t *Table) LookupDomain(domain string) (DomainMatch, bool) {
	if t == nil || !t.Kind.domainKeyed() {
		return DomainMatch{}, false
	}
	domain = strings.TrimSuffix(domain, ".")
	key := tableDomainKey(domain)
	for off := 0; ; {
		if i, ok := t.index[key[off:]]; ok {
			var below []string
			if off > 0 {
				labels := strings.Split(domain[:off-1], ".")
				below = make([]string, len(labels))
				for j, l := range labels {
					below[len(labels)-1-j] = l
				}
			}
			return DomainMatch{Entry: &t.Entries[i], Below: below}, true
		}
		dot := strings.IndexByte(key[off:], '.')
		if dot < 0 {
			return DomainMatch{}, false
		}
		off += dot + 1
	}
}

// ORMatch is the result of Table.LookupORAddress.
type ORMatch struct {
	// Entry is the matching line: Entry.OR is the matched O/R address
	// prefix, Entry.Domain the domain it maps to (or, in the gateway
	// table, the domain of the preferred gateway).
	Entry *TableEntry
	// Below are the levels of the address's hierarchy (C, ADMD, PRMD, O,
	// OU) beneath the matched prefix, most significant first, with their
	// values as in the address (not normalised), an omitted level between
	// present ones marked Omitted (trailing omitted levels are dropped). RFC 2156 §4.3.5 mapping B step 4 turns those that conform
	// to domain-syntax into subdomains; the attributes outside the
	// hierarchy (personal name, DDAs, ...) are still in the address and go
	// to the local part.
	Below DmnORAddress
}

// ORHierarchy returns the hierarchy of a as RFC 2156 §4.3.5 mapping B step
// 3 looks it up ("Noting the hierarchy specified in 4.3.1 and including
// omitted attributes"): C, ADMD, PRMD, O, then the OUs (at most four),
// most significant first. C, ADMD, PRMD and O are always there, one that a
// lacks marked Omitted ("@"), so that a table entry such as
// "O$@.PRMD$GMD.ADMD$DBP.C$DE" matches an address without an
// organization. A zero-length attribute (x400.ORAddress.ZeroLength) is
// present with an empty value, except the ADMD, which is then a single
// space (§4.3.5 step 1: "The only attribute which is permitted to have
// zero length is the ADMD. This shall be mapped onto a single space"); an
// absent ADMD is omitted, as in the Appendix F §3 example
// "PRMD$DEC.ADMD$@.C$US". Values are as in a;
// numeric country codes are not translated to ISO 3166 (step 2 says
// "may").
func ORHierarchy(a *x400.ORAddress) DmnORAddress {
	h := make(DmnORAddress, 0, 8)
	add := func(typ, v string, present bool) {
		h = append(h, DmnAttribute{Type: typ, Value: v, Omitted: !present})
	}
	add("C", a.Country.Value, a.Country.Value != "" || a.ZeroLength&x400.AttrCountry != 0)
	admd := a.ADMD.Value
	if admd == "" && a.ZeroLength&x400.AttrADMD != 0 {
		admd = " "
	}
	add("ADMD", admd, admd != "")
	add("PRMD", a.PRMD.Value, a.PRMD.Value != "" || a.ZeroLength&x400.AttrPRMD != 0)
	add("O", a.Organization, a.Organization != "" || a.ZeroLength&x400.AttrOrganization != 0)
	for i, ou := range a.OrganizationalUnits {
		if i >= 4 {
			break
		}
		add("OU", ou, true)
	}
	return h
}

// LookupORAddress finds the entry whose O/R address is the longest prefix
// of a's hierarchy (see ORHierarchy), RFC 2156 §4.3.5 mapping B step 3
// ("determine the maximum set of attributes which have an associated
// domain specification") and Appendix F §6 ("The OR Address is used to
// generate a domain key. It is important to order the components
// correctly, and to fill in missing components in the hierarchy").
// Values are compared case independently, with spaces normalised
// (Appendix F §4, §4.3.5 step 1), so "PRMD$@" in the table matches only an
// address without a PRMD, and "PRMD$" only one with an empty PRMD. It
// reports false when nothing matches or when t is keyed by domain.
func (t *Table) LookupORAddress(a *x400.ORAddress) (ORMatch, bool) {
	if t == nil || t.Kind.domainKeyed() || a == nil {
		return ORMatch{}, false
	}
	h := ORHierarchy(a)
	// The key of each prefix h[:n] is key[:ends[n-1]]: built once, on
	// the stack for the usual sizes (the map lookups do not copy it).
	var buf [256]byte
	var ends [len(tableHierarchy)]int
	key := tableAppendORKey(buf[:0], h, ends[:])
	for n := len(h); n > 0; n-- {
		if i, ok := t.index[string(key[:ends[n-1]])]; ok {
			rest := h[n:]
			for len(rest) > 0 && rest[len(rest)-1].Omitted {
				rest = rest[:len(rest)-1]
			}
			var below DmnORAddress
			if len(rest) > 0 {
				below = append(DmnORAddress(nil), rest...)
			}
			return ORMatch{Entry: &t.Entries[i], Below: below}, true
		}
	}
	return ORMatch{}, false
}

// WriteTo writes the table in the format of RFC 2156 Appendix F, one
// entry a line in table order (comments are not kept); LoadTable reads
// the output back to the same entries.
func (t *Table) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriter(w)
	var n int64
	for _, e := range t.Entries {
		var k int
		if t.Kind.domainKeyed() {
			k, _ = fmt.Fprintf(bw, "%s#%s#\n", e.Domain, e.OR)
		} else {
			k, _ = fmt.Fprintf(bw, "%s#%s#\n", e.OR, e.Domain)
		}
		n += int64(k)
	}
	return n, bw.Flush()
}

// CheckGatewayTable applies the rule of RFC 2156 Appendix F §7 and §8
// between an MCGAM table and the gateway table of the same direction: "A
// domain cannot appear in this table and in the domain to OR Address
// table", "An OR Address cannot appear in this table and in the OR Address
// to domain table". It returns TableErrors naming each offending gateway
// table line and the MCGAM line, or nil.
func CheckGatewayTable(mcgam, gateway *Table) error {
	switch {
	case mcgam.Kind == TableDomainToOR && gateway.Kind == TableDomainToGateway,
		mcgam.Kind == TableORToDomain && gateway.Kind == TableORToGateway:
	default:
		return fmt.Errorf("mixer: %s (%s) and %s (%s) are not an MCGAM table and the gateway table of the same direction", mcgam.Name, mcgam.Kind, gateway.Name, gateway.Kind)
	}
	var errs TableErrors
	for _, e := range gateway.Entries {
		var key string
		if gateway.Kind.domainKeyed() {
			key = tableDomainKey(e.Domain)
		} else {
			key = tableORKey(e.OR.Complete())
		}
		if i, ok := mcgam.index[key]; ok {
			errs = append(errs, &TableError{File: gateway.Name, Line: e.Line, Column: 1,
				Msg: fmt.Sprintf("%s is also in the %s at %s:%d (RFC 2156 Appendix F §7, §8)", tableKeyName(gateway.Kind, e), mcgam.Kind, mcgam.Name, mcgam.Entries[i].Line)})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}
