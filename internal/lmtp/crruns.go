package lmtp

import (
	"bufio"
	"net"
)

// crRunListener hands out connections that read a run of CRs before a LF as one CR.
//
// go-smtp's DATA reader loses track of line starts after a line that ends in a bare CR
// ("…\r\r\n"): if the end-of-data line "." follows it, the transaction waits until the read
// timeout, and the MTA tries again and again. A bare CR at the end of a line carries nothing
// in a mail, so it is dropped before go-smtp reads the line.
type crRunListener struct{ net.Listener }

func (l crRunListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &crRunConn{Conn: c, r: bufio.NewReader(c)}, nil
}

type crRunConn struct {
	net.Conn
	r   *bufio.Reader
	crs int    // CRs read and not yet passed on
	out []byte // bytes to pass on before reading more
}

var lineEnd = []byte("\r\n")

func (c *crRunConn) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(c.out) > 0 {
			k := copy(p[n:], c.out)
			c.out, n = c.out[k:], n+k
			continue
		}
		if n > 0 && c.r.Buffered() == 0 {
			break // never wait for more than is there
		}
		b, err := c.r.ReadByte()
		if err != nil {
			if c.crs > 0 {
				c.out, c.crs = crs(c.crs), 0
				continue
			}
			if n > 0 {
				break
			}
			return 0, err
		}
		switch {
		case b == '\r':
			c.crs++
		case c.crs == 0:
			p[n] = b
			n++
		case b == '\n':
			c.out, c.crs = lineEnd, 0
		default:
			c.out, c.crs = append(crs(c.crs), b), 0
		}
	}
	return n, nil
}

func crs(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = '\r'
	}
	return b
}
