package lmtp

import (
	"bufio"
	"io"
	"net"
	"testing"
)

func TestCRRuns(t *testing.T) {
	for in, want := range map[string]string{
		"Subject: x\r\n\r\nText\r\r\n.\r\n": "Subject: x\r\n\r\nText\r\n.\r\n",
		"a\r\r\r\r\nb\r\n":                  "a\r\nb\r\n",
		"a\rb\r\rc\r\n":                     "a\rb\r\rc\r\n",
		"ende\r\r":                          "ende\r\r",
		"":                                  "",
	} {
		// one byte at a time and all at once: runs across reads are kept whole
		for _, chunk := range []int{1, len(in) + 1} {
			client, server := net.Pipe()
			go func() {
				for rest := in; rest != ""; {
					n := min(chunk, len(rest))
					client.Write([]byte(rest[:n]))
					rest = rest[n:]
				}
				client.Close()
			}()
			got, err := io.ReadAll(&crRunConn{Conn: server, r: bufio.NewReader(server)})
			if err != nil || string(got) != want {
				t.Errorf("%q in chunks of %d: %q %v, want %q", in, chunk, got, err, want)
			}
		}
	}
}
