// Package commander is the administrators' chat bot of the Django grouprise's
// matrix_commander, without the chat: it reads a command line ("user show alice", "content
// visibility https://example.org/garten/fest/ private") and answers in Markdown. The bot in
// bot.go feeds it from Matrix admin rooms; `grouprise matrix-commander --console` from a
// terminal.
package commander

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
)

// Commander runs commands: it reads the store and changes it through the domain services.
type Commander struct {
	DB       *store.DB
	Accounts *accounts.Accounts
	Groups   *groups.Groups
	Contents *contents.Service
	// BaseURL is the site's address (links in answers, and accepted in URLs).
	BaseURL string
	// UnknownID and ImporterID are the special accounts (never "unused", never removed).
	UnknownID, ImporterID int64
	Now                   func() time.Time
}

// Help is the answer to "help".
const Help = "**Commands**\n\n" +
	"- `user show USERNAME`\n- `user join USERNAME GROUP` / `user leave USERNAME GROUP`\n" +
	"- `user list-unused [limit=5]` / `user remove-unused [limit=5]`\n- `user remove USERNAME`\n" +
	"- `user admin list` / `user admin grant USERNAME` / `user admin revoke USERNAME`\n" +
	"- `group show GROUP` / `group list-members GROUP` / `group remove GROUP`\n" +
	"- `content show URL` / `content visibility URL public|private` / `content ownership URL GROUP_OR_USER` / `content remove URL`\n" +
	"- `comment show URL#contribution-N` / `comment remove URL#contribution-N`\n\n" +
	"GROUP is a short name or the group's address; URL is /stadt/content/N/, /stadt/conversations/N/ or /ENTITY/SLUG/, with or without the site's address."

func (c *Commander) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Run executes one command line and returns the answer (Markdown). Errors a person can fix
// are answers too.
func (c *Commander) Run(ctx context.Context, line string) string {
	args := strings.Fields(line)
	if len(args) == 0 || args[0] == "help" {
		return Help
	}
	var out string
	var err error
	switch args[0] {
	case "user":
		out, err = c.user(ctx, args[1:])
	case "group":
		out, err = c.group(ctx, args[1:])
	case "content":
		out, err = c.content(ctx, args[1:])
	case "comment":
		out, err = c.comment(ctx, args[1:])
	default:
		err = fmt.Errorf("unknown command %q; try `help`", args[0])
	}
	if err != nil {
		return "**Error:** " + err.Error()
	}
	return out
}

func need(args []string, n int, usage string) error {
	if len(args) != n {
		return fmt.Errorf("usage: `%s`", usage)
	}
	return nil
}

