package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/mail/mailtest"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
	"grouprise.org/grouprise/internal/wakeup"
)

// Transport rules of the task runner, which the ceiling follows too: `grouprise tasks` runs 4
// workers by default, and mail.SMTP sends at most 10 messages over one connection (Exim
// delivers only the first 10 of a connection at once).
const (
	fanoutConnections   = 4
	fanoutPerConnection = 10
	fanoutSubscribers   = 1000
	ceilingRounds       = 3
)

// BenchmarkFanout measures the real `grouprise tasks` on SQLite and on PostgreSQL: one comment
// in a group with 1,000 subscribers, from the commit of the comment (and the knock on the
// runner's wake-up socket) until the last of the 1,000 mails reached an SMTP sink. The
// ceiling is a bare go-smtp client sending 1,000 mails of the same size into the same sink
// under the same rules (as many connections as the runner has workers, 10 mails each),
// measured in the same run right after each fan-out (three times, for a steadier figure). GROUPRISE_BENCH_BIN runs another build
// of grouprise (e.g. the one before a change) against the same setup.
//
//	go test -tags sqlite_fts5 -run '^$' -bench BenchmarkFanout -benchtime 10x ./internal/e2e/
func BenchmarkFanout(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(d.String(), func(b *testing.B) { benchmarkFanoutDaemon(b, d) })
	}
}

func benchmarkFanoutDaemon(b *testing.B, d store.Dialect) {
	ctx := context.Background()
	sink := mailtest.Start(b)
	host, port, _ := net.SplitHostPort(sink.Addr)
	extra := fmt.Sprintf("email_submission: {backend: smtp, host: %s, port: %s}\n", host, port)
	dbConfig := config.Database{Engine: "sqlite"}
	if d == store.Postgres {
		dbConfig = storetest.EmptyPostgres(b)
		extra += fmt.Sprintf("database: {engine: postgresql, name: %q}\n", dbConfig.Name)
	}
	in := unmigrated(b, extra)
	if bin := os.Getenv("GROUPRISE_BENCH_BIN"); bin != "" {
		in.bin = bin // another build, for before-and-after runs side by side
	}
	if out, err := in.command("migrate").CombinedOutput(); err != nil {
		b.Fatalf("migrate: %v\n%s", err, out)
	}
	if d == store.SQLite {
		dbConfig.Name = filepath.Join(in.dir, "grouprise.sqlite3")
	}
	db, err := store.Open(ctx, dbConfig, store.OpenOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	contentID, authorID := fillFanoutSite(b, db)

	wake := filepath.Join(in.dir, "tasks.sock")
	daemon := in.command("tasks", fmt.Sprintf("--workers=%d", fanoutConnections))
	daemon.Env = append(daemon.Env, "GROUPRISE_TASKS__LISTEN="+wake)
	var log bytes.Buffer
	daemon.Stderr = &log
	if err := daemon.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { daemon.Process.Signal(os.Interrupt); daemon.Wait() }()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("unix", wake); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("the task runner did not come up: %s", log.Bytes())
		}
	}

	var fanout, first, ceiling, cpu time.Duration
	b.ResetTimer()
	for range b.N {
		cpu0 := processCPU(b, daemon.Process.Pid)
		start := time.Now()
		err := db.Tx(ctx, func(q *store.Queries) error {
			c := &store.Contribution{ContentID: contentID, AuthorID: authorID, Text: "Ich komme und bringe Kuchen mit!",
				TimeCreated: time.Now(), Public: true}
			if _, err := q.AddContribution(ctx, c); err != nil {
				return err
			}
			return notify.ContributionCreated(ctx, q, c.ID, time.Now())
		})
		if err != nil {
			b.Fatal(err)
		}
		wakeup.Send(wake)
		sink.Wait(b, 1, 5*time.Minute)
		first += time.Since(start)
		msgs := sink.Wait(b, fanoutSubscribers, 5*time.Minute)
		fanout += time.Since(start)
		cpu += processCPU(b, daemon.Process.Pid) - cpu0
		to := map[string]bool{}
		for _, m := range msgs {
			to[m.To[0]] = true
		}
		if len(msgs) != fanoutSubscribers || len(to) != fanoutSubscribers {
			b.Fatalf("%d mails to %d people instead of one to each of %d", len(msgs), len(to), fanoutSubscribers)
		}
		sink.Reset()
		last := msgs[len(msgs)-1]
		// The ceiling's bursts are short: three of them give a steadier figure.
		for range ceilingRounds {
			start = time.Now()
			sendBare(b, sink.Addr, last.From, last.Data)
			if n := len(sink.Wait(b, fanoutSubscribers, 5*time.Minute)); n != fanoutSubscribers {
				b.Fatalf("%d mails in the sink, want the ceiling's %d", n, fanoutSubscribers)
			}
			ceiling += time.Since(start)
			sink.Reset()
		}
	}
	b.StopTimer()
	mails := float64(b.N * fanoutSubscribers)
	rate, top := mails/fanout.Seconds(), ceilingRounds*mails/ceiling.Seconds()
	b.ReportMetric(rate, "mails/s")
	b.ReportMetric(fanout.Seconds()/float64(b.N), "s/fanout")
	b.ReportMetric(first.Seconds()/float64(b.N), "s-to-first-mail")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "daemon-cpu-ms/fanout")
	b.ReportMetric(top, "ceiling-mails/s")
	b.ReportMetric(1000*rate/top, "permille-of-ceiling")
}

