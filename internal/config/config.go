// Package config loads grouprise's YAML configuration (conf.d directories compatible with the
// Django grouprise) into a typed Config. Nothing outside this package sees viper.
package config

import (
	"net/netip"
	"path/filepath"
	"strings"
	"time"
)

// Config is the whole configuration after defaults were applied and values validated.
// The yaml tags are the key names of the configuration files (and of `grouprise settings`).
type Config struct {
	Domain            string   `yaml:"domain"`
	ExtraAllowedHosts []string `yaml:"extra_allowed_hosts"`
	SecretKey         string   `yaml:"secret_key"`
	Debug             bool     `yaml:"debug"`
	// MaintenanceMode closes the site: the web daemon answers every page with 503 (see
	// MaintenanceFlag for the switch that needs no restart).
	MaintenanceMode bool `yaml:"maintenance_mode"`

	DataPath            string   `yaml:"data_path"`
	MediaRoot           string   `yaml:"media_root"`
	BackupPath          string   `yaml:"backup_path"`
	TemplateDirectories []string `yaml:"template_directories"`

	Database Database `yaml:"database"`

	SessionCookieAge  int    `yaml:"session_cookie_age"`
	TransportSecurity string `yaml:"transport_security"`
	LanguageCode      string `yaml:"language_code"`
	TimeZone          string `yaml:"time_zone"`

	EmailSubmission          EmailSubmission `yaml:"email_submission"`
	DefaultFromEmail         string          `yaml:"default_from_email"`
	DefaultDistinctFromEmail string          `yaml:"default_distinct_from_email"`
	DefaultReplyToEmail      string          `yaml:"default_reply_to_email"`
	PostmasterEmail          string          `yaml:"postmaster_email"`
	CollectorMailboxAddress  string          `yaml:"collector_mailbox_address"`
	MailinglistEnabled       bool            `yaml:"mailinglist_enabled"`
	LogRecipientEmails       []string        `yaml:"log_recipient_emails"`

	Branding            Branding `yaml:"branding"`
	Claims              []string `yaml:"claims"`
	EntitySlugBlacklist []string `yaml:"entity_slug_blacklist"`
	Events              Events   `yaml:"events"`
	Tags                Tags     `yaml:"tags"`
	CSP                 CSP      `yaml:"csp"`
	Scripts             []Script `yaml:"scripts"`
	Stylesheets         []Style  `yaml:"stylesheets"`

	OperatorGroupID       int64 `yaml:"operator_group_id"`
	UnknownGestaltID      int64 `yaml:"unknown_gestalt_id"`
	FeedImporterGestaltID int64 `yaml:"feed_importer_gestalt_id"`
	ScoreContentAge       int   `yaml:"score_content_age"`
	UploadMaxFileSize     int   `yaml:"upload_max_file_size"`

	FileDownloadBackend string   `yaml:"file_download_backend"`
	HookScriptPaths     []string `yaml:"hook_script_paths"`

	Geo             Geo             `yaml:"geo"`
	MatrixChat      MatrixChat      `yaml:"matrix_chat"`
	MatrixCommander MatrixCommander `yaml:"matrix_commander"`
	OIDCProvider    OIDCProvider    `yaml:"oidc_provider"`
	Sentry          Sentry          `yaml:"sentry"`

	ActivityPub ActivityPub `yaml:"activitypub"`

	Web     Web     `yaml:"web"`
	LMTP    LMTP    `yaml:"lmtp"`
	Tasks   Tasks   `yaml:"tasks"`
	Metrics Metrics `yaml:"metrics"`

	// Sources lists the files that were read, in the order they were merged.
	Sources []string `yaml:"-"`
	// Dir is the configuration directory (conf.d) that was found, or "" for a single file.
	Dir string `yaml:"-"`
	// Warnings are unknown and obsolete keys found while loading.
	Warnings []Warning `yaml:"-"`

	location *time.Location
}

// Database selects the store. Engine "sqlite" keeps everything in one file; "postgresql"
// connects to a server.
type Database struct {
	Engine   string `yaml:"engine"`
	Name     string `yaml:"name"`
	Host     string `yaml:"host"`
	Port     int    `yaml:"port"`
	User     string `yaml:"user"`
	Password string `yaml:"password"`
}

