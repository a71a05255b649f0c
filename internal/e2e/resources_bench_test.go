package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/images/imagestest"
)

// BenchmarkResources sends the real `grouprise web` what exhausted its memory before it
// bounded password hashing and picture decoding: 32 concurrent wrong logins, 4 concurrent
// uploads of 6000×6000-pixel PNGs of a few hundred KB (refused by their header) and 4 of
// 4000×4000 (the largest allowed, decoded and scaled): each kind alone, then all at once;
// and 4 uploads of a progressive 4000×4000 JPEG of 94 KB (its decoding would allocate 294 MB:
// refused by its header's cost) beside 4 of a baseline one (decoded and scaled). It reports the daemon's peak resident memory during the bursts (target: below 150 MiB),
// the resident memory they started from, and logs how the requests were answered.
func BenchmarkResources(b *testing.B) {
	in := install(b, "upload_max_file_size: 10\n")
	sock := filepath.Join(in.dir, "web.sock")
	env := append(in.env, "GROUPRISE_WEB__LISTEN="+sock, "GROUPRISE_WEB__ANONYMOUS_CACHE=0")
	create := in.command("user", "create", "--username", "alice", "--email", "alice@example.org", "--password-stdin")
	create.Stdin = strings.NewReader("alice-password-1\n")
	if out, err := create.CombinedOutput(); err != nil {
		b.Fatalf("user create: %v\n%s", err, out)
	}
	bomb := imagestest.PNG(6000, 6000, 200, 30, 30, 255)
	large := imagestest.PNG(4000, 4000, 30, 120, 30, 255)
	progressive := imagestest.ProgressiveJPEG(4000, 4000)
	var baseline bytes.Buffer
	if err := jpeg.Encode(&baseline, image.NewGray(image.Rect(0, 0, 4000, 4000)), nil); err != nil {
		b.Fatal(err)
	}

	daemon := exec.Command(in.bin, "web")
	daemon.Env = env
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
	// Four people logged in before, who upload.
	uploaders := make([]*http.Client, 4)
	for i := range uploaders {
		uploaders[i] = client()
		if code := postLogin(b, uploaders[i], "alice", "alice-password-1", fmt.Sprintf("127.0.1.%d", i+1)); code != http.StatusSeeOther {
			b.Fatalf("login: %d", code)
		}
	}
	for _, mix := range []struct {
		name                          string
		logins, pictures, progressive bool
	}{{"pictures", false, true, false}, {"logins", true, false, false}, {"both", true, true, false}, {"progressive", false, false, true}} {
		b.Run(mix.name, func(b *testing.B) {
			var mu sync.Mutex
			answers := map[string]int{}
			count := func(what string, code int) {
				mu.Lock()
				answers[fmt.Sprintf("%s %d", what, code)]++
				mu.Unlock()
			}
			// The high-water mark starts again from the current resident memory.
			if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", daemon.Process.Pid), []byte("5"), 0); err != nil {
				b.Fatal(err)
			}
			start := procStatusMB(b, daemon.Process.Pid, "VmHWM")
			for n := range b.N {
				var wg sync.WaitGroup
				for i := range 32 {
					if !mix.logins {
						break
					}
					wg.Go(func() {
						// Unknown names from many addresses: no per-account or per-address
						// limit answers before the password check does.
						count("wrong login", postLogin(b, client(), fmt.Sprintf("nobody-%s-%d-%d", mix.name, n, i), "wrong-password",
							fmt.Sprintf("127.2.%d.%d", n, i+1)))
					})
				}
				for i, c := range uploaders {
					if !mix.pictures {
						break
					}
					wg.Go(func() { count("6000×6000 upload", postPicture(b, c, fmt.Sprintf("bomb-%d.png", i), bomb)) })
					wg.Go(func() { count("4000×4000 upload", postPicture(b, c, fmt.Sprintf("large-%d.png", i), large)) })
				}
				for i, c := range uploaders {
					if !mix.progressive {
						break
					}
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
			if mix.pictures && answers["4000×4000 upload 201"] == 0 || mix.progressive && answers["baseline upload 201"] == 0 {
				b.Errorf("no allowed picture was stored: %v", answers)
			}
		})
	}
}

// postLogin sends the login form as from addr (the unix socket is a trusted proxy's).
func postLogin(b *testing.B, c *http.Client, login, password, addr string) int {
	form := url.Values{"login": {login}, "password": {password}}
	req, _ := http.NewRequest(http.MethodPost, "http://grouprise.test/stadt/login/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://grouprise.test")
	req.Header.Set("X-Real-IP", addr)
	return send(b, c, req)
}

// postPicture uploads a picture as the editor's picture upload does (stored at most
// 2560×2560: the largest rendition).
func postPicture(b *testing.B, c *http.Client, name string, data []byte) int {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, "http://grouprise.test/stadt/api/images/", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", "http://grouprise.test")
	return send(b, c, req)
}

func send(b *testing.B, c *http.Client, req *http.Request) int {
	resp, err := c.Do(req)
	if err != nil {
		b.Error(err)
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
