// Package mysqltest gives tests a MariaDB database loaded from an SQL dump: a throwaway
// server from Debian's mariadb-server, on a unix socket in a temporary directory, no port.
package mysqltest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

var (
	once      sync.Once
	socket    string         // the server's unix socket
	lifeline  io.WriteCloser // open while this process lives; the server stops when it closes
	serverErr error
	counter   atomic.Int64

	templatesMu sync.Mutex
	templates   = map[string]string{} // dump file → database loaded from it
)

// FromSQL returns a mysql:// URL (socket form) of a new database with the rows of an SQL
// dump (mariadb-dump), dropped when t ends. The server starts at the first call; each dump
// is read once by the mariadb client into a template database that every call copies.
// Without mariadb-server the test is skipped, unless GROUPRISE_TEST_REQUIRE_MYSQL=1.
func FromSQL(t testing.TB, file string) string {
	t.Helper()
	once.Do(func() { socket, serverErr = start() })
	if serverErr != nil {
		if os.Getenv("GROUPRISE_TEST_REQUIRE_MYSQL") == "1" {
			t.Fatalf("mysqltest: MariaDB required but unavailable: %v", serverErr)
		}
		t.Skipf("mysqltest: no MariaDB (%v); install mariadb-server", serverErr)
	}
	template, err := loaded(file)
	if err != nil {
		t.Fatalf("mysqltest: %v", err)
	}
	name := fmt.Sprintf("t%d_%d", os.Getpid(), counter.Add(1))
	if err := copyDatabase(template, name); err != nil {
		t.Fatalf("mysqltest: %v", err)
	}
	t.Cleanup(func() {
		if err := exec1("DROP DATABASE IF EXISTS `" + name + "`"); err != nil {
			t.Errorf("mysqltest: %v", err)
		}
	})
	return URL(name)
}

// URL is the mysql:// URL of a database of the test server.
func URL(database string) string {
	return "mysql://root@/" + database + "?socket=" + socket
}

// loaded returns the template database of a dump, reading the dump at the first call.
func loaded(file string) (string, error) {
	templatesMu.Lock()
	defer templatesMu.Unlock()
	if name, ok := templates[file]; ok {
		return name, nil
	}
	name := fmt.Sprintf("tmpl%d_%d", os.Getpid(), counter.Add(1))
	if err := exec1("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"); err != nil {
		return "", err
	}
	dump, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer dump.Close()
	client := exec.Command("mariadb", "--no-defaults", "--socket="+socket, "--user=root", name)
	client.Stdin = dump
	if out, err := client.CombinedOutput(); err != nil {
		return "", fmt.Errorf("mariadb %s < %s: %v: %s", name, file, err, bytes.TrimSpace(out))
	}
	templates[file] = name
	return name, nil
}

// copyDatabase copies every table of one database into a new one, on the server.
func copyDatabase(from, to string) error {
	db, err := admin()
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx) // one session: foreign_key_checks is per session
	if err != nil {
		return err
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = ? AND table_type = 'BASE TABLE'`, from)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	statements := []string{"SET foreign_key_checks = 0",
		"CREATE DATABASE `" + to + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"}
	for _, t := range tables {
		statements = append(statements,
			"CREATE TABLE `"+to+"`.`"+t+"` LIKE `"+from+"`.`"+t+"`",
			"INSERT INTO `"+to+"`.`"+t+"` SELECT * FROM `"+from+"`.`"+t+"`")
	}
	for _, s := range statements {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

func admin() (*sql.DB, error) {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr = "root", "unix", socket
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(conn), nil
}

func exec1(query string) error {
	db, err := admin()
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec(query); err != nil {
		return fmt.Errorf("%s: %w", query, err)
	}
	return nil
}

// guardian runs the server and stops it (and removes its directory) when its standard
// input closes: when the test process ends, however it ends, no server stays behind.
const guardian = `"$@" & pid=$!
read _ || true
kill -TERM "$pid" 2>/dev/null
wait "$pid"
rm -rf "$DIR"`

// start runs mariadb-install-db and mariadbd on a temporary directory and returns the
// server's socket. MariaDB will not run as root, so as root it runs as mysql (or nobody).
func start() (string, error) {
	server, err := exec.LookPath("mariadbd")
	if err != nil {
		if server, err = exec.LookPath("/usr/sbin/mariadbd"); err != nil {
			return "", errors.New("no mariadbd (Debian package mariadb-server)")
		}
	}
	installDB, err := exec.LookPath("mariadb-install-db")
	if err != nil {
		return "", errors.New("no mariadb-install-db (Debian package mariadb-server)")
	}
	if _, err := exec.LookPath("mariadb"); err != nil {
		return "", errors.New("no mariadb client (Debian package mariadb-client)")
	}
	dir, err := os.MkdirTemp("", "grouprise-mysql-")
	if err != nil {
		return "", err
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("mysql")
		if err != nil {
			u, err = user.Lookup("nobody")
		}
		if err != nil {
			os.RemoveAll(dir)
			return "", fmt.Errorf("no user to run MariaDB as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return "", err
		}
	}
	command := func(name string, args ...string) *exec.Cmd {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "TZ=UTC", "DIR="+dir)
		if cred != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		return cmd
	}
	data := filepath.Join(dir, "data")
	install := command(installDB, "--no-defaults", "--datadir="+data, "--auth-root-authentication-method=normal",
		"--skip-test-db", "--skip-name-resolve")
	if out, err := install.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("mariadb-install-db: %v: %s", err, bytes.TrimSpace(out))
	}
	sock := filepath.Join(dir, "mysqld.sock")
	logFile := filepath.Join(dir, "server.log")
	run := command("/bin/sh", "-c", guardian, "guardian", server, "--no-defaults", "--datadir="+data,
		"--socket="+sock, "--skip-networking", "--pid-file="+filepath.Join(dir, "mysqld.pid"),
		"--log-error="+logFile, "--tmpdir="+dir, "--skip-log-bin",
		"--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci",
		"--innodb-buffer-pool-size=32M", "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0",
		"--innodb-use-native-aio=0")
	stdin, err := run.StdinPipe()
	if err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	if err := run.Start(); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("mariadbd: %w", err)
	}
	lifeline = stdin
	socket = sock
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := ping()
		if err == nil {
			return sock, nil
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logFile)
			lifeline.Close() // the guardian stops the server and removes dir
			return "", fmt.Errorf("mariadbd did not start: %v: %s", err, lastLines(log, 10))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func ping() error {
	db, err := admin()
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// DSN turns a URL of FromSQL into the DSN of the "mysql" driver, for tests that change the
// database beside the code under test.
func DSN(url string) string {
	name, _, _ := strings.Cut(strings.TrimPrefix(url, "mysql://root@/"), "?")
	return "root@unix(" + socket + ")/" + name
}
