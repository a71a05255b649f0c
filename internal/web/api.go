package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/files"
	"grouprise.org/grouprise/internal/markdown"
	"grouprise.org/grouprise/internal/polls"
	"grouprise.org/grouprise/internal/store"
)

// The JSON endpoints the pages' scripts use (the original's /stadt/api/…). Errors are
// {"error": message, "code": CODE} with a fitting status.

func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	s.writeJSONAs(w, status, "no-store", v)
}

// writePublicJSON answers with data that is the same for every visitor (the Transition
// Connect export): the anonymous page cache may keep it for its moment, so that a crowd of
// requests for a long list costs one query a second.
func (s *Server) writePublicJSON(w http.ResponseWriter, v any) {
	s.writeJSONAs(w, http.StatusOK, "no-cache", v)
}

func (s *Server) writeJSONAs(w http.ResponseWriter, status int, cacheControl string, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", cacheControl)
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		s.log.Warn("writing JSON failed", "err", err)
	}
}

func (s *Server) jsonError(w http.ResponseWriter, status int, code, msg string) {
	s.writeJSON(w, status, map[string]string{"error": msg, "code": code})
}

// readJSON decodes a request body of at most 1 MB.
func readJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	return dec.Decode(v)
}

func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request) bool {
	if viewer(r).LoggedIn() {
		return true
	}
	s.jsonError(w, http.StatusUnauthorized, "NOT_AUTHENTICATED", s.t(r, "api.login"))
	return false
}

// apiMarkdown renders a text for the editor's preview.
func (s *Server) apiMarkdown(w http.ResponseWriter, r *http.Request) error {
	if !s.apiLogin(w, r) {
		return nil
	}
	var in struct {
		Content string `json:"content"`
		Preset  string `json:"preset"`
	}
	if err := readJSON(r, &in); err != nil {
		s.jsonError(w, http.StatusBadRequest, "BAD_REQUEST", s.t(r, "api.bad_request"))
		return nil
	}
	preset, base := markdown.Content, 2
	switch in.Preset {
	case "", "content":
	case "comment":
		base = 3
	case "linkonly":
		preset = markdown.LinkOnly
	default:
		s.jsonError(w, http.StatusBadRequest, "BAD_PRESET", s.t(r, "api.bad_request"))
		return nil
	}
	out, err := s.markdown.HTML(r.Context(), s.markdownOptions(r, preset, base), in.Content)
	if err != nil {
		return fmt.Errorf("api: markdown: %w", err)
	}
	s.writeJSON(w, http.StatusOK, map[string]string{"content": string(out)})
	return nil
}

// apiGroups lists groups: ?name= (part of the name), ?slug= (exactly, any case), ?id=1,2;
// with maps on, ?has_location=1 only those on the map and ?include=location their places.
func (s *Server) apiGroups(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	var list []*store.Group
	switch {
	case q.Get("slug") != "":
		if g, err := s.db.GroupBySlug(ctx, q.Get("slug")); err == nil {
			list = append(list, g)
		} else if !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("api: group %q: %w", q.Get("slug"), err)
		}
	case q.Get("id") != "":
		parts := strings.Split(q.Get("id"), ",")
		if len(parts) > 100 {
			s.jsonError(w, http.StatusBadRequest, "BAD_ID", s.t(r, "api.bad_request"))
			return nil
		}
		for _, part := range parts {
			id, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
			if err != nil {
				s.jsonError(w, http.StatusBadRequest, "BAD_ID", s.t(r, "api.bad_request"))
				return nil
			}
			if g, err := s.db.GroupByID(ctx, id); err == nil {
				list = append(list, g)
			}
		}
	default:
		gq := store.GroupQuery{Name: q.Get("name"), Limit: 50}
		if s.cfg.Geo.Enabled && (q.Get("has_location") == "1" || q.Get("has_location") == "true") {
			gq.HasLocation, gq.Limit = true, 1000
		}
		found, err := s.db.SearchGroups(ctx, gq)
		if err != nil {
			return fmt.Errorf("api: groups: %w", err)
		}
		for _, g := range found {
			list = append(list, &g.Group)
		}
	}
	out, err := s.apiGroupsOf(r, list)
	if err != nil {
		return err
	}
	s.writeJSON(w, http.StatusOK, out)
	return nil
}