func (c *Commander) user(ctx context.Context, args []string) (string, error) {
	if len(args) == 0 {
		return "", errors.New("usage: `user show|join|leave|list-unused|remove-unused|remove|admin …`")
	}
	switch args[0] {
	case "show":
		if err := need(args, 2, "user show USERNAME"); err != nil {
			return "", err
		}
		g, err := c.person(ctx, args[1])
		if err != nil {
			return "", err
		}
		email := "-"
		if addrs, err := c.DB.EmailAddresses(ctx, g.ID); err == nil && len(addrs) > 0 {
			email = addrs[0].Email
		}
		act, err := c.DB.ActivityOf(ctx, g.ID)
		if err != nil {
			return "", err
		}
		latest := "never"
		if act.Latest.Valid {
			latest = act.Latest.V.UTC().Format("2006-01-02 15:04 UTC")
		}
		return fmt.Sprintf("**%s** (%s)\n\n- e-mail: %s\n- contributions: %d\n- memberships: %d\n- latest contribution: %s",
			g.Username, g.Name(), email, act.Contributions, act.Memberships, latest), nil
	case "join", "leave":
		if err := need(args, 3, "user "+args[0]+" USERNAME GROUP"); err != nil {
			return "", err
		}
		g, err := c.person(ctx, args[1])
		if err != nil {
			return "", err
		}
		gr, err := c.groupNamed(ctx, args[2])
		if err != nil {
			return "", err
		}
		if args[0] == "join" {
			if err := c.Groups.AddMember(ctx, gr.ID, g.ID, g.ID); err != nil {
				return "", err
			}
			return fmt.Sprintf("%s is a member of %s now.", g.Username, gr.Slug), nil
		}
		if err := c.Groups.RemoveMember(ctx, gr.ID, g.ID); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s is no longer a member of %s.", g.Username, gr.Slug), nil
	case "list-unused", "remove-unused":
		limit := 5
		if len(args) > 2 {
			return "", fmt.Errorf("usage: `user %s [limit=5]`", args[0])
		}
		if len(args) == 2 {
			n, err := strconv.Atoi(strings.TrimPrefix(args[1], "limit="))
			if err != nil || n < 1 {
				return "", fmt.Errorf("the limit is a positive number, not %q", args[1])
			}
			limit = n
		}
		list, total, err := c.DB.UnusedGestalten(ctx, c.now(), c.special(), limit)
		if err != nil {
			return "", err
		}
		var b strings.Builder
		if args[0] == "list-unused" {
			fmt.Fprintf(&b, "%d unused accounts; the oldest:\n", total)
			for _, g := range list {
				fmt.Fprintf(&b, "\n- %s (joined %s)", g.Username, g.DateJoined.UTC().Format(time.DateOnly))
			}
			return b.String(), nil
		}
		for _, g := range list {
			if err := c.Accounts.Delete(ctx, g.ID, c.UnknownID); err != nil {
				return "", fmt.Errorf("removing %s: %w", g.Username, err)
			}
			fmt.Fprintf(&b, "- removed %s\n", g.Username)
		}
		fmt.Fprintf(&b, "\n%d unused accounts removed, %d left.", len(list), total-len(list))
		return b.String(), nil
	case "remove":
		if err := need(args, 2, "user remove USERNAME"); err != nil {
			return "", err
		}
		g, err := c.person(ctx, args[1])
		if err != nil {
			return "", err
		}
		if slices.Contains(c.special(), g.ID) {
			return "", fmt.Errorf("%s is one of the site's special accounts and stays", g.Username)
		}
		if err := c.Accounts.Delete(ctx, g.ID, c.UnknownID); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s removed; their contributions belong to the unknown account now.", g.Username), nil
	case "admin":
		return c.admin(ctx, args[1:])
	}
	return "", fmt.Errorf("unknown user command %q; try `help`", args[0])
}

func (c *Commander) special() []int64 {
	var out []int64
	for _, id := range []int64{c.UnknownID, c.ImporterID} {
		if id != 0 {
			out = append(out, id)
		}
	}
	return out
}

func (c *Commander) admin(ctx context.Context, args []string) (string, error) {
	if len(args) == 1 && args[0] == "list" {
		list, err := c.DB.Admins(ctx)
		if err != nil {
			return "", err
		}
		names := make([]string, len(list))
		for i, g := range list {
			names[i] = g.Username
		}
		if len(names) == 0 {
			return "No administrators.", nil
		}
		return "Administrators: " + strings.Join(names, ", "), nil
	}
	if len(args) != 2 || (args[0] != "grant" && args[0] != "revoke") {
		return "", errors.New("usage: `user admin list|grant USERNAME|revoke USERNAME`")
	}
	g, err := c.person(ctx, args[1])
	if err != nil {
		return "", err
	}
	if err := c.Accounts.Promote(ctx, g.Username, args[0] == "grant"); err != nil {
		return "", err
	}
	if args[0] == "grant" {
		return g.Username + " is an administrator now.", nil
	}
	return g.Username + " is no longer an administrator.", nil
}

