package lmtp

import (
	"errors"
	"strings"
)

// The local MTA's verdict on a mail's sender, from its Authentication-Results header fields
// (RFC 8601). Only fields of the MTA's own authserv-id count: anybody can write such a field
// into a mail, so a field of another id says nothing, and a verdict is only ever used to
// take trust away (a failure makes the sender a stranger), never to give it.

// authResult is one method's result ("dmarc=fail header.from=example.org").
type authResult struct {
	Method string // lower case, without its version
	Result string // lower case
	Props  map[string]string
}

var errAuthResMalformed = errors.New("malformed Authentication-Results")

// parseAuthResults reads a header field's value: the authserv-id (quotes removed), and its
// results. Comments are left out wherever they stand; a field of an unknown version has no
// results (RFC 8601 section 2.2), and a result that cannot be read is skipped.
func parseAuthResults(v string) (string, []authResult, error) {
	s, err := stripComments(v)
	if err != nil {
		return "", nil, err
	}
	parts := splitUnquoted(s, func(r rune) bool { return r == ';' })
	if len(parts) == 0 {
		return "", nil, errAuthResMalformed
	}
	head := splitUnquoted(tighten(parts[0]), isSpace)
	if len(head) == 0 || len(head) > 2 {
		return "", nil, errAuthResMalformed
	}
	id := unquote(head[0])
	if len(head) == 2 {
		if strings.Trim(head[1], "0123456789") != "" {
			return "", nil, errAuthResMalformed
		}
		if strings.TrimLeft(head[1], "0") != "1" {
			return id, nil, nil
		}
	}
	var results []authResult
	for _, part := range parts[1:] {
		fields := splitUnquoted(tighten(part), isSpace)
		if len(fields) == 0 || (len(fields) == 1 && strings.EqualFold(fields[0], "none")) {
			continue
		}
		method, result, ok := strings.Cut(fields[0], "=")
		if !ok || method == "" || result == "" {
			continue
		}
		method, _, _ = strings.Cut(method, "/")
		r := authResult{Method: strings.ToLower(method), Result: strings.ToLower(unquote(result)), Props: map[string]string{}}
		for _, f := range fields[1:] {
			if k, val, ok := strings.Cut(f, "="); ok && k != "" {
				r.Props[strings.ToLower(k)] = unquote(val)
			}
		}
		results = append(results, r)
	}
	return id, results, nil
}

// senderForged tells whether the MTA that calls itself authservID found a mail's sender
// forged: DMARC failed, or SPF failed for the envelope sender and no DKIM signature aligned
// with senderDomain (the envelope sender's domain) passed. An empty authservID trusts no field.
//
// Only an aligned signature answers an SPF failure: anybody can sign a mail with a key of
// their own domain, so a pass for evil.example says nothing about a member@club.example in
// the envelope (and DMARC then passes too, for the From: evil.example the attacker wrote).
// spf=softfail, neutral, none and the errors are no verdict: many members' domains publish
// only a weak SPF record (~all) or none, and their mail must still arrive.
func senderForged(authservID, senderDomain string, fields []string) bool {
	if authservID == "" {
		return false
	}
	var dmarcFail, spfFail, dkimPass bool
	for _, f := range fields {
		id, results, err := parseAuthResults(f)
		if err != nil || !strings.EqualFold(id, authservID) {
			continue
		}
		for _, r := range results {
			switch {
			case r.Method == "dmarc" && r.Result == "fail":
				dmarcFail = true
			case r.Method == "spf" && (r.Result == "fail" || r.Result == "hardfail"):
				spfFail = true
			case r.Method == "dkim" && r.Result == "pass" && aligned(signingDomain(r), senderDomain):
				dkimPass = true
			}
		}
	}
	return dmarcFail || (spfFail && !dkimPass)
}

// signingDomain is a DKIM result's signing domain: header.d, or else the domain of the
// signing identity header.i (which RFC 6376 requires to lie within d).
func signingDomain(r authResult) string {
	if d := r.Props["header.d"]; d != "" {
		return d
	}
	if i := r.Props["header.i"]; strings.Contains(i, "@") {
		return i[strings.LastIndex(i, "@")+1:]
	}
	return ""
}

