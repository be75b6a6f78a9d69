package x400

import "testing"

// The benchmarks of a typical military message, the unit of work of the
// gateway: a P1 message in transfer (SampleMessage with its known
// extensions: three recipients in two domains, a trace of two domains,
// latest-delivery-time, a content correlator, an alternate recipient)
// whose content is a P22 IPM (SampleIPM without its file transfer body
// part: an IA5 text and a general text body part) carrying the P772
// heading extensions of SampleMilitaryHeading, content type id-mct-p772.
// It is the "message-p772" case of conformanceCases, about 1.6 KiB of DER.
//
// Each benchmark has its twin in bench_asn1_test.go doing the same work
// with encoding/asn1 on the same bytes; the target (the issue's) is no
// more than twice encoding/asn1's time, and a handful of allocations per
// message.

// benchTypical holds the typical message as Go values and as DER.
type benchTypical struct {
	// Message is the P1 message, its Content the encoding of Object.
	Message *MTSAPDU
	// Object is the IPM with its military heading extensions set.
	Object *InformationObject
	// Military is the P772 heading that Object carries.
	Military *MilitaryHeading
	// Encoding is the DER of Message; Content that of Object.
	Encoding, Content []byte
}

// newBenchTypical builds the typical message exactly as conformanceCases
// builds "message-p772".
func newBenchTypical(tb testing.TB) *benchTypical {
	tb.Helper()
	a := SampleMessage()
	env := &a.Message.Envelope
	var keep Extensions
	for _, x := range env.Extensions {
		if x.Type.Known() {
			keep = append(keep, x)
		}
	}
	env.Extensions = keep
	env.ContentType = ContentTypeP772

	o := SampleIPM()
	var body []BodyPart
	for _, p := range o.IPM.Body {
		if p.Kind != BodyPartFileTransfer {
			body = append(body, p)
		}
	}
	o.IPM.Body = body
	mil := SampleMilitaryHeading()
	if err := o.IPM.Heading.SetMilitary(mil); err != nil {
		tb.Fatal(err)
	}
	content, err := o.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	a.Message.Content = content
	enc, err := a.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	return &benchTypical{Message: a, Object: o, Military: mil, Encoding: enc, Content: content}
}

// benchDecodeTypical is the full decode an operator's tool or the gateway
// does on a message: the envelope, the IPM, the military heading.
func benchDecodeTypical(msg []byte) (*MTSAPDU, *InformationObject, *MilitaryHeading, error) {
	a, err := DecodeMTSAPDU(msg, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	if a.Message == nil {
		return nil, nil, nil, errBenchNotMessage
	}
	o, err := DecodeInformationObject(a.Message.Content, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	if o.IPM == nil {
		return nil, nil, nil, errBenchNotMessage
	}
	m, err := o.IPM.Heading.Military()
	if err != nil {
		return nil, nil, nil, err
	}
	return a, o, m, nil
}

// benchEncodeTypical is the matching encode: the military heading into the
// IPM's extensions, the IPM, the IPM into the message, the message.
func benchEncodeTypical(t *benchTypical) ([]byte, error) {
	if err := t.Object.IPM.Heading.SetMilitary(t.Military); err != nil {
		return nil, err
	}
	content, err := t.Object.Marshal()
	if err != nil {
		return nil, err
	}
	t.Message.Message.Content = content
	return t.Message.Marshal()
}

type benchError string

func (e benchError) Error() string { return string(e) }

const errBenchNotMessage = benchError("x400: typical message: not a message carrying an IPM")

func BenchmarkTypicalDecode(b *testing.B) {
	t := newBenchTypical(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(t.Encoding)))
	for b.Loop() {
		if _, _, _, err := benchDecodeTypical(t.Encoding); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTypicalEncode(b *testing.B) {
	t := newBenchTypical(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(t.Encoding)))
	for b.Loop() {
		if _, err := benchEncodeTypical(t); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBenchTypicalStable checks that the benchmarked encode writes the
// bytes the decode benchmark reads, and that the decode gives back the
// values the message was built from.
func TestBenchTypicalStable(t *testing.T) {
	tv := newBenchTypical(t)
	for i := 0; i < 2; i++ {
		enc, err := benchEncodeTypical(tv)
		if err != nil {
			t.Fatal(err)
		}
		if string(enc) != string(tv.Encoding) {
			t.Fatalf("encode %d differs from the typical encoding", i)
		}
	}
	a, o, m, err := benchDecodeTypical(tv.Encoding)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Message.Envelope.ContentType.Is(ContentTypeP772) {
		t.Errorf("content type %v", a.Message.Envelope.ContentType)
	}
	if got := len(a.Message.Envelope.PerRecipientFields); got != 3 {
		t.Errorf("%d recipients, want 3", got)
	}
	if got := len(o.IPM.Body); got != 2 {
		t.Errorf("%d body parts, want 2", got)
	}
	if m == nil || m.PrimaryPrecedence == nil || *m.PrimaryPrecedence != PrecedenceFlash {
		t.Errorf("military heading %+v", m)
	}
	if len(tv.Encoding) < 1500 || len(tv.Encoding) > 2000 {
		t.Errorf("typical message is %d octets, expected about 1.6 KiB", len(tv.Encoding))
	}
}