func (c *Commander) group(ctx context.Context, args []string) (string, error) {
	if len(args) != 2 {
		return "", errors.New("usage: `group show|list-members|remove GROUP`")
	}
	g, err := c.groupNamed(ctx, args[1])
	if err != nil {
		return "", err
	}
	switch args[0] {
	case "show":
		members, subscribers, err := c.DB.GroupSize(ctx, g.ID)
		if err != nil {
			return "", err
		}
		n, latest, err := c.DB.GroupActivity(ctx, g.ID)
		if err != nil {
			return "", err
		}
		state := "open"
		if g.Closed {
			state = "closed"
		}
		last := "never"
		if latest.Valid {
			last = latest.V.UTC().Format("2006-01-02 15:04 UTC")
		}
		return fmt.Sprintf("**[%s](%s/%s/)** (%s)\n\n- members: %d\n- subscribers: %d\n- contents and conversations: %d\n- latest activity: %s",
			g.Name, c.BaseURL, g.Slug, state, members, subscribers, n, last), nil
	case "list-members":
		members, err := c.DB.Members(ctx, g.ID)
		if err != nil {
			return "", err
		}
		names := make([]string, len(members))
		for i, m := range members {
			names[i] = m.Username
		}
		return fmt.Sprintf("%d members of %s: %s", len(names), g.Slug, strings.Join(names, ", ")), nil
	case "remove":
		if err := c.Groups.Delete(ctx, g.ID); err != nil {
			return "", err
		}
		return fmt.Sprintf("Group %s removed (its contents stay in the database).", g.Slug), nil
	}
	return "", fmt.Errorf("unknown group command %q; try `help`", args[0])
}

func (c *Commander) content(ctx context.Context, args []string) (string, error) {
	if len(args) < 2 {
		return "", errors.New("usage: `content show|visibility|ownership|remove URL …`")
	}
	a, err := c.association(ctx, args[1])
	if err != nil {
		return "", err
	}
	switch args[0] {
	case "show":
		if err := need(args, 2, "content show URL"); err != nil {
			return "", err
		}
		return c.describe(ctx, a)
	case "visibility":
		if len(args) != 3 || (args[2] != "public" && args[2] != "private") {
			return "", errors.New("usage: `content visibility URL public|private`")
		}
		if err := c.Contents.SetPublic(ctx, a, args[2] == "public"); err != nil {
			return "", err
		}
		return "The item is " + args[2] + " now.", nil
	case "ownership":
		if err := need(args, 3, "content ownership URL GROUP_OR_USER"); err != nil {
			return "", err
		}
		var groupID, gestaltID int64
		if g, err := c.DB.GroupBySlug(ctx, strings.Trim(args[2], "/")); err == nil {
			groupID = g.ID
		} else if p, err := c.DB.GestaltByUsername(ctx, args[2]); err == nil {
			gestaltID = p.ID
		} else {
			return "", c.notFound(ctx, "group or user", args[2])
		}
		err := c.Contents.Move(ctx, a, groupID, gestaltID)
		if errors.Is(err, store.ErrConflict) {
			return "", fmt.Errorf("%s publishes something under the same short name already", args[2])
		} else if err != nil {
			return "", err
		}
		return "The item belongs to " + args[2] + " now.", nil
	case "remove":
		if err := need(args, 2, "content remove URL"); err != nil {
			return "", err
		}
		if err := c.Contents.Remove(ctx, a); err != nil {
			return "", err
		}
		return "The item was removed.", nil
	}
	return "", fmt.Errorf("unknown content command %q; try `help`", args[0])
}

func (c *Commander) describe(ctx context.Context, a *store.Association) (string, error) {
	owner := ""
	if a.GroupID != 0 {
		g, err := c.DB.GroupByID(ctx, a.GroupID)
		if err != nil {
			return "", err
		}
		owner = "group " + g.Slug
	} else {
		g, err := c.DB.GestaltByID(ctx, a.GestaltID)
		if err != nil {
			return "", err
		}
		owner = "user " + g.Username
	}
	visibility := "private"
	if a.Public {
		visibility = "public"
	}
	if a.ContentID != 0 {
		content, err := c.DB.ContentByID(ctx, a.ContentID)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("**%s** (%s, %s)\n\n%s/stadt/content/%d/", content.Title, owner, visibility, c.BaseURL, a.ID), nil
	}
	first, err := c.DB.FirstContribution(ctx, 0, a.ConversationID)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Conversation with %s (%s)\n\n> %s", owner, visibility, shorten(first.Text, 200)), nil
}

