package polls

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// ballots turns "ACBED" orders (best first) into ballots over candidates A=0, B=1, ….
func ballots(groups map[string]int) []map[int]int {
	var out []map[int]int
	for order, count := range groups {
		for range count {
			b := map[int]int{}
			for i, c := range order {
				b[int(c-'A')] = len(order) - i
			}
			out = append(out, b)
		}
	}
	return out
}

func name(order []int) string {
	var b strings.Builder
	for _, i := range order {
		b.WriteByte(byte('A' + i))
	}
	return b.String()
}

func TestSchulze(t *testing.T) {
	cases := []struct {
		n     int
		votes map[string]int
		want  string
	}{
		// the example of Schulze's paper (and Wikipedia): 45 voters, 5 candidates
		{5, map[string]int{"ACBED": 5, "ADECB": 5, "BEDAC": 8, "CABED": 3, "CAEBD": 7, "CBADE": 2, "DCEBA": 7, "EBADC": 8}, "EACBD"},
		// a Condorcet winner wins
		{3, map[string]int{"BAC": 2, "BCA": 1, "ACB": 2}, "BAC"},
		// a cycle A>B>C>A broken by strength: A beats B 6:3, B beats C 7:2, C beats A 5:4
		{3, map[string]int{"ABC": 4, "BCA": 3, "CAB": 2}, "ABC"},
		// no ballots: the given order
		{3, nil, "ABC"},
	}
	for _, c := range cases {
		if got := name(Schulze(c.n, ballots(c.votes))); got != c.want {
			t.Errorf("%v: %s, want %s", c.votes, got, c.want)
		}
	}
	// candidates missing from a ballot rank below those on it
	if got := name(Schulze(3, []map[int]int{{2: 1}, {2: 5, 1: 3}})); got != "CBA" {
		t.Errorf("partial ballots: %s", got)
	}
}

func TestTallySimple(t *testing.T) {
	yes, no := sql.Null[bool]{V: true, Valid: true}, sql.Null[bool]{V: false, Valid: true}
	maybe := sql.Null[bool]{}
	options := []store.PollOption{{ID: 1, Title: "Montag"}, {ID: 2, Title: "Dienstag"}, {ID: 3, Title: "Mittwoch"}}
	votes := []*store.Vote{
		{OptionID: 1, VoterID: 7, Endorse: yes, Voter: store.EntityRef{ID: 7, Slug: "anna"}}, {OptionID: 2, VoterID: 7, Endorse: maybe},
		{OptionID: 3, VoterID: 7, Endorse: no},
		{OptionID: 1, Anonymous: "Gast", Endorse: no}, {OptionID: 2, Anonymous: "Gast", Endorse: yes}, {OptionID: 3, Anonymous: "Gast", Endorse: maybe},
		{OptionID: 1, Anonymous: "Max", Endorse: maybe}, {OptionID: 2, Anonymous: "Max", Endorse: maybe}, {OptionID: 3, Anonymous: "Max", Endorse: yes},
	}
	r := Tally(false, options, votes)
	// Montag 1 yes 1 maybe = 1.33334; Dienstag 1 yes 2 maybe = 1.66668; Mittwoch 1 yes 1 maybe 1 no = 1.33334
	if r.Counts[2].Yes != 1 || r.Counts[2].Maybe != 2 || r.Counts[3].No != 1 || r.Winner != 2 {
		t.Errorf("counts %+v %+v, winner %d", r.Counts[2], r.Counts[3], r.Winner)
	}
	if r.Ranking[0] != 2 || r.Ranking[1] != 1 || r.Ranking[2] != 3 || len(r.Voters) != 3 || r.Voters[0].Name != "anna" {
		t.Errorf("ranking %v, voters %d %q", r.Ranking, len(r.Voters), r.Voters[0].Name)
	}
	if empty := Tally(false, options, nil); empty.Winner != 0 {
		t.Error("no votes, no winner")
	}
}

func TestVote(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var pollID int64
		var opts []store.PollOption
		var anna store.Gestalt
		err := db.Tx(ctx, func(q *store.Queries) error {
			anna = store.Gestalt{Username: "anna", DateJoined: time.Now()}
			if _, err := q.CreateGestalt(ctx, &anna); err != nil {
				return err
			}
			var err error
			if pollID, err = q.CreatePoll(ctx, true); err != nil {
				return err
			}
			for _, title := range []string{"Apfel", "Birne", "Quitte"} {
				o := store.PollOption{Title: title}
				if _, err := q.AddPollOption(ctx, pollID, &o); err != nil {
					return err
				}
				opts = append(opts, o)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		s := New(db)
		a, b, c := opts[0].ID, opts[1].ID, opts[2].ID
		if err := s.Vote(ctx, pollID, Voter{ID: anna.ID}, Ballot{Ranking: []int64{c, a}}); !errors.Is(err, ErrIncomplete) {
			t.Errorf("incomplete: %v", err)
		}
		if err := s.Vote(ctx, pollID, Voter{ID: anna.ID}, Ballot{Ranking: []int64{c, a, a}}); !errors.Is(err, ErrBadOption) {
			t.Errorf("twice the same option: %v", err)
		}
		if err := s.Vote(ctx, pollID, Voter{ID: anna.ID}, Ballot{Ranking: []int64{c, a, b}}); err != nil {
			t.Fatal(err)
		}
		if err := s.Vote(ctx, pollID, Voter{ID: anna.ID}, Ballot{Ranking: []int64{a, b, c}}); !errors.Is(err, ErrVoted) {
			t.Errorf("second vote: %v", err)
		}
		if err := s.Vote(ctx, pollID, Voter{Name: " "}, Ballot{Ranking: []int64{a, b, c}}); !errors.Is(err, ErrNameMissing) {
			t.Errorf("anonymous without name: %v", err)
		}
		for _, v := range []string{"Gast", "Max"} {
			if err := s.Vote(ctx, pollID, Voter{Name: v}, Ballot{Ranking: []int64{a, b, c}}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Vote(ctx, pollID, Voter{Name: "gast"}, Ballot{Ranking: []int64{c, b, a}}); !errors.Is(err, ErrNameTaken) {
			t.Errorf("a name twice: %v", err)
		}
		votes, _ := db.PollVotes(ctx, pollID)
		if len(votes) != 9 {
			t.Fatalf("%d votes stored, want 3 voters × 3 options", len(votes))
		}
		r := Tally(true, opts, votes)
		if r.Winner != a || len(r.Voters) != 3 || r.Voters[0].Rank[c] != 1 || r.Voters[0].Rank[b] != 3 {
			t.Errorf("winner %d, voters %d, anna's ranks %v", r.Winner, len(r.Voters), r.Voters[0].Rank)
		}
	})
}
