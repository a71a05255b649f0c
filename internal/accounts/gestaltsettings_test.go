package accounts

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// A person's settings are bounded in size and number, and the site's own category stays
// the site's.
func TestGestaltSettingLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := newAccounts(db)
		alice := &store.Gestalt{Username: "alice", IsActive: true, DateJoined: time.Now()}
		if err := db.Tx(ctx, func(q *store.Queries) error { _, err := q.CreateGestalt(ctx, alice); return err }); err != nil {
			t.Fatal(err)
		}
		set := func(category, name, value string) store.GestaltSetting {
			return store.GestaltSetting{GestaltID: alice.ID, Category: category, Name: name, Value: value}
		}
		for _, c := range []struct {
			name string
			s    store.GestaltSetting
			want error
		}{
			{"no name", set("dismissible", "", "x"), ErrSettingInvalid},
			{"long name", set("dismissible", strings.Repeat("ä", 256), "x"), ErrSettingInvalid},
			{"long category", set(strings.Repeat("c", 256), "n", "x"), ErrSettingInvalid},
			{"long value", set("", "n", strings.Repeat("v", 10001)), ErrSettingInvalid},
			{"broken text", set("", "n\xff", "x"), ErrSettingInvalid},
			{"the bot's category", set("matrix_chat", "private_notifications_room_id", "!r:x"), ErrSettingReserved},
			{"longest", set(strings.Repeat("c", 255), strings.Repeat("ä", 255), strings.Repeat("v", 10000)), nil},
		} {
			if _, err := a.AddSetting(ctx, c.s); !errors.Is(err, c.want) {
				t.Errorf("%s: %v, want %v", c.name, err, c.want)
			}
		}
		for i := 1; i < maxSettingsCount; i++ {
			if _, err := a.AddSetting(ctx, set("dismissible", "hint"+strings.Repeat("x", i), "1")); err != nil {
				t.Fatal(i, err)
			}
		}
		if _, err := a.AddSetting(ctx, set("dismissible", "one more", "1")); !errors.Is(err, ErrTooManySettings) {
			t.Errorf("past the limit: %v", err)
		}
		if n, _ := db.CountGestaltSettings(ctx, alice.ID); n != maxSettingsCount {
			t.Errorf("%d settings", n)
		}
	})
}
