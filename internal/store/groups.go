package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Group is a group's row: who it is and how it is joined.
type Group struct {
	ID               int64
	Slug             string
	Name             string
	DateCreated      time.Time
	TimeModified     time.Time
	GestaltCreatedID sql.Null[int64]
	Score            int
	Address          string
	AvatarColor      string
	DateFounded      time.Time
	Description      string
	URL              string
	Closed           bool
	URLImportFeed    bool
	Avatar           string // files below media_root, "" for none
	Logo             string
	// Latitude and Longitude place the group on the map (both or neither).
	Latitude, Longitude sql.Null[float64]
}

// Membership is a member of a group, with who added them and when.
type Membership struct {
	ID          int64
	GroupID     int64
	MemberID    int64
	CreatedByID sql.Null[int64]
	DateJoined  time.Time
}

const groupColumns = `gr.id, gr.slug, gr.name, gr.date_created, gr.time_modified, gr.gestalt_created_id,
	gr.score, gr.address, gr.avatar_color, gr.date_founded, gr.description, gr.url, gr.closed, gr.url_import_feed,
	gr.avatar, gr.logo, gr.latitude, gr.longitude`

// fields are the scan destinations matching groupColumns.
func (g *Group) fields() []any {
	return []any{&g.ID, &g.Slug, &g.Name, &g.DateCreated, &g.TimeModified, &g.GestaltCreatedID,
		&g.Score, &g.Address, &g.AvatarColor, &g.DateFounded, &g.Description, &g.URL, &g.Closed, &g.URLImportFeed,
		&g.Avatar, &g.Logo, &g.Latitude, &g.Longitude}
}

func scanGroup(row interface{ Scan(...any) error }) (*Group, error) {
	var g Group
	if err := row.Scan(g.fields()...); err != nil {
		return nil, classify(err)
	}
	return &g, nil
}

// CreateGroup inserts a group and claims its slug in the namespace shared with people.
// Run it inside Tx: the two rows belong together.
func (q *Queries) CreateGroup(ctx context.Context, g *Group) (int64, error) {
	id, err := q.insert(ctx, `INSERT INTO groups (slug, name, date_created, time_modified, gestalt_created_id,
		address, avatar_color, date_founded, description, url, closed)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		g.Slug, g.Name, g.DateCreated, g.TimeModified, g.GestaltCreatedID, g.Address, g.AvatarColor,
		g.DateFounded, g.Description, g.URL, g.Closed)
	if err != nil {
		return 0, fmt.Errorf("store: create group %s: %w", g.Slug, err)
	}
	if _, err := q.exec(ctx, `INSERT INTO entity_slugs (slug_key, group_id) VALUES (?, ?)`, Fold(g.Slug), id); err != nil {
		return 0, fmt.Errorf("store: claim slug %s: %w", g.Slug, err)
	}
	g.ID = id
	return id, q.IndexGroup(ctx, id)
}

// GroupBySlug finds a group by slug, ignoring case. The CAST keeps SQLite's plan of the
// prepared statement: a bare ? in a join's WHERE has SQLite plan the query anew at every run
// (it marks the parameter as one whose value may change the plan, and go-sqlite3 clears the
// bindings before each run, which expires such a statement) — four times the cost here.
func (q *Queries) GroupBySlug(ctx context.Context, slug string) (*Group, error) {
	g, err := scanGroup(q.queryRow(ctx, `SELECT `+groupColumns+` FROM entity_slugs s
		JOIN groups gr ON gr.id = s.group_id WHERE s.slug_key = CAST(? AS TEXT)`, Fold(slug)))
	if err != nil {
		return nil, fmt.Errorf("store: group %q: %w", slug, err)
	}
	return g, nil
}

// GroupByID returns the group with that id.
func (q *Queries) GroupByID(ctx context.Context, id int64) (*Group, error) {
	g, err := scanGroup(q.queryRow(ctx, `SELECT `+groupColumns+` FROM groups gr WHERE gr.id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("store: group %d: %w", id, err)
	}
	return g, nil
}

// GroupSummary is a group with its number of members, for listings.
type GroupSummary struct {
	Group
	Members int
}

