package contents

import "time"

// Repeat makes copies of an event: Count occurrences in all, every Period.
type Repeat struct {
	Period string // "" (once), daily, weekly, weekday_in_month, monthly, yearly
	Count  int
}

// Periods lists the repetitions in the order forms show them.
var Periods = []string{"", "daily", "weekly", "weekday_in_month", "monthly", "yearly"}

func (r Repeat) check() error {
	known := false
	for _, p := range Periods {
		known = known || p == r.Period
	}
	switch {
	case !known:
		return fieldError("repeat", ErrRepeatPeriod)
	case r.Period != "" && (r.Count < 1 || r.Count > 100):
		return fieldError("repeat_count", ErrRepeatCount)
	}
	return nil
}

// Starts are the start times of the occurrences, beginning with start itself. Dates that do
// not exist (the 31st of a short month, the 29th of February, a fifth Tuesday) are skipped,
// so there may be fewer than Count. Wall-clock times stay the same across daylight saving.
func (r Repeat) Starts(start time.Time) []time.Time {
	if r.Period == "" || r.Count <= 1 {
		return []time.Time{start}
	}
	out := []time.Time{start}
	y, m, d := start.Date()
	h, mi, sec := start.Clock()
	at := func(year int, month time.Month, day int) time.Time {
		return time.Date(year, month, day, h, mi, sec, start.Nanosecond(), start.Location())
	}
	for i := 1; i < r.Count; i++ {
		var t time.Time
		switch r.Period {
		case "daily":
			t = at(y, m, d+i)
		case "weekly":
			t = at(y, m, d+7*i)
		case "monthly":
			if t = at(y, m+time.Month(i), d); t.Day() != d {
				continue
			}
		case "yearly":
			if t = at(y+i, m, d); t.Day() != d {
				continue
			}
		case "weekday_in_month":
			// the same weekday in the same week of the month ("2nd Tuesday")
			nth := (d - 1) / 7
			first := at(y, m+time.Month(i), 1)
			offset := (int(start.Weekday()) - int(first.Weekday()) + 7) % 7
			if t = at(first.Year(), first.Month(), 1+offset+7*nth); t.Month() != first.Month() {
				continue
			}
		}
		out = append(out, t)
	}
	return out
}
