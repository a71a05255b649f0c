// Package polls counts the votes of polls — simple ones (yes, no, maybe per option) and
// ranked ones (decided by the Schulze method) — and takes one vote per voter.
package polls

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/access"
	"grouprise.org/grouprise/internal/store"
)

// Errors a voter can fix.
var (
	ErrVoted       = errors.New("you have voted in this poll already")
	ErrNameTaken   = errors.New("somebody has voted under this name already")
	ErrNameMissing = errors.New("anonymous voters give a name")
	ErrNameTooLong = errors.New("the name has at most 63 characters")
	ErrIncomplete  = errors.New("the vote misses options")
	ErrBadOption   = errors.New("the vote names an option of another poll")
)

// maybeWeight is what a maybe counts for, as in the original.
const maybeWeight = 0.33334

// Ballot is one voter's vote: an answer per option (simple polls: true yes, false no, nil
// maybe) or an order of the options (ranked polls, best first).
type Ballot struct {
	Endorse map[int64]*bool
	Ranking []int64
}

// Voter is who votes: a person, or an anonymous visitor by the name they give.
type Voter struct {
	ID   int64
	Name string
}

// Count is the tally of an option in a simple poll.
type Count struct {
	Yes, No, Maybe int
	Score          float64
}

// VoterRow is one voter's answers, for the table of votes.
type VoterRow struct {
	Voter   store.EntityRef // ID 0 for anonymous voters
	Name    string          // what the table shows
	Endorse map[int64]sql.Null[bool]
	Rank    map[int64]int // position in the voter's order, 1 = best
}

// Result is what a poll's votes say.
type Result struct {
	Condorcet bool
	Options   []store.PollOption
	Counts    map[int64]*Count // simple polls
	Ranking   []int64          // best first
	Winner    int64            // 0 without votes
	Voters    []*VoterRow
}

// Tally counts the votes of a poll.
func Tally(condorcet bool, options []store.PollOption, votes []*store.Vote) *Result {
	res := &Result{Condorcet: condorcet, Options: options, Counts: map[int64]*Count{}}
	index := map[int64]int{}
	for i, o := range options {
		index[o.ID] = i
		res.Counts[o.ID] = &Count{}
	}
	byVoter := map[string]*VoterRow{}
	for _, v := range votes {
		if _, ok := index[v.OptionID]; !ok {
			continue
		}
		key := "a:" + strings.ToLower(v.Anonymous)
		if v.VoterID != 0 {
			key = "p:" + strconv.FormatInt(v.VoterID, 10)
		}
		row := byVoter[key]
		if row == nil {
			row = &VoterRow{Voter: v.Voter, Name: v.Anonymous, Endorse: map[int64]sql.Null[bool]{}, Rank: map[int64]int{}}
			if v.VoterID != 0 {
				row.Name = v.Voter.DisplayName()
			}
			byVoter[key] = row
			res.Voters = append(res.Voters, row)
		}
		if condorcet {
			row.Rank[v.OptionID] = v.Rank
			continue
		}
		row.Endorse[v.OptionID] = v.Endorse
		c := res.Counts[v.OptionID]
		switch {
		case !v.Endorse.Valid:
			c.Maybe++
		case v.Endorse.V:
			c.Yes++
		default:
			c.No++
		}
	}
	if condorcet {
		ballots := make([]map[int]int, 0, len(res.Voters))
		for _, row := range res.Voters {
			b := map[int]int{}
			for id, rank := range row.Rank {
				b[index[id]] = rank
			}
			ballots = append(ballots, b)
			// show positions (1 = best) instead of the stored scores
			order := make([]int64, 0, len(row.Rank))
			for id := range row.Rank {
				order = append(order, id)
			}
			sort.Slice(order, func(i, j int) bool { return row.Rank[order[i]] > row.Rank[order[j]] })
			for pos, id := range order {
				row.Rank[id] = pos + 1
			}
		}
		for _, i := range Schulze(len(options), ballots) {
			res.Ranking = append(res.Ranking, options[i].ID)
		}
	} else {
		for _, c := range res.Counts {
			c.Score = float64(c.Yes) + maybeWeight*float64(c.Maybe)
		}
		res.Ranking = make([]int64, len(options))
		for i, o := range options {
			res.Ranking[i] = o.ID
		}
		sort.SliceStable(res.Ranking, func(i, j int) bool {
			return res.Counts[res.Ranking[i]].Score > res.Counts[res.Ranking[j]].Score
		})
	}
	if len(res.Voters) > 0 && len(res.Ranking) > 0 {
		res.Winner = res.Ranking[0]
	}
	return res
}

// CanVote: on public polls everybody (anonymous visitors under a name), on internal ones the
// group's members (or the person it is published under); everyone once.
func CanVote(v *access.Viewer, a *store.Association, voted bool) bool {
	if a.Deleted.Valid || voted {
		return false
	}
	return a.Public || v.IsMember(a.GroupID) || v.Is(a.GestaltID)
}

// Service takes votes.
type Service struct {
	db  *store.DB
	now func() time.Time
}

// New returns the poll service.
func New(db *store.DB) *Service { return &Service{db: db, now: time.Now} }

// Vote records a ballot of a voter in one transaction: once per person or name, for every
// option of the poll.
func (s *Service) Vote(ctx context.Context, pollID int64, voter Voter, b Ballot) error {
	voter.Name = strings.TrimSpace(voter.Name)
	if voter.ID == 0 {
		switch {
		case voter.Name == "":
			return ErrNameMissing
		case len([]rune(voter.Name)) > 63:
			return ErrNameTooLong
		}
	}
	return s.db.Tx(ctx, func(q *store.Queries) error {
		condorcet, err := q.PollIsCondorcet(ctx, pollID)
		if err != nil {
			return err
		}
		options, err := q.PollOptions(ctx, pollID)
		if err != nil {
			return err
		}
		voted, err := q.HasVoted(ctx, pollID, voter.ID, voter.Name)
		if err != nil {
			return err
		}
		if voted && voter.ID != 0 {
			return ErrVoted
		}
		if voted {
			return ErrNameTaken
		}
		known := map[int64]bool{}
		for _, o := range options {
			known[o.ID] = true
		}
		now := s.now()
		add := func(v *store.Vote) error {
			v.VoterID = voter.ID
			if voter.ID == 0 {
				v.Anonymous = voter.Name
			}
			if err := q.AddVote(ctx, v, now); errors.Is(err, store.ErrConflict) {
				return ErrVoted
			} else if err != nil {
				return err
			}
			return nil
		}
		if condorcet {
			seen := map[int64]bool{}
			for _, id := range b.Ranking {
				if !known[id] || seen[id] {
					return ErrBadOption
				}
				seen[id] = true
			}
			if len(b.Ranking) != len(options) {
				return ErrIncomplete
			}
			for i, id := range b.Ranking {
				if err := add(&store.Vote{OptionID: id, Rank: len(b.Ranking) - i}); err != nil {
					return err
				}
			}
			return nil
		}
		if len(b.Endorse) != len(options) {
			return ErrIncomplete
		}
		for _, o := range options {
			e, ok := b.Endorse[o.ID]
			if !ok {
				return ErrIncomplete
			}
			v := &store.Vote{OptionID: o.ID}
			if e != nil {
				v.Endorse = sql.Null[bool]{V: *e, Valid: true}
			}
			if err := add(v); err != nil {
				return err
			}
		}
		return nil
	})
}
