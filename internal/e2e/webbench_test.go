package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
)

// BenchmarkWebPages measures the real `grouprise web` on a unix socket with anonymous GETs of
// the start page, a group page with 20 items, a person's page and an article with Markdown,
// a mention and three comments, and the group page for a logged-in member, at 8 and 32
// concurrent clients: requests per second, median and 99th percentile latency, the ceiling
// (a bare Go file server with the same bytes) and the ratio to it, and the daemon's memory.
//
// To see where a member's page spends its time, profile the same page in the process:
//
//	go test -tags sqlite_fts5 -run '^$' -bench MemberPages -benchtime 2000x -cpuprofile /tmp/member.prof ./internal/web/
//	go tool pprof -top -cum internal/web.test /tmp/member.prof
func BenchmarkWebPages(b *testing.B) {
	in := install(b, "")
	sock := filepath.Join(in.dir, "web.sock")
	env := append(in.env, "GROUPRISE_WEB__LISTEN="+sock)
	bin, dir := in.bin, in.dir
	fillBenchSite(b, filepath.Join(dir, "grouprise.sqlite3"))

	for _, cache := range []string{"1", "0"} {
		b.Run("anonymous_cache="+cache, func(b *testing.B) {
			benchDaemon(b, bin, append(env, "GROUPRISE_WEB__ANONYMOUS_CACHE="+cache), sock)
		})
	}
}

// benchDaemon starts `grouprise web` and loads its pages.
func benchDaemon(b *testing.B, bin string, env []string, sock string) {
	daemon := exec.Command(bin, "web")
	daemon.Env = env
	if err := daemon.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { daemon.Process.Signal(os.Interrupt); daemon.Wait() }()
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
		MaxIdleConnsPerHost: 64,
	}}
	for deadline := time.Now().Add(10 * time.Second); ; {
		if resp, err := client.Get("http://grouprise.test/"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("the web daemon did not come up")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Each page beside its ceiling: the same bytes as a static file from a bare Go file server
	// on a unix socket, measured in the same run; the ratio is in per mille of the ceiling.
	for _, page := range []struct{ name, path string }{{"start", "/"}, {"group", "/garten/"}, {"person", "/alice/"},
		{"content", "/garten/beitrag-3/"}} {
		ceiling := staticCeiling(b, pageBody(b, client, "http://grouprise.test"+page.path))
		for _, c := range []int{8, 32} {
			b.Run(fmt.Sprintf("%s/c=%d", page.name, c), func(b *testing.B) {
				againstCeiling(b, client, ceiling, "http://grouprise.test"+page.path, c)
			})
		}
	}
	// The group page for alice, a member, logged in (issue 20: no page cache for members; the
	// memo of page parts serves them).
	member := &http.Client{Transport: client.Transport}
	member.Jar, _ = cookiejar.New(nil)
	resp, err := member.PostForm("http://grouprise.test/stadt/login/", url.Values{"login": {"alice"}, "password": {benchPassword}})
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	body := pageBody(b, member, "http://grouprise.test/garten/")
	if !strings.Contains(string(body), "user-menu") {
		b.Fatal("the member benchmark is not logged in")
	}
	ceiling := staticCeiling(b, body)
	for _, c := range []int{8, 32} {
		b.Run(fmt.Sprintf("member-group/c=%d", c), func(b *testing.B) {
			againstCeiling(b, member, ceiling, "http://grouprise.test/garten/", c)
		})
	}
	// Memory: the high-water mark of the whole run, and what the daemon holds a moment after
	// the member run (steady: its caches full, its heap back to what it uses), in all and
	// without the pages of its binary and other mapped files (RssAnon).
	b.Run("memory", func(b *testing.B) {
		for range b.N {
			b.ReportMetric(procStatusMB(b, daemon.Process.Pid, "VmHWM"), "peak-RSS-MB")
			time.Sleep(2 * time.Second)
			b.ReportMetric(procStatusMB(b, daemon.Process.Pid, "VmRSS"), "steady-RSS-MB")
			// of which the daemon's own memory (without the mapped binary and shared files)
			b.ReportMetric(procStatusMB(b, daemon.Process.Pid, "RssAnon"), "steady-anon-MB")
		}
	})
}

const benchPassword = "bench-password-0123"

// pageBody fetches a page once.
func pageBody(b *testing.B, client *http.Client, url string) []byte {
	resp, err := client.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("%s: status %d, %v", url, resp.StatusCode, err)
	}
	return body
}