// Groups lists all groups, the most active first.
func (q *Queries) Groups(ctx context.Context) ([]*GroupSummary, error) {
	rows, err := q.query(ctx, `SELECT `+groupColumns+`,
		(SELECT COUNT(*) FROM memberships m WHERE m.group_id = gr.id)
		FROM groups gr ORDER BY gr.score DESC, gr.name, gr.id`)
	if err != nil {
		return nil, fmt.Errorf("store: list groups: %w", err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (*GroupSummary, error) {
		var s GroupSummary
		return &s, r.Scan(append(s.fields(), &s.Members)...)
	})
}

// AddMembership makes a person a member of a group; ErrConflict if they already are.
func (q *Queries) AddMembership(ctx context.Context, m *Membership) (int64, error) {
	id, err := q.insert(ctx, `INSERT INTO memberships (group_id, member_id, created_by_id, date_joined)
		VALUES (?, ?, ?, ?)`, m.GroupID, m.MemberID, m.CreatedByID, m.DateJoined)
	if err != nil {
		return 0, fmt.Errorf("store: add member %d to group %d: %w", m.MemberID, m.GroupID, err)
	}
	m.ID = id
	return id, nil
}

// RemoveMembership ends a membership; ErrNotFound if there was none.
func (q *Queries) RemoveMembership(ctx context.Context, groupID, memberID int64) error {
	return q.updateOne(ctx, "remove membership", `DELETE FROM memberships WHERE group_id = ? AND member_id = ?`,
		groupID, memberID)
}

// IsMember tells whether a person is a member of a group.
func (q *Queries) IsMember(ctx context.Context, groupID, gestaltID int64) (bool, error) {
	var member bool
	err := q.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM memberships WHERE group_id = ? AND member_id = ?)`,
		groupID, gestaltID).Scan(&member)
	if err != nil {
		return false, fmt.Errorf("store: membership: %w", classify(err))
	}
	return member, nil
}

// GroupMember finds a group by slug, ignoring case, and tells whether a person is one of its
// members (gestaltID 0: nobody is), in one query; ErrNotFound when no group has the slug.
func (q *Queries) GroupMember(ctx context.Context, slug string, gestaltID int64) (groupID int64, member bool, err error) {
	err = q.queryRow(ctx, `SELECT gr.id, EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = gr.id AND m.member_id = ?)
		FROM entity_slugs s JOIN groups gr ON gr.id = s.group_id WHERE s.slug_key = CAST(? AS TEXT)`, gestaltID, Fold(slug)).Scan(&groupID, &member)
	if err != nil {
		return 0, false, fmt.Errorf("store: group %q: %w", slug, classify(err))
	}
	return groupID, member, nil
}

// Members lists the members of a group by username.
func (q *Queries) Members(ctx context.Context, groupID int64) ([]*Gestalt, error) {
	rows, err := q.query(ctx, `SELECT `+gestaltColumns+` FROM memberships m
		JOIN gestalten g ON g.id = m.member_id WHERE m.group_id = ? ORDER BY g.username`, groupID)
	if err != nil {
		return nil, fmt.Errorf("store: members of group %d: %w", groupID, err)
	}
	return collect(rows, scanGestalt)
}

// Subscribe makes a person follow a group; subscribing twice changes nothing.
func (q *Queries) Subscribe(ctx context.Context, groupID, gestaltID int64) error {
	_, err := q.exec(ctx, `INSERT INTO subscriptions (group_id, subscriber_id) VALUES (?, ?)
		ON CONFLICT (group_id, subscriber_id) DO NOTHING`, groupID, gestaltID)
	if err != nil {
		return fmt.Errorf("store: subscribe %d to group %d: %w", gestaltID, groupID, err)
	}
	return nil
}

// Unsubscribe ends a subscription; there may have been none.
func (q *Queries) Unsubscribe(ctx context.Context, groupID, gestaltID int64) error {
	if _, err := q.exec(ctx, `DELETE FROM subscriptions WHERE group_id = ? AND subscriber_id = ?`,
		groupID, gestaltID); err != nil {
		return fmt.Errorf("store: unsubscribe %d from group %d: %w", gestaltID, groupID, err)
	}
	return nil
}

// Subscribers lists the people following a group by username.
func (q *Queries) Subscribers(ctx context.Context, groupID int64) ([]*Gestalt, error) {
	rows, err := q.query(ctx, `SELECT `+gestaltColumns+` FROM subscriptions s
		JOIN gestalten g ON g.id = s.subscriber_id WHERE s.group_id = ? ORDER BY g.username`, groupID)
	if err != nil {
		return nil, fmt.Errorf("store: subscribers of group %d: %w", groupID, err)
	}
	return collect(rows, scanGestalt)
}

// MemberIDs returns the ids of a group's members.
func (q *Queries) MemberIDs(ctx context.Context, groupID int64) (map[int64]bool, error) {
	rows, err := q.query(ctx, `SELECT member_id FROM memberships WHERE group_id = ?`, groupID)
	if err != nil {
		return nil, fmt.Errorf("store: members of group %d: %w", groupID, err)
	}
	defer rows.Close()
	ids := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: members of group %d: %w", groupID, err)
		}
		ids[id] = true
	}
	return ids, rows.Err()
}

// MembershipByID returns a membership.
func (q *Queries) MembershipByID(ctx context.Context, id int64) (*Membership, error) {
	var m Membership
	err := q.queryRow(ctx, `SELECT id, group_id, member_id, created_by_id, date_joined FROM memberships WHERE id = ?`, id).
		Scan(&m.ID, &m.GroupID, &m.MemberID, &m.CreatedByID, &m.DateJoined)
	if err != nil {
		return nil, fmt.Errorf("store: membership %d: %w", id, classify(err))
	}
	return &m, nil
}

// MembershipDates maps the groups a person belongs to onto the day they joined.
func (q *Queries) MembershipDates(ctx context.Context, gestaltID int64) (map[int64]time.Time, error) {
	rows, err := q.query(ctx, `SELECT group_id, date_joined FROM memberships WHERE member_id = ?`, gestaltID)
	if err != nil {
		return nil, fmt.Errorf("store: memberships of %d: %w", gestaltID, err)
	}
	defer rows.Close()
	out := map[int64]time.Time{}
	for rows.Next() {
		var id int64
		var day time.Time
		if err := rows.Scan(&id, &day); err != nil {
			return nil, fmt.Errorf("store: memberships of %d: %w", gestaltID, err)
		}
		out[id] = day
	}
	return out, rows.Err()
}

// Counters are the numbers in the site's header.
type Counters struct{ Groups, People, Contributions int }

// SiteCounters counts groups, people, and contributions as the original did: all contents
// plus the public, undeleted comments and messages.
func (q *Queries) SiteCounters(ctx context.Context) (Counters, error) {
	var c Counters
	err := q.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM groups), (SELECT COUNT(*) FROM gestalten WHERE is_active),
		(SELECT COUNT(*) FROM contents) + (SELECT COUNT(*) FROM contributions WHERE public AND deleted IS NULL)`).
		Scan(&c.Groups, &c.People, &c.Contributions)
	if err != nil {
		return c, fmt.Errorf("store: counters: %w", classify(err))
	}
	return c, nil
}

