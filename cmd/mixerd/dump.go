package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"

	"mixerd/ber"
	"mixerd/x400"
)

func init() {
	register(command{
		name:    "dump",
		summary: "decode a BER file (P1, P22, P772, binds) and print it readably",
		run:     runDump,
	})
}

// dumpKinds are the values of dump --as, in the order auto tries them.
var dumpKinds = []string{"p1", "report", "p1-bind", "p22", "p772", "raw", "auto"}

func runDump(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dump", flag.ContinueOnError)
	fs.SetOutput(stderr)
	as := fs.String("as", "auto", "what the file holds: p1 (an MTS-APDU), report (an MTS-APDU that must be a report), p1-bind (MTABindArgument, MTABindResult or MTABindError), p22 (an IPMS InformationObject), p772 (a P772 MM/MN content: P22 with military heading fields shown), raw (the BER tree, like openssl asn1parse), or auto")
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	maxDepth := fs.Int("max-depth", ber.DefaultLimits.MaxDepth, "deepest nesting of BER elements accepted")
	maxElems := fs.Int("max-elements", ber.DefaultLimits.MaxElements, "most BER elements accepted")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mixerd dump [--as p1|p1-bind|p22|p772|report|raw|auto] [--json] FILE|-")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	name := fs.Arg(0)
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(io.LimitReader(stdin, 1<<30))
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		fmt.Fprintf(stderr, "mixerd dump: %v\n", err)
		return 1
	}
	lim := &ber.Limits{MaxDepth: *maxDepth, MaxElements: *maxElems}
	if *as == "raw" {
		if err := ber.Print(stdout, data, lim); err != nil {
			fmt.Fprintf(stderr, "mixerd dump: %s: %v\n", name, err)
			return 1
		}
		return 0
	}
	title, v, err := decodeAs(*as, data, lim)
	if err != nil {
		fmt.Fprintf(stderr, "mixerd dump: %s: %v\n", name, err)
		return 1
	}
	n := toNode(reflect.ValueOf(v))
	if n == nil {
		n = &node{text: "(empty)"}
	}
	if *asJSON {
		out, _ := json.MarshalIndent(map[string]*node{title: n}, "", "  ")
		stdout.Write(append(out, '\n'))
		return 0
	}
	writeText(stdout, title, n, 0)
	return 0
}

// decodeAs decodes data as the named kind and returns a title and the
// decoded value. For "auto" it tries each kind in turn and, when none fits,
// returns the error of the kind that read furthest into the data.
func decodeAs(kind string, data []byte, lim *ber.Limits) (string, any, error) {
	switch kind {
	case "p1":
		a, err := x400.DecodeMTSAPDU(data, lim)
		if err != nil {
			return "", nil, err
		}
		return "mts-apdu", p1View(a, lim), nil
	case "report":
		a, err := x400.DecodeMTSAPDU(data, lim)
		if err != nil {
			return "", nil, err
		}
		if a.Report == nil {
			return "", nil, errors.New("the MTS-APDU is not a report")
		}
		return "mts-apdu", p1View(a, lim), nil
	case "p1-bind":
		// X.411 gives MTABindArgument and MTABindResult the same syntax
		// (the names are initiator-* in one and responder-* in the
		// other); the bytes alone cannot tell them apart.
		if v, err := x400.DecodeMTABindArgument(data, lim); err == nil {
			return "mta-bind-argument-or-result", v, nil
		}
		v, err := x400.DecodeMTABindError(data, lim)
		if err != nil {
			_, err = x400.DecodeMTABindArgument(data, lim)
			return "", nil, fmt.Errorf("neither an MTABindArgument/Result nor an MTABindError: %w", err)
		}
		return "mta-bind-error", v, nil
	case "p22", "p772":
		o, err := x400.DecodeInformationObject(data, lim)
		if err != nil {
			return "", nil, err
		}
		return "information-object", ipmView(o), nil
	case "auto":
		if k := sniff(data, lim); k != "" {
			return decodeAs(k, data, lim)
		}
		var best error
		bestOff := -1
		for _, k := range []string{"p1", "p1-bind", "p22"} {
			t, v, err := decodeAs(k, data, lim)
			if err == nil {
				return t, v, nil
			}
			var be *ber.Error
			off := 0
			if errors.As(err, &be) {
				off = be.Offset
			}
			if off > bestOff {
				best, bestOff = fmt.Errorf("as %s: %w", k, err), off
			}
		}
		return "", nil, best
	}
	return "", nil, fmt.Errorf("unknown --as %q (want one of %v)", kind, dumpKinds)
}

