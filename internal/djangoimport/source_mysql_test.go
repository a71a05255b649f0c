package djangoimport

import (
	"strings"
	"testing"
)

func TestMySQLURL(t *testing.T) {
	for _, c := range []struct {
		name, url                      string
		user, pass, net, addr, db, tls string
	}{
		{"tcp with port", "mysql://grouprise:s3cret@db.example.org:3307/grouprise", "grouprise", "s3cret", "tcp", "db.example.org:3307", "grouprise", ""},
		{"tcp on the default port", "mysql://grouprise:s3cret@db.example.org/grouprise", "grouprise", "s3cret", "tcp", "db.example.org:3306", "grouprise", ""},
		{"ipv6", "mysql://u@[::1]:3307/g", "u", "", "tcp", "[::1]:3307", "g", ""},
		{"encoded password", "mysql://u:p%40ss%2Fw@h/g", "u", "p@ss/w", "tcp", "h:3306", "g", ""},
		{"tls", "mysql://u:p@h/g?tls=true", "u", "p", "tcp", "h:3306", "g", "true"},
		{"socket", "mysql://root@/django?socket=/tmp/x/mysqld.sock", "root", "", "unix", "/tmp/x/mysqld.sock", "django", ""},
		{"debian's socket", "mysql://grouprise@/grouprise", "grouprise", "", "unix", "/run/mysqld/mysqld.sock", "grouprise", ""},
		{"mariadb scheme", "mariadb://grouprise@/grouprise", "grouprise", "", "unix", "/run/mysqld/mysqld.sock", "grouprise", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !IsMySQLURL(c.url) || IsFile(c.url) {
				t.Errorf("IsMySQLURL(%q) = false or IsFile = true", c.url)
			}
			cfg, err := mysqlConfig(c.url)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName, cfg.TLSConfig}
			want := []string{c.user, c.pass, c.net, c.addr, c.db, c.tls}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("got %q, want %q", got, want)
			}
			if !cfg.ParseTime || cfg.Loc.String() != "UTC" || cfg.Params["sql_mode"] != "'ANSI_QUOTES'" {
				t.Errorf("times as UTC and ANSI quotes: %v %v %v", cfg.ParseTime, cfg.Loc, cfg.Params)
			}
		})
	}
}

func TestMySQLURLRefused(t *testing.T) {
	for _, c := range []struct{ url, want string }{
		{"mysql://:Pw9@h/g", "no user"},
		{"mysql://u:Pw9@h/", "no database"},
		{"mysql://u:Pw9@h/a/b", "no database"},
		{"mysql://u:Pw9@h/g?socket=/run/mysqld/mysqld.sock", "both a host and a socket"},
		{"mysql://u:Pw9@/g?socket=mysqld.sock", "absolute path"},
		{"mysql://u:Pw9@/g?socket=/a&socket=/b", "more than once"},
		{"mysql://u:Pw9@h/g?tls=maybe", "tls=maybe"},
		{"mysql://u:Pw9@h/g?allowAllFiles=true", "unknown parameter allowAllFiles"},
		{"mysql://u:Pw9@h:port/g", "not a URL"},
	} {
		_, err := mysqlConfig(c.url)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.url, err, c.want)
		} else if strings.Contains(err.Error(), "Pw9") {
			t.Errorf("%s: the error shows the password: %v", c.url, err)
		}
	}
}

func TestRedact(t *testing.T) {
	for url, want := range map[string]string{
		"mysql://u:Pw9@h/g":                        "mysql://u:***@h/g",
		"mysql://u:P@w9@h/g":                       "mysql://u:***@h/g",
		"mysql://u@/g?socket=/run/mysqld/x@y.sock": "mysql://u@/g?socket=/run/mysqld/x@y.sock",
		"postgres://u:Pw9@h/g?sslmode=disable":     "postgres://u:***@h/g?sslmode=disable",
		"postgresql:///g?host=/run/postgresql":     "postgresql:///g?host=/run/postgresql",
		// A raw ?, / or # in the password: the URL does not parse; all before the @ goes.
		"mysql://u:pa?ss@localhost/db":    "mysql://***@localhost/db",
		"mysql://u:pa/ss@localhost/db":    "mysql://***@localhost/db",
		"postgres://u:pa#ss@localhost/db": "postgres://***@localhost/db",
		"mysql://u:12/ss@localhost/db":    "mysql://***@localhost/db",
	} {
		if got := redact(url); got != want {
			t.Errorf("redact(%q) = %q, want %q", url, got, want)
		}
	}
}