// TopGroups lists the most active groups.
func (q *Queries) TopGroups(ctx context.Context, n int) ([]*GroupSummary, error) {
	rows, err := q.query(ctx, `SELECT `+groupColumns+`, 0 FROM groups gr ORDER BY gr.score DESC, gr.name, gr.id LIMIT ?`, n)
	if err != nil {
		return nil, fmt.Errorf("store: top groups: %w", err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (*GroupSummary, error) {
		var s GroupSummary
		return &s, r.Scan(append(s.fields(), &s.Members)...)
	})
}

// IsSubscribed tells whether a person follows a group.
func (q *Queries) IsSubscribed(ctx context.Context, groupID, gestaltID int64) (bool, error) {
	var ok bool
	err := q.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM subscriptions WHERE group_id = ? AND subscriber_id = ?)`,
		groupID, gestaltID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("store: subscription: %w", classify(err))
	}
	return ok, nil
}

// GroupSize is a group's number of members and of subscribers.
func (q *Queries) GroupSize(ctx context.Context, groupID int64) (members, subscribers int, err error) {
	err = q.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM memberships WHERE group_id = ?),
		(SELECT COUNT(*) FROM subscriptions WHERE group_id = ?)`, groupID, groupID).Scan(&members, &subscribers)
	if err != nil {
		return 0, 0, fmt.Errorf("store: size of group %d: %w", groupID, classify(err))
	}
	return members, subscribers, nil
}

// GroupQuery selects groups for the directory.
type GroupQuery struct {
	Name     string  // part of the name, any case
	MemberOf []int64 // only these groups (a person's), when OnlyMine
	OnlyMine bool
	// HasLocation lists only groups placed on the map.
	HasLocation bool
	Limit       int
	Offset      int
}

