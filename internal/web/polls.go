package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"

	"grouprise.org/grouprise/internal/polls"
	"grouprise.org/grouprise/internal/store"
)

// pollView is a poll on its content page: the options, the votes, the result and the form.
type pollView struct {
	*polls.Result
	Labels    map[int64]string // what each option says
	CanVote   bool
	Anonymous bool // the voter gives a name
	Positions []int
	Form      *form
}

// Voted is the number of voters.
func (p *pollView) Voted() int { return len(p.Voters) }

// pollData loads the poll of a content for the viewer.
func (s *Server) pollData(ctx context.Context, r *http.Request, a *store.Association, f *form) (*pollView, error) {
	c, err := s.db.ContentByID(ctx, a.ContentID)
	if err != nil {
		return nil, err
	}
	condorcet, err := s.db.PollIsCondorcet(ctx, c.PollID)
	if err != nil {
		return nil, err
	}
	options, err := s.db.PollOptions(ctx, c.PollID)
	if err != nil {
		return nil, err
	}
	votes, err := s.db.PollVotes(ctx, c.PollID)
	if err != nil {
		return nil, err
	}
	v := viewer(r)
	voted := false
	for _, vote := range votes {
		voted = voted || (v.LoggedIn() && vote.VoterID == v.ID())
	}
	pv := &pollView{Result: polls.Tally(condorcet, options, votes), Labels: map[int64]string{}, Form: f,
		CanVote: polls.CanVote(v, a, voted), Anonymous: !v.LoggedIn()}
	p := s.catalog.Printer(lang(r))
	loc := s.cfg.Location()
	for i, o := range options {
		pv.Positions = append(pv.Positions, i+1)
		if o.StartsAt.Valid {
			end := o.EndsAt.V
			if o.EndsAt.Valid {
				end = end.In(loc)
			}
			pv.Labels[o.ID] = p.Period(o.StartsAt.V.In(loc), end, false)
		} else {
			pv.Labels[o.ID] = o.Title
		}
	}
	return pv, nil
}

// vote takes a vote from the poll's form (POST only; GET shows the poll).
func (s *Server) vote(w http.ResponseWriter, r *http.Request) error {
	a, err := s.contentOfPath(r)
	if err != nil {
		return err
	}
	page := "/" + r.PathValue("entity") + "/" + r.PathValue("assoc") + "/"
	if r.Method != http.MethodPost {
		redirect(w, r, page)
		return nil
	}
	ctx := r.Context()
	c, err := s.db.ContentByID(ctx, a.ContentID)
	if err != nil || c.PollID == 0 {
		return errNotFound
	}
	v := viewer(r)
	if !a.Public && !v.LoggedIn() {
		return errForbidden // the adapter's login
	}
	if !polls.CanVote(v, a, false) {
		return errForbidden
	}
	f := newForm(r)
	options, err := s.db.PollOptions(ctx, c.PollID)
	if err != nil {
		return err
	}
	var b polls.Ballot
	if condorcet, err := s.db.PollIsCondorcet(ctx, c.PollID); err != nil {
		return err
	} else if condorcet {
		// rank_<option>=<position>, 1 = best
		pos := map[int64]int{}
		for _, o := range options {
			if n, err := strconv.Atoi(f.Get("rank_" + itoa(o.ID))); err == nil {
				pos[o.ID] = n
			}
		}
		for id := range pos {
			b.Ranking = append(b.Ranking, id)
		}
		sort.Slice(b.Ranking, func(i, j int) bool { return pos[b.Ranking[i]] < pos[b.Ranking[j]] })
		for i := 1; i < len(b.Ranking); i++ {
			if pos[b.Ranking[i]] == pos[b.Ranking[i-1]] {
				// two options in one place
				b.Ranking = append(b.Ranking[:i], b.Ranking[i-1:]...)
				break
			}
		}
	} else {
		b.Endorse = map[int64]*bool{}
		yes, no := true, false
		for _, o := range options {
			switch f.Get("endorse_" + itoa(o.ID)) {
			case "yes":
				b.Endorse[o.ID] = &yes
			case "no":
				b.Endorse[o.ID] = &no
			case "maybe":
				b.Endorse[o.ID] = nil
			}
		}
	}
	voter := polls.Voter{ID: v.ID(), Name: f.Get("name")}
	err = s.polls.Vote(ctx, c.PollID, voter, b)
	if msg, ok := s.userError(r, err); ok {
		field := "vote"
		if voter.ID == 0 && !errors.Is(err, polls.ErrIncomplete) && !errors.Is(err, polls.ErrBadOption) {
			field = "name"
		}
		f.Fail(field, msg)
		d, err := s.contentPageData(r, a, newForm(nil))
		if err != nil {
			return fmt.Errorf("vote: content page: %w", err)
		}
		d.Poll.Form = f
		s.render(w, r, http.StatusUnprocessableEntity, "content", d.Item.Title, d)
		return nil
	}
	if err != nil {
		return fmt.Errorf("vote in poll %d: %w", c.PollID, err)
	}
	s.flash(r, msgSuccess, s.t(r, "poll.voted"))
	redirect(w, r, page+"#poll")
	return nil
}
