package config

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeFiles creates files (relative path → content) below a new directory and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func loadDir(t *testing.T, files map[string]string, env ...string) (*Config, string, error) {
	t.Helper()
	dir := writeFiles(t, files)
	cfg, err := Load(Options{Env: append(env, "GROUPRISE_CONFIG="+dir)})
	return cfg, dir, err
}

func TestLoadLayering(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		env   []string
		check func(t *testing.T, c *Config)
	}{
		{
			name: "later files win per key and mappings merge deeply",
			files: map[string]string{
				"050-defaults.yaml": "domain: a.example\nemail_submission: {host: mx.example, user: u}\n",
				"800-local.yaml":    "domain: b.example\nemail_submission: {port: 2525}\n",
			},
			check: func(t *testing.T, c *Config) {
				want := EmailSubmission{Backend: "smtp", Host: "mx.example", Port: 2525, Encryption: "plain", User: "u"}
				if c.Domain != "b.example" || c.EmailSubmission != want {
					t.Errorf("domain %q, email_submission %+v; want b.example, %+v", c.Domain, c.EmailSubmission, want)
				}
			},
		},
		{
			name: "only *.yaml names count, subdirectories are read in name order",
			files: map[string]string{
				"100-a.yaml":             "domain: a.example\n",
				"200-b/300.yaml":         "domain: sub.example\n",
				"900.yaml.dpkg-dist":     "domain: dist.example\n",
				"local.yml":              "domain: yml.example\n",
				"a.b.yaml":               "domain: dotted.example\n",
				"README":                 "not yaml: [",
				"150-language-only.yaml": "language_code: en\n",
			},
			check: func(t *testing.T, c *Config) {
				if c.Domain != "sub.example" || c.LanguageCode != "en" {
					t.Errorf("domain %q language %q, want sub.example en", c.Domain, c.LanguageCode)
				}
			},
		},
		{
			name:  "environment overrides files, nested keys with double underscores",
			files: map[string]string{"100.yaml": "domain: file.example\nemail_submission: {port: 25}\n"},
			env: []string{"GROUPRISE_DOMAIN=env.example", "GROUPRISE_EMAIL_SUBMISSION__PORT=2525",
				"GROUPRISE_USER=root", "GROUPRISE_SKIP_DATABASE_BACKUP=1", "GROUPRISE_EVENTS__ENABLE_ATTENDANCE=true"},
			check: func(t *testing.T, c *Config) {
				if c.Domain != "env.example" || c.EmailSubmission.Port != 2525 || !c.Events.EnableAttendance {
					t.Errorf("got domain %q port %d attendance %v", c.Domain, c.EmailSubmission.Port, c.Events.EnableAttendance)
				}
			},
		},
		{
			name:  "defaults derive from domain and data_path",
			files: map[string]string{"100.yaml": "domain: grouprise.example\ndata_path: /srv/gr\n"},
			check: func(t *testing.T, c *Config) {
				got := []string{c.MediaRoot, c.Database.Engine, c.Database.Name, c.DefaultFromEmail,
					c.DefaultDistinctFromEmail, c.DefaultReplyToEmail, c.PostmasterEmail, c.LanguageCode, c.TimeZone}
				want := []string{"/srv/gr/media", "sqlite", "/srv/gr/grouprise.sqlite3", "noreply@grouprise.example",
					"noreply+{slug}@grouprise.example", "reply+{reply_key}@grouprise.example",
					"postmaster@grouprise.example", "de-de", "Europe/Berlin"}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("got %q\nwant %q", got, want)
				}
			},
		},
		{
			name:  "upper-case keys and YAML 1.1 booleans of old files",
			files: map[string]string{"100.yaml": "DOMAIN: upper.example\nDebug: yes\nevents: {Enable_Repetitions: on}\n"},
			check: func(t *testing.T, c *Config) {
				if c.Domain != "upper.example" || !c.Debug || !c.Events.EnableRepetitions {
					t.Errorf("got domain %q debug %v repetitions %v", c.Domain, c.Debug, c.Events.EnableRepetitions)
				}
			},
		},
		{
			name:  "federation is off unless turned on",
			files: map[string]string{"100.yaml": "domain: a.example\n", "800.yaml": "activitypub: {enabled: true}\n"},
			env:   []string{"GROUPRISE_ACTIVITYPUB__ENABLED=false"},
			check: func(t *testing.T, c *Config) {
				if c.ActivityPub.Enabled {
					t.Error("activitypub.enabled is true, want the environment's false")
				}
				if d, _, err := loadDir(t, map[string]string{"100.yaml": "domain: a.example\n"}); err != nil || d.ActivityPub.Enabled {
					t.Errorf("default: enabled %v (%v), want false", d != nil && d.ActivityPub.Enabled, err)
				}
			},
		},
		{
			name:  "encryption chooses the default port",
			files: map[string]string{"100.yaml": "email_submission: {encryption: ssl}\n"},
			check: func(t *testing.T, c *Config) {
				if c.EmailSubmission.Port != 465 {
					t.Errorf("port %d, want 465", c.EmailSubmission.Port)
				}
			},
		},
		{
			name:  "configured reserved slugs are added to the built-in ones",
			files: map[string]string{"100.yaml": "entity_slug_blacklist: [admin, WWW]\n"},
			check: func(t *testing.T, c *Config) {
				if !c.SlugReserved("Admin") || !c.SlugReserved("stadt") || c.SlugReserved("stadtgarten") ||
					!c.SlugReserved("Fediverse-0123abcd") || c.SlugReserved("fediverse") {
					t.Errorf("blacklist %v", c.EntitySlugBlacklist)
				}
				if n := len(c.EntitySlugBlacklist); n != len(defaultEntitySlugBlacklist)+1 {
					t.Errorf("blacklist has %d entries, want %d", n, len(defaultEntitySlugBlacklist)+1)
				}
			},
		},
		{
			name:  "postgresql with defaults",
			files: map[string]string{"100.yaml": "database: {engine: postgresql, user: grouprise, password: 1234}\n"},
			check: func(t *testing.T, c *Config) {
				want := Database{Engine: "postgresql", Name: "grouprise", User: "grouprise", Password: "1234"}
				if c.Database != want {
					t.Errorf("database %+v, want %+v", c.Database, want)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _, err := loadDir(t, tc.files, tc.env...)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			tc.check(t, c)
		})
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name string
		file string // content of 800-local.yaml
		env  []string
		want string // error text; DIR stands for the directory
	}{
		{"wrong type", "email_submission:\n  port: abc\n", nil,
			`config: DIR/800-local.yaml: email_submission.port: expected a whole number, got "abc"`},
		{"port out of range", "email_submission: {port: 70000}\n", nil,
			`config: DIR/800-local.yaml: email_submission.port: expected a port number from 1 to 65535, got 70000`},
		{"unknown choice", "transport_security: sometimes\n", nil,
			`config: DIR/800-local.yaml: transport_security: expected one of disabled, reverse-proxy, integrated, got "sometimes"`},
		{"bad domain", "domain: 'exa mple.org'\n", nil,
			`config: DIR/800-local.yaml: domain: expected a host name (letters, digits, '-', '.'), got "exa mple.org"`},
		{"short secret", "secret_key: short\n", nil,
			`config: DIR/800-local.yaml: secret_key: expected at least 16 characters, got 5`},
		{"unsupported engine", "database: {engine: mysql}\n", nil,
			`config: DIR/800-local.yaml: database.engine: "mysql" is not supported by this grouprise; expected sqlite or postgresql; its data moves with ` + "`grouprise import-django mysql://…`" + ` (README.Debian)`},
		{"mapping expected", "database: sqlite\n", nil,
			`config: DIR/800-local.yaml: database: expected a mapping of keys to values, got "sqlite"`},
		{"list expected", "claims: just one\n", nil,
			`config: DIR/800-local.yaml: claims: expected a list, got "just one"`},
		{"reply address without placeholder", "default_reply_to_email: reply@example.org\n", nil,
			`config: DIR/800-local.yaml: default_reply_to_email: expected an address with {reply_key} before the @, got "reply@example.org"`},
		{"bad time zone", "time_zone: Mars/Olympus\n", nil,
			`config: DIR/800-local.yaml: time_zone: expected a time zone name like Europe/Berlin, got "Mars/Olympus"`},
		{"script with path and content", "scripts: [{path: /a.js, content: 'x()'}]\n", nil,
			`config: DIR/800-local.yaml: scripts[0]: expected either path or content, not both`},
		{"federation switch not a bool", "activitypub: {enabled: sometimes}\n", nil,
			`config: DIR/800-local.yaml: activitypub.enabled: expected true or false, got "sometimes"`},
		{"bad environment value", "domain: ok.example\n", []string{"GROUPRISE_DEBUG=perhaps"},
			`config: environment variable GROUPRISE_DEBUG: debug: expected true or false, got "perhaps"`},
		{"invalid YAML", "domain: [unclosed\n", nil,
			`config: DIR/800-local.yaml: not valid YAML: line 1: did not find expected ',' or ']'`},
		{"trusted proxy not a network", "web: {trusted_proxies: [127.0.0.1/8, 10.0.0.0/33]}\n", nil,
			`config: DIR/800-local.yaml: web.trusted_proxies[1]: expected a network like 10.0.0.0/8 or fd00::/8, or an address, got "10.0.0.0/33"`},
		{"trusted proxy a host name", "web: {trusted_proxies: [proxy.example.org]}\n", nil,
			`config: DIR/800-local.yaml: web.trusted_proxies[0]: expected a network like 10.0.0.0/8 or fd00::/8, or an address, got "proxy.example.org"`},
		{"allowed private network not a network", "activitypub: {allowed_private_networks: [127.0.0.0/8, 10.0.0.0/40]}\n", nil,
			`config: DIR/800-local.yaml: activitypub.allowed_private_networks[1]: expected a network like 127.0.0.0/8 or fd00::/8, or an address, got "10.0.0.0/40"`},
		{"authserv-id with white space", "lmtp: {authserv_id: mx.example.org 1}\n", nil,
			`config: DIR/800-local.yaml: lmtp.authserv_id: expected the name the MTA gives in its Authentication-Results fields, like mx.example.org, got "mx.example.org 1"`},
		{"list at top level", "- a\n- b\n", nil,
			`config: DIR/800-local.yaml: expected a mapping of keys to values at the top level`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, dir, err := loadDir(t, map[string]string{"800-local.yaml": tc.file}, tc.env...)
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("got %v (%T), want *config.Error", err, err)
			}
			want := strings.ReplaceAll(tc.want, "DIR", dir)
			if err.Error() != want {
				t.Errorf("got  %s\nwant %s", err, want)
			}
		})
	}
}