// processCPU is the CPU time (user and system) a process used so far.
func processCPU(b *testing.B, pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// The fields after the command name (which may hold spaces) in parentheses; utime and
	// stime are the 14th and 15th field, in clock ticks of 1/100 s.
	fields := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	utime, _ := strconv.Atoi(fields[11])
	stime, _ := strconv.Atoi(fields[12])
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// sendBare sends fanoutSubscribers copies of msg with a bare go-smtp client, over
// fanoutConnections connections at once, fanoutPerConnection mails per connection, each to a
// recipient of its own.
func sendBare(b *testing.B, addr, from string, msg []byte) {
	next := make(chan int)
	go func() {
		for i := 0; i < fanoutSubscribers; i += fanoutPerConnection {
			next <- i
		}
		close(next)
	}()
	var wg sync.WaitGroup
	for range fanoutConnections {
		wg.Go(func() {
			for first := range next {
				c, err := smtp.Dial(addr)
				if err != nil {
					b.Error(err)
					return
				}
				if err := c.Hello("bench.test"); err != nil {
					b.Error(err)
				}
				for n := first; n < min(first+fanoutPerConnection, fanoutSubscribers); n++ {
					if err := c.SendMail(from, []string{fmt.Sprintf("p%d@example.org", n)}, bytes.NewReader(msg)); err != nil {
						b.Error(err)
					}
				}
				c.Quit()
			}
		})
	}
	wg.Wait()
}

// fillFanoutSite writes a group with fanoutSubscribers subscribers (each with a confirmed
// address) and an article in it; it returns the article and its author.
func fillFanoutSite(b *testing.B, db *store.DB) (contentID, authorID int64) {
	ctx := context.Background()
	now := time.Now()
	err := db.Tx(ctx, func(q *store.Queries) error {
		g := &store.Group{Slug: "garten", Name: "Garten", DateCreated: now, TimeModified: now, DateFounded: now}
		if _, err := q.CreateGroup(ctx, g); err != nil {
			return err
		}
		for i := range fanoutSubscribers {
			p := &store.Gestalt{Username: fmt.Sprintf("p%d", i), FirstName: "Person", LastName: fmt.Sprint(i), IsActive: true, DateJoined: now}
			if _, err := q.CreateGestalt(ctx, p); err != nil {
				return err
			}
			if _, err := q.AddEmailAddress(ctx, &store.EmailAddress{GestaltID: p.ID, Email: p.Username + "@example.org", Primary: true, Verified: true}); err != nil {
				return err
			}
			if err := q.Subscribe(ctx, g.ID, p.ID); err != nil {
				return err
			}
			if i == 0 {
				authorID = p.ID
			}
		}
		c := &store.Content{Title: "Frühjahrsputz im Garten"}
		if _, err := q.CreateContent(ctx, c, &store.Version{AuthorID: authorID, Text: "Samstag um zehn", TimeCreated: now}); err != nil {
			return err
		}
		contentID = c.ID
		_, err := q.CreateAssociation(ctx, &store.Association{ContentID: c.ID, GroupID: g.ID, Public: true, Slug: "putz"})
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return contentID, authorID
}