// SearchGroups lists groups by activity, with their member counts.
func (q *Queries) SearchGroups(ctx context.Context, gq GroupQuery) ([]*GroupSummary, error) {
	where := []string{"1 = 1"}
	var args []any
	if gq.Name != "" {
		// lower() folds ASCII only in SQLite; the pattern is folded the same way.
		where = append(where, "lower(gr.name) LIKE ?")
		args = append(args, "%"+strings.ToLower(escapeLike(gq.Name))+"%")
	}
	if gq.HasLocation {
		where = append(where, "gr.latitude IS NOT NULL AND gr.longitude IS NOT NULL")
	}
	if gq.OnlyMine {
		if len(gq.MemberOf) == 0 {
			return nil, nil
		}
		where = append(where, "gr.id IN ("+placeholders(len(gq.MemberOf))+")")
		for _, id := range gq.MemberOf {
			args = append(args, id)
		}
	}
	args = append(args, gq.Limit, gq.Offset)
	rows, err := q.query(ctx, `SELECT `+groupColumns+`, (SELECT COUNT(*) FROM memberships m WHERE m.group_id = gr.id)
		FROM groups gr WHERE `+strings.Join(where, " AND ")+` ORDER BY gr.score DESC, gr.name, gr.id LIMIT ? OFFSET ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: search groups: %w", err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (*GroupSummary, error) {
		var s GroupSummary
		return &s, r.Scan(append(s.fields(), &s.Members)...)
	})
}

// escapeLike keeps % and _ in a search term literal (with ESCAPE-less LIKE both dialects
// treat backslash differently, so they are dropped instead).
func escapeLike(s string) string {
	return strings.NewReplacer("%", "", "_", "").Replace(s)
}

// GroupSettings are what members edit about their group.
type GroupSettings struct {
	Name          string
	Slug          string
	Description   string
	Address       string
	URL           string
	DateFounded   time.Time
	Closed        bool
	URLImportFeed bool
	// SetLocation also stores Latitude and Longitude (both nil: off the map); maps only.
	SetLocation         bool
	Latitude, Longitude *float64
}

// UpdateGroup stores a group's settings; a new slug moves it in the namespace shared with
// people (ErrConflict when taken). Run it inside Tx.
func (q *Queries) UpdateGroup(ctx context.Context, id int64, s GroupSettings, now time.Time) error {
	if err := q.updateOne(ctx, "update group", `UPDATE groups SET name = ?, slug = ?, description = ?, address = ?, url = ?,
		date_founded = ?, closed = ?, url_import_feed = ?, time_modified = ? WHERE id = ?`,
		s.Name, s.Slug, s.Description, s.Address, s.URL, s.DateFounded, s.Closed, s.URLImportFeed, now, id); err != nil {
		return err
	}
	if _, err := q.exec(ctx, `UPDATE entity_slugs SET slug_key = ? WHERE group_id = ?`, Fold(s.Slug), id); err != nil {
		return fmt.Errorf("store: move slug to %s: %w", s.Slug, err)
	}
	if s.SetLocation {
		if err := q.SetGroupLocation(ctx, id, s.Latitude, s.Longitude); err != nil {
			return err
		}
	}
	return q.IndexGroup(ctx, id)
}

// SetGroupImage stores the file of a group's avatar or logo ("" for none).
func (q *Queries) SetGroupImage(ctx context.Context, id int64, kind, file string) error {
	column := "avatar"
	if kind == "logo" {
		column = "logo"
	}
	return q.updateOne(ctx, "set group image", `UPDATE groups SET `+column+` = ? WHERE id = ?`, file, id)
}

// MembersByScore lists the members of a group, the most active first.
func (q *Queries) MembersByScore(ctx context.Context, groupID int64) ([]*Gestalt, error) {
	rows, err := q.query(ctx, `SELECT `+gestaltColumns+` FROM memberships m
		JOIN gestalten g ON g.id = m.member_id WHERE m.group_id = ? ORDER BY g.score DESC, g.username`, groupID)
	if err != nil {
		return nil, fmt.Errorf("store: members of group %d: %w", groupID, err)
	}
	return collect(rows, scanGestalt)
}

// DeleteGroup removes a group with its memberships, subscriptions and publications; the
// contents stay in the database, as in the original.
func (q *Queries) DeleteGroup(ctx context.Context, id int64) error {
	published, err := q.ids(ctx, `SELECT id FROM associations WHERE group_id = ?`, id)
	if err != nil {
		return err
	}
	for _, a := range published {
		if err := q.setSearchEntry(ctx, contentSearchID(a), "", ""); err != nil {
			return err
		}
	}
	if err := q.UnindexGroup(ctx, id); err != nil {
		return err
	}
	return q.updateOne(ctx, "delete group", `DELETE FROM groups WHERE id = ?`, id)
}

// GroupsOfMember lists the groups a person belongs to, by name.
func (q *Queries) GroupsOfMember(ctx context.Context, gestaltID int64) ([]*Group, error) {
	rows, err := q.query(ctx, `SELECT `+groupColumns+` FROM memberships m JOIN groups gr ON gr.id = m.group_id
		WHERE m.member_id = ? ORDER BY lower(gr.name)`, gestaltID)
	if err != nil {
		return nil, fmt.Errorf("store: groups of %d: %w", gestaltID, err)
	}
	return collect(rows, scanGroup)
}

// SetGroupLocation places a group on the map, or takes it off (nil).
func (q *Queries) SetGroupLocation(ctx context.Context, id int64, lat, lon *float64) error {
	return q.updateOne(ctx, "group location", `UPDATE groups SET latitude = ?, longitude = ? WHERE id = ?`, lat, lon, id)
}
