package accounts

import (
	"context"
	"errors"

	"grouprise.org/grouprise/internal/store"
)

// Hints are the boxes pages show until a person dismisses them (F15), remembered per person
// as settings of the category the original's pages used.
const hintCategory = "dismissible"

// DismissHint remembers that the person has dismissed the hint name; again is no error.
func (a *Accounts) DismissHint(ctx context.Context, gestaltID int64, name string) error {
	_, err := a.AddSetting(ctx, store.GestaltSetting{GestaltID: gestaltID, Category: hintCategory, Name: name, Value: "dismissed"})
	if errors.Is(err, ErrSettingTaken) {
		return nil
	}
	return err
}

// DismissedHints are the names of the hints the person has dismissed.
func (a *Accounts) DismissedHints(ctx context.Context, gestaltID int64) (map[string]bool, error) {
	list, err := a.db.GestaltSettings(ctx, gestaltID)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, s := range list {
		if s.Category == hintCategory {
			out[s.Name] = true
		}
	}
	return out, nil
}
