// Package lmtptest gives the LMTP benchmarks their site and their client: a group of 50 and
// members' mails to it over real LMTP sessions on a unix socket.
package lmtptest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
)

// GroupOf50 writes the group garten with 50 members, m00 (its creator) to m49, whose
// addresses are m00@example.org to m49@example.org.
func GroupOf50(tb testing.TB, db *store.DB) {
	tb.Helper()
	ctx := context.Background()
	reserved := func(string) bool { return false }
	acc := accounts.New(db, reserved, nil)
	gr := groups.New(db, reserved, nil)
	var group, creator int64
	for i := range 50 {
		p, err := acc.Create(ctx, accounts.NewAccount{Username: fmt.Sprintf("m%02d", i), Email: fmt.Sprintf("m%02d@example.org", i)})
		if err != nil {
			tb.Fatal(err)
		}
		if i == 0 {
			g, err := gr.Create(ctx, groups.NewGroup{Name: "Garten", Creator: p})
			if err != nil {
				tb.Fatal(err)
			}
			group, creator = g.ID, p.ID
			continue
		}
		if err := gr.AddMember(ctx, group, p.ID, creator); err != nil {
			tb.Fatal(err)
		}
	}
}

// seq numbers the mails: every Message-ID is new, on every server of a run.
var seq atomic.Int64

// Load delivers mails from m00 to garten@grouprise.test over c connections to the LMTP
// server on sock for d, each transaction waiting for the one before on its connection, and
// returns the time of every transaction (MAIL to the reply after DATA) and how long it took.
// A reply other than 250 after DATA fails tb.
func Load(tb testing.TB, sock string, c int, d time.Duration) ([]time.Duration, time.Duration) {
	text := strings.Repeat("Eine Zeile Text für die Gruppe.\r\n", 20)
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	stop := start.Add(d)
	for range c {
		wg.Go(func() {
			conn, err := net.Dial("unix", sock)
			if err != nil {
				tb.Error(err)
				return
			}
			defer conn.Close()
			r := bufio.NewReader(conn)
			read := func() string {
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						tb.Error(err)
						return ""
					}
					if len(line) < 4 || line[3] != '-' {
						return line
					}
				}
			}
			read()
			fmt.Fprintf(conn, "LHLO bench\r\n")
			read()
			var mine []time.Duration
			for time.Now().Before(stop) {
				n := seq.Add(1)
				t0 := time.Now()
				fmt.Fprintf(conn, "MAIL FROM:<m00@example.org>\r\nRCPT TO:<garten@grouprise.test>\r\nDATA\r\n")
				read()
				read()
				read()
				fmt.Fprintf(conn, "Message-ID: <bench%d@example.org>\r\nSubject: Nachricht %d\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s.\r\n",
					n, n, text)
				if reply := read(); !strings.HasPrefix(reply, "250") {
					tb.Errorf("delivery: %q", reply)
					return
				}
				mine = append(mine, time.Since(t0))
			}
			fmt.Fprintf(conn, "QUIT\r\n")
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return all, time.Since(start)
}