// apiImage is a picture as the original's API showed it; pictures have no title here, so
// title is always empty.
type apiImage struct {
	ID      int64  `json:"id"`
	File    string `json:"file"`
	Title   string `json:"title"`
	Creator int64  `json:"creator"`
	Path    string `json:"path"`
	Preview string `json:"preview"`
}

func (s *Server) apiImageOf(i *store.Image) apiImage {
	return apiImage{ID: i.ID, File: i.File, Creator: i.CreatorID, Path: "/-/images/" + i.File, Preview: "/-/images/preview/" + i.File}
}

// apiImages lists the viewer's pictures and those of their groups' contents (GET; ?id=1,2
// and ?creator=id narrow it) or takes a new one (POST, multipart "file").
func (s *Server) apiImages(w http.ResponseWriter, r *http.Request) error {
	if !s.apiLogin(w, r) {
		return nil
	}
	ctx := r.Context()
	v := viewer(r)
	if r.Method == http.MethodGet {
		iq, ok := s.imageQuery(w, r)
		if !ok {
			return nil
		}
		list, err := s.db.Images(ctx, iq)
		if err != nil {
			return fmt.Errorf("api: images: %w", err)
		}
		out := make([]apiImage, 0, len(list))
		for _, i := range list {
			out = append(out, s.apiImageOf(i))
		}
		s.writeJSON(w, http.StatusOK, out)
		return nil
	}
	name, err := s.apiSavePicture(w, r)
	if name == "" || err != nil {
		return err
	}
	img, err := s.contents.AddImage(ctx, v.ID(), name)
	if err != nil {
		files.Remove(s.cfg.MediaRoot, name)
		return fmt.Errorf("api: image: %w", err)
	}
	s.writeJSON(w, http.StatusCreated, s.apiImageOf(img))
	return nil
}

// apiPollFromPath finds the poll of /stadt/api/polls/{id}/ and its publication, if the
// viewer may see it; false after it answered (in JSON, or with the 500 page). It answers
// itself because its refusals are JSON, which the adapter does not speak.
func (s *Server) apiPollFromPath(w http.ResponseWriter, r *http.Request) (int64, *store.Association, bool) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.jsonError(w, http.StatusNotFound, "NOT_FOUND", s.t(r, "error.not_found"))
		return 0, nil, false
	}
	contentID, err := s.db.ContentOfPoll(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		s.jsonError(w, http.StatusNotFound, "NOT_FOUND", s.t(r, "error.not_found"))
		return 0, nil, false
	}
	if err != nil {
		s.fail(w, r, err)
		return 0, nil, false
	}
	assocs, err := s.db.AssociationsOf(ctx, contentID)
	if err != nil {
		s.fail(w, r, err)
		return 0, nil, false
	}
	v := viewer(r)
	for _, a := range assocs {
		if contents.CanView(v, a) {
			return id, a, true
		}
	}
	if len(assocs) == 0 {
		s.jsonError(w, http.StatusNotFound, "NOT_FOUND", s.t(r, "error.not_found"))
	} else {
		s.jsonError(w, http.StatusForbidden, "FORBIDDEN", s.t(r, "error.forbidden"))
	}
	return 0, nil, false
}

type apiOption struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
}

