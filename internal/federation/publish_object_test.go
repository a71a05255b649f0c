package federation

import (
	"database/sql"
	"testing"

	"grouprise.org/grouprise/internal/store"
)

// TestPlace: an event's place has the group's coordinates only when it is at the group's
// address; elsewhere (the place is free text) it has none.
func TestPlace(t *testing.T) {
	coords := func(lat, lon float64) (sql.Null[float64], sql.Null[float64]) {
		return sql.Null[float64]{V: lat, Valid: true}, sql.Null[float64]{V: lon, Valid: true}
	}
	g := &store.Group{Address: "Gartenstraße 1, Leipzig"}
	g.Latitude, g.Longitude = coords(51.34, 12.37)
	nowhere := &store.Group{Address: "Gartenstraße 1, Leipzig"}
	for _, c := range []struct {
		name   string
		place  string
		group  *store.Group
		coords bool
	}{
		{"at the group's address", "Im Hof, gartenstraße 1, Leipzig", g, true},
		{"elsewhere", "Rathaus", g, false},
		{"a group without coordinates", "Gartenstraße 1, Leipzig", nowhere, false},
	} {
		p := place(c.place, c.group)
		if p.Name != c.place || p.Address == nil || p.Address.StreetAddress != c.place {
			t.Errorf("%s: %+v", c.name, p)
		}
		if got := p.Latitude != nil && p.Longitude != nil; got != c.coords ||
			(got && (float64(*p.Latitude) != 51.34 || float64(*p.Longitude) != 12.37)) {
			t.Errorf("%s: coordinates %v, %v; want them %v", c.name, p.Latitude, p.Longitude, c.coords)
		}
	}
}