// EmailSubmission is how outgoing mail leaves: SMTP to the local MTA, sendmail, or the console.
type EmailSubmission struct {
	Backend    string `yaml:"backend"`
	Host       string `yaml:"host"`
	Port       int    `yaml:"port"`
	Encryption string `yaml:"encryption"`
	User       string `yaml:"user"`
	Password   string `yaml:"password"`
}

type Branding struct {
	LogoBackdrop string `yaml:"logo_backdrop"`
	LogoFavicon  string `yaml:"logo_favicon"`
	LogoSquare   string `yaml:"logo_square"`
	LogoText     string `yaml:"logo_text"`
	ThemeColor   string `yaml:"theme_color"`
}

type Events struct {
	EnableRepetitions                        bool `yaml:"enable_repetitions"`
	EnableAttendance                         bool `yaml:"enable_attendance"`
	AllowAttendanceManagementForGroupMembers bool `yaml:"allow_attendance_management_for_group_members"`
}

type Tags struct {
	FeaturedTagIDs           []int64 `yaml:"featured_tag_ids"`
	MinFeaturedGroupTagCount int     `yaml:"min_featured_group_tag_count"`
}

type CSP struct {
	ScriptSrc  []string `yaml:"script_src"`
	DefaultSrc []string `yaml:"default_src"`
	ConnectSrc []string `yaml:"connect_src"`
}

// Script is an extra <script> in every page: a local file (Path) or inline code (Content).
type Script struct {
	Path    string `yaml:"path"`
	Load    string `yaml:"load"`
	Content string `yaml:"content"`
}

// Style is an extra stylesheet in every page.
type Style struct {
	Path  string `yaml:"path"`
	Media string `yaml:"media"`
}

type Geo struct {
	Enabled          bool             `yaml:"enabled"`
	TileServer       TileServer       `yaml:"tile_server"`
	LocationSelector LocationSelector `yaml:"location_selector"`
}

type TileServer struct {
	URL         string `yaml:"url"`
	Attribution string `yaml:"attribution"`
}

type LocationSelector struct {
	Center [][]float64 `yaml:"center"`
	Zoom   int         `yaml:"zoom"`
}

type MatrixChat struct {
	Enabled             bool     `yaml:"enabled"`
	Backend             string   `yaml:"backend"`
	Domain              string   `yaml:"domain"`
	AdminAPIURL         string   `yaml:"admin_api_url"`
	BotUsername         string   `yaml:"bot_username"`
	BotAccessToken      string   `yaml:"bot_access_token"`
	PublicListenerRooms []string `yaml:"public_listener_rooms"`
	// WebClientURL is the Matrix web client /stadt/chat/ leads to when the web server does
	// not serve Element there itself (new; the original's package installed Element).
	WebClientURL string `yaml:"web_client_url"`
}

type MatrixCommander struct {
	Enabled        bool     `yaml:"enabled"`
	Backend        string   `yaml:"backend"`
	BotID          string   `yaml:"bot_id"`
	BotAccessToken string   `yaml:"bot_access_token"`
	AdminRooms     []string `yaml:"admin_rooms"`
}

type OIDCProvider struct {
	Enabled bool `yaml:"enabled"`
}

type Sentry struct {
	DSN         string         `yaml:"dsn"`
	InitOptions map[string]any `yaml:"init_options"`
}

// Web configures `grouprise web`.
type Web struct {
	// Listen is used when systemd passes no socket.
	Listen string `yaml:"listen"`
	// AnonymousCache is how many seconds a page for anonymous visitors may be served again
	// (0: never).
	AnonymousCache int `yaml:"anonymous_cache"`
	// TrustedProxies are the networks (CIDR) of reverse proxies whose X-Real-IP and
	// X-Forwarded-For name the visitor; a connection over a unix socket is always trusted.
	TrustedProxies []string `yaml:"trusted_proxies"`
}