func TestLoadReportsEveryInvalidValue(t *testing.T) {
	_, _, err := loadDir(t, map[string]string{"800-local.yaml": "email_submission: {port: 99999}\nlanguage_code: 'de de'\n"})
	if err == nil {
		t.Fatal("no error")
	}
	if lines := strings.Split(err.Error(), "\n"); len(lines) != 2 {
		t.Errorf("want one line per invalid value, got %q", lines)
	}
}

func TestNotFoundListsCandidates(t *testing.T) {
	work, home := t.TempDir(), t.TempDir()
	sys := filepath.Join(t.TempDir(), "conf.d")
	_, err := Load(Options{WorkDir: work, HomeDir: home, SystemDir: sys})
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("got %v, want *NotFoundError", err)
	}
	want := []string{work + "/grouprise.yaml", work + "/grouprise.conf.d", home + "/.config/grouprise/conf.d", sys}
	if !reflect.DeepEqual(nf.Looked, want) {
		t.Errorf("looked in %q, want %q", nf.Looked, want)
	}
	for _, p := range want {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("message %q does not name %s", err, p)
		}
	}
}

func TestFirstCandidateWithFilesWins(t *testing.T) {
	work := writeFiles(t, map[string]string{"grouprise.conf.d/README": "no yaml here"})
	sys := writeFiles(t, map[string]string{"100.yaml": "domain: system.example\n"})
	c, err := Load(Options{WorkDir: work, SystemDir: sys})
	if err != nil {
		t.Fatal(err)
	}
	if c.Domain != "system.example" || c.Dir != sys {
		t.Errorf("domain %q from %q, want system.example from %s", c.Domain, c.Dir, sys)
	}
	single := filepath.Join(work, "grouprise.yaml")
	if err := os.WriteFile(single, []byte("domain: work.example\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if c, err = Load(Options{WorkDir: work, SystemDir: sys}); err != nil || c.Domain != "work.example" {
		t.Fatalf("got %v, %v; want work.example from %s", c, err, single)
	}
	if !reflect.DeepEqual(c.Sources, []string{single}) || c.Dir != "" {
		t.Errorf("sources %q dir %q", c.Sources, c.Dir)
	}
}

// The files the Django grouprise's Debian package writes must load unchanged.
func TestDjangoPackageConfig(t *testing.T) {
	c, dir, err := loadDir(t, map[string]string{
		"050-defaults.yaml": "cache_storage: {backend: filesystem, location: /run/grouprise/django-cache}\n" +
			"data_path: /var/lib/grouprise\ntemplate_directories: [/etc/grouprise/templates]\n",
		"100-package.yaml": "secret_key: 'Zr3q5uK0yq4oZ8kQe2b9wF1nX7cV6mL3pA0sD4fG8hJ'\n" +
			"backup_path: /var/backups/grouprise\ndomain: grouprise.example.org\nfile_download_backend: nginx\n",
		"800-local.yaml": "task_handler: {storage_backend: sqlite}\nmisspeled_key: 1\nbranding: {theme_color: '#123456', logo_txt: x}\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Domain != "grouprise.example.org" || c.FileDownloadBackend != "nginx" ||
		!reflect.DeepEqual(c.TemplateDirectories, []string{"/etc/grouprise/templates"}) {
		t.Errorf("unexpected values: %+v", c)
	}
	want := []Warning{
		{File: dir + "/800-local.yaml", Key: "branding.logo_txt", Message: "unknown key, ignored (misspelt or outdated?)"},
		{File: dir + "/050-defaults.yaml", Key: "cache_storage", Message: obsoleteKeys["cache_storage"], Obsolete: true},
		{File: dir + "/800-local.yaml", Key: "misspeled_key", Message: "unknown key, ignored (misspelt or outdated?)"},
		{File: dir + "/800-local.yaml", Key: "task_handler", Message: obsoleteKeys["task_handler"], Obsolete: true},
	}
	if !reflect.DeepEqual(c.Warnings, want) {
		t.Errorf("warnings\n got %+v\nwant %+v", c.Warnings, want)
	}
}

func TestLookupAndSetValue(t *testing.T) {
	dir := writeFiles(t, map[string]string{"100.yaml": "domain: a.example\n"})
	opts := Options{Env: []string{"GROUPRISE_CONFIG=" + dir}}
	target := opts.WritableFile()
	if target != filepath.Join(dir, "800-local.yaml") {
		t.Fatalf("writable file %s", target)
	}
	data, err := SetValue(target, nil, "email_submission.port", 2525)
	if err != nil {
		t.Fatal(err)
	}
	data, err = SetValue(target, data, "Domain", "b.example")
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(target, data); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(target); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("new file mode: %v %v", fi.Mode(), err)
	}
	c, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]any{"email_submission.port": 2525, "domain": "b.example",
		"email_submission.host": "localhost", "secret_key": ""} {
		if got, err := c.Lookup(key); err != nil || got != want {
			t.Errorf("Lookup(%s) = %v, %v; want %v", key, got, err, want)
		}
	}
	if _, err := c.Lookup("no_such_key"); err == nil {
		t.Error("Lookup of an unknown key gave no error")
	}
	if _, err := SetValue(target, data, "email_submission.portt", 1); err == nil {
		t.Error("SetValue of an unknown key gave no error")
	}
}

func TestOverlayValidatesBeforeWriting(t *testing.T) {
	dir := writeFiles(t, map[string]string{"100.yaml": "domain: a.example\n"})
	target := filepath.Join(dir, "800-local.yaml")
	_, err := Load(Options{Env: []string{"GROUPRISE_CONFIG=" + dir},
		Overlay: map[string][]byte{target: []byte("email_submission: {port: -1}\n")}})
	if err == nil || !strings.Contains(err.Error(), target+": email_submission.port") {
		t.Errorf("got %v, want an error naming %s", err, target)
	}
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Errorf("overlay file was written: %v", err)
	}
}

