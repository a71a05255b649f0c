package groups

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// queuedJobs claims every queued job and names each as kind:payload, sorted.
func queuedJobs(t *testing.T, db *store.DB) []string {
	t.Helper()
	far := time.Now().Add(24 * time.Hour)
	jobs, err := db.ClaimJobs(context.Background(), "test", 100, far, far.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, j := range jobs {
		out = append(out, j.Kind+":"+string(j.Payload))
	}
	sort.Strings(out)
	return out
}

func TestSetMatrixID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		gr := New(db, reserved, nil).WithChat("chat.example.org")
		bob := &store.Gestalt{Username: "bob", DateJoined: gr.now()}
		if err := db.Tx(ctx, func(q *store.Queries) error { _, err := q.CreateGestalt(ctx, bob); return err }); err != nil {
			t.Fatal(err)
		}
		garden, err := gr.Create(ctx, NewGroup{Name: "Garten", Creator: bob})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetGestaltSetting(ctx, bob.ID, "matrix_chat", "private_notifications_room_id", "!notes:chat.example.org"); err != nil {
			t.Fatal(err)
		}
		queuedJobs(t, db) // the creation's

		for _, id := range []string{"@bob:chat.example.org", "bob", "@bob", "!room:elsewhere.net"} {
			if err := gr.SetMatrixID(ctx, bob.ID, id); !errors.Is(err, ErrMatrixIDInvalid) {
				t.Errorf("SetMatrixID(%q): %v, want ErrMatrixIDInvalid", id, err)
			}
		}
		if err := gr.SetMatrixID(ctx, bob.ID, "@bob:elsewhere.net"); err != nil {
			t.Fatal(err)
		}
		if own, _ := db.MatrixIDOf(ctx, bob.ID); own != "@bob:elsewhere.net" {
			t.Errorf("matrix id %q", own)
		}
		if room, _ := db.GestaltSetting(ctx, bob.ID, "matrix_chat", "private_notifications_room_id"); room != "" {
			t.Errorf("the notification room %q stays; it belongs to the old ID", room)
		}
		want := []string{`matrix.sync-group:{"group_id":` + itoa(garden.ID) + `}`}
		if got := queuedJobs(t, db); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("jobs %v, want %v", got, want)
		}
		// The same ID again changes nothing and invites nobody again.
		if err := gr.SetMatrixID(ctx, bob.ID, "@bob:elsewhere.net"); err != nil {
			t.Fatal(err)
		}
		if got := queuedJobs(t, db); len(got) != 0 {
			t.Errorf("jobs %v after the same ID again, want none", got)
		}
	})
}

func TestSetChatRooms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		gr := New(db, reserved, nil).WithChat("chat.example.org")
		garden, err := gr.Create(ctx, NewGroup{Name: "Garten"})
		if err != nil {
			t.Fatal(err)
		}
		other, err := gr.Create(ctx, NewGroup{Name: "Werkstatt"})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []struct {
			group   int64
			private bool
			room    string
		}{{garden.ID, false, "!public:chat.example.org"}, {garden.ID, true, "!private:chat.example.org"},
			{other.ID, false, "!workshop:chat.example.org"}} {
			if _, err := db.SetMatrixRoom(ctx, r.group, r.private, r.room); err != nil {
				t.Fatal(err)
			}
		}
		queuedJobs(t, db)
		listener := func(id string) bool { return id == "!listener:chat.example.org" }

		refused := []struct {
			name    string
			choices []ChatRoom
			want    ChatRoomErrors
		}{
			{"an alias is no room ID", []ChatRoom{{RoomID: "#garten:chat.example.org"}}, ChatRoomErrors{false: ErrRoomInvalid}},
			{"another group's room", []ChatRoom{{Private: true, RoomID: "!workshop:chat.example.org"}}, ChatRoomErrors{true: ErrRoomTaken}},
			{"a listener room", []ChatRoom{{RoomID: "!listener:chat.example.org"}}, ChatRoomErrors{false: ErrRoomTaken}},
			{"both at once", []ChatRoom{{RoomID: "nonsense"}, {Private: true, RoomID: "!listener:chat.example.org"}},
				ChatRoomErrors{false: ErrRoomInvalid, true: ErrRoomTaken}},
		}
		for _, c := range refused {
			err := gr.SetChatRooms(ctx, garden, c.choices, listener)
			var got ChatRoomErrors
			if !errors.As(err, &got) || len(got) != len(c.want) || got[false] != c.want[false] || got[true] != c.want[true] {
				t.Errorf("%s: %v, want %v", c.name, err, c.want)
			}
		}
		if got := queuedJobs(t, db); len(got) != 0 {
			t.Errorf("refused choices queued %v", got)
		}

		// Hide the public room, keep the private one where it is, and move it nowhere else.
		err = gr.SetChatRooms(ctx, garden, []ChatRoom{{Visible: false, RoomID: "!public:chat.example.org"},
			{Private: true, Visible: true, RoomID: "!new:chat.example.org"}}, listener)
		if err != nil {
			t.Fatal(err)
		}
		rooms, err := db.MatrixRooms(ctx, garden.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rooms) != 2 || rooms[0].Visible || !rooms[1].Visible || rooms[1].RoomID != "!private:chat.example.org" {
			t.Errorf("rooms %+v %+v: want the public one hidden, the private one visible and not yet moved", rooms[0], rooms[1])
		}
		got := queuedJobs(t, db)
		if len(got) != 1 || !strings.HasPrefix(got[0], `matrix.replace:{"group_id":`+itoa(garden.ID)+`,"private":true,"room_id":"!new:chat.example.org"`) {
			t.Errorf("jobs %v, want the private room's move", got)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
