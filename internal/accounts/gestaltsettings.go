package accounts

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"grouprise.org/grouprise/internal/store"
)

// A person's key/value settings, as the original's API offered them to the pages' scripts
// (dismissed hints). The original let a person write any category; here the categories the
// site writes itself stay its own, and size and number are bounded.

// Errors of a person's settings.
var (
	ErrSettingInvalid  = errors.New("a setting needs a name, and name, category and value have a limited length")
	ErrSettingReserved = errors.New("the site keeps this category of settings itself")
	ErrSettingTaken    = errors.New("a setting of this category and name exists already")
	ErrTooManySettings = errors.New("too many settings")
)

// Limits of a person's settings: the original's column sizes for category and name, and a
// bound on value and number so that nobody fills the database through them.
const (
	maxSettingKey    = 255
	maxSettingValue  = 10000
	maxSettingsCount = 200
)

// reservedSettingCategories are written by the site only: the Matrix bot keeps the
// person's notification room there, and a room chosen by hand would send notifications
// elsewhere and block the room for the groups.
var reservedSettingCategories = map[string]bool{"matrix_chat": true}

func checkSetting(s store.GestaltSetting) error {
	if s.Name == "" || utf8.RuneCountInString(s.Name) > maxSettingKey || utf8.RuneCountInString(s.Category) > maxSettingKey ||
		utf8.RuneCountInString(s.Value) > maxSettingValue || !utf8.ValidString(s.Name+s.Category+s.Value) {
		return ErrSettingInvalid
	}
	if reservedSettingCategories[s.Category] {
		return ErrSettingReserved
	}
	return nil
}

// AddSetting stores a new setting of the person s.GestaltID.
func (a *Accounts) AddSetting(ctx context.Context, s store.GestaltSetting) (*store.GestaltSetting, error) {
	if err := checkSetting(s); err != nil {
		return nil, err
	}
	err := a.db.Tx(ctx, func(q *store.Queries) error {
		n, err := q.CountGestaltSettings(ctx, s.GestaltID)
		if err != nil {
			return err
		}
		if n >= maxSettingsCount {
			return ErrTooManySettings
		}
		s.ID, err = q.InsertGestaltSetting(ctx, s)
		return err
	})
	return settingResult(&s, err, "add")
}

// ChangeSetting changes one of the person's settings (s.ID of s.GestaltID);
// store.ErrNotFound when it is not theirs.
func (a *Accounts) ChangeSetting(ctx context.Context, s store.GestaltSetting) (*store.GestaltSetting, error) {
	if err := checkSetting(s); err != nil {
		return nil, err
	}
	err := a.db.Tx(ctx, func(q *store.Queries) error {
		old, err := q.GestaltSettingByID(ctx, s.GestaltID, s.ID)
		if err != nil {
			return err
		}
		if reservedSettingCategories[old.Category] {
			return ErrSettingReserved
		}
		return q.UpdateGestaltSetting(ctx, s)
	})
	return settingResult(&s, err, "change")
}

// RemoveSetting removes one of the person's settings; store.ErrNotFound when it is not
// theirs.
func (a *Accounts) RemoveSetting(ctx context.Context, gestaltID, id int64) error {
	err := a.db.Tx(ctx, func(q *store.Queries) error {
		old, err := q.GestaltSettingByID(ctx, gestaltID, id)
		if err != nil {
			return err
		}
		if reservedSettingCategories[old.Category] {
			return ErrSettingReserved
		}
		return q.DeleteGestaltSetting(ctx, gestaltID, id)
	})
	_, err = settingResult(nil, err, "remove")
	return err
}

func settingResult(s *store.GestaltSetting, err error, what string) (*store.GestaltSetting, error) {
	switch {
	case err == nil:
		return s, nil
	case errors.Is(err, store.ErrConflict):
		return nil, ErrSettingTaken
	case errors.Is(err, ErrTooManySettings), errors.Is(err, ErrSettingReserved):
		return nil, err
	}
	return nil, fmt.Errorf("accounts: %s setting: %w", what, err)
}