// A new settings file is owned like the package's own (root:_grouprise 0640): the daemons
// read it, nobody else does.
func TestWriteFileOwnership(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to hand files to other groups")
	}
	dir := t.TempDir()
	pkg := filepath.Join(dir, "100-package.yaml")
	if err := os.WriteFile(pkg, []byte("domain: a.example\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(pkg, 0, 4321); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "050-defaults.yaml"), []byte("data_path: /x\n"), 0o644)
	target := filepath.Join(dir, "800-local.yaml")
	if err := WriteFile(target, []byte("debug: true\n")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}
	if uid, gid := owner(fi); fi.Mode().Perm() != 0o640 || uid != 0 || gid != 4321 {
		t.Errorf("new file %v owned by %d:%d, want 0640 0:4321", fi.Mode(), uid, gid)
	}
}

// Reverse proxies are trusted on loopback unless configured otherwise; the outgoing-request
// guard lets no private network through unless configured (design §10). A single address is
// a network of one.
func TestNetworks(t *testing.T) {
	proxies := func(c *Config) []netip.Prefix { return c.Web.TrustedProxyNetworks() }
	private := func(c *Config) []netip.Prefix { return c.ActivityPub.PrivateNetworks() }
	cases := []struct {
		name, file string
		networks   func(*Config) []netip.Prefix
		want       []string
	}{
		{"proxies by default", "", proxies, []string{"127.0.0.0/8", "::1/128"}},
		{"proxies configured", "web: {trusted_proxies: [10.1.2.0/24, 192.0.2.7, 'fd00::5']}\n", proxies, []string{"10.1.2.0/24", "192.0.2.7/32", "fd00::5/128"}},
		{"proxies with host bits cleared", "web: {trusted_proxies: [10.1.2.3/24]}\n", proxies, []string{"10.1.2.0/24"}},
		{"no proxies", "web: {trusted_proxies: []}\n", proxies, nil},
		{"no private networks by default", "", private, nil},
		{"private networks allowed", "activitypub: {allowed_private_networks: [127.0.0.0/8, '::1', 10.1.2.3/24]}\n", private,
			[]string{"127.0.0.0/8", "::1/128", "10.1.2.0/24"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, _, err := loadDir(t, map[string]string{"800-local.yaml": tc.file})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range tc.networks(cfg) {
				got = append(got, p.String())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
