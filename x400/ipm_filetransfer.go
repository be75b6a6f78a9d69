package x400

import (
	"errors"
	"time"

	"mixerd/ber"
)

// The FTAM object identifiers used by file transfer body parts (ISO 8571-2
// document types and abstract syntaxes).
var (
	FTAMDocumentUnstructuredText   = ber.MustOID("1.0.8571.5.1") // FTAM-1
	FTAMDocumentUnstructuredBinary = ber.MustOID("1.0.8571.5.3") // FTAM-3
	FTAMSyntaxUnstructuredText     = ber.MustOID("1.0.8571.2.3")
	FTAMSyntaxUnstructuredBinary   = ber.MustOID("1.0.8571.2.4")
)

// FileTransferBodyPart is the file transfer body part of X.420 (06/1999)
// (module IPMSFileTransferBodyPartType), identified by id-et-file-transfer
// with parameters id-ep-file-transfer:
//
//	FileTransferParameters ::= SEQUENCE {
//	  related-stored-file  [0]  RelatedStoredFile OPTIONAL,
//	  contents-type        [1]  ContentsTypeParameter OPTIONAL,
//	  environment          [2]  EnvironmentParameter OPTIONAL,
//	  compression          [3]  CompressionParameter OPTIONAL,
//	  file-attributes      [4]  FileAttributes OPTIONAL,
//	  extensions           [5]  ExtensionsField OPTIONAL }
//	FileTransferData ::= SEQUENCE OF EXTERNAL
//
// The parameters are kept whole in Parameters and the commonly used parts
// are decoded into the other fields, as a read-only view: when Parameters
// is non-nil the encoder writes it back as it is and ignores the view
// fields; set it to nil to encode the parameters from the view fields
// (contents-type and the file attributes below; other components are then
// not written).
type FileTransferBodyPart struct {
	// Parameters is the encoding of FileTransferParameters (the SEQUENCE,
	// without the EXTERNAL around it).
	Parameters Raw

	// contents-type: document-type { document-type-name, parameter }, or
	// constraint-set-and-abstract-syntax.
	DocumentType      ber.OID
	DocumentParameter Raw // the encoding inside [0], nil when absent
	ConstraintSet     ber.OID
	AbstractSyntax    ber.OID

	// file-attributes. Pathname is the FTAM pathname (SEQUENCE OF
	// GraphicString), the file name last; CompletePathname tells the
	// complete-pathname [23] alternative from incomplete-pathname [0].
	Pathname         []string
	CompletePathname bool
	// PermittedActions is the FTAM Permitted-Actions-Attribute (bit i of the
	// BIT STRING is bit i here); 0 when absent.
	PermittedActions uint32
	StorageAccount   string
	Created          time.Time // date-and-time-of-creation
	Modified         time.Time // date-and-time-of-last-modification
	ReadAccess       time.Time // date-and-time-of-last-read-access
	Creator          string    // identity-of-creator
	Size             *int64    // object-size; nil when absent or no value
	FutureSize       *int64    // future-object-size

	// Data are the file's contents, FileTransferData.
	Data []External
}

// FileName returns the last component of the pathname, "" when there is
// none.
func (x *FileTransferBodyPart) FileName() string {
	if len(x.Pathname) == 0 {
		return ""
	}
	return x.Pathname[len(x.Pathname)-1]
}

// Content returns the file's octets: the concatenated values of the data
// EXTERNALs, each either octet-aligned or a single ASN.1 OCTET STRING (the
// FTAM-3 unstructured binary and most FTAM-1 text values) or another
// character string type (FTAM-1). ok is false for data in other forms. A
// single EXTERNAL's octets are returned without copying when primitive.
func (x *FileTransferBodyPart) Content() ([]byte, bool) {
	var out []byte
	for i := range x.Data {
		d := &x.Data[i]
		var c []byte
		switch d.Encoding {
		case ExternalOctetAligned:
			c = d.Octets
		case ExternalSingleASN1Type:
			r := ber.NewReader(d.Value, nil)
			e, err := r.Next()
			if err != nil || e.Tag.Class != ber.ClassUniversal || !e.Tag.IsString() {
				return nil, false
			}
			if c, err = e.Bytes(); err != nil {
				return nil, false
			}
		default:
			return nil, false
		}
		if len(x.Data) == 1 {
			return c, true
		}
		out = append(out, c...)
	}
	if out == nil {
		out = []byte{}
	}
	return out, true
}

