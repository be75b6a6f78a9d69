package policy

import (
	"strings"

	"mixerd/x400"
)

// orNormalise gives a C without an ADMD the single-space ADMD that RFC
// 2156 §4.1.3 implies, so that "/C=GB/PRMD=MOD/" and "/C=GB/ADMD= /PRMD=MOD/"
// are the same.
func orNormalise(a *x400.ORAddress) {
	if !a.Country.IsZero() && a.ADMD.IsZero() {
		a.ADMD = x400.NumericOrPrintable{Value: " "}
	}
}

// orEqual compares two attribute values as X.411 §9.4 compares
// PrintableStrings for routing: case-insensitive, and with the single
// space of an "any" ADMD equal only to itself.
func orEqual(a, b string) bool { return strings.EqualFold(a, b) }

// orMatch returns the number of attributes of pattern, when a matches it
// (every attribute of the pattern present in a with the same value, a's
// OUs beginning with the pattern's), and -1 when not.
func orMatch(pattern, a *x400.ORAddress) int {
	n := 0
	for _, f := range []struct{ p, v string }{
		{pattern.Country.Value, a.Country.Value},
		{pattern.ADMD.Value, a.ADMD.Value},
		{pattern.PRMD.Value, a.PRMD.Value},
		{pattern.Organization, a.Organization},
	} {
		if f.p == "" {
			continue
		}
		if !orEqual(f.p, f.v) {
			return -1
		}
		n++
	}
	if len(pattern.OrganizationalUnits) > len(a.OrganizationalUnits) {
		return -1
	}
	for i, ou := range pattern.OrganizationalUnits {
		if !orEqual(ou, a.OrganizationalUnits[i]) {
			return -1
		}
		n++
	}
	return n
}

// RouteORAddress returns the next hop of a message to the O/R address a:
// that of the route whose or_address pattern matches it with the most
// attributes (C, ADMD, PRMD, O and each OU count one; a C without an
// ADMD is taken with the single-space ADMD of RFC 2156 §4.1.3), or the
// x400_default when none matches. ok is false when there is no route.
func (p *Policy) RouteORAddress(a *x400.ORAddress) (hop NextHop, ok bool) {
	n := *a
	orNormalise(&n)
	best := -1
	for i := range p.Routing.Routes {
		r := &p.Routing.Routes[i]
		if r.ORPattern == nil {
			continue
		}
		if m := orMatch(r.ORPattern, &n); m > best {
			best, hop = m, r.Via
		}
	}
	if best >= 0 {
		return hop, true
	}
	if p.Routing.X400Default != nil {
		return *p.Routing.X400Default, true
	}
	return NextHop{}, false
}

// normDomain lower-cases d and drops its trailing dot.
func normDomain(d string) string { return strings.ToLower(strings.TrimSuffix(d, ".")) }

// domainMatch returns how well the domain pattern pat matches d: for an
// exact pattern 2*labels+1, for "*.suffix" 2*labels of the suffix (a
// strict subdomain only), -1 when it does not match. A longer match, and
// an exact one at equal length, is the better.
func domainMatch(pat, d string) int {
	if suf, ok := strings.CutPrefix(pat, "*."); ok {
		if len(d) > len(suf)+1 && strings.HasSuffix(d, suf) && d[len(d)-len(suf)-1] == '.' {
			return 2 * (strings.Count(suf, ".") + 1)
		}
		return -1
	}
	if pat == d {
		return 2*(strings.Count(pat, ".")+1) + 1
	}
	return -1
}

// RouteDomain returns the next hop of a message to the RFC 822 domain d:
// that of the route whose domain matches it best (an exact domain, else
// the "*.suffix" with the longest suffix; case-insensitive), or the
// smtp_default. ok is false when there is no route.
func (p *Policy) RouteDomain(d string) (hop NextHop, ok bool) {
	d = normDomain(d)
	best := -1
	for i := range p.Routing.Routes {
		r := &p.Routing.Routes[i]
		if r.Domain == "" {
			continue
		}
		if m := domainMatch(r.Domain, d); m > best {
			best, hop = m, r.Via
		}
	}
	if best >= 0 {
		return hop, true
	}
	if p.Routing.SMTPDefault != nil {
		return *p.Routing.SMTPDefault, true
	}
	return NextHop{}, false
}

// IsLocalDomain reports whether d is one of Routing.LocalDomains (exactly,
// or a subdomain of a "*." one): mail to it is accepted from any SMTP
// client.
func (p *Policy) IsLocalDomain(d string) bool {
	d = normDomain(d)
	for _, l := range p.Routing.LocalDomains {
		if domainMatch(l, d) >= 0 {
			return true
		}
	}
	return false
}
