package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/images/imagestest"
)

// BenchmarkResourcesProgressive sends the real `grouprise web` 4 concurrent uploads of a
// progressive 4000×4000 JPEG of 94 KB (its decoding would allocate 294 MB: refused by its
// header's cost) and 4 of a baseline 4000×4000 JPEG (96 MB estimated: decoded and scaled),
// and reports the daemon's peak resident memory during the burst (target: below 150 MiB)
// and the resident memory it started from.
func BenchmarkResourcesProgressive(b *testing.B) {
	in := install(b, "upload_max_file_size: 10\n")
	sock := filepath.Join(in.dir, "web.sock")
	create := in.command("user", "create", "--username", "alice", "--email", "alice@example.org", "--password-stdin")
	create.Stdin = strings.NewReader("alice-password-1\n")
	if out, err := create.CombinedOutput(); err != nil {
		b.Fatalf("user create: %v\n%s", err, out)
	}
	progressive := imagestest.ProgressiveJPEG(4000, 4000)
	var baseline bytes.Buffer
	if err := jpeg.Encode(&baseline, image.NewGray(image.Rect(0, 0, 4000, 4000)), nil); err != nil {
		b.Fatal(err)
	}
	daemon := exec.Command(in.bin, "web")
	daemon.Env = append(in.env, "GROUPRISE_WEB__LISTEN="+sock, "GROUPRISE_WEB__ANONYMOUS_CACHE=0")
	if err := daemon.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { daemon.Process.Signal(os.Interrupt); daemon.Wait() }()
	client := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar, Timeout: 2 * time.Minute,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, "unix", sock)
			}}}
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		if resp, err := client().Get("http://grouprise.test/"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("the web daemon did not come up")
		}
		time.Sleep(50 * time.Millisecond)
	}
	uploaders := make([]*http.Client, 4)
	for i := range uploaders {
		uploaders[i] = client()
		if code := postLogin(b, uploaders[i], "alice", "alice-password-1", fmt.Sprintf("127.0.1.%d", i+1)); code != http.StatusSeeOther {
			b.Fatalf("login: %d", code)
		}
	}
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", daemon.Process.Pid), []byte("5"), 0); err != nil {
		b.Fatal(err)
	}
	start := procStatusMB(b, daemon.Process.Pid, "VmHWM")
	var mu sync.Mutex
	answers := map[string]int{}
	count := func(what string, code int) {
		mu.Lock()
		answers[fmt.Sprintf("%s %d", what, code)]++
		mu.Unlock()
	}
	for range b.N {
		var wg sync.WaitGroup
		for i, c := range uploaders {
			wg.Go(func() {
				count("progressive upload", postPicture(b, c, fmt.Sprintf("progressive-%d.jpg", i), progressive))
			})
			wg.Go(func() {
				count("baseline upload", postPicture(b, c, fmt.Sprintf("baseline-%d.jpg", i), baseline.Bytes()))
			})
		}
		wg.Wait()
	}
	b.ReportMetric(procStatusMB(b, daemon.Process.Pid, "VmHWM"), "peak-MiB")
	b.ReportMetric(start, "start-MiB")
	b.Logf("answers: %v", answers)
	if answers["baseline upload 201"] == 0 {
		b.Errorf("no baseline picture was stored: %v", answers)
	}
}