// TrustedProxyNetworks are TrustedProxies parsed (validate has refused invalid ones); a
// single address counts as a network of one.
func (w Web) TrustedProxyNetworks() []netip.Prefix { return parseNetworks(w.TrustedProxies) }

func parseNetworks(list []string) []netip.Prefix {
	var nets []netip.Prefix
	for _, s := range list {
		if p, ok := parseNetwork(s); ok {
			nets = append(nets, p)
		}
	}
	return nets
}

func parseNetwork(s string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// ActivityPub configures federation (design §10).
type ActivityPub struct {
	// Enabled makes groups actors that people elsewhere in the Fediverse can follow (each
	// group decides whether it is visible there).
	Enabled bool `yaml:"enabled"`
	// AllowedPrivateNetworks (CIDR) are let through by the guard on outgoing requests, which
	// otherwise refuses loopback, private, link-local and other special addresses.
	AllowedPrivateNetworks []string `yaml:"allowed_private_networks"`
	// InboxLimit is how many inbox POSTs one remote server may send a minute; more are
	// answered 429 until the minute is over.
	InboxLimit int `yaml:"inbox_limit"`
}

// PrivateNetworks are AllowedPrivateNetworks parsed (validate has refused invalid ones); a
// single address counts as a network of one.
func (a ActivityPub) PrivateNetworks() []netip.Prefix { return parseNetworks(a.AllowedPrivateNetworks) }

// LMTP configures `grouprise lmtpd` when systemd passes no socket.
type LMTP struct {
	Listen         string `yaml:"listen"`
	MaxMessageSize int64  `yaml:"max_message_size"`
	// AuthservID is the local MTA's name in the Authentication-Results fields it adds (its
	// DMARC/SPF/DKIM milter's authserv-id); a failure reported there makes the sender a
	// stranger. Empty: no field is trusted.
	AuthservID string `yaml:"authserv_id"`
}

// Metrics configures the operators' Prometheus listeners (off when Listen is empty): a unix
// socket path with {daemon}, or a loopback host:port — web on the port, lmtpd on +1, tasks
// on +2, matrix-commander on +3.
type Metrics struct {
	Listen string `yaml:"listen"`
}

// Tasks configures the wake-up socket of `grouprise tasks`.
type Tasks struct {
	Listen string `yaml:"listen"`
}

// defaultEntitySlugBlacklist are slugs no group or person may take: they are site paths or
// local parts of the site's own mail addresses.
var defaultEntitySlugBlacklist = []string{
	"all", "grouprise", "info", "mail", "noreply", "postmaster", "reply", "stadt", "webmaster", "www",
}

// defaults returns the configuration before any file is read. Values that derive from other
// keys (media_root, mail addresses, the SQLite path) are filled in by resolve.
func defaults() Config {
	return Config{
		Domain:              "example.org",
		DataPath:            "/var/lib/grouprise",
		BackupPath:          "/var/backups/grouprise",
		Database:            Database{Engine: "sqlite"},
		SessionCookieAge:    14 * 24 * 3600,
		TransportSecurity:   "reverse-proxy",
		LanguageCode:        "de-de",
		TimeZone:            "Europe/Berlin",
		EmailSubmission:     EmailSubmission{Backend: "smtp", Host: "localhost", Encryption: "plain"},
		Branding:            Branding{ThemeColor: "#2a62ac"},
		OperatorGroupID:     1,
		UnknownGestaltID:    1,
		ScoreContentAge:     100,
		UploadMaxFileSize:   10,
		FileDownloadBackend: "none",
		Geo: Geo{TileServer: TileServer{
			URL:         "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
			Attribution: `&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>`,
		}},
		MatrixChat: MatrixChat{
			Backend:     "nio",
			AdminAPIURL: "http://localhost:8008",
			BotUsername: "grouprise-bot",
		},
		MatrixCommander: MatrixCommander{Backend: "nio"},
		Web:             Web{Listen: "127.0.0.1:8080", AnonymousCache: 1, TrustedProxies: []string{"127.0.0.0/8", "::1/128"}},
		ActivityPub:     ActivityPub{InboxLimit: 300},
		LMTP:            LMTP{Listen: "127.0.0.1:8025", MaxMessageSize: 32 << 20},
	}
}

// resolve fills the values that derive from other keys, after all files were merged.
func (c *Config) resolve() {
	if c.MediaRoot == "" {
		c.MediaRoot = filepath.Join(c.DataPath, "media")
	}
	if c.Database.Engine == "sqlite" && c.Database.Name == "" {
		c.Database.Name = filepath.Join(c.DataPath, "grouprise.sqlite3")
	}
	if c.Database.Engine == "postgresql" && c.Database.Name == "" {
		c.Database.Name = "grouprise"
	}
	if c.EmailSubmission.Port == 0 {
		switch c.EmailSubmission.Encryption {
		case "ssl":
			c.EmailSubmission.Port = 465
		case "starttls":
			c.EmailSubmission.Port = 587
		default:
			c.EmailSubmission.Port = 25
		}
	}
	if c.DefaultFromEmail == "" {
		c.DefaultFromEmail = "noreply@" + c.Domain
	}
	if c.DefaultDistinctFromEmail == "" {
		c.DefaultDistinctFromEmail = "noreply+{slug}@" + c.Domain
	}
	if c.DefaultReplyToEmail == "" {
		c.DefaultReplyToEmail = "reply+{reply_key}@" + c.Domain
	}
	if c.PostmasterEmail == "" {
		c.PostmasterEmail = "postmaster@" + c.Domain
	}
	if c.MatrixChat.Domain == "" {
		c.MatrixChat.Domain = c.Domain
	}
	if c.MatrixCommander.BotID == "" {
		c.MatrixCommander.BotID = "@grouprise-commander-bot:" + c.Domain
	}
	c.EntitySlugBlacklist = mergeUnique(defaultEntitySlugBlacklist, c.EntitySlugBlacklist)
}

// mergeUnique appends the entries of extra that base lacks, compared case-insensitively.
func mergeUnique(base, extra []string) []string {
	out := append([]string(nil), base...)
	seen := make(map[string]bool, len(base)+len(extra))
	for _, s := range base {
		seen[strings.ToLower(s)] = true
	}
	for _, s := range extra {
		if k := strings.ToLower(s); !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}

// Location is the site's time zone (loaded once; validated at load, so it never fails).
func (c *Config) Location() *time.Location {
	if c.location == nil {
		loc, err := time.LoadLocation(c.TimeZone)
		if err != nil {
			return time.UTC
		}
		c.location = loc
	}
	return c.location
}

// RemoteAuthorPrefix begins the names of the hidden accounts that stand for authors of
// comments from the Fediverse (internal/federation); nobody else may take such a name, or
// they could keep a remote author's replies out by taking its name first.
const RemoteAuthorPrefix = "fediverse-"

// SlugReserved tells whether a group or person may not take slug.
func (c *Config) SlugReserved(slug string) bool {
	if strings.HasPrefix(strings.ToLower(slug), RemoteAuthorPrefix) {
		return true
	}
	for _, s := range c.EntitySlugBlacklist {
		if strings.EqualFold(s, slug) {
			return true
		}
	}
	return false
}

// UploadLimit is the largest accepted web upload in bytes (0: no limit).
func (c *Config) UploadLimit() int64 {
	return int64(c.UploadMaxFileSize) << 20
}

// ChatDomain is the Matrix homeserver's name when matrix_chat is enabled, else "".
func (c *Config) ChatDomain() string {
	if !c.MatrixChat.Enabled {
		return ""
	}
	return c.MatrixChat.Domain
}

// MaintenanceFlag is the file whose existence closes the site as maintenance_mode does, at
// once and without a restart: maintenance_mode beside the configuration directory
// (/etc/grouprise/maintenance_mode, the Django grouprise's switch); "" without a directory.
func (c *Config) MaintenanceFlag() string {
	if c.Dir == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(c.Dir), "maintenance_mode")
}

// BaseURL is the site's address for absolute links (in mails, feeds): https unless
// transport_security is disabled.
func (c *Config) BaseURL() string {
	if c.TransportSecurity == "disabled" {
		return "http://" + c.Domain
	}
	return "https://" + c.Domain
}
