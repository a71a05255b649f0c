package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/groups"
)

// BenchmarkLMTP measures `grouprise lmtpd` on SQLite: mails to a group address with 50
// members, each becoming a conversation with its notification job, from 4 concurrent
// LMTP connections (as Postfix would open them): messages per second and the 99th
// percentile time of a transaction (MAIL to the reply after DATA).
func BenchmarkLMTP(b *testing.B) {
	in := install(b, "")
	db := in.open(b)
	ctx := context.Background()
	reserved := func(string) bool { return false }
	acc := accounts.New(db, reserved, nil)
	gr := groups.New(db, reserved, nil)
	var group, creator int64
	for i := range 50 {
		p, err := acc.Create(ctx, accounts.NewAccount{Username: fmt.Sprintf("m%02d", i), Email: fmt.Sprintf("m%02d@example.org", i)})
		if err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			g, err := gr.Create(ctx, groups.NewGroup{Name: "Garten", Creator: p})
			if err != nil {
				b.Fatal(err)
			}
			group, creator = g.ID, p.ID
			continue
		}
		if err := gr.AddMember(ctx, group, p.ID, creator); err != nil {
			b.Fatal(err)
		}
	}
	sock := filepath.Join(in.dir, "lmtp.sock")
	daemon := in.command("lmtpd")
	daemon.Env = append(daemon.Env, "GROUPRISE_LMTP__LISTEN="+sock)
	if err := daemon.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { daemon.Process.Signal(os.Interrupt); daemon.Wait() }()
	deliverLMTPWait(b, sock)

	const clients = 4
	var seq int64
	var mu sync.Mutex
	b.ResetTimer()
	start := time.Now()
	var all []time.Duration
	var wg sync.WaitGroup
	per := (b.N*200 + clients - 1) / clients
	for range clients {
		wg.Go(func() {
			c, err := net.Dial("unix", sock)
			if err != nil {
				b.Error(err)
				return
			}
			defer c.Close()
			r := bufio.NewReader(c)
			read := func() string {
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						b.Error(err)
						return ""
					}
					if len(line) < 4 || line[3] != '-' {
						return line
					}
				}
			}
			read()
			fmt.Fprintf(c, "LHLO bench\r\n")
			read()
			var mine []time.Duration
			for range per {
				mu.Lock()
				seq++
				n := seq
				mu.Unlock()
				t0 := time.Now()
				fmt.Fprintf(c, "MAIL FROM:<m00@example.org>\r\nRCPT TO:<garten@grouprise.test>\r\nDATA\r\n")
				read()
				read()
				read()
				fmt.Fprintf(c, "Message-ID: <bench%d@example.org>\r\nSubject: Nachricht %d\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n.\r\n",
					n, n, strings.Repeat("Eine Zeile Text für die Gruppe.\r\n", 20))
				if reply := read(); !strings.HasPrefix(reply, "250") {
					b.Errorf("delivery: %q", reply)
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	took := time.Since(start)
	b.StopTimer()
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	b.ReportMetric(float64(len(all))/took.Seconds(), "msgs/s")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	if n, _ := db.Count(ctx, "conversations"); n < len(all) {
		b.Errorf("%d conversations for %d mails", n, len(all))
	}
}

// deliverLMTPWait waits until the daemon answers on its socket.
func deliverLMTPWait(b *testing.B, sock string) {
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Close()
			return
		}
	}
	b.Fatal("the LMTP daemon did not come up")
}