func (c *Commander) comment(ctx context.Context, args []string) (string, error) {
	if len(args) != 2 || (args[0] != "show" && args[0] != "remove") {
		return "", errors.New("usage: `comment show|remove URL#contribution-N`")
	}
	_, fragment, ok := strings.Cut(args[1], "#contribution-")
	id, err := strconv.ParseInt(fragment, 10, 64)
	if !ok || err != nil {
		return "", fmt.Errorf("%s names no comment (…#contribution-N)", args[1])
	}
	contribution, err := c.DB.ContributionByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("there is no comment %d", id)
	} else if err != nil {
		return "", err
	}
	if args[0] == "remove" {
		if err := c.Contents.RemoveComment(ctx, contribution); err != nil {
			return "", err
		}
		return fmt.Sprintf("Comment %d removed.", id), nil
	}
	author, err := c.DB.GestaltByID(ctx, contribution.AuthorID)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("**%s**, %s\n\n> %s", author.Username, contribution.TimeCreated.UTC().Format("2006-01-02 15:04 UTC"),
		shorten(contribution.Text, 200)), nil
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// person finds an account by username, with suggestions when there is none.
func (c *Commander) person(ctx context.Context, name string) (*store.Gestalt, error) {
	g, err := c.DB.GestaltByUsername(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, c.notFound(ctx, "user", name)
	}
	return g, err
}

// groupNamed finds a group by short name or address.
func (c *Commander) groupNamed(ctx context.Context, name string) (*store.Group, error) {
	slug := name
	if u, err := url.Parse(name); err == nil && (u.Scheme != "" || strings.HasPrefix(name, "/")) {
		slug = strings.Trim(u.Path, "/")
	}
	g, err := c.DB.GroupBySlug(ctx, slug)
	if errors.Is(err, store.ErrNotFound) {
		return nil, c.notFound(ctx, "group", slug)
	}
	return g, err
}

var (
	contentPath      = regexp.MustCompile(`^/stadt/content/(\d+)/?$`)
	conversationPath = regexp.MustCompile(`^/stadt/conversations/(\d+)/?$`)
	entityPath       = regexp.MustCompile(`^/([^/]+)/([^/]+)/?$`)
)

// association finds what a URL of the site points to.
func (c *Commander) association(ctx context.Context, raw string) (*store.Association, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%q is no address", raw)
	}
	p := u.Path
	var a *store.Association
	switch {
	case contentPath.MatchString(p), conversationPath.MatchString(p):
		m := contentPath.FindStringSubmatch(p)
		if m == nil {
			m = conversationPath.FindStringSubmatch(p)
		}
		id, _ := strconv.ParseInt(m[1], 10, 64)
		a, err = c.DB.AssociationByID(ctx, id)
	case entityPath.MatchString(p):
		m := entityPath.FindStringSubmatch(p)
		a, err = c.DB.AssociationBySlug(ctx, m[1], m[2])
	default:
		return nil, fmt.Errorf("%s is no address of a content or conversation", raw)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("nothing is published at %s", raw)
	}
	return a, err
}

// notFound is the answer for an unknown name, with up to ten similar names.
func (c *Commander) notFound(ctx context.Context, kind, name string) error {
	var names []string
	if kind != "group" {
		people, err := c.DB.Gestalten(ctx)
		if err == nil {
			for _, p := range people {
				names = append(names, p.Username)
			}
		}
	}
	if kind != "user" {
		list, err := c.DB.Groups(ctx)
		if err == nil {
			for _, g := range list {
				names = append(names, g.Slug)
			}
		}
	}
	if similar := Similar(name, names, 10); len(similar) > 0 {
		return fmt.Errorf("no %s %q; did you mean %s?", kind, name, strings.Join(similar, ", "))
	}
	return fmt.Errorf("no %s %q", kind, name)
}

// Similar returns up to n of names close to name (by edit distance relative to length),
// closest first.
func Similar(name string, names []string, n int) []string {
	type scored struct {
		name string
		d    float64
	}
	var out []scored
	for _, cand := range names {
		d := float64(distance(strings.ToLower(name), strings.ToLower(cand))) / float64(max(len(name), len(cand), 1))
		if d <= 0.5 {
			out = append(out, scored{cand, d})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].d < out[j].d })
	var res []string
	for i := 0; i < len(out) && i < n; i++ {
		res = append(res, out[i].name)
	}
	return res
}

// distance is the Levenshtein distance of two strings (in runes).
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