// againstCeiling loads url from c clients for a second, then the ceiling's copy of it, b.N
// times, and reports requests per second, the median and 99th percentile latency, the
// ceiling's requests per second and the ratio in per mille.
func againstCeiling(b *testing.B, client, ceiling *http.Client, url string, c int) {
	var all, top []time.Duration
	var total, topTotal time.Duration
	for range b.N {
		lat, took := load(b, client, url, c, time.Second)
		all, total = append(all, lat...), total+took
		lat, took = load(b, ceiling, "http://static.test/page.html", c, time.Second)
		top, topTotal = append(top, lat...), topTotal+took
	}
	if len(all) == 0 || len(top) == 0 {
		b.Fatal("no answers")
	}
	slices.Sort(all)
	rate, topRate := float64(len(all))/total.Seconds(), float64(len(top))/topTotal.Seconds()
	b.ReportMetric(rate, "req/s")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(topRate, "ceiling-req/s")
	b.ReportMetric(1000*rate/topRate, "permille-of-ceiling")
}

// staticCeiling serves page as a static file from a bare Go file server on a unix socket:
// the most a Go HTTP server on this machine answers, for the page benchmarks' ratios.
func staticCeiling(b *testing.B, page []byte) *http.Client {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "page.html"), page, 0o644); err != nil {
		b.Fatal(err)
	}
	sock := filepath.Join(dir, "static.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(dir))}
	go srv.Serve(l)
	b.Cleanup(func() { srv.Close() })
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
		MaxIdleConnsPerHost: 64,
	}}
}

// load sends GETs from c clients for d and returns every request's latency.
func load(b *testing.B, client *http.Client, url string, c int, d time.Duration) ([]time.Duration, time.Duration) {
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	stop := start.Add(d)
	for range c {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(stop) {
				t0 := time.Now()
				resp, err := client.Get(url)
				if err != nil {
					b.Error(err)
					return
				}
				buf := make([]byte, 32<<10)
				for {
					if _, err := resp.Body.Read(buf); err != nil {
						break
					}
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Errorf("%s: status %d", url, resp.StatusCode)
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
	return all, time.Since(start)
}

// procStatusMB reads a memory figure of a process (VmHWM: the high-water mark of its
// resident memory, VmRSS: the resident memory now) in MB.
func procStatusMB(b *testing.B, pid int, field string) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, field+":") {
			kb, _ := strconv.Atoi(strings.Fields(line)[1])
			return float64(kb) / 1024
		}
	}
	b.Fatalf("no %s", field)
	return 0
}

// fillBenchSite writes a group with 20 public items (some with comments), a person with 12,
// and 30 more groups.
func fillBenchSite(b *testing.B, path string) {
	ctx := context.Background()
	db, err := store.Open(ctx, config.Database{Engine: "sqlite", Name: path}, store.OpenOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	reserved := func(string) bool { return false }
	alice, err := accounts.New(db, reserved, nil).Create(ctx, accounts.NewAccount{Username: "alice", Email: "alice@example.org", FirstName: "Alice",
		Password: benchPassword, Verified: true})
	if err != nil {
		b.Fatal(err)
	}
	db.Tx(ctx, func(q *store.Queries) error {
		return q.UpdateProfile(ctx, alice.ID, store.Profile{Username: "alice", FirstName: "Alice", Public: true})
	})
	gr := groups.New(db, reserved, nil)
	garden, err := gr.Create(ctx, groups.NewGroup{Name: "Garten", Creator: alice})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 30 {
		gr.Create(ctx, groups.NewGroup{Name: fmt.Sprintf("Gruppe %d", i), Creator: alice})
	}
	now := time.Now()
	err = db.Tx(ctx, func(q *store.Queries) error {
		for i := range 32 {
			c := &store.Content{Title: fmt.Sprintf("Beitrag %d", i)}
			if _, err := q.CreateContent(ctx, c, &store.Version{AuthorID: alice.ID, Text: strings.Repeat("Text des *Beitrags* mit @garten und #Tag. ", 15),
				TimeCreated: now.Add(-time.Duration(i) * time.Hour)}); err != nil {
				return err
			}
			a := &store.Association{ContentID: c.ID, Public: true, Slug: fmt.Sprintf("beitrag-%d", i)}
			if i < 20 {
				a.GroupID = garden.ID
			} else {
				a.GestaltID = alice.ID
			}
			if _, err := q.CreateAssociation(ctx, a); err != nil {
				return err
			}
			for j := range i % 4 {
				if _, err := q.AddContribution(ctx, &store.Contribution{ContentID: c.ID, AuthorID: alice.ID,
					Text: fmt.Sprintf("Kommentar %d", j), TimeCreated: now, Public: true}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
