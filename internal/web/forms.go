package web

import (
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// form holds submitted values and the messages for the fields that need another try.
type form struct {
	Values url.Values
	Errors map[string]string
	// Error is a message about the whole form.
	Error string
}

func newForm(r *http.Request) *form {
	f := &form{Values: url.Values{}, Errors: map[string]string{}}
	if r != nil && r.Method == http.MethodPost {
		r.ParseForm()
		f.Values = r.PostForm
	}
	return f
}

// Get returns a submitted value without surrounding white space.
func (f *form) Get(name string) string { return strings.TrimSpace(f.Values.Get(name)) }

// Raw returns a submitted value as it came (passwords).
func (f *form) Raw(name string) string { return f.Values.Get(name) }

// Checked tells whether a checkbox was ticked.
func (f *form) Checked(name string) bool {
	v := f.Values.Get(name)
	return v == "on" || v == "1" || v == "true"
}

// Fail records a message for a field.
func (f *form) Fail(field, msg string) {
	if _, ok := f.Errors[field]; !ok {
		f.Errors[field] = msg
	}
}

// Valid tells whether no message was recorded.
func (f *form) Valid() bool { return len(f.Errors) == 0 && f.Error == "" }

// Err returns the message of a field (templates).
func (f *form) Err(field string) string { return f.Errors[field] }

// pageNumber reads ?page=N (1 if absent or wrong).
func pageNumber(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 || n > 10000 {
		return 1
	}
	return n
}

// clientIP is the visitor's address: from the reverse proxy's X-Real-IP or X-Forwarded-For
// when the request came through a unix socket or from this machine, else the peer address.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if host == "" || host == "@" || (ip != nil && ip.IsLoopback()) {
		if v := strings.TrimSpace(r.Header.Get("X-Real-IP")); v != "" {
			return v
		}
		if v := r.Header.Get("X-Forwarded-For"); v != "" {
			parts := strings.Split(v, ",")
			return strings.TrimSpace(parts[len(parts)-1])
		}
	}
	if host == "" {
		return "local"
	}
	return host
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
