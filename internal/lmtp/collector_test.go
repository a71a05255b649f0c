package lmtp

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/conversations"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// A mail from the collector mailbox goes to every address of the site that the MTA or its
// header names: the original recipient (Bcc too), To and Cc; each once, redeliveries too.
func TestDeliverCollected(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "collector_mailbox_address: sammel@mail.example.org\n")
		catalog, _ := i18n.Load()
		d := New(s.cfg, db, catalog, slog.New(slog.NewTextHandler(io.Discard, nil)), contents.New(db), conversations.New(db))
		ctx := context.Background()
		outcomes := func(rs []Collected) string {
			var out []string
			for _, r := range rs {
				o := r.Outcome.String()
				if r.Err != nil {
					o = "error"
				}
				out = append(out, strings.ToLower(r.Address)+"="+o)
			}
			return strings.Join(out, " ")
		}
		collector := "sammel@mail.example.org"

		// bert is a member of garten and haus; the MTA recorded garten, the sender wrote haus
		// in Cc, and the collector and a stranger's address are not the site's.
		msg := mailText("Delivered-To: sammel@mail.example.org\nX-Original-To: garten@grouprise.test\n"+
			"To: =?utf-8?q?G=C3=A4rten?= <Garten@grouprise.test>, freundin@example.net\nCc: \"Haus\" <haus@grouprise.test>\n"+
			"Message-ID: <k1@example.org>\nSubject: Sammelpost", "An beide")
		rs, err := d.DeliverCollected(ctx, collector, "bert@example.org", []string{"", collector}, []byte(msg))
		if err != nil || outcomes(rs) != "garten@grouprise.test=delivered haus@grouprise.test=delivered" {
			t.Fatalf("delivered %s, %v", outcomes(rs), err)
		}
		if n := s.count("conversations"); n != 2 {
			t.Errorf("%d conversations, want 2", n)
		}
		// the MTA delivers it again: nothing twice
		rs, err = d.DeliverCollected(ctx, collector, "bert@example.org", nil, []byte(msg))
		if err != nil || outcomes(rs) != "garten@grouprise.test=duplicate haus@grouprise.test=duplicate" || s.count("conversations") != 2 {
			t.Errorf("again: %s, %v", outcomes(rs), err)
		}
		// Bcc: only the MTA knows the group
		bcc := mailText("To: freundin@example.net\nMessage-ID: <k2@example.org>\nSubject: Blind", "Blindkopie")
		rs, err = d.DeliverCollected(ctx, collector, "bert@example.org", []string{"garten@grouprise.test"}, []byte(bcc))
		if err != nil || outcomes(rs) != "garten@grouprise.test=delivered" {
			t.Errorf("Bcc: %s, %v", outcomes(rs), err)
		}
		// carla is no member: refused as over LMTP (and told)
		rs, err = d.DeliverCollected(ctx, collector, "carla@example.org", nil,
			[]byte(mailText("To: garten@grouprise.test\nMessage-ID: <k3@example.org>\nSubject: Hallo", "Darf ich?")))
		if err != nil || outcomes(rs) != "garten@grouprise.test=refused" {
			t.Errorf("stranger: %s, %v", outcomes(rs), err)
		}
		var many []string
		for i := range maxCollected {
			many = append(many, "niemand"+itoa(int64(i))+"@grouprise.test")
		}
		// no address of the site
		for name, m := range map[string]string{
			"others only": "To: freundin@example.net\nCc: sammel@mail.example.org, unbekannt@grouprise.test\nMessage-ID: <k4@example.org>\nSubject: x",
			// a header listing many of the site's addresses costs at most maxCollected lookups
			"too many": "To: " + strings.Join(many, ", ") + ", garten@grouprise.test\nMessage-ID: <k5@example.org>\nSubject: x",
		} {
			if rs, err := d.DeliverCollected(ctx, collector, "bert@example.org", nil, []byte(mailText(m, "y"))); !errors.Is(err, ErrUnknownRecipient) {
				t.Errorf("%s: %s, %v; want ErrUnknownRecipient", name, outcomes(rs), err)
			}
		}
		if _, err := d.DeliverCollected(ctx, collector, "bert@example.org", nil, []byte("kein Header\r\n")); !errors.Is(err, ErrMalformed) {
			t.Errorf("no header: %v", err)
		}
	})
}
