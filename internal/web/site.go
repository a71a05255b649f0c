package web

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// siteCache keeps the header's counters and the site's name for a minute: they are on every
// page, and a minute late is soon enough.
type siteCache struct {
	mu      sync.Mutex
	info    siteInfo
	expires time.Time
}

func (s *Server) siteInfo(r *http.Request) siteInfo {
	s.site.mu.Lock()
	defer s.site.mu.Unlock()
	now := s.now()
	if now.Before(s.site.expires) {
		return s.withClaim(s.site.info)
	}
	info := siteInfo{ThemeColor: s.cfg.Branding.ThemeColor, Logo: s.cfg.Branding.LogoSquare, Favicon: s.cfg.Branding.LogoFavicon,
		OIDC: s.oidc != nil, Chat: s.cfg.MatrixChat.Enabled, ChatFeed: s.cfg.MatrixChat.Enabled && len(s.cfg.MatrixChat.PublicListenerRooms) > 0,
		Geo: s.cfg.Geo.Enabled, Tiles: s.cfg.Geo.TileServer.URL, TileAttribution: s.cfg.Geo.TileServer.Attribution,
		MapCenter: mapCenter(s.cfg.Geo.LocationSelector.Center), MapZoom: s.cfg.Geo.LocationSelector.Zoom}
	ctx := r.Context()
	name, err := s.db.SiteSetting(ctx, "name", s.cfg.Domain)
	if err != nil {
		s.log.Warn("reading the site's name failed", "err", err)
		name = s.cfg.Domain
	}
	info.Name = name
	c, err := s.db.SiteCounters(ctx)
	if err != nil {
		s.log.Warn("counting for the header failed", "err", err)
	}
	info.Counters.Groups, info.Counters.People, info.Counters.Contributions = c.Groups, c.People, c.Contributions
	if info.Operator, err = s.operatorGroup(r); err != nil {
		s.log.Warn("reading the operator group failed", "err", err)
	}
	s.site.info, s.site.expires = info, now.Add(time.Minute)
	return s.withClaim(info)
}

// withClaim picks one of the configured slogans, changing every minute.
func (s *Server) withClaim(info siteInfo) siteInfo {
	if n := len(s.cfg.Claims); n > 0 {
		info.Claim = s.cfg.Claims[int(s.now().Unix()/60)%n]
	}
	return info
}

// logo answers the original's /stadt/logos/<name> with the configured logo or the built-in one.
func (s *Server) logo(w http.ResponseWriter, r *http.Request) {
	b := s.cfg.Branding
	target := map[string]string{"backdrop": b.LogoBackdrop, "favicon": b.LogoFavicon, "square": b.LogoSquare, "text": b.LogoText}
	url, ok := target[r.PathValue("name")]
	if !ok {
		s.notFound(w, r)
		return
	}
	if url == "" {
		url = "/stadt/static/img/logo.svg?v=" + s.assets["img/logo.svg"].Hash
	}
	http.Redirect(w, r, url, http.StatusFound)
}

// mapCenter is the JSON of the maps' initial bounds: the configured corners, or Germany's.
func mapCenter(corners [][]float64) string {
	if len(corners) != 2 || len(corners[0]) != 2 || len(corners[1]) != 2 {
		corners = [][]float64{{47.27, 5.87}, {55.06, 15.04}}
	}
	data, _ := json.Marshal(corners)
	return string(data)
}
