package web

import (
	"encoding/json"
	"errors"
	"fmt"
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
func (s *Server) chatRoom(private bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if !s.cfg.MatrixChat.Enabled {
			return errNotFound
		}
		g, err := s.groupOfSlug(r)
		if err != nil {
			return err
		}
		v := viewer(r)
		if private && !v.IsMember(g.ID) {
			return errForbidden
		}
		chat := matrix.Chat{Domain: s.cfg.MatrixChat.Domain}
		room := chat.Alias(g.Slug, private)
		own := ""
		if v.LoggedIn() {
			if own, err = s.db.MatrixIDOf(r.Context(), v.ID()); err != nil {
				return fmt.Errorf("chat: matrix id: %w", err)
			}
		}
		http.Redirect(w, r, s.webClient(own, room), http.StatusFound)
		return nil
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
func (s *Server) publicFeedRoom(w http.ResponseWriter, r *http.Request) error {
	rooms := s.cfg.MatrixChat.PublicListenerRooms
	if !s.cfg.MatrixChat.Enabled || len(rooms) == 0 {
		return errNotFound
	}
	http.Redirect(w, r, s.webClient("", rooms[0]), http.StatusFound)
	return nil
}

type chatSettingsData struct {
	Form   *form
	Domain string
}

// chatSettings is a person's own Matrix ID (an account on another homeserver).
func (s *Server) chatSettings(w http.ResponseWriter, r *http.Request) error {
	if !s.cfg.MatrixChat.Enabled {
		return errNotFound
	}
	ctx := r.Context()
	v := viewer(r)
	if !v.LoggedIn() {
		return errForbidden
	}
	if r.Method == http.MethodGet {
		own, err := s.db.MatrixIDOf(ctx, v.ID())
		if err != nil {
			return fmt.Errorf("chat settings: matrix id: %w", err)
		}
		f := newForm(nil)
		f.Values.Set("matrix_id", own)
		s.render(w, r, http.StatusOK, "chat_settings", s.t(r, "chat.settings_title"), chatSettingsData{Form: f, Domain: s.cfg.MatrixChat.Domain})
		return nil
	}
	f := newForm(r)
	err := s.groups.SetMatrixID(ctx, v.ID(), f.Get("matrix_id"))
	if errors.Is(err, groups.ErrMatrixIDInvalid) {
		f.Fail("matrix_id", s.t(r, "chat.invalid_id"))
		s.render(w, r, http.StatusUnprocessableEntity, "chat_settings", s.t(r, "chat.settings_title"),
			chatSettingsData{Form: f, Domain: s.cfg.MatrixChat.Domain})
		return nil
	}
	if err != nil {
		return fmt.Errorf("chat settings: %w", err)
	}
	s.flash(r, msgSuccess, s.t(r, "settings.saved"))
	redirect(w, r, "/stadt/settings/matrix-chat/")
	return nil
}

type groupChatData struct {
	Group *store.Group
	Form  *form
	Rooms []*store.MatrixRoom
}

// groupChatSettings lets members hide a room's link or move a room to another one.
func (s *Server) groupChatSettings(w http.ResponseWriter, r *http.Request) error {
	if !s.cfg.MatrixChat.Enabled {
		return errNotFound
	}
	g, err := s.groupToChange(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	rooms, err := s.db.MatrixRooms(ctx, g.ID)
	if err != nil {
		return fmt.Errorf("group chat settings %s: rooms: %w", g.Slug, err)
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
		return nil
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
		return nil
	}
	if err != nil {
		// store.ErrNotFound stays a 404 through the adapter, as it was.
		return fmt.Errorf("group chat settings %s: %w", g.Slug, err)
	}
	s.flash(r, msgSuccess, s.t(r, "settings.saved"))
	redirect(w, r, "/stadt/settings/group/matrix-chat/?group="+url.QueryEscape(g.Slug))
	return nil
}

func roomKey(private bool) string {
	if private {
		return "private"
	}
	return "public"
}
