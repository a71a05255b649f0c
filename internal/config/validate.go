package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

var (
	domainPattern   = regexp.MustCompile(`^[\w\-.]+$`)
	languagePattern = regexp.MustCompile(`^[A-Za-z0-9_]+([-_][A-Za-z0-9_]+)?$`)
	colorPattern    = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	// an RFC 8601 authserv-id as a token: printable, no white space, no specials
	authservIDPattern = regexp.MustCompile(`^[!#-'*+\-.0-9A-Z^-~]+$`)
)

// validate checks every value whose meaning is restricted; origin names the file of a key.
// All problems are reported, one line each.
func (c *Config) validate(origin func(key string) string) error {
	var errs []error
	check := func(ok bool, key, format string, args ...any) {
		if !ok {
			errs = append(errs, &Error{File: origin(key), Key: key, Msg: fmt.Sprintf(format, args...)})
		}
	}
	oneOf := func(value, key string, allowed ...string) {
		check(slices.Contains(allowed, value), key, "expected one of %s, got %q", strings.Join(allowed, ", "), value)
	}
	atLeast := func(value int64, key string, min int64) {
		check(value >= min, key, "expected a whole number of at least %d, got %d", min, value)
	}
	port := func(value int, key string) {
		check(value >= 1 && value <= 65535, key, "expected a port number from 1 to 65535, got %d", value)
	}
	absPath := func(value, key string) {
		check(value == "" || filepath.IsAbs(value), key, "expected an absolute path, got %q", value)
	}
	pattern := func(value, key, placeholder string) {
		local, _, found := strings.Cut(value, "@")
		check(found && strings.Contains(local, placeholder), key,
			"expected an address with %s before the @, got %q", placeholder, value)
	}
	address := func(value, key string) {
		check(value == "" || strings.Contains(value, "@"), key, "expected an e-mail address, got %q", value)
	}

	check(domainPattern.MatchString(c.Domain), "domain", "expected a host name (letters, digits, '-', '.'), got %q", c.Domain)
	check(c.SecretKey == "" || len(c.SecretKey) >= 16, "secret_key", "expected at least 16 characters, got %d", len(c.SecretKey))
	absPath(c.DataPath, "data_path")
	check(c.DataPath != "", "data_path", "expected a directory, got nothing")
	absPath(c.MediaRoot, "media_root")
	absPath(c.BackupPath, "backup_path")
	for i, d := range c.TemplateDirectories {
		absPath(d, fmt.Sprintf("template_directories[%d]", i))
	}

	switch c.Database.Engine {
	case "sqlite":
		absPath(c.Database.Name, "database.name")
	case "postgresql":
		if c.Database.Port != 0 {
			port(c.Database.Port, "database.port")
		}
	case "postgis", "spatialite", "mysql":
		hint := ""
		if c.Database.Engine == "mysql" { // the way out for a Django grouprise on MySQL/MariaDB
			hint = "; its data moves with `grouprise import-django mysql://…` (README.Debian)"
		}
		check(false, "database.engine", "%q is not supported by this grouprise; expected sqlite or postgresql%s", c.Database.Engine, hint)
	default:
		oneOf(c.Database.Engine, "database.engine", "sqlite", "postgresql")
	}

	atLeast(int64(c.SessionCookieAge), "session_cookie_age", 0)
	oneOf(c.TransportSecurity, "transport_security", "disabled", "reverse-proxy", "integrated")
	check(languagePattern.MatchString(c.LanguageCode), "language_code", "expected a language code like de-de or en, got %q", c.LanguageCode)
	if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "" {
		check(false, "time_zone", "expected a time zone name like Europe/Berlin, got %q", c.TimeZone)
	}

	oneOf(c.EmailSubmission.Backend, "email_submission.backend", "smtp", "sendmail", "console", "dummy")
	oneOf(c.EmailSubmission.Encryption, "email_submission.encryption", "plain", "starttls", "ssl")
	port(c.EmailSubmission.Port, "email_submission.port")
	address(c.DefaultFromEmail, "default_from_email")
	pattern(c.DefaultDistinctFromEmail, "default_distinct_from_email", "{slug}")
	pattern(c.DefaultReplyToEmail, "default_reply_to_email", "{reply_key}")
	address(c.PostmasterEmail, "postmaster_email")
	address(c.CollectorMailboxAddress, "collector_mailbox_address")

	check(c.Branding.ThemeColor == "" || colorPattern.MatchString(c.Branding.ThemeColor), "branding.theme_color",
		"expected a colour like #2a62ac, got %q", c.Branding.ThemeColor)
	for i, s := range c.Scripts {
		key := fmt.Sprintf("scripts[%d]", i)
		switch {
		case s.Path != "" && s.Content != "":
			check(false, key, "expected either path or content, not both")
		case s.Path == "" && s.Content == "":
			check(false, key, "expected path or content")
		case s.Content != "" && s.Load != "":
			check(false, key+".load", "expected no load option for inline content")
		case s.Path != "":
			absPath(s.Path, key+".path")
			if s.Load != "" {
				oneOf(s.Load, key+".load", "async", "defer", "blocking")
			}
		}
	}
	for i, s := range c.Stylesheets {
		key := fmt.Sprintf("stylesheets[%d].path", i)
		check(s.Path != "", key, "expected a path")
		absPath(s.Path, key)
	}

	atLeast(c.OperatorGroupID, "operator_group_id", 1)
	atLeast(c.UnknownGestaltID, "unknown_gestalt_id", 1)
	atLeast(c.FeedImporterGestaltID, "feed_importer_gestalt_id", 0)
	atLeast(int64(c.ScoreContentAge), "score_content_age", 0)
	atLeast(int64(c.UploadMaxFileSize), "upload_max_file_size", 0)
	atLeast(int64(c.Tags.MinFeaturedGroupTagCount), "tags.min_featured_group_tag_count", 0)
	oneOf(c.FileDownloadBackend, "file_download_backend", "none", "nginx", "apache", "lighttpd")
	for i, p := range c.HookScriptPaths {
		absPath(p, fmt.Sprintf("hook_script_paths[%d]", i))
	}

	if c.Geo.Enabled {
		u := c.Geo.TileServer.URL
		check(strings.HasPrefix(u, "https://") && strings.Contains(u, "{x}") && strings.Contains(u, "{y}") &&
			strings.Contains(u, "{z}"), "geo.tile_server.url", "expected an https URL with {x}, {y} and {z}, got %q", u)
	}
	check(c.Geo.LocationSelector.Zoom >= 0 && c.Geo.LocationSelector.Zoom <= 19, "geo.location_selector.zoom",
		"expected a zoom level from 1 to 19 (0 or none: fit the center's bounds), got %d", c.Geo.LocationSelector.Zoom)
	oneOf(c.MatrixChat.Backend, "matrix_chat.backend", "nio", "console")
	if c.MatrixChat.Enabled {
		mc := c.MatrixChat
		check(mc.Domain != "", "matrix_chat.domain", "the homeserver's name is needed when matrix_chat.enabled is true")
		check(mc.BotAccessToken != "", "matrix_chat.bot_access_token", "the bot's access token is needed when matrix_chat.enabled is true")
		check(strings.HasPrefix(mc.AdminAPIURL, "http://") || strings.HasPrefix(mc.AdminAPIURL, "https://"),
			"matrix_chat.admin_api_url", "expected the homeserver's http or https address, got %q", mc.AdminAPIURL)
	}
	if u := c.MatrixChat.WebClientURL; u != "" {
		parsed, err := url.Parse(u)
		check(err == nil && (parsed.Scheme == "https" || parsed.Scheme == "http") && parsed.Host != "" && parsed.Fragment == "",
			"matrix_chat.web_client_url", "expected the http or https address of a Matrix web client (without #…), got %q", u)
	}
	oneOf(c.MatrixCommander.Backend, "matrix_commander.backend", "nio", "console")

	listen := func(value, key string) {
		check(value == "" || filepath.IsAbs(value) || strings.Contains(value, ":"), key,
			"expected host:port or the absolute path of a unix socket, got %q", value)
	}
	listen(c.Web.Listen, "web.listen")
	listen(c.LMTP.Listen, "lmtp.listen")
	listen(c.Tasks.Listen, "tasks.listen")
	if m := c.Metrics.Listen; m != "" {
		if filepath.IsAbs(m) {
			check(strings.Contains(m, "{daemon}"), "metrics.listen",
				"a unix socket path needs {daemon} (one socket per daemon), got %q", m)
		} else {
			host, port, err := net.SplitHostPort(m)
			_, perr := strconv.Atoi(port)
			ip := net.ParseIP(host)
			check(err == nil && perr == nil && (host == "localhost" || (ip != nil && ip.IsLoopback())), "metrics.listen",
				"expected a loopback address with a port (127.0.0.1:9501) or a unix socket path with {daemon}, got %q", m)
		}
	}
	atLeast(c.LMTP.MaxMessageSize, "lmtp.max_message_size", 1024)
	check(c.LMTP.AuthservID == "" || authservIDPattern.MatchString(c.LMTP.AuthservID), "lmtp.authserv_id",
		"expected the name the MTA gives in its Authentication-Results fields, like mx.example.org, got %q", c.LMTP.AuthservID)
	atLeast(int64(c.Web.AnonymousCache), "web.anonymous_cache", 0)
	for i, n := range c.Web.TrustedProxies {
		_, ok := parseNetwork(n)
		check(ok, fmt.Sprintf("web.trusted_proxies[%d]", i),
			"expected a network like 10.0.0.0/8 or fd00::/8, or an address, got %q", n)
	}
	atLeast(int64(c.ActivityPub.InboxLimit), "activitypub.inbox_limit", 1)
	for i, n := range c.ActivityPub.AllowedPrivateNetworks {
		_, ok := parseNetwork(n)
		check(ok, fmt.Sprintf("activitypub.allowed_private_networks[%d]", i),
			"expected a network like 127.0.0.0/8 or fd00::/8, or an address, got %q", n)
	}

	return errors.Join(errs...)
}
