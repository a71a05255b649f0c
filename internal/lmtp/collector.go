package lmtp

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/emersion/go-message/mail"
)

// The collector mailbox (collector_mailbox_address) is the original's alternative to LMTP:
// the MTA puts all mail of the domain into one mailbox (a catch-all alias), whose .forward
// pipes it into import-mail. The envelope then names only the collector; where a mail was
// going is read from its header.

// addressedFields name where a mail was going, the MTA's records first: Postfix's
// X-Original-To and Exim's Envelope-To keep the recipient from before the catch-all alias
// (so Bcc works), a Delivered-To of an earlier hop; then the sender's To and Cc. Any of them
// can be written by the sender, who chooses the target anyway: who may write there is
// decided by the envelope sender, as over LMTP.
var addressedFields = []string{"X-Original-To", "Envelope-To", "Delivered-To", "To", "Cc"}

// maxCollected bounds the addresses one mail from the collector is delivered to (and the
// lookups it costs).
const maxCollected = 20

// addressed lists the addresses in a mail's addressedFields, in their order, each once.
func addressed(h mail.Header) []string {
	var out []string
	seen := map[string]bool{}
	add := func(a string) {
		a = strings.Trim(strings.TrimSpace(a), "<>")
		if k := strings.ToLower(a); a != "" && !seen[k] && strings.Contains(a, "@") {
			seen[k] = true
			out = append(out, a)
		}
	}
	for _, field := range addressedFields {
		for _, v := range h.Values(field) {
			// decoded the way AddressList decodes the first value (encoded names, groups)
			addrs, err := mail.ParseAddressList(v)
			if err != nil {
				add(v) // a bare address with a comment, as some MTAs write it
				continue
			}
			for _, a := range addrs {
				add(a.Address)
			}
		}
	}
	return out
}

// Collected is what became of a mail from the collector for one address of the site.
type Collected struct {
	Address string
	Outcome Outcome
	// Err is temporary: the MTA should deliver the mail again (what was delivered is not
	// delivered twice).
	Err error
}

// DeliverCollected delivers a mail from the collector mailbox to every address of the site
// that named (the recipients the MTA told of) and its header name, each once, at most
// maxCollected; ErrUnknownRecipient when they name none.
func (d *Deliverer) DeliverCollected(ctx context.Context, collector, sender string, named []string, raw []byte) ([]Collected, error) {
	p, err := Parse(bytes.Clone(raw), d.cfg.UploadLimit())
	if err != nil {
		return nil, err
	}
	var out []Collected
	tried := 0
	seen := map[string]bool{}
	for _, a := range slices.Concat(named, p.Addressed) {
		a = strings.TrimSpace(a)
		if seen[strings.ToLower(a)] {
			continue
		}
		seen[strings.ToLower(a)] = true
		_, domain, _ := strings.Cut(strings.ToLower(a), "@")
		if strings.EqualFold(a, collector) || !d.domains[domain] {
			continue // (other people's addresses cost no lookup and count not)
		}
		if tried++; tried > maxCollected {
			break
		}
		r, err := d.Check(ctx, a)
		if errors.Is(err, ErrUnknownRecipient) {
			continue
		}
		if err != nil {
			out = append(out, Collected{Address: a, Err: err})
			continue
		}
		o, err := d.Deliver(ctx, sender, r, p)
		out = append(out, Collected{Address: a, Outcome: o, Err: err})
	}
	if len(out) == 0 {
		return nil, ErrUnknownRecipient
	}
	return out, nil
}
