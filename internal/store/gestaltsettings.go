package store

import (
	"context"
	"fmt"
)

// GestaltSetting is one entry of a person's key/value settings (the pages' dismissed
// hints, the Matrix bot's notification room).
type GestaltSetting struct {
	ID        int64
	GestaltID int64
	Category  string
	Name      string
	Value     string
}

const gestaltSettingColumns = `id, gestalt_id, category, name, value`

func scanGestaltSetting(r interface{ Scan(...any) error }) (*GestaltSetting, error) {
	var s GestaltSetting
	return &s, r.Scan(&s.ID, &s.GestaltID, &s.Category, &s.Name, &s.Value)
}

// GestaltSettings lists a person's settings in the order they were made.
func (q *Queries) GestaltSettings(ctx context.Context, gestaltID int64) ([]*GestaltSetting, error) {
	rows, err := q.query(ctx, `SELECT `+gestaltSettingColumns+` FROM gestalt_settings WHERE gestalt_id = ? ORDER BY id`, gestaltID)
	if err != nil {
		return nil, fmt.Errorf("store: settings of %d: %w", gestaltID, err)
	}
	return collect(rows, scanGestaltSetting)
}

// GestaltSettingByID returns one of a person's settings; another person's is ErrNotFound.
func (q *Queries) GestaltSettingByID(ctx context.Context, gestaltID, id int64) (*GestaltSetting, error) {
	s, err := scanGestaltSetting(q.queryRow(ctx, `SELECT `+gestaltSettingColumns+` FROM gestalt_settings
		WHERE id = ? AND gestalt_id = ?`, id, gestaltID))
	if err != nil {
		return nil, fmt.Errorf("store: setting %d of %d: %w", id, gestaltID, classify(err))
	}
	return s, nil
}

// CountGestaltSettings tells how many settings a person has.
func (q *Queries) CountGestaltSettings(ctx context.Context, gestaltID int64) (int, error) {
	var n int
	if err := q.queryRow(ctx, `SELECT COUNT(*) FROM gestalt_settings WHERE gestalt_id = ?`, gestaltID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: settings of %d: %w", gestaltID, err)
	}
	return n, nil
}

// InsertGestaltSetting adds a setting; one with the same category and name is ErrConflict.
func (q *Queries) InsertGestaltSetting(ctx context.Context, s GestaltSetting) (int64, error) {
	id, err := q.insert(ctx, `INSERT INTO gestalt_settings (gestalt_id, category, name, value) VALUES (?, ?, ?, ?)`,
		s.GestaltID, s.Category, s.Name, s.Value)
	if err != nil {
		return 0, fmt.Errorf("store: setting %s/%s: %w", s.Category, s.Name, err)
	}
	return id, nil
}

// UpdateGestaltSetting changes one of a person's settings (s.ID of s.GestaltID):
// ErrNotFound when there is none, ErrConflict when another has the new category and name.
func (q *Queries) UpdateGestaltSetting(ctx context.Context, s GestaltSetting) error {
	return q.updateOne(ctx, "setting", `UPDATE gestalt_settings SET category = ?, name = ?, value = ?
		WHERE id = ? AND gestalt_id = ?`, s.Category, s.Name, s.Value, s.ID, s.GestaltID)
}

// DeleteGestaltSetting removes one of a person's settings; ErrNotFound when there is none.
func (q *Queries) DeleteGestaltSetting(ctx context.Context, gestaltID, id int64) error {
	return q.updateOne(ctx, "delete setting", `DELETE FROM gestalt_settings WHERE id = ? AND gestalt_id = ?`, id, gestaltID)
}