// aligned tells whether two domains belong together, relaxed as DMARC's alignment but
// without a public-suffix list: equal, or one a subdomain of the other (mail.club.example
// and club.example). A name without a dot (a top-level domain) aligns with nothing. Only
// the owner of a domain publishes keys for it and its subdomains, so an attacker cannot
// sign for either side — unless that owner hands out subdomains to others.
func aligned(a, b string) bool {
	a = strings.ToLower(strings.TrimSuffix(a, "."))
	b = strings.ToLower(strings.TrimSuffix(b, "."))
	if !strings.Contains(a, ".") || !strings.Contains(b, ".") {
		return false
	}
	return a == b || strings.HasSuffix(a, "."+b) || strings.HasSuffix(b, "."+a)
}

// stripComments replaces each comment (parentheses, nested, with quoted-pairs) outside quoted
// strings by a space.
func stripComments(s string) (string, error) {
	var b strings.Builder
	depth, quoted, escaped := 0, false, false
	for _, r := range s {
		switch {
		case escaped:
			escaped = false
			if depth == 0 {
				b.WriteRune(r)
			}
			continue
		case r == '\\' && (quoted || depth > 0):
			escaped = true
			if depth == 0 {
				b.WriteRune(r)
			}
			continue
		case quoted:
			if r == '"' {
				quoted = false
			}
		case r == '(':
			depth++
			continue
		case r == ')':
			if depth == 0 {
				return "", errAuthResMalformed
			}
			if depth--; depth == 0 {
				b.WriteRune(' ')
			}
			continue
		case depth > 0:
			continue
		case r == '"':
			quoted = true
		}
		b.WriteRune(r)
	}
	if depth > 0 || quoted || escaped {
		return "", errAuthResMalformed
	}
	return b.String(), nil
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' }

// splitUnquoted splits s at the runes sep accepts outside quoted strings, leaving out empty
// pieces except the first (the authserv-id's place).
func splitUnquoted(s string, sep func(rune) bool) []string {
	var out []string
	var cur strings.Builder
	flush := func(always bool) {
		if t := strings.TrimSpace(cur.String()); t != "" || always {
			out = append(out, t)
		}
		cur.Reset()
	}
	walkQuoted(s, func(r rune, outside bool) {
		if outside && sep(r) {
			flush(len(out) == 0 && !isSpace(r))
			return
		}
		cur.WriteRune(r)
	})
	flush(false)
	return out
}

// tighten removes the white space that RFC 8601 allows around "=" and "/" in a method and its
// properties (outside quoted strings).
func tighten(s string) string {
	var b strings.Builder
	skipSpace := false
	walkQuoted(s, func(r rune, outside bool) {
		if skipSpace && outside && isSpace(r) {
			return
		}
		skipSpace = false
		if outside && (r == '=' || r == '/') {
			before := strings.TrimRight(b.String(), " \t\r\n")
			b.Reset()
			b.WriteString(before)
			skipSpace = true
		}
		b.WriteRune(r)
	})
	return b.String()
}

// walkQuoted calls f for each rune of s, telling whether it stands outside quoted strings
// (quotes and quoted-pairs count as inside).
func walkQuoted(s string, f func(r rune, outside bool)) {
	quoted, escaped := false, false
	for _, r := range s {
		outside := !quoted && r != '"'
		switch {
		case escaped:
			escaped = false
		case quoted && r == '\\':
			escaped = true
		case r == '"':
			quoted = !quoted
		}
		f(r, outside)
	}
}

// unquote takes a value out of its quoted string.
func unquote(v string) string {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}
	var b strings.Builder
	escaped := false
	for _, r := range v[1 : len(v)-1] {
		if !escaped && r == '\\' {
			escaped = true
			continue
		}
		escaped = false
		b.WriteRune(r)
	}
	return b.String()
}

// senderDomain is the domain of an envelope sender's address ("" without one).
func senderDomain(sender string) string {
	at := strings.LastIndex(sender, "@")
	if at < 0 {
		return ""
	}
	return strings.Trim(sender[at+1:], "<> ")
}
