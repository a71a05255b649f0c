package lmtp

import (
	"reflect"
	"testing"
)

func TestSenderForged(t *testing.T) {
	const id = "mx.grouprise.test"
	for _, tc := range []struct {
		name   string
		fields []string
		forged bool
	}{
		{"no field", nil, false},
		{"dmarc fail", []string{"mx.grouprise.test; dmarc=fail header.from=example.org"}, true},
		{"dmarc fail, id in other case", []string{"MX.Grouprise.Test; dmarc=fail"}, true},
		{"dmarc fail of OpenDMARC with comment", []string{"mx.grouprise.test; dmarc=fail (p=reject dis=none) header.from=example.org"}, true},
		{"dmarc pass", []string{"mx.grouprise.test; dmarc=pass (p=none dis=none) header.from=example.org"}, false},
		{"dmarc fail of another id", []string{"mx.evil.example; dmarc=fail header.from=example.org"}, false},
		{"another id that starts like ours", []string{"mx.grouprise.test.evil.example; dmarc=fail"}, false},
		{"quoted id", []string{`"mx.grouprise.test"; dmarc=fail`}, true},
		{"version 1", []string{"mx.grouprise.test 1; dmarc=fail"}, true},
		{"unknown version is ignored", []string{"mx.grouprise.test 2; dmarc=fail"}, false},
		{"comment before the version", []string{"mx.grouprise.test (rspamd) 1; dmarc=fail"}, true},
		{"semicolon inside a comment", []string{"mx.grouprise.test; spf=pass (sender; ok) smtp.mailfrom=a@example.org; dmarc=fail"}, true},
		{"dmarc=fail only inside a comment", []string{"mx.grouprise.test; dmarc=pass (not dmarc=fail; really) header.from=example.org"}, false},
		{"nested comment", []string{"mx.grouprise.test; dkim=pass (a (b; dmarc=fail) c) header.d=example.org"}, false},
		{"quoted value with a semicolon", []string{`mx.grouprise.test; dkim=pass reason="good; dmarc=fail" header.d=example.org`}, false},
		{"white space around =", []string{"mx.grouprise.test; dmarc = fail header.from = example.org"}, true},
		{"method version", []string{"mx.grouprise.test; dmarc/1=fail"}, true},
		{"result in capitals", []string{"mx.grouprise.test; DMARC=FAIL"}, true},
		{"spf fail", []string{"mx.grouprise.test; spf=fail smtp.mailfrom=anna@example.org"}, true},
		{"spf fail with a dkim pass", []string{"mx.grouprise.test; spf=fail smtp.mailfrom=anna@example.org; dkim=pass header.d=example.org"}, false},
		{"spf fail, dkim pass in a second field of ours", []string{"mx.grouprise.test; spf=fail", "mx.grouprise.test; dkim=pass header.d=example.org"}, false},
		{"spf fail, dkim pass only in a foreign field", []string{"mx.grouprise.test; spf=fail", "mx.evil.example; dkim=pass"}, true},
		{"spf fail, dkim fail", []string{"mx.grouprise.test; spf=fail; dkim=fail"}, true},
		{"spf softfail", []string{"mx.grouprise.test; spf=softfail"}, false},
		{"dmarc fail beats a dkim pass", []string{"mx.grouprise.test; dkim=pass; dmarc=fail"}, true},
		{"a forged pass does not hide our fail", []string{"mx.grouprise.test; dmarc=pass", "mx.grouprise.test; dmarc=fail"}, true},
		{"none", []string{"mx.grouprise.test; none"}, false},
		{"unbalanced comment", []string{"mx.grouprise.test; dmarc=fail (oops"}, false},
		{"empty", []string{""}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := senderForged(id, "example.org", tc.fields); got != tc.forged {
				t.Errorf("senderForged(%q) = %v, want %v", tc.fields, got, tc.forged)
			}
		})
	}
	if senderForged("", "example.org", []string{"mx.grouprise.test; dmarc=fail"}) {
		t.Error("without lmtp.authserv_id a field was trusted")
	}
}

