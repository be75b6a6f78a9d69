package osi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"mixerd/ber"
	"mixerd/internal/tshark"
	"mixerd/osi/acse"
	"mixerd/osi/presentation"
	"mixerd/osi/rose"
	"mixerd/osi/session"
)

// P3 values for the tests (X.411 §8.1.1, §8.2.1.3): an MTSBindArgument
// (initiator-name user-agent, an ORName [APPLICATION 0] with C=GB,
// ADMD " ", surname Smith; simple
// credentials "secret"), an MTSBindResult (responder-name mTA "mta1",
// simple credentials "secret"), the MTSBindError authentication-error
// (1988: an INTEGER), and the empty SET that is a valid
// SubmissionControls, DeliveryControls and Waiting.
var (
	p3BindArg = []byte{0x31, 0x22,
		0x60, 0x16, 0x30, 0x14,
		0x61, 0x04, 0x13, 0x02, 'G', 'B',
		0x62, 0x03, 0x13, 0x01, ' ',
		0xa5, 0x07, 0x80, 0x05, 'S', 'm', 'i', 't', 'h',
		0xa2, 0x08, 0x16, 0x06, 's', 'e', 'c', 'r', 'e', 't'}
	p3BindResult = []byte{0x31, 0x10,
		0x80, 0x04, 'm', 't', 'a', '1',
		0xa2, 0x08, 0x16, 0x06, 's', 'e', 'c', 'r', 'e', 't'}
	p3BindError = []byte{0x02, 0x01, 0x02}
	emptySet    = []byte{0x31, 0x00}
)

// Operation and error codes of X.411 (MTSAccessProtocol).
const (
	opSubmissionControl = 2 // op-submission-control (id-as-msse); op-delivery-control has the same code (id-as-mdse)
	opMessageSubmission = 3
	errSubmissionCtrl   = 1 // err-submission-control-violated
	opUnknown           = 99
)

