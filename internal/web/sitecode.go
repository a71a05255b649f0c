package web

import (
	"crypto/sha512"
	"encoding/base64"
	"html/template"
	"strings"

	"grouprise.org/grouprise/internal/config"
)

// The operator's own scripts and stylesheets (scripts, stylesheets) and additions to the
// Content-Security-Policy (csp.*), as the original's configuration had them (F112).

// siteScript is one configured script as the layout writes it: a local file with its loading
// (async, defer or, for "blocking", neither), or inline code, allowed by its hash.
type siteScript struct {
	Src          string
	Async, Defer bool
	Inline       template.JS
}

func siteScripts(cfg []config.Script) []siteScript {
	var out []siteScript
	for _, s := range cfg {
		if s.Content != "" {
			out = append(out, siteScript{Inline: template.JS(s.Content)})
			continue
		}
		out = append(out, siteScript{Src: s.Path, Async: s.Load == "async", Defer: s.Load == "" || s.Load == "defer"})
	}
	return out
}

// inlineScriptHashes are the CSP sources that allow the configured inline scripts, and only
// them: 'sha384-…' of each script's exact text.
func inlineScriptHashes(cfg []config.Script) []string {
	var out []string
	for _, s := range cfg {
		if s.Content != "" {
			sum := sha512.Sum384([]byte(s.Content))
			out = append(out, "'sha384-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
		}
	}
	return out
}

// cspSources joins the policy's own sources with the configured ones.
func cspSources(own string, extra ...[]string) string {
	parts := []string{own}
	for _, e := range extra {
		parts = append(parts, e...)
	}
	return strings.Join(parts, " ")
}
