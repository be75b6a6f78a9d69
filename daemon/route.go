package daemon

import (
	"strings"
	"sync"
	"sync/atomic"

	"mixerd/mixer"
	"mixerd/policy"
	"mixerd/x400"
)

// hopNone is the next hop of a recipient with no route: the worker fails it
// permanently at once (its non-delivery report is then due).
const hopNone = "none:no-route"

// hopString is the queue's name of a next hop: "p1:NAME", "smtp:NAME",
// "smtp:mx".
func hopString(h policy.NextHop) string {
	switch h.Kind {
	case policy.HopPeer:
		return "p1:" + h.Name
	case policy.HopRelay:
		return "smtp:" + h.Name
	case policy.HopMX:
		return "smtp:mx"
	}
	return hopNone
}

// domainOf returns the domain of an addr-spec, "" if it has none.
func domainOf(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 || i == len(addr)-1 {
		return ""
	}
	return strings.TrimSuffix(addr[i+1:], ".")
}

// routeSMTP returns the next hop of an SMTP recipient, and why there is
// none. A domain of the gateway (its own, a local domain, or one the
// domain -> O/R address table maps, RFC 2156 §4.3.4) is X.400: the address
// is mapped to an O/R address and routed as one; any other is routed by
// domain to a relay or MX.
func (d *Daemon) routeSMTP(st *state, addr string) (hop, why string) {
	if r, ok := st.routes.get(addr); ok {
		return r.hop, r.why
	}
	hop, why = d.routeSMTPUncached(st, addr)
	st.routes.put(addr, route{hop, why})
	return hop, why
}

// The starts of routeSMTP's reasons that say the recipient does not
// exist (checkRcpt answers them 5.1.1, others 5.4.4).
const (
	whyNoORAddress     = "no O/R address: "
	whyNoSuchRecipient = "no such recipient: "
)

// route is a routing answer.
type route struct{ hop, why string }

// routeCache remembers routeSMTP's answers for one state (a reload makes
// a new state, and with it an empty cache): a recipient is routed when
// its RCPT is checked, again when the message is spooled, and its
// reports' recipients likewise. At most routeCacheMax entries: when full
// it starts again empty.
type routeCache struct {
	m atomic.Pointer[sync.Map]
	n atomic.Int64
}

const routeCacheMax = 16384

func (c *routeCache) get(addr string) (route, bool) {
	m := c.m.Load()
	if m == nil {
		return route{}, false
	}
	v, ok := m.Load(addr)
	if !ok {
		return route{}, false
	}
	return v.(route), true
}

func (c *routeCache) put(addr string, r route) {
	m := c.m.Load()
	if m == nil || c.n.Load() >= routeCacheMax {
		m = new(sync.Map)
		c.m.Store(m)
		c.n.Store(0)
	}
	if _, loaded := m.LoadOrStore(addr, r); !loaded {
		c.n.Add(1)
	}
}

// routeSMTPUncached is routeSMTP without the cache.
func (d *Daemon) routeSMTPUncached(st *state, addr string) (hop, why string) {
	dom := domainOf(addr)
	if dom == "" {
		return hopNone, "no domain"
	}
	if !st.x400Domain(dom) {
		h, ok := st.pol.RouteDomain(dom)
		if !ok {
			return hopNone, "no route to domain " + dom
		}
		return hopString(h), ""
	}
	mb, err := mixer.ParseMailbox(addr)
	if err != nil {
		return hopNone, "address does not parse: " + err.Error()
	}
	or, err := st.gw.RFC822ToORAddress(mb)
	if err != nil {
		return hopNone, whyNoORAddress + err.Error()
	}
	// Behind the gateway's own domain there is only X.400 (RFC 2156
	// §4.3.1): an address there whose local part is no O/R address comes
	// out as itself in an RFC-822 attribute under our own O/R address, and
	// would only come back here.
	if hasRFC822DDA(&or) && underContext(&or, &st.gw.ORAddress) {
		if back, err := st.gw.ORAddressToRFC822(&or); err == nil && strings.EqualFold(back.Domain, dom) {
			return hopNone, whyNoSuchRecipient + "at the gateway's domain " + dom + " the local part must be an X.400 address (RFC 2156 §4.3.1)"
		}
	}
	h, ok := st.pol.RouteORAddress(&or)
	if !ok {
		return hopNone, "no route to O/R address " + or.String()
	}
	return hopString(h), ""
}

// routeOR returns the next hop of an X.400 recipient, and why there is
// none. An Internet address in X.400 form (an RFC-822 domain-defined
// attribute under the gateway's own O/R address, RFC 2156 §4.3.2, or an
// address the O/R address -> domain table maps, §4.3.5 mapping B) is routed
// by its domain; any other by O/R address.
func (d *Daemon) routeOR(st *state, a *x400.ORAddress) (hop, why string) {
	internet := hasRFC822DDA(a) && underContext(a, &st.gw.ORAddress)
	if !internet && st.gw.ORToDomain != nil {
		_, internet = st.gw.ORToDomain.LookupORAddress(a)
	}
	if internet {
		mb, err := st.gw.ORAddressToRFC822(a)
		if err == nil && !strings.EqualFold(mb.Domain, st.gw.Domain) {
			h, ok := st.pol.RouteDomain(mb.Domain)
			if !ok {
				return hopNone, "no route to domain " + mb.Domain
			}
			return hopString(h), ""
		}
	}
	h, ok := st.pol.RouteORAddress(a)
	if !ok {
		return hopNone, "no route to O/R address " + a.String()
	}
	return hopString(h), ""
}

func hasRFC822DDA(a *x400.ORAddress) bool {
	for _, dd := range a.DomainDefined {
		if strings.EqualFold(dd.Type, "RFC-822") {
			return true
		}
	}
	return false
}

// underContext reports whether a has every C, ADMD, PRMD, O and OU of ctx
// with the same value (case-insensitive, an empty or blank ADMD alike): the
// RFC-822 attribute is then ours to decode (RFC 2156 §4.3.2).
func underContext(a, ctx *x400.ORAddress) bool {
	eq := func(x, y string) bool {
		return strings.EqualFold(strings.TrimSpace(x), strings.TrimSpace(y))
	}
	if !eq(a.Country.Value, ctx.Country.Value) || !eq(a.ADMD.Value, ctx.ADMD.Value) {
		return false
	}
	if ctx.PRMD.Value != "" && !eq(a.PRMD.Value, ctx.PRMD.Value) {
		return false
	}
	if ctx.Organization != "" && !eq(a.Organization, ctx.Organization) {
		return false
	}
	if len(a.OrganizationalUnits) < len(ctx.OrganizationalUnits) {
		return false
	}
	for i, ou := range ctx.OrganizationalUnits {
		if !eq(a.OrganizationalUnits[i], ou) {
			return false
		}
	}
	return true
}

// x400Domain says whether Internet domain dom is the X.400 side's: the
// gateway's own, a local domain, or one the RFC 2156 domain -> O/R table
// maps (§4.3.4, Appendix F).
func (st *state) x400Domain(dom string) bool {
	if strings.EqualFold(dom, st.gw.Domain) || st.pol.IsLocalDomain(dom) {
		return true
	}
	if st.gw.DomainToOR != nil {
		if _, ok := st.gw.DomainToOR.LookupDomain(dom); ok {
			return true
		}
	}
	return false
}
