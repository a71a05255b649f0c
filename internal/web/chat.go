package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/matrix"
	"grouprise.org/grouprise/internal/store"
)

// chatLink is a group's room as the group page shows it.
type chatLink struct {
	Private bool
	URL     string
	Members int
}

// chatLinks are the rooms the group page links: the public one when visible and (the viewer
// may change the group or someone is in it), the private one for members when visible.
func (s *Server) chatLinks(r *http.Request, g *store.Group, member, canChange bool) ([]chatLink, error) {
	if !s.cfg.MatrixChat.Enabled {
		return nil, nil
	}
	rooms, err := s.db.MatrixRooms(r.Context(), g.ID)
	if err != nil {
		return nil, err
	}
	var out []chatLink
	for _, room := range rooms {
		var st matrix.Statistics
		_ = json.Unmarshal([]byte(room.Statistics), &st)
		switch {
		case !room.Visible:
		case room.Private && member:
			out = append(out, chatLink{Private: true, URL: "/" + g.Slug + "/-/chat/private/", Members: st.MembersCount})
		case !room.Private && (canChange || st.MembersCount > 0):
			out = append(out, chatLink{URL: "/" + g.Slug + "/-/chat/public/", Members: st.MembersCount})
		}
	}
	return out, nil
}

// chatRoom sends the viewer to a group's room in their Matrix web client: the site's own
// (Element below /stadt/chat/) for accounts of its homeserver, matrix.to for others.
func (s *Server) chatRoom(private bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.cfg.MatrixChat.Enabled {
			s.notFound(w, r)
			return
		}
		g, ok := s.groupFromSlug(w, r)
		if !ok {
			return
		}
		v := viewer(r)
		if private && !v.IsMember(g.ID) {
			if !v.LoggedIn() {
				s.requireLogin(w, r)
				return
			}
			s.forbidden(w, r)
			return
		}
		chat := matrix.Chat{Domain: s.cfg.MatrixChat.Domain}
		room := chat.Alias(g.Slug, private)
		own := ""
		if v.LoggedIn() {
			var err error
			if own, err = s.db.MatrixIDOf(r.Context(), v.ID()); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		http.Redirect(w, r, s.webClient(own, room), http.StatusFound)
	}
}

// webClient is the address of a room in the web client of a Matrix ID's homeserver.
func (s *Server) webClient(userID, room string) string {
	if userID == "" || strings.HasSuffix(userID, ":"+s.cfg.MatrixChat.Domain) {
		return "/stadt/chat/#/room/" + url.PathEscape(room)
	}
	return "https://matrix.to/#/" + url.PathEscape(room)
}

// publicFeedRoom sends the visitor to the first room that hears of every public content.
func (s *Server) publicFeedRoom(w http.ResponseWriter, r *http.Request) {
	rooms := s.cfg.MatrixChat.PublicListenerRooms
	if !s.cfg.MatrixChat.Enabled || len(rooms) == 0 {
		s.notFound(w, r)
		return
	}
	http.Redirect(w, r, s.webClient("", rooms[0]), http.StatusFound)
}

type chatSettingsData struct {
	Form   *form
	Domain string
}

// chatSettings is a person's own Matrix ID (an account on another homeserver).
func (s *Server) chatSettings(w http.ResponseWriter, r *http.Request) {
	if !s.cfg.MatrixChat.Enabled {
		s.notFound(w, r)
		return
	}
	if !s.requireLogin(w, r) {
		return
	}
	ctx := r.Context()
	v := viewer(r)
	if r.Method == http.MethodGet {
		own, err := s.db.MatrixIDOf(ctx, v.ID())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f := newForm(nil)
		f.Values.Set("matrix_id", own)
		s.render(w, r, http.StatusOK, "chat_settings", s.t(r, "chat.settings_title"), chatSettingsData{Form: f, Domain: s.cfg.MatrixChat.Domain})
		return
	}
	f := newForm(r)
	err := s.groups.SetMatrixID(ctx, v.ID(), f.Get("matrix_id"))
	if errors.Is(err, groups.ErrMatrixIDInvalid) {
		f.Fail("matrix_id", s.t(r, "chat.invalid_id"))
		s.render(w, r, http.StatusUnprocessableEntity, "chat_settings", s.t(r, "chat.settings_title"),
			chatSettingsData{Form: f, Domain: s.cfg.MatrixChat.Domain})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, msgSuccess, s.t(r, "settings.saved"))
	redirect(w, r, "/stadt/settings/matrix-chat/")
}

type groupChatData struct {
	Group *store.Group
	Form  *form
	Rooms []*store.MatrixRoom
}

// groupChatSettings lets members hide a room's link or move a room to another one.
func (s *Server) groupChatSettings(w http.ResponseWriter, r *http.Request) {
	if !s.cfg.MatrixChat.Enabled {
		s.notFound(w, r)
		return
	}
	g, ok := s.groupFromSlug(w, r)
	if !ok {
		return
	}
	if !groups.CanChange(viewer(r), g) {
		if !viewer(r).LoggedIn() {
			s.requireLogin(w, r)
			return
		}
		s.forbidden(w, r)
		return
	}
	ctx := r.Context()
	rooms, err := s.db.MatrixRooms(ctx, g.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := groupChatData{Group: g, Rooms: rooms}
	if r.Method == http.MethodGet {
		d.Form = newForm(nil)
		for _, room := range rooms {
			key := roomKey(room.Private)
			d.Form.Values.Set(key+"_room", room.RoomID)
			if room.Visible {
				d.Form.Values.Set(key+"_visible", "on")
			}
		}
		s.render(w, r, http.StatusOK, "group_chat", s.t(r, "chat.group_settings_title"), d)
		return
	}
	d.Form = newForm(r)
	var choices []groups.ChatRoom
	for _, private := range []bool{false, true} {
		key := roomKey(private)
		choices = append(choices, groups.ChatRoom{Private: private, Visible: d.Form.Checked(key + "_visible"),
			RoomID: d.Form.Get(key + "_room")})
	}
	err = s.groups.SetChatRooms(ctx, g, choices, func(id string) bool {
		return slices.Contains(s.cfg.MatrixChat.PublicListenerRooms, id) || slices.Contains(s.cfg.MatrixCommander.AdminRooms, id)
	})
	var problems groups.ChatRoomErrors
	if errors.As(err, &problems) {
		for _, private := range []bool{false, true} {
			switch problems[private] {
			case groups.ErrRoomInvalid:
				d.Form.Fail(roomKey(private)+"_room", s.t(r, "chat.invalid_room"))
			case groups.ErrRoomTaken:
				d.Form.Fail(roomKey(private)+"_room", s.t(r, "chat.room_taken"))
			}
		}
		s.render(w, r, http.StatusUnprocessableEntity, "group_chat", s.t(r, "chat.group_settings_title"), d)
		return
	}
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r)
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, msgSuccess, s.t(r, "settings.saved"))
	redirect(w, r, "/stadt/settings/group/matrix-chat/?group="+url.QueryEscape(g.Slug))
}

func roomKey(private bool) string {
	if private {
		return "private"
	}
	return "public"
}