// A DKIM pass answers an SPF failure only for a signature of the envelope sender's own
// domain (or a parent or child of it): anybody can sign with a key of their own domain.
func TestSenderForgedDKIMAlignment(t *testing.T) {
	const id = "mx.grouprise.test"
	for _, tc := range []struct {
		name, domain, results string
		forged                bool
	}{
		{"aligned pass", "club.example", "spf=fail smtp.mailfrom=member@club.example; dkim=pass header.d=club.example", false},
		{"aligned pass in other case, trailing dot", "Club.Example", "spf=fail; dkim=pass header.d=CLUB.example.", false},
		{"unaligned pass with a dmarc pass of the attacker's From",
			"club.example", "spf=fail smtp.mailfrom=member@club.example; dkim=pass header.d=evil.example; dmarc=pass header.from=evil.example", true},
		{"domain that merely ends like the sender's", "club.example", "spf=fail; dkim=pass header.d=evilclub.example", true},
		{"sender's domain inside the signer's", "club.example", "spf=fail; dkim=pass header.d=club.example.evil.example", true},
		{"signed by a subdomain of the sender's domain", "club.example", "spf=fail; dkim=pass header.d=mail.club.example", false},
		{"sender at a subdomain of the signing domain", "lists.club.example", "spf=fail; dkim=pass header.d=club.example", false},
		{"signed by a top-level domain", "club.example", "spf=fail; dkim=pass header.d=example", true},
		{"header.i of the sender's domain", "club.example", "spf=fail; dkim=pass header.i=@club.example", false},
		{"header.i with a local part", "club.example", "spf=fail; dkim=pass header.i=member@mail.club.example", false},
		{"header.i of another domain", "club.example", "spf=fail; dkim=pass header.i=@evil.example", true},
		{"header.d decides over header.i", "club.example", "spf=fail; dkim=pass header.d=evil.example header.i=@club.example", true},
		{"missing header.d", "club.example", "spf=fail; dkim=pass header.s=sel1", true},
		{"one aligned pass among unaligned ones", "club.example",
			"spf=fail; dkim=pass header.d=evil.example; dkim=pass header.d=club.example", false},
		{"aligned dkim fail, unaligned pass", "club.example", "spf=fail; dkim=fail header.d=club.example; dkim=pass header.d=evil.example", true},
		{"no sender domain", "", "spf=fail; dkim=pass header.d=club.example", true},
		{"unaligned pass without an spf failure", "club.example", "spf=pass; dkim=pass header.d=evil.example", false},
		{"spf softfail with an unaligned pass", "club.example", "spf=softfail; dkim=pass header.d=evil.example; dmarc=pass header.from=evil.example", false},
		{"aligned pass does not answer a dmarc fail", "club.example", "spf=fail; dkim=pass header.d=club.example; dmarc=fail", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := senderForged(id, tc.domain, []string{id + "; " + tc.results}); got != tc.forged {
				t.Errorf("senderForged(%q, %q) = %v, want %v", tc.domain, tc.results, got, tc.forged)
			}
		})
	}
}

func TestSenderDomain(t *testing.T) {
	for sender, want := range map[string]string{
		"member@club.example":   "club.example",
		"<member@club.example>": "club.example",
		`"a@b"@club.example`:    "club.example",
		"member":                "",
		"":                      "",
	} {
		if got := senderDomain(sender); got != want {
			t.Errorf("senderDomain(%q) = %q, want %q", sender, got, want)
		}
	}
}

func TestParseAuthResults(t *testing.T) {
	id, results, err := parseAuthResults(`mx.example.org 1; dkim=pass (good signature) header.d=example.org header.s="sel 1";` +
		` spf = pass (mx.example.org: domain of a@example.org designates 192.0.2.1 as permitted sender) smtp.mailfrom=a@example.org;` +
		` dmarc=pass (policy=reject) header.from=example.org`)
	want := []authResult{
		{"dkim", "pass", map[string]string{"header.d": "example.org", "header.s": "sel 1"}},
		{"spf", "pass", map[string]string{"smtp.mailfrom": "a@example.org"}},
		{"dmarc", "pass", map[string]string{"header.from": "example.org"}},
	}
	if err != nil || id != "mx.example.org" || !reflect.DeepEqual(results, want) {
		t.Errorf("got %q %+v %v", id, results, err)
	}
}