// apiPoll shows a poll: its options, its votes and its result.
func (s *Server) apiPoll(w http.ResponseWriter, r *http.Request) error {
	id, a, ok := s.apiPollFromPath(w, r)
	if !ok {
		return nil
	}
	pv, err := s.pollData(r.Context(), r, a, newForm(nil))
	if err != nil {
		return fmt.Errorf("api: poll %d: %w", id, err)
	}
	type count struct {
		Option int64          `json:"option"`
		Score  float64        `json:"score"`
		Counts map[string]int `json:"counts"`
	}
	type vote struct {
		Voter        string           `json:"voter"`
		Endorsements map[string]*bool `json:"endorsements,omitempty"`
		Ranking      []int64          `json:"ranking,omitempty"`
	}
	out := struct {
		ID        int64       `json:"id"`
		Condorcet bool        `json:"condorcet"`
		Options   []apiOption `json:"options"`
		Winner    int64       `json:"options_winner"`
		Ranking   []int64     `json:"options_ranking"`
		Counts    []count     `json:"vote_counts,omitempty"`
		Votes     []vote      `json:"votes"`
		CanVote   bool        `json:"can_vote"`
	}{ID: id, Condorcet: pv.Condorcet, Winner: pv.Winner, Ranking: pv.Ranking, CanVote: pv.CanVote, Votes: []vote{}}
	for _, o := range pv.Options {
		out.Options = append(out.Options, apiOption{ID: o.ID, Title: pv.Labels[o.ID]})
		if c := pv.Counts[o.ID]; !pv.Condorcet && c != nil {
			out.Counts = append(out.Counts, count{Option: o.ID, Score: c.Score,
				Counts: map[string]int{"yes": c.Yes, "no": c.No, "maybe": c.Maybe}})
		}
	}
	for _, row := range pv.Voters {
		vt := vote{Voter: row.Name}
		if pv.Condorcet {
			for _, o := range pv.Options {
				vt.Ranking = append(vt.Ranking, o.ID)
			}
			sortByRank(vt.Ranking, row.Rank)
		} else {
			vt.Endorsements = map[string]*bool{}
			for id, e := range row.Endorse {
				if e.Valid {
					b := e.V
					vt.Endorsements[strconv.FormatInt(id, 10)] = &b
				} else {
					vt.Endorsements[strconv.FormatInt(id, 10)] = nil
				}
			}
		}
		out.Votes = append(out.Votes, vt)
	}
	s.writeJSON(w, http.StatusOK, out)
	return nil
}

func sortByRank(ids []int64, rank map[int64]int) {
	for i := 1; i < len(ids); i++ {
		for j := i; j > 0 && rank[ids[j]] < rank[ids[j-1]]; j-- {
			ids[j], ids[j-1] = ids[j-1], ids[j]
		}
	}
}

// apiVote takes a vote: {"gestalt": {"name": …}} for anonymous voters, and
// {"endorsements": [{"option": id, "endorsement": true|false|null}]} or
// {"ranking": [ids, best first]}.
func (s *Server) apiVote(w http.ResponseWriter, r *http.Request) error {
	id, a, ok := s.apiPollFromPath(w, r)
	if !ok {
		return nil
	}
	var in struct {
		Gestalt struct {
			Name string `json:"name"`
		} `json:"gestalt"`
		Endorsements []struct {
			Option      int64 `json:"option"`
			Endorsement *bool `json:"endorsement"`
		} `json:"endorsements"`
		Ranking []int64 `json:"ranking"`
	}
	if err := readJSON(r, &in); err != nil {
		s.jsonError(w, http.StatusBadRequest, "BAD_REQUEST", s.t(r, "api.bad_request"))
		return nil
	}
	v := viewer(r)
	if !polls.CanVote(v, a, false) {
		s.jsonError(w, http.StatusForbidden, "FORBIDDEN", s.t(r, "error.forbidden"))
		return nil
	}
	b := polls.Ballot{Ranking: in.Ranking}
	if in.Endorsements != nil {
		b.Endorse = map[int64]*bool{}
		for _, e := range in.Endorsements {
			b.Endorse[e.Option] = e.Endorsement
		}
	}
	err := s.polls.Vote(r.Context(), id, polls.Voter{ID: v.ID(), Name: in.Gestalt.Name}, b)
	switch {
	case errors.Is(err, polls.ErrVoted):
		s.jsonError(w, http.StatusForbidden, "VOTE_ERR_GESTALT_VOTED", s.t(r, "error.voted"))
	case errors.Is(err, polls.ErrNameTaken):
		s.jsonError(w, http.StatusForbidden, "VOTE_ERR_ANON_VOTED", s.t(r, "error.vote_name_taken"))
	case err != nil:
		if msg, ok := s.userError(r, err); ok {
			s.jsonError(w, http.StatusBadRequest, "VOTE_INVALID", msg)
			return nil
		}
		return fmt.Errorf("api: vote on poll %d: %w", id, err)
	default:
		s.writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	}
	return nil
}
