package djangoimport

import (
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// debianSocket is where Debian's mariadb-server listens; a mysql:// URL without a host and
// without ?socket= connects there.
const debianSocket = "/run/mysqld/mysqld.sock"

// IsMySQLURL tells whether spec names a MySQL or MariaDB database (mysql:// or mariadb://).
func IsMySQLURL(spec string) bool {
	return strings.HasPrefix(spec, "mysql://") || strings.HasPrefix(spec, "mariadb://")
}

// mysqlConfig turns a URL into the driver's settings. The forms are
//
//	mysql://USER:PASSWORD@HOST:PORT/DATABASE          (TCP, port 3306 if left out)
//	mysql://USER@/DATABASE?socket=/run/mysqld/mysqld.sock  (a unix socket)
//	mysql://USER@/DATABASE                            (Debian's socket)
//
// and ?tls=true|skip-verify|preferred for TCP. Errors never repeat the password.
func mysqlConfig(spec string) (*mysql.Config, error) {
	u, err := url.Parse(spec)
	if err != nil {
		return nil, errors.New("not a URL of the form mysql://USER:PASSWORD@HOST:PORT/DATABASE")
	}
	cfg := mysql.NewConfig()
	if u.User == nil || u.User.Username() == "" {
		return nil, errors.New("the URL names no user (mysql://USER@…)")
	}
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	if cfg.DBName == "" || strings.Contains(cfg.DBName, "/") {
		return nil, errors.New("the URL names no database (mysql://…/DATABASE)")
	}
	query, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("the URL's parameters: %w", err)
	}
	for key, vals := range query {
		if len(vals) != 1 {
			return nil, fmt.Errorf("the URL gives %s more than once", key)
		}
		switch v := vals[0]; key {
		case "socket":
			if !filepath.IsAbs(v) {
				return nil, fmt.Errorf("socket=%s: expected the absolute path of a unix socket", v)
			}
			cfg.Net, cfg.Addr = "unix", filepath.Clean(v)
		case "tls":
			if v != "true" && v != "skip-verify" && v != "preferred" && v != "false" {
				return nil, fmt.Errorf("tls=%s: expected true, skip-verify, preferred or false", v)
			}
			cfg.TLSConfig = v
		default:
			return nil, fmt.Errorf("unknown parameter %s (known: socket, tls)", key)
		}
	}
	switch {
	case u.Host != "" && cfg.Net == "unix":
		return nil, errors.New("the URL names both a host and a socket")
	case u.Host != "":
		port := u.Port()
		if port == "" {
			port = "3306"
		}
		cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(u.Hostname(), port)
	case cfg.Net == "":
		cfg.Net, cfg.Addr = "unix", debianSocket
	}
	// Django keeps datetimes in UTC without a zone (USE_TZ); they are read as UTC times.
	cfg.ParseTime, cfg.Loc = true, time.UTC
	cfg.Timeout = 10 * time.Second
	// The import's queries quote identifiers ("primary", "key") the SQL way, as SQLite and
	// PostgreSQL do; MySQL needs ANSI_QUOTES for that. Strings stay in single quotes.
	cfg.Params = map[string]string{"sql_mode": "'ANSI_QUOTES'"}
	return cfg, nil
}

// openMySQL opens a MySQL or MariaDB database that a URL names.
func openMySQL(spec string) (*sql.DB, error) {
	cfg, err := mysqlConfig(spec)
	if err != nil {
		return nil, err
	}
	// utf8mb4, which the driver asks for by default: Django's tables may hold any character.
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(conn), nil
}