// apduView is what dump shows for an MTS-APDU: the APDU and, for a message
// whose content type is interpersonal (P2, P22) or military (P772), its
// decoded content.
type apduView struct {
	MTSAPDU *x400.MTSAPDU
	Content *contentView
}

// contentView is a decoded IPMS content: the information object and, when
// its heading has P772 extensions, the military heading they make up.
type contentView struct {
	InformationObject *x400.InformationObject
	MilitaryHeading   *x400.MilitaryHeading
	// Error says why the content could not be decoded; the rest of the
	// APDU is shown regardless.
	Error string
}

func p1View(a *x400.MTSAPDU, lim *ber.Limits) apduView {
	v := apduView{MTSAPDU: a}
	if m := a.Message; m != nil {
		ct := m.Envelope.ContentType
		if ct.Is(x400.ContentTypeP2) || ct.Is(x400.ContentTypeP22) || ct.Is(x400.ContentTypeP772) {
			o, err := x400.DecodeInformationObject(m.Content, lim)
			if err != nil {
				v.Content = &contentView{Error: "content: " + err.Error()}
			} else {
				v.Content = ipmView(o)
			}
		}
	}
	return v
}

func ipmView(o *x400.InformationObject) *contentView {
	v := &contentView{InformationObject: o}
	if o.IPM != nil {
		mh, err := o.IPM.Heading.Military()
		switch {
		case err != nil:
			v.Error = "military heading: " + err.Error()
		case mh != nil && !reflect.ValueOf(*mh).IsZero():
			v.MilitaryHeading = mh
		}
	}
	return v
}

// sniff guesses what data holds from its first tags, so that auto can
// report the error of the right decoder for a damaged file. It returns ""
// when it cannot tell.
//
//	MTS-APDU message  [0] { SET { envelope fields ... } OCTET STRING }
//	MTS-APDU report   [1] { SET ... SET ... }
//	MTS-APDU probe    [2] SET { ... }
//	IPM               [0] { SET { [APPLICATION 11] this-IPM ... } SEQUENCE }
//	IPN               [1] SET { [APPLICATION 11] subject-ipm ... }
//	MTABindArgument   [1] SET { [0] initiator-name, [1] credentials ... } or NULL
//	MTABindError      INTEGER
func sniff(data []byte, lim *ber.Limits) string {
	r := ber.NewReader(data, lim)
	t, _, ok := r.Peek()
	if !ok {
		return ""
	}
	switch t {
	case ber.Integer, ber.Null:
		return "p1-bind"
	case ber.Context(2):
		return "p1"
	case ber.Context(0), ber.Context(1):
	default:
		return ""
	}
	// The first two levels of identifiers, read without length checks
	// (the element may be truncated).
	first, second := child(data), ber.Tag{}
	if len(data) > 1 {
		if inner := skipHeader(data); inner != nil {
			second = child(inner)
		}
	}
	switch {
	case t == ber.Context(1) && first == ber.Set:
		return "p1"
	case first == ber.Application(11):
		return "p22"
	case t == ber.Context(0) && first == ber.Set && second == ber.Application(11):
		return "p22"
	case t == ber.Context(0) && first == ber.Set:
		return "p1"
	case t == ber.Context(1) && (first == ber.Context(0) || first == ber.Context(1)):
		return "p1-bind"
	}
	return ""
}

// skipHeader returns the bytes after the identifier and length octets of
// the element at data[0], or nil.
func skipHeader(data []byte) []byte {
	i := 1
	if data[0]&0x1f == 0x1f {
		for i < len(data) && data[i]&0x80 != 0 {
			i++
		}
		i++
	}
	if i >= len(data) {
		return nil
	}
	l := data[i]
	i++
	if l&0x80 != 0 && l != 0x80 {
		i += int(l & 0x7f)
	}
	if i >= len(data) {
		return nil
	}
	return data[i:]
}

// child returns the tag of the first element inside the element at data[0].
func child(data []byte) ber.Tag {
	inner := skipHeader(data)
	if inner == nil {
		return ber.Tag{}
	}
	r := ber.NewReader(inner, nil)
	t, _, _ := r.Peek()
	return t
}