// NewFileTransferBodyPart returns a file transfer body part carrying data
// as an FTAM-3 unstructured binary file named name, with the given size and
// modification time (zero: absent). The data is one EXTERNAL whose direct
// reference is the FTAM unstructured binary abstract syntax and whose value
// is an OCTET STRING.
func NewFileTransferBodyPart(name string, data []byte, modified time.Time) BodyPart {
	size := int64(len(data))
	b := ber.NewBuilder(len(data) + 8)
	b.AddPrimitive(ber.OctetString, data)
	x := &FileTransferBodyPart{
		DocumentType: FTAMDocumentUnstructuredBinary,
		Pathname:     []string{name},
		Modified:     modified,
		Size:         &size,
		Data: []External{{
			DirectReference: FTAMSyntaxUnstructuredBinary,
			Encoding:        ExternalSingleASN1Type,
			Value:           Raw(b.Bytes()),
		}},
	}
	return BodyPart{Kind: BodyPartFileTransfer, Extended: true, FileTransfer: x}
}

// ftamSpare is a decoded file transfer body part with, in the same
// allocation, room for its usual small components: a one-component
// pathname, the sizes, one data EXTERNAL.
type ftamSpare struct {
	ft           FileTransferBodyPart
	size, future int64
	path         [1]string
	data         [1]External
}

// fileTransferNames are the components of FileTransferParameters, by tag.
var fileTransferNames = [...]string{"related-stored-file", "contents-type", "environment", "compression", "file-attributes", "extensions"}