func rosPDU(t *testing.T, p *rose.PDU) []byte {
	t.Helper()
	b, err := rose.Append(nil, p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func invokePDU(t *testing.T, id, op int, arg []byte) []byte {
	return rosPDU(t, &rose.PDU{Invoke: &rose.Invoke{InvokeID: rose.InvokeID{ID: id}, Opcode: rose.Code{Local: op}, Argument: arg}})
}

func resultPDU(t *testing.T, id, op int, res []byte) []byte {
	return rosPDU(t, &rose.PDU{ReturnResult: &rose.ReturnResult{InvokeID: rose.InvokeID{ID: id}, Result: &rose.Result{Opcode: rose.Code{Local: op}, Value: res}}})
}

func decodeROS(t *testing.T, b []byte) *rose.PDU {
	t.Helper()
	p, err := rose.Decode(b)
	if err != nil {
		t.Fatalf("ROS PDU %x: %v", b, err)
	}
	return p
}

// rosServer is the responder of the P3 exchanges: it accepts one
// association, checks what the request says, and answers the invokes it
// receives: submission-control with a result (and, for the invoke IDs from
// 10 on, first an invoke of its own, delivery-control in the delivery
// context, whose result it expects later: the responder invokes too),
// message-submission with an error, any other operation with a reject.
// It returns when the initiator releases.
type rosServerResult struct {
	in          *Incoming
	a           *Association
	invokes     []int // invoke IDs received, in order
	results     []int // results of its own invokes received
	contextsBad []string
	err         error
}

func rosServe(ctx context.Context, l *Listener) <-chan rosServerResult {
	ch := make(chan rosServerResult, 1)
	go func() {
		var r rosServerResult
		defer func() { ch <- r }()
		if r.in, r.err = l.Accept(ctx); r.err != nil {
			return
		}
		if r.a, r.err = r.in.Accept(ctx, p3BindResult); r.err != nil {
			return
		}
		a := r.a
		msse, _ := a.ContextID(IDAsMSSE)
		mdse, ok := a.ContextID(IDAsMDSE94)
		if !ok {
			mdse, _ = a.ContextID(IDAsMDSE88)
		}
		send := func(pc int, p *rose.PDU) bool {
			b, err := rose.Append(nil, p)
			if err == nil {
				err = a.SendData(ctx, pc, b)
			}
			r.err = err
			return err == nil
		}
		for {
			pc, pdu, err := a.ReceiveData(ctx)
			if errors.Is(err, ErrReleased) {
				return
			}
			if err != nil {
				r.err = err
				return
			}
			p, err := rose.Decode(pdu)
			if err != nil {
				// A bad ROS PDU is answered with a reject (X.880 §9.1).
				if !send(pc, &rose.PDU{Reject: rose.NewReject(err)}) {
					return
				}
				continue
			}
			switch {
			case p.ReturnResult != nil:
				if pc != mdse {
					r.contextsBad = append(r.contextsBad, fmt.Sprintf("result %d in context %d", p.ReturnResult.InvokeID.ID, pc))
				}
				r.results = append(r.results, p.ReturnResult.InvokeID.ID)
			case p.Invoke != nil:
				v := p.Invoke
				r.invokes = append(r.invokes, v.InvokeID.ID)
				if pc != msse {
					r.contextsBad = append(r.contextsBad, fmt.Sprintf("invoke %d in context %d", v.InvokeID.ID, pc))
				}
				var ans rose.PDU
				switch v.Opcode.Local {
				case opSubmissionControl:
					if v.InvokeID.ID >= 10 {
						own := &rose.PDU{Invoke: &rose.Invoke{InvokeID: rose.InvokeID{ID: 1000 + v.InvokeID.ID}, Opcode: rose.Code{Local: opSubmissionControl}, Argument: emptySet}}
						if !send(mdse, own) {
							return
						}
					}
					ans.ReturnResult = &rose.ReturnResult{InvokeID: v.InvokeID, Result: &rose.Result{Opcode: v.Opcode, Value: emptySet}}
				case opMessageSubmission:
					ans.ReturnError = &rose.ReturnError{InvokeID: v.InvokeID, Errcode: rose.Code{Local: errSubmissionCtrl}}
				default:
					ans.Reject = &rose.Reject{InvokeID: v.InvokeID, Kind: rose.InvokeProblem, Problem: rose.UnrecognizedOperation}
				}
				if !send(pc, &ans) {
					return
				}
			default:
				r.contextsBad = append(r.contextsBad, fmt.Sprintf("unexpected ROS PDU %+v", p))
			}
		}
	}()
	return ch
}

// rosExchange binds to addr in app (without RTSE), runs the operations
// against rosServe and releases: invoke -> result, invoke -> error, invoke
// -> reject, then three invokes sent at once, answered while the
// responder's own invokes come in between (which it answers).
func rosExchange(t *testing.T, ctx context.Context, addr string, app AppContext, lg *slog.Logger) *Association {
	t.Helper()
	a, res, err := Dial(ctx, DialConfig{Address: addr, Application: app, CalledPSAP: []byte("p3"), Logger: lg, Timeouts: testTimeouts()}, p3BindArg)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res, p3BindResult) {
		t.Errorf("bind result %x", res)
	}
	msse, ok := a.ContextID(IDAsMSSE)
	if !ok {
		t.Fatalf("no message submission context in %v", a.Contexts)
	}
	call := func(id, op int, arg []byte) *rose.PDU {
		t.Helper()
		if err := a.SendData(ctx, msse, invokePDU(t, id, op, arg)); err != nil {
			t.Fatal(err)
		}
		pc, b, err := a.ReceiveData(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if pc != msse {
			t.Errorf("answer to invoke %d in context %d, want %d", id, pc, msse)
		}
		return decodeROS(t, b)
	}
	if p := call(1, opSubmissionControl, emptySet); p.ReturnResult == nil || p.ReturnResult.InvokeID.ID != 1 ||
		p.ReturnResult.Result.Opcode.Local != opSubmissionControl || !bytes.Equal(p.ReturnResult.Result.Value, emptySet) {
		t.Errorf("answer to invoke 1: %+v", p)
	}
	if p := call(2, opMessageSubmission, nil); p.ReturnError == nil || p.ReturnError.InvokeID.ID != 2 || p.ReturnError.Errcode.Local != errSubmissionCtrl {
		t.Errorf("answer to invoke 2: %+v", p)
	}
	if p := call(3, opUnknown, nil); p.Reject == nil || p.Reject.InvokeID.ID != 3 || p.Reject.Kind != rose.InvokeProblem || p.Reject.Problem != rose.UnrecognizedOperation {
		t.Errorf("answer to invoke 3: %+v", p)
	}

	// Three invokes at once; the responder invokes before each answer.
	for id := 10; id < 13; id++ {
		if err := a.SendData(ctx, msse, invokePDU(t, id, opSubmissionControl, emptySet)); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for results := 0; results < 3; {
		pc, b, err := a.ReceiveData(ctx)
		if err != nil {
			t.Fatal(err)
		}
		p := decodeROS(t, b)
		switch {
		case p.Invoke != nil:
			got = append(got, fmt.Sprintf("invoke %d", p.Invoke.InvokeID.ID))
			if pc == msse {
				t.Errorf("responder's invoke in the submission context %d", pc)
			}
			if err := a.SendData(ctx, pc, resultPDU(t, p.Invoke.InvokeID.ID, p.Invoke.Opcode.Local, emptySet)); err != nil {
				t.Fatal(err)
			}
		case p.ReturnResult != nil:
			got = append(got, fmt.Sprintf("result %d", p.ReturnResult.InvokeID.ID))
			results++
		default:
			t.Fatalf("unexpected %+v", p)
		}
	}
	if want := "invoke 1010,result 10,invoke 1011,result 11,invoke 1012,result 12"; strings.Join(got, ",") != want {
		t.Errorf("initiator received %s, want %s", strings.Join(got, ","), want)
	}
	return a
}

// P3 without RTSE (mts-access-94, ROS over presentation): the bind in the
// AARQ/AARE, invoke -> result, -> error, -> reject, interleaved invokes in
// both directions, release; what both ends agreed and report.
func TestROSAccess(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	l, err := Listen("127.0.0.1:0", ListenConfig{Applications: []AppContext{MTSTransfer, MTSAccess88, MTSAccess94}, Logger: testLogger(t), Timeouts: testTimeouts()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ch := rosServe(ctx, l)
	a := rosExchange(t, ctx, l.Addr().String(), MTSAccess94, testLogger(t))

	// What the initiator agreed.
	if a.RTSE || a.Mode != Mode1988Normal || !a.ApplicationContext.Equal(MTSAccess94.Name) || a.Requirements != session.FUDuplex || a.Tokens != 0 {
		t.Errorf("initiator agreed RTSE %v mode %v context %v FUs %#x tokens %#x", a.RTSE, a.Mode, a.ApplicationContext, a.Requirements, a.Tokens)
	}
	wantContexts := []PresentationContext{{1, acse.AbstractSyntax}, {3, IDAsMTS}, {5, IDAsMSSE}, {7, IDAsMDSE94}, {9, IDAsMASE94}}
	checkContexts(t, "initiator", a.Contexts, wantContexts)
	// The wrong services and contexts are refused locally.
	msse, _ := a.ContextID(IDAsMSSE)
	for _, c := range []struct {
		name string
		err  error
		want error
	}{
		{"Transfer", a.Transfer(ctx, emptySet), ErrNoRTSE},
		{"TransferIn", a.TransferIn(ctx, msse, emptySet), ErrNoRTSE},
	} {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.err, c.want)
		}
	}
	if _, err := a.ReceiveTransfer(ctx); !errors.Is(err, ErrNoRTSE) {
		t.Errorf("ReceiveTransfer: %v", err)
	}
	for _, c := range []struct {
		pc  int
		pdu []byte
	}{{1, emptySet}, {3, emptySet}, {11, emptySet}, {msse, nil}, {msse, append(emptySet, emptySet...)}, {msse, []byte{0x31, 0x05}}} {
		if err := a.SendData(ctx, c.pc, c.pdu); err == nil {
			t.Errorf("SendData(%d, %x) sent", c.pc, c.pdu)
		}
	}
	if err := a.Close(ctx); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := a.SendData(ctx, msse, emptySet); !errors.Is(err, ErrReleased) {
		t.Errorf("SendData after Close: %v", err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatalf("server: %v", r.err)
	}
	in := r.in
	if in.RTSE || !in.ApplicationContext.Equal(MTSAccess94.Name) || !bytes.Equal(in.BindArgument, p3BindArg) || string(in.CalledPSAP) != "p3" {
		t.Errorf("responder saw RTSE %v context %v bind %x PSAP %q", in.RTSE, in.ApplicationContext, in.BindArgument, in.CalledPSAP)
	}
	checkContexts(t, "proposed", in.Proposed, wantContexts)
	checkContexts(t, "accepted", in.Contexts, wantContexts)
	checkContexts(t, "responder", r.a.Contexts, wantContexts)
	if r.a.RTSE || r.a.Initiator || r.a.Requirements != session.FUDuplex || !r.a.ApplicationContext.Equal(MTSAccess94.Name) {
		t.Errorf("responder agreed RTSE %v FUs %#x context %v", r.a.RTSE, r.a.Requirements, r.a.ApplicationContext)
	}
	if fmt.Sprint(r.invokes) != "[1 2 3 10 11 12]" || fmt.Sprint(r.results) != "[1010 1011 1012]" || len(r.contextsBad) > 0 {
		t.Errorf("responder received invokes %v, results %v; %v", r.invokes, r.results, r.contextsBad)
	}
}

func checkContexts(t *testing.T, who string, got, want []PresentationContext) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: contexts %v, want %v", who, got, want)
		return
	}
	for i := range want {
		if got[i].ID != want[i].ID || !got[i].AbstractSyntax.Equal(want[i].AbstractSyntax) {
			t.Errorf("%s: context %d = %v, want %v", who, i, got[i], want[i])
		}
	}
}

// A listener that serves only some of the abstract syntaxes rejects the
// others' contexts; the association goes on without them.
func TestROSContextRejected(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	noAdmin := AppContext{Name: MTSAccess88.Name, AbstractSyntaxes: []ber.OID{IDAsMTS, IDAsMSSE, IDAsMDSE88}, Bind: IDAsMTS}
	l, err := Listen("127.0.0.1:0", ListenConfig{Applications: []AppContext{noAdmin}, Logger: testLogger(t), Timeouts: testTimeouts()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ch := rosServe(ctx, l)
	a := rosExchange(t, ctx, l.Addr().String(), MTSAccess88, testLogger(t))
	want := []PresentationContext{{1, acse.AbstractSyntax}, {3, IDAsMTS}, {5, IDAsMSSE}, {7, IDAsMDSE88}}
	checkContexts(t, "initiator", a.Contexts, want)
	if err := a.SendData(ctx, 9, emptySet); err == nil {
		t.Error("SendData in the rejected context sent")
	}
	if err := a.Close(ctx); err != nil {
		t.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	checkContexts(t, "proposed", r.in.Proposed, append(want, PresentationContext{9, IDAsMASE88}))
	checkContexts(t, "responder", r.a.Contexts, want)
}

// A refused P3 bind without RTSE: the ROS bind-error is the AARE's user
// information, and the initiator gets it.
func TestROSBindRefused(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	l, err := Listen("127.0.0.1:0", ListenConfig{Applications: []AppContext{MTSAccess88}, Logger: testLogger(t), Timeouts: testTimeouts()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ch := make(chan error, 1)
	go func() {
		in, err := l.Accept(ctx)
		if err == nil {
			err = in.Refuse(ctx, p3BindError)
		}
		ch <- err
	}()
	_, _, err = Dial(ctx, DialConfig{Address: l.Addr().String(), Application: MTSAccess88, Logger: testLogger(t), Timeouts: testTimeouts()}, p3BindArg)
	var re *RefusedError
	if !errors.As(err, &re) || re.Layer != LayerACSE || re.Reason != acse.UserNoReasonGiven || !bytes.Equal(re.BindError, p3BindError) {
		t.Errorf("dial: %v", err)
	}
	if err := <-ch; err != nil {
		t.Errorf("server: %v", err)
	}
}

// An AARQ whose application context the listener does not serve is
// rejected with application-context-name-not-supported (X.227 §9.1); an
// X.410-1984 mode request by a listener that does not serve P1.
func TestApplicationContextNotSupported(t *testing.T) {
	for _, c := range []struct {
		name   string
		serve  []AppContext
		dial   AppContext
		mode   Mode
		layer  string
		reason int
	}{
		{"p3-to-p1", nil, MTSAccess88, Mode1988Normal, LayerACSE, acse.ApplicationContextNameNotSupported},
		{"p3-reliable-to-p1", nil, MTSReliableAccess94, Mode1988Normal, LayerACSE, acse.ApplicationContextNameNotSupported},
		{"p1-to-p3", []AppContext{MTSAccess88}, AppContext{}, Mode1988Normal, LayerACSE, acse.ApplicationContextNameNotSupported},
		{"p3-94-to-p3-88", []AppContext{MTSAccess88, MTSReliableAccess88}, MTSAccess94, Mode1988Normal, LayerACSE, acse.ApplicationContextNameNotSupported},
		{"x410-to-p3", []AppContext{MTSAccess88}, AppContext{}, Mode1988X410, LayerSession, int(session.RefuseUserNotSpecified)},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			var lb logBuffer
			lg := slog.New(slog.NewTextHandler(&lb, nil))
			l, err := Listen("127.0.0.1:0", ListenConfig{Applications: c.serve, Logger: lg, Timeouts: testTimeouts()})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			ch := make(chan error, 1)
			go func() {
				in, err := l.Accept(ctx)
				if in != nil {
					in.Refuse(ctx, nil)
					err = errors.New("request reached Accept")
				}
				ch <- err
			}()
			_, _, err = Dial(ctx, DialConfig{Address: l.Addr().String(), Application: c.dial, Mode: c.mode, Logger: testLogger(t), Timeouts: testTimeouts()}, p3BindArg)
			var re *RefusedError
			if !errors.As(err, &re) || re.Layer != c.layer || re.Reason != c.reason {
				t.Errorf("dial: %v, want a refusal at %s with reason %d", err, c.layer, c.reason)
			}
			err = <-ch
			if c.layer == LayerACSE && (!errors.As(err, &re) || re.Reason != acse.ApplicationContextNameNotSupported) {
				t.Errorf("Accept: %v", err)
			}
			if c.layer != LayerACSE && err == nil {
				t.Error("Accept: no error")
			}
			if !strings.Contains(lb.String(), "osi association refused") && !strings.Contains(lb.String(), "osi protocol error") {
				t.Errorf("no log line of the refusal:\n%s", lb.String())
			}
		})
	}
}

// A configuration that names an application context wrongly is an error.
func TestAppContextConfig(t *testing.T) {
	bad := []AppContext{
		{Name: ber.MustOID("1.2.3")},
		{Name: ber.MustOID("1.2.3"), AbstractSyntaxes: []ber.OID{IDAsMSSE}, Bind: IDAsMTS},
		{Name: ber.MustOID("1.2.3"), AbstractSyntaxes: []ber.OID{IDAsMTS, IDAsMTS}, Bind: IDAsMTS},
		{Name: ber.MustOID("1.2.3"), AbstractSyntaxes: []ber.OID{acse.AbstractSyntax, IDAsMTS}, Bind: IDAsMTS},
	}
	for _, x := range bad {
		if _, _, err := Dial(t.Context(), DialConfig{Address: "127.0.0.1:1", Application: x}, p3BindArg); err == nil || !strings.Contains(err.Error(), "application context") {
			t.Errorf("Dial with %+v: %v", x, err)
		}
		if l, err := Listen("127.0.0.1:0", ListenConfig{Applications: []AppContext{x}}); err == nil {
			l.Close()
			t.Errorf("Listen with %+v accepted", x)
		}
	}
	if l, err := Listen("127.0.0.1:0", ListenConfig{Applications: []AppContext{MTSAccess88, MTSAccess88}}); err == nil {
		l.Close()
		t.Error("Listen with a context twice accepted")
	}
}

// P3 over RTSE (mts-reliable-access-88, two-way alternate): ROS PDUs are
// RT-TRANSFERs whose EXTERNAL names the operation's context; the
// initiator gives the turn so that the responder answers, and takes it
// back for the release. P1's Received.Context is id-as-mtse's.
func TestROSReliable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	l, err := Listen("127.0.0.1:0", ListenConfig{Applications: []AppContext{MTSReliableAccess88, MTSTransfer}, Logger: testLogger(t), Timeouts: testTimeouts()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	type res struct {
		in  *Incoming
		ctx []int
		err error
	}
	ch := make(chan res, 1)
	go func() {
		var r res
		defer func() { ch <- r }()
		if r.in, r.err = l.Accept(ctx); r.err != nil {
			return
		}
		a, err := r.in.Accept(ctx, p3BindResult)
		if r.err = err; err != nil {
			return
		}
		if err := a.SendData(ctx, 5, emptySet); !errors.Is(err, ErrRTSE) {
			r.err = fmt.Errorf("SendData on RTSE: %v", err)
			return
		}
		rc, err := a.ReceiveTransfer(ctx)
		if r.err = err; err != nil {
			return
		}
		r.ctx = append(r.ctx, rc.Context)
		p, err := rose.Decode(rc.APDU)
		if err == nil && p.Invoke == nil {
			err = fmt.Errorf("not an invoke: %+v", p)
		}
		if r.err = err; err != nil {
			return
		}
		if r.err = rc.Confirm(); r.err != nil {
			return
		}
		if _, err := a.ReceiveTransfer(ctx); !errors.Is(err, ErrTurnGiven) {
			r.err = fmt.Errorf("turn: %v", err)
			return
		}
		b, _ := rose.Append(nil, &rose.PDU{ReturnResult: &rose.ReturnResult{InvokeID: p.Invoke.InvokeID, Result: &rose.Result{Opcode: p.Invoke.Opcode, Value: emptySet}}})
		if r.err = a.TransferIn(ctx, rc.Context, b); r.err != nil {
			return
		}
		// The initiator asks for the turn back to release.
		if _, err := a.ReceiveTransfer(ctx); !errors.Is(err, ErrTurnRequested) {
			r.err = fmt.Errorf("turn please: %v", err)
			return
		}
		r.err = a.Close(ctx)
	}()
	a, res2, err := Dial(ctx, DialConfig{Address: l.Addr().String(), Application: MTSReliableAccess88, DialogueMode: TwoWayAlternate,
		CheckpointSize: 1, Logger: testLogger(t), Timeouts: testTimeouts()}, p3BindArg)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res2, p3BindResult) || !a.RTSE || !a.ApplicationContext.Equal(MTSReliableAccess88.Name) || a.Requirements != ourFUs {
		t.Errorf("bind result %x, RTSE %v, context %v, FUs %#x", res2, a.RTSE, a.ApplicationContext, a.Requirements)
	}
	checkContexts(t, "initiator", a.Contexts, []PresentationContext{{1, acse.AbstractSyntax}, {3, IDAsMTSRTSE}, {5, IDAsMSSE}, {7, IDAsMDSE88}, {9, IDAsMASE88}})
	msse, _ := a.ContextID(IDAsMSSE)
	for _, pc := range []int{1, 3, 11} {
		if err := a.TransferIn(ctx, pc, emptySet); err == nil {
			t.Errorf("TransferIn(%d) sent", pc)
		}
	}
	if _, _, err := a.ReceiveData(ctx); !errors.Is(err, ErrRTSE) {
		t.Errorf("ReceiveData on RTSE: %v", err)
	}
	// An argument of 3 KiB: three checkpoints of 1 KiB.
	arg := append([]byte{0x04, 0x82, 0x0c, 0x00}, bytes.Repeat([]byte{'x'}, 3072)...)
	if err := a.TransferIn(ctx, msse, invokePDU(t, 7, opMessageSubmission, arg)); err != nil {
		t.Fatal(err)
	}
	if err := a.GiveTurn(ctx); err != nil {
		t.Fatal(err)
	}
	rc, err := a.ReceiveTransfer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p := decodeROS(t, rc.APDU); rc.Context != msse || p.ReturnResult == nil || p.ReturnResult.InvokeID.ID != 7 {
		t.Errorf("answer in context %d: %+v", rc.Context, p)
	}
	if err := rc.Confirm(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(ctx); err != nil {
		t.Fatalf("close: %v", err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatalf("server: %v", r.err)
	}
	if !r.in.RTSE || !r.in.ApplicationContext.Equal(MTSReliableAccess88.Name) || !bytes.Equal(r.in.BindArgument, p3BindArg) || r.in.DialogueMode != TwoWayAlternate {
		t.Errorf("responder saw RTSE %v context %v bind %x dialogue %d", r.in.RTSE, r.in.ApplicationContext, r.in.BindArgument, r.in.DialogueMode)
	}
	if fmt.Sprint(r.ctx) != fmt.Sprint([]int{msse}) {
		t.Errorf("responder received in contexts %v", r.ctx)
	}

	// P1 on the same listener: Received.Context is id-as-mtse's.
	ch2 := make(chan res, 1)
	go func() {
		var r res
		defer func() { ch2 <- r }()
		in, err := l.Accept(ctx)
		if r.err = err; err != nil {
			return
		}
		r.in = in
		a, err := in.Accept(ctx, testBindResult)
		if r.err = err; err != nil {
			return
		}
		rc, err := a.ReceiveTransfer(ctx)
		if r.err = err; err != nil {
			return
		}
		r.ctx = append(r.ctx, rc.Context)
		if r.err = rc.Confirm(); r.err != nil {
			return
		}
		if _, err := a.ReceiveTransfer(ctx); !errors.Is(err, ErrReleased) {
			r.err = err
		}
	}()
	p1, _, err := Dial(ctx, DialConfig{Address: l.Addr().String(), Logger: testLogger(t), Timeouts: testTimeouts()}, testBindArg)
	if err != nil {
		t.Fatal(err)
	}
	if err := p1.Transfer(ctx, emptySet); err != nil {
		t.Fatal(err)
	}
	if err := p1.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if r := <-ch2; r.err != nil || fmt.Sprint(r.ctx) != "[5]" || !r.in.RTSE || !r.in.ApplicationContext.Equal(acse.MTSTransfer) {
		t.Errorf("P1 responder: %v, contexts %v", r.err, r.ctx)
	}
}

// Bad P-DATA on an association without RTSE: the receiver aborts with
// the abort of the layer at fault and a log line, the sender learns it
// from the abort.
func TestROSBadData(t *testing.T) {
	fully := func(pdvs ...presentation.PDV) []byte {
		b, err := presentation.AppendUserData(nil, &presentation.UserData{PDVs: pdvs})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	one := func(id int, v []byte) []byte {
		return append(presentation.AppendOnePDVHeader(nil, id, len(v)), v...)
	}
	big := append([]byte{0x04, 0x81, 0x80}, bytes.Repeat([]byte{'x'}, 128)...)
	for _, c := range []struct {
		name      string
		fromResp  bool   // the responder sends it (else the initiator)
		info      []byte // the DT's user information, after an empty GT
		spdu      *session.SPDU
		sendData  []byte // sent with SendData in context 5 instead
		layer     string // of the receiver's abort
		peerLayer string // of the abort the sender gets
		log       string
	}{
		{name: "not-user-data", info: []byte{0x30, 0x00}, layer: LayerPresentation, peerLayer: LayerPresentation, log: "User-data"},
		{name: "truncated", info: one(5, emptySet)[:6], layer: LayerPresentation, peerLayer: LayerPresentation, log: "User-data"},
		{name: "context-not-agreed", info: one(11, emptySet), layer: LayerPresentation, peerLayer: LayerPresentation, log: "context 11 is not one agreed"},
		{name: "acse-context", info: one(1, emptySet), layer: LayerPresentation, peerLayer: LayerPresentation, log: "context 1 is not one agreed"},
		{name: "two-pdvs", info: fully(presentation.PDV{ContextID: 5, Value: emptySet}, presentation.PDV{ContextID: 7, Value: emptySet}), layer: LayerPresentation, peerLayer: LayerPresentation, log: "more than one PDV-list"},
		{name: "octet-aligned", info: fully(presentation.PDV{ContextID: 5, Encoding: presentation.OctetAligned, Value: []byte("abc")}), layer: LayerPresentation, peerLayer: LayerPresentation, log: "not a single-ASN1-type"},
		{name: "over-max-apdu", sendData: big, layer: LayerSession, peerLayer: LayerSession, log: "more than the limit 100"},
		{name: "over-max-apdu-to-initiator", fromResp: true, sendData: big, layer: LayerSession, peerLayer: LayerSession, log: "more than the limit 100"},
		{name: "token-please", spdu: &session.SPDU{Kind: session.KindPT, Tokens: session.Some(session.TokenData)}, layer: LayerSession, peerLayer: LayerSession, log: "unexpected PT"},
		{name: "release-from-responder", fromResp: true, spdu: &session.SPDU{Kind: session.KindFN, Disconnect: session.Some(session.TDRelease)}, layer: LayerSession, peerLayer: LayerSession, log: "only the initiator releases"},
		{name: "bad-context-to-initiator", fromResp: true, info: one(9, []byte{0x05, 0x00})[:5], layer: LayerPresentation, peerLayer: LayerPresentation, log: "User-data"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			var lb logBuffer
			lg := slog.New(slog.NewTextHandler(&lb, nil))
			lim := Limits{MaxAPDU: 100}
			l, err := Listen("127.0.0.1:0", ListenConfig{Applications: []AppContext{MTSAccess88}, Limits: lim, Logger: lg, Timeouts: testTimeouts()})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			ach := make(chan *Association, 1)
			go func() {
				in, err := l.Accept(ctx)
				if err != nil {
					ach <- nil
					return
				}
				a, _ := in.Accept(ctx, p3BindResult)
				ach <- a
			}()
			ia, _, err := Dial(ctx, DialConfig{Address: l.Addr().String(), Application: MTSAccess88, Limits: lim, Logger: lg, Timeouts: testTimeouts()}, p3BindArg)
			if err != nil {
				t.Fatal(err)
			}
			ra := <-ach
			if ra == nil {
				t.Fatal("not accepted")
			}
			sender, receiver := ia, ra
			if c.fromResp {
				sender, receiver = ra, ia
			}
			switch {
			case c.sendData != nil:
				sender.c.lim.MaxAPDU = 1 << 20 // the sender's own limit lets it go
				err = sender.SendData(ctx, 5, c.sendData)
			case c.spdu != nil:
				err = sender.c.writeSPDUs(ctx, *c.spdu)
			default:
				err = sender.c.writeSPDUs(ctx, session.SPDU{Kind: session.KindGT}, session.SPDU{Kind: session.KindDT, Info: c.info})
			}
			if err != nil {
				t.Fatal(err)
			}
			// The sender reads meanwhile: the receiver's abort waits for
			// it to close the connection.
			sch := make(chan error, 1)
			go func() {
				_, _, err := sender.ReceiveData(ctx)
				sch <- err
			}()
			_, _, err = receiver.ReceiveData(ctx)
			var ae *AbortError
			if !errors.As(err, &ae) || ae.Peer || ae.Layer != c.layer {
				t.Errorf("receiver: %v, want a local abort at %s", err, c.layer)
			}
			err = <-sch
			if !errors.As(err, &ae) || !ae.Peer || ae.Layer != c.peerLayer {
				t.Errorf("sender: %v, want the peer's abort at %s", err, c.peerLayer)
			}
			if !strings.Contains(lb.String(), "osi protocol error") || !strings.Contains(lb.String(), c.log) {
				t.Errorf("no log line with %q:\n%s", c.log, lb.String())
			}
		})
	}
}

// A user abort without RTSE is an ABRT from the service user.
func TestROSAbort(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	l, err := Listen("127.0.0.1:0", ListenConfig{Applications: []AppContext{MTSAccess88}, Logger: testLogger(t), Timeouts: testTimeouts()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ch := make(chan error, 1)
	go func() {
		in, err := l.Accept(ctx)
		if err != nil {
			ch <- err
			return
		}
		a, err := in.Accept(ctx, p3BindResult)
		if err != nil {
			ch <- err
			return
		}
		_, _, err = a.ReceiveData(ctx)
		ch <- err
	}()
	a, _, err := Dial(ctx, DialConfig{Address: l.Addr().String(), Application: MTSAccess88, Logger: testLogger(t), Timeouts: testTimeouts()}, p3BindArg)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Abort(ctx, 0); err != nil {
		t.Fatal(err)
	}
	err = <-ch
	var ae *AbortError
	if !errors.As(err, &ae) || !ae.Peer || ae.Layer != LayerACSE || !strings.Contains(ae.Msg, "ABRT, source 0") {
		t.Errorf("responder: %v", err)
	}
}

// The ROS-over-presentation exchange as Wireshark sees it: every PDU
// decodes (session, presentation, ACSE, ROS, and the P3 bind and
// operations of the p1 dissector) with no malformed packet, no expert
// warning and nothing left undecoded.
func TestROSCapture(t *testing.T) {
	if testing.Short() {
		t.Skip("capture test in -short mode")
	}
	path := tshark.Require(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	l, err := Listen("127.0.0.1:0", ListenConfig{Applications: []AppContext{MTSAccess88, MTSAccess94}, Logger: testLogger(t), Timeouts: testTimeouts()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	file, stop := tshark.Capture(t, path, port)
	for _, app := range []AppContext{MTSAccess88, MTSAccess94} {
		ch := rosServe(ctx, l)
		a := rosExchange(t, ctx, l.Addr().String(), app, testLogger(t))
		if err := a.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if r := <-ch; r.err != nil {
			t.Fatalf("server: %v", r.err)
		}
	}
	stop()
	defer func() {
		if dir := os.Getenv("MIXERD_KEEP_CAPTURES"); t.Failed() && dir != "" {
			b, _ := os.ReadFile(file)
			os.WriteFile(filepath.Join(dir, "ros.pcapng"), b, 0o644)
		}
	}()
	// Wireshark's limitation: its p7 dissector (X.413) registers
	// id-as-msse (2.6.0.2.1) with ROS too, after p1 did for P3, so the
	// operations of the submission context are looked up in P7's
	// operation table, which has no submission-control (code 2): each
	// of those PDUs shows "ROS: Dissector for OID 2.6.0.2.1 not
	// implemented" (its argument or result stays undecoded). The same
	// operation in the delivery context (id-as-mdse-88/94, P3's table)
	// decodes; our encoding of both is the same. So that expert is
	// allowed, but only on those PDUs: 8 per association (invokes 1, 10,
	// 11, 12 and their results).
	const p7msse = `^ROS: Dissector for OID 2\.6\.0\.2\.1 not implemented`
	problems, err := tshark.Problems(path, file, "", tshark.Check{Ports: []int{port},
		Require: []string{
			"acse.aarq_element && ros && p1.MTSBindArgument_element:2",
			"acse.aare_element && ros && p1.MTSBindResult_element:2",
			"ses.type == 13 && ses.duplex == 1 && ses.half_duplex == 0:2",
			"ros.invoke_element:18", "ros.returnResult_element:14", "ros.returnError_element:2", "ros.reject_element:2",
			"p1.SubmissionControlArgument_element:6", "p1.SubmissionControlResult_element:6",
			"acse.rlrq_element:2", "acse.rlre_element:2",
		},
		Allow: []string{p7msse}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("tshark: %s", p)
	}
	msgs, err := tshark.Fields(path, file, "", "_ws.expert.message", port)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if regexp.MustCompile(p7msse).MatchString(m) {
			n++
		}
	}
	if n != 16 {
		t.Errorf("%d PDUs undecoded for P7's registration of id-as-msse, want the 16 submission-control PDUs of the submission context", n)
	}
}

// P-DATA that cross the release (X.225 §7.6) are dropped with a log line,
// on both sides: the responder's invokes sent before it saw the FN, the
// initiator's sent before its own Close.
func TestROSReleaseDropsData(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var lb logBuffer
	lg := slog.New(slog.NewTextHandler(&lb, nil))
	l, err := Listen("127.0.0.1:0", ListenConfig{Applications: []AppContext{MTSAccess88}, Logger: lg, Timeouts: testTimeouts()})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ch := make(chan error, 1)
	go func() {
		in, err := l.Accept(ctx)
		if err != nil {
			ch <- err
			return
		}
		a, err := in.Accept(ctx, p3BindResult)
		if err != nil {
			ch <- err
			return
		}
		mdse, _ := a.ContextID(IDAsMDSE88)
		for id := 1; id <= 2; id++ {
			if err := a.SendData(ctx, mdse, invokePDU(t, id, opSubmissionControl, emptySet)); err != nil {
				ch <- err
				return
			}
		}
		// The responder's Close waits for the initiator's release and
		// drops the initiator's invoke that comes first.
		ch <- a.Close(ctx)
	}()
	a, _, err := Dial(ctx, DialConfig{Address: l.Addr().String(), Application: MTSAccess88, Logger: lg, Timeouts: testTimeouts()}, p3BindArg)
	if err != nil {
		t.Fatal(err)
	}
	msse, _ := a.ContextID(IDAsMSSE)
	if err := a.SendData(ctx, msse, invokePDU(t, 1, opSubmissionControl, emptySet)); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(ctx); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := <-ch; err != nil {
		t.Fatalf("responder: %v", err)
	}
	log := lb.String()
	if n := strings.Count(log, "osi P-DATA dropped: the association is being released"); n != 2 {
		t.Errorf("initiator dropped %d P-DATA, want 2:\n%s", n, log)
	}
	if n := strings.Count(log, "osi P-DATA dropped: waiting for the release"); n != 1 {
		t.Errorf("responder dropped %d P-DATA, want 1:\n%s", n, log)
	}
	if !strings.Contains(log, "osi association released by peer") || !strings.Contains(log, "osi association released ") {
		t.Errorf("release not logged:\n%s", log)
	}
}