// decodeParameters decodes x, sp.ft, using sp's room.
func (x *FileTransferBodyPart) decodeParameters(e *ber.Element, sp *ftamSpare) error {
	if e.Tag != ber.Sequence {
		return e.Errorf("expected SEQUENCE, found %s", e.Tag)
	}
	x.Parameters = Raw(e.Raw)
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
		if c.Tag.Class == ber.ClassContext && c.Tag.Number < 32 {
			name := "FileTransferParameters"
			if int(c.Tag.Number) < len(fileTransferNames) {
				name = fileTransferNames[c.Tag.Number]
			}
			if err := seen.add(&c, uint(c.Tag.Number), name); err != nil {
				return err
			}
		}
		switch c.Tag {
		case ber.Context(1):
			err = ber.Annotate(x.decodeContentsType(&c), "contents-type")
		case ber.Context(4):
			err = ber.Annotate(x.decodeFileAttributes(&c, sp), "file-attributes")
		default:
			// related-stored-file, environment, compression, extensions:
			// kept in Parameters only.
			if !c.Constructed && c.Tag.Class == ber.ClassContext && c.Tag.Number <= 5 {
				err = c.Errorf("%s: expected a constructed encoding", c.Tag)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// decodeContentsType reads [1] Contents-Type-Attribute (a CHOICE, so the
// tag is explicit).
func (x *FileTransferBodyPart) decodeContentsType(e *ber.Element) error {
	c, err := explicit(e)
	if err != nil {
		return err
	}
	cr, err := c.Children()
	if err != nil {
		return err
	}
	switch c.Tag {
	case ber.Context(0): // document-type SEQUENCE { name, [0] parameter OPTIONAL }
		n, err := cr.Expect(ber.ObjectID)
		if err != nil {
			return ber.Annotate(err, "document-type-name")
		}
		if x.DocumentType, err = n.OID(); err != nil {
			return ber.Annotate(err, "document-type-name")
		}
		if p, ok, err := cr.Optional(ber.Context(0)); err != nil {
			return err
		} else if ok {
			pr, err := p.Children()
			if err != nil {
				return ber.Annotate(err, "parameter")
			}
			v, err := pr.Next()
			if err != nil {
				return ber.Annotate(err, "parameter")
			}
			if err := pr.End("parameter"); err != nil {
				return err
			}
			x.DocumentParameter = Raw(v.Raw)
		}
		return cr.End("document-type")
	case ber.Context(1): // constraint-set-and-abstract-syntax
		n, err := cr.Expect(ber.ObjectID)
		if err != nil {
			return ber.Annotate(err, "constraint-set-name")
		}
		if x.ConstraintSet, err = n.OID(); err != nil {
			return ber.Annotate(err, "constraint-set-name")
		}
		n, err = cr.Expect(ber.ObjectID)
		if err != nil {
			return ber.Annotate(err, "abstract-syntax-name")
		}
		if x.AbstractSyntax, err = n.OID(); err != nil {
			return ber.Annotate(err, "abstract-syntax-name")
		}
		return cr.End("constraint-set-and-abstract-syntax")
	}
	return c.Errorf("unexpected %s in Contents-Type-Attribute", c.Tag)
}

// decodeFileAttributes reads the FileAttributes SEQUENCE. Attributes it
// does not decode are skipped (they stay in Parameters).
func (x *FileTransferBodyPart) decodeFileAttributes(e *ber.Element, sp *ftamSpare) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	for !r.Empty() {
		c, err := r.Next()
		if err != nil {
			return err
		}
		switch {
		case c.Tag == ber.Context(0) || c.Tag == ber.Context(23) || c.Tag == ber.Application(23):
			x.CompletePathname = c.Tag != ber.Context(0)
			err = ber.Annotate(x.decodePathname(&c, sp.path[:]), "pathname")
		case c.Tag == ber.Context(1):
			var bs ber.BitString
			if bs, err = c.BitString(); err == nil {
				x.PermittedActions = bs.Uint32Bits()
			}
			err = ber.Annotate(err, "permitted-actions")
		case c.Tag == ber.Context(3):
			x.StorageAccount, err = ftamStringAttribute(&c)
			err = ber.Annotate(err, "storage-account")
		case c.Tag == ber.Context(4):
			x.Created, err = ftamTimeAttribute(&c)
			err = ber.Annotate(err, "date-and-time-of-creation")
		case c.Tag == ber.Context(5):
			x.Modified, err = ftamTimeAttribute(&c)
			err = ber.Annotate(err, "date-and-time-of-last-modification")
		case c.Tag == ber.Context(6):
			x.ReadAccess, err = ftamTimeAttribute(&c)
			err = ber.Annotate(err, "date-and-time-of-last-read-access")
		case c.Tag == ber.Context(8):
			x.Creator, err = ftamStringAttribute(&c)
			err = ber.Annotate(err, "identity-of-creator")
		case c.Tag == ber.Context(13):
			x.Size, err = ftamSizeAttribute(&c, &sp.size)
			err = ber.Annotate(err, "object-size")
		case c.Tag == ber.Context(14):
			x.FutureSize, err = ftamSizeAttribute(&c, &sp.future)
			err = ber.Annotate(err, "future-object-size")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// decodePathname reads the pathname, into buf when it fits.
func (x *FileTransferBodyPart) decodePathname(e *ber.Element, buf []string) error {
	r, err := e.Children()
	if err != nil {
		return err
	}
	if n := listCap(&r); n <= len(buf) {
		x.Pathname = buf[:0:n]
	} else {
		x.Pathname = make([]string, 0, n)
	}
	for !r.Empty() {
		c, err := r.Expect(ber.Universal(ber.TagGraphicString))
		if err != nil {
			return err
		}
		s, err := str(&c)
		if err != nil {
			return err
		}
		x.Pathname = append(x.Pathname, s)
	}
	return nil
}

// ftamAttributeValue returns the alternative inside an explicitly tagged
// FTAM attribute CHOICE { no-value-available [0] NULL, actual-values ... };
// ok is false for no-value-available.
func ftamAttributeValue(e *ber.Element) (v ber.Element, ok bool, err error) {
	if v, err = explicit(e); err != nil {
		return v, false, err
	}
	if v.Tag == ber.Context(0) {
		return v, false, v.Null()
	}
	return v, true, nil
}

// ftamStringAttribute reads Account-Attribute or User-Identity-Attribute
// (actual-values GraphicString).
func ftamStringAttribute(e *ber.Element) (string, error) {
	v, ok, err := ftamAttributeValue(e)
	if err != nil || !ok {
		return "", err
	}
	if v.Tag != ber.Universal(ber.TagGraphicString) {
		return "", v.Errorf("expected GraphicString, found %s", v.Tag)
	}
	return str(&v)
}

// ftamTimeAttribute reads Date-and-Time-Attribute (actual-values [1]
// GeneralizedTime).
func ftamTimeAttribute(e *ber.Element) (time.Time, error) {
	v, ok, err := ftamAttributeValue(e)
	if err != nil || !ok {
		return time.Time{}, err
	}
	if v.Tag != ber.Context(1) {
		return time.Time{}, v.Errorf("unexpected %s in Date-and-Time-Attribute", v.Tag)
	}
	return v.GeneralizedTime()
}

// ftamSizeAttribute reads Object-Size-Attribute (actual-values [1] INTEGER)
// into *dst.
func ftamSizeAttribute(e *ber.Element, dst *int64) (*int64, error) {
	v, ok, err := ftamAttributeValue(e)
	if err != nil || !ok {
		return nil, err
	}
	if v.Tag != ber.Context(1) {
		return nil, v.Errorf("unexpected %s in Object-Size-Attribute", v.Tag)
	}
	n, err := v.Int64()
	if err != nil {
		return nil, err
	}
	*dst = n
	return dst, nil
}

// decodeData reads the data EXTERNALs, into sp's room when they fit.
func (x *FileTransferBodyPart) decodeData(e *ber.Element, sp *ftamSpare) error {
	if e.Tag != ber.Sequence {
		return e.Errorf("expected SEQUENCE OF EXTERNAL, found %s", e.Tag)
	}
	r, err := e.Children()
	if err != nil {
		return err
	}
	if n := listCap(&r); n <= len(sp.data) {
		x.Data = sp.data[:0:n]
	} else {
		x.Data = make([]External, 0, n)
	}
	for !r.Empty() {
		c, err := r.Expect(ber.External)
		if err != nil {
			return err
		}
		x.Data = append(x.Data, External{})
		if err := x.Data[len(x.Data)-1].decode(&c); err != nil {
			return err
		}
	}
	return nil
}

func (x *FileTransferBodyPart) encodeParameters(b *ber.Builder) {
	if x.Parameters != nil {
		b.AddRaw(x.Parameters)
		return
	}
	m := b.Begin(ber.Sequence)
	switch {
	case x.DocumentType != nil:
		ct := b.Begin(ber.Context(1))
		dt := b.Begin(ber.Context(0))
		b.AddOID(ber.ObjectID, x.DocumentType)
		if x.DocumentParameter != nil {
			p := b.Begin(ber.Context(0))
			b.AddRaw(x.DocumentParameter)
			b.End(p)
		}
		b.End(dt)
		b.End(ct)
	case x.ConstraintSet != nil || x.AbstractSyntax != nil:
		if x.ConstraintSet == nil || x.AbstractSyntax == nil {
			b.Fail(errors.New("x400: file transfer contents-type needs both a constraint set and an abstract syntax"))
			break
		}
		ct := b.Begin(ber.Context(1))
		cs := b.Begin(ber.Context(1))
		b.AddOID(ber.ObjectID, x.ConstraintSet)
		b.AddOID(ber.ObjectID, x.AbstractSyntax)
		b.End(cs)
		b.End(ct)
	}
	if x.Pathname != nil || x.PermittedActions != 0 || x.StorageAccount != "" || !x.Created.IsZero() ||
		!x.Modified.IsZero() || !x.ReadAccess.IsZero() || x.Creator != "" || x.Size != nil || x.FutureSize != nil {
		fa := b.Begin(ber.Context(4))
		if x.Pathname != nil {
			t := ber.Context(0)
			if x.CompletePathname {
				t = ber.Context(23)
			}
			pm := b.Begin(t)
			for _, s := range x.Pathname {
				b.AddString(ber.Universal(ber.TagGraphicString), s)
			}
			b.End(pm)
		}
		if x.PermittedActions != 0 {
			b.AddNamedBits(ber.Context(1), ber.BitsFromUint32(x.PermittedActions))
		}
		ftamAddString(b, 3, x.StorageAccount)
		ftamAddTime(b, 4, x.Created)
		ftamAddTime(b, 5, x.Modified)
		ftamAddTime(b, 6, x.ReadAccess)
		ftamAddString(b, 8, x.Creator)
		ftamAddSize(b, 13, x.Size)
		ftamAddSize(b, 14, x.FutureSize)
		b.End(fa)
	}
	b.End(m)
}

func ftamAddString(b *ber.Builder, tag uint32, s string) {
	if s == "" {
		return
	}
	m := b.Begin(ber.Context(tag))
	b.AddString(ber.Universal(ber.TagGraphicString), s)
	b.End(m)
}

func ftamAddTime(b *ber.Builder, tag uint32, t time.Time) {
	if t.IsZero() {
		return
	}
	m := b.Begin(ber.Context(tag))
	b.AddGeneralizedTime(ber.Context(1), t)
	b.End(m)
}

func ftamAddSize(b *ber.Builder, tag uint32, n *int64) {
	if n == nil {
		return
	}
	m := b.Begin(ber.Context(tag))
	b.AddInt(ber.Context(1), *n)
	b.End(m)
}

func (x *FileTransferBodyPart) encodeData(b *ber.Builder) {
	m := b.Begin(ber.Sequence)
	for i := range x.Data {
		x.Data[i].encode(b, ber.External)
	}
	b.End(m)
}
