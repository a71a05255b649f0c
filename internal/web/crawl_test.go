package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// answer is the kind of answer a path gets: what a visitor sees, not the bytes.
type answer string

const (
	aPage     answer = "page"     // 200
	aLogin    answer = "login"    // a redirect to the login, with next=
	aMoved    answer = "redirect" // a redirect elsewhere
	aNotFound answer = "404"
	aRefused  answer = "403"
	aAskAuth  answer = "401" // HTTP authentication asked for (private calendar feeds)
)

// The roles of the crawl: an anonymous visitor, alice (member of stadtgarten and
// fahrradwerkstatt) and eve (member of stadtgarten only: an outsider to the other groups).
var crawlRoles = []string{"", "alice", "eve"}

// crawlPath is a path the Django grouprise 5.5 served for the fixture site, with the kind of
// answer it gave to each role of crawlRoles (in that order).
type crawlPath struct {
	path string
	want [3]answer
}

// Why an answer differs from the original's (the values of knownDifferences).
const (
	attendByPost       = "B10: GET changes no attendance and leads to the event (an internal one answers as its permalink); the original removed one's attendance on GET and sent visitors to the login"
	permalinkHidden    = "deliberate (activity.go): the permalink of an internal content is 404 for who may not see it (visitors are offered the login); the original's redirect told its address"
	voteLeadsToPoll    = "deliberate (polls.go): GET of the vote address leads to the poll, which shows one's vote; the original refused who had voted (403)"
	api401             = "deliberate (api.go): 401 NOT_AUTHENTICATED where Django REST framework said 403, so that scripts tell \"log in\" from \"not allowed\""
	apiImageOfGroup    = "deliberate (api_images.go): the API shows a picture to whom it lists it (one's own and those of one's groups' contents; pictures are public anyway); the original listed those but refused their detail (403)"
	confirmLoggedIn    = "deliberate (email.go): an address is confirmed only by the logged-in account that added it, so that its owner cannot be made to confirm it for a stranger"
	applyPerson        = "deliberate (oldurls.go): the old apply link of a conversation with a person is 404, there is no group to apply to; the original said 403"
	applyHidden        = "deliberate (oldurls.go): only who may see the conversation is led to the application; the original let anyone logged in attach an application to any conversation with a closed group"
	groupAddLogin      = "deliberate (groups.go): visitors log in to create a group; the original made member-less groups that nobody could edit (quirk 2)"
	loginLoggedIn      = "deliberate (login.go): a person already logged in goes to the start page; the original answered 403"
	logoutVisitor      = "deliberate (login.go): a visitor who is not logged in goes to the start page; the original sent to the login"
	resetLoggedIn      = "deliberate (password.go): a person logged in may ask for a reset mail too; the original answered 403"
	setPasswordForm    = "deliberate (password.go): /stadt/password/set/ shows the password form itself; the original redirected who had a password to /stadt/settings/password/"
	adminRefuses       = "deliberate (admin*.go): our admin area answers 403 to people who are not administrators; the original's Django admin sent them to its own login form"
	replySelf          = "deliberate (contents.go): nobody writes privately to themself (403); the original offered the form"
	replyInternal      = "deliberate (contents.go): an internal comment (a reply by mail) is quoted only to members of the group; the original quoted it to anyone who could see the content"
	replyNoText        = "deliberate (contents.go): an attachment or an application has no text to quote (404); the original failed with 500"
	replyNoTextVisitor = "deliberate (contents.go): an attachment has no text to quote, and visitors are offered the login first; the original failed with 500"
	replyApplication   = "deliberate (contents.go): an application is not answered privately (404); the original refused who could not see the conversation (403)"
	joinVisitor        = "deliberate (memberships.go): a visitor gets the join page, which offers joining by address; the original sent to the login"
	joinRequest        = "deliberate (memberships.go): join/request/ is the join page: a logged-in outsider may join there, a member goes to the group; the original answered 403"
	resignVisitor      = "deliberate (memberships.go): a visitor gets the form to resign by address at the resign address; the original sent to the login"
	resignRequest      = "deliberate (memberships.go): a member gets the resign form at the request address; the original answered 403"
	membersAdd         = "deliberate (memberships.go): GET of members/add/ shows the member list to members of an open group too (adding, by POST, is refused there); the original answered 403"
	unsubscribeOthers  = "deliberate (subscriptions.go): a visitor gets the form to unsubscribe by address, one not subscribed goes to the group; the original sent to the login or answered 403"
	unsubscribeRequest = "deliberate (subscriptions.go): a logged-in person gets the unsubscribe form at the request address; the original redirected to it"
)

// knownDifference is our answer where it differs from the original's, and why.
type knownDifference struct {
	now answer
	why string
}

// knownDifferences are the answers (path and role, "anonymous" for the visitor) in which we
// differ from the original on purpose: more helpful forms where it refused (joining, leaving
// and unsubscribing by address), refusals where it leaked or crashed, POST for changes. The
// crawl fails when one of them answers as the original did (then its line goes), answers
// otherwise than recorded here, or when another answer differs.
var knownDifferences = map[string]knownDifference{
	"/stadt/content/10/events/attendees alice":                           {aNotFound, attendByPost},
	"/stadt/content/10/events/attendees anonymous":                       {aNotFound, attendByPost},
	"/stadt/content/10/events/attendees eve":                             {aNotFound, attendByPost},
	"/stadt/content/23/events/attendees anonymous":                       {aPage, attendByPost},
	"/stadt/content/24/events/attendees anonymous":                       {aPage, attendByPost},
	"/stadt/content/6/events/attendees anonymous":                        {aPage, attendByPost},
	"/stadt/content/7/events/attendees anonymous":                        {aPage, attendByPost},
	"/stadt/content/8/events/attendees anonymous":                        {aPage, attendByPost},
	"/stadt/content/9/events/attendees anonymous":                        {aPage, attendByPost},
	"/stadt/content/10/ alice":                                           {aNotFound, permalinkHidden},
	"/stadt/content/10/ anonymous":                                       {aNotFound, permalinkHidden},
	"/stadt/content/10/ eve":                                             {aNotFound, permalinkHidden},
	"/stadt/content/17/ alice":                                           {aNotFound, permalinkHidden},
	"/stadt/content/17/ anonymous":                                       {aNotFound, permalinkHidden},
	"/stadt/content/17/ eve":                                             {aNotFound, permalinkHidden},
	"/stadt/content/21/ anonymous":                                       {aNotFound, permalinkHidden},
	"/stadt/content/21/ eve":                                             {aNotFound, permalinkHidden},
	"/stadt/content/3/ anonymous":                                        {aNotFound, permalinkHidden},
	"/fahrradwerkstatt/farbe-fuer-das-werkstatttor/vote/ alice":          {aPage, voteLeadsToPoll},
	"/stadtgarten/termin-fuer-den-herbstputz/vote/ alice":                {aPage, voteLeadsToPoll},
	"/stadtgarten/termin-fuer-den-herbstputz/vote/ eve":                  {aPage, voteLeadsToPoll},
	"/stadt/api/gestalten/ anonymous":                                    {aAskAuth, api401},
	"/stadt/api/images/ anonymous":                                       {aAskAuth, api401},
	"/stadt/api/gestalten/1/ anonymous":                                  {aAskAuth, api401},
	"/stadt/api/gestalten/1/settings/ anonymous":                         {aAskAuth, api401},
	"/stadt/api/gestalten/2/ anonymous":                                  {aAskAuth, api401},
	"/stadt/api/gestalten/2/settings/ anonymous":                         {aAskAuth, api401},
	"/stadt/api/gestalten/3/ anonymous":                                  {aAskAuth, api401},
	"/stadt/api/gestalten/3/settings/ anonymous":                         {aAskAuth, api401},
	"/stadt/api/gestalten/4/ anonymous":                                  {aAskAuth, api401},
	"/stadt/api/gestalten/4/settings/ anonymous":                         {aAskAuth, api401},
	"/stadt/api/gestalten/5/ anonymous":                                  {aAskAuth, api401},
	"/stadt/api/gestalten/5/settings/ anonymous":                         {aAskAuth, api401},
	"/stadt/api/gestalten/6/ anonymous":                                  {aAskAuth, api401},
	"/stadt/api/gestalten/6/settings/ anonymous":                         {aAskAuth, api401},
	"/stadt/api/gestalten/7/ anonymous":                                  {aAskAuth, api401},
	"/stadt/api/gestalten/7/settings/ anonymous":                         {aAskAuth, api401},
	"/stadt/api/gestalten/8/ anonymous":                                  {aAskAuth, api401},
	"/stadt/api/gestalten/8/settings/ anonymous":                         {aAskAuth, api401},
	"/stadt/api/images/1/ anonymous":                                     {aAskAuth, api401},
	"/stadt/api/images/2/ anonymous":                                     {aAskAuth, api401},
	"/stadt/api/images/3/ anonymous":                                     {aAskAuth, api401},
	"/stadt/api/images/4/ anonymous":                                     {aAskAuth, api401},
	"/stadt/api/images/1/ eve":                                           {aPage, apiImageOfGroup},
	"/stadt/api/images/2/ eve":                                           {aPage, apiImageOfGroup},
	"/stadt/api/images/3/ eve":                                           {aPage, apiImageOfGroup},
	"/stadt/api/images/4/ alice":                                         {aPage, apiImageOfGroup},
	"/stadt/confirm/no-such-key/ anonymous":                              {aLogin, confirmLoggedIn},
	"/stadt/associations/12/apply/ alice":                                {aNotFound, applyPerson},
	"/stadt/associations/27/apply/ eve":                                  {aNotFound, applyPerson},
	"/stadt/associations/25/apply/ alice":                                {aRefused, applyHidden},
	"/stadt/associations/26/apply/ alice":                                {aRefused, applyHidden},
	"/stadt/associations/26/apply/ eve":                                  {aRefused, applyHidden},
	"/stadt/groups/add anonymous":                                        {aLogin, groupAddLogin},
	"/stadt/login/ alice":                                                {aPage, loginLoggedIn},
	"/stadt/login/ eve":                                                  {aPage, loginLoggedIn},
	"/stadt/logout/ anonymous":                                           {aPage, logoutVisitor},
	"/stadt/password/reset/ alice":                                       {aPage, resetLoggedIn},
	"/stadt/password/reset/ eve":                                         {aPage, resetLoggedIn},
	"/stadt/password/set/ alice":                                         {aPage, setPasswordForm},
	"/stadt/password/set/ eve":                                           {aPage, setPasswordForm},
	"/stadt/admin/ alice":                                                {aRefused, adminRefuses},
	"/stadt/admin/ eve":                                                  {aRefused, adminRefuses},
	"/stadt/associations/11/contributions/7/reply-to-author/ alice":      {aRefused, replySelf},
	"/stadt/associations/13/contributions/9/reply-to-author/ eve":        {aRefused, replySelf},
	"/stadt/associations/20/contributions/11/reply-to-author/ eve":       {aRefused, replySelf},
	"/stadt/associations/23/contributions/21/reply-to-author/ alice":     {aRefused, replySelf},
	"/stadt/associations/25/contributions/12/reply-to-author/ eve":       {aRefused, replySelf},
	"/stadt/associations/28/contributions/23/reply-to-author/ alice":     {aRefused, replySelf},
	"/stadt/associations/6/contributions/4/reply-to-author/ alice":       {aRefused, replySelf},
	"/stadt/associations/7/contributions/5/reply-to-author/ eve":         {aRefused, replySelf},
	"/stadt/associations/20/contributions/18/reply-to-author/ anonymous": {aLogin, replyInternal},
	"/stadt/associations/23/contributions/21/reply-to-author/ anonymous": {aLogin, replyInternal},
	"/stadt/associations/23/contributions/21/reply-to-author/ eve":       {aRefused, replyInternal},
	"/stadt/associations/20/contributions/19/reply-to-author/ alice":     {aNotFound, replyNoText},
	"/stadt/associations/20/contributions/19/reply-to-author/ eve":       {aNotFound, replyNoText},
	"/stadt/associations/23/contributions/22/reply-to-author/ alice":     {aNotFound, replyNoText},
	"/stadt/associations/23/contributions/22/reply-to-author/ eve":       {aNotFound, replyNoText},
	"/stadt/associations/25/contributions/13/reply-to-author/ eve":       {aNotFound, replyNoText},
	"/stadt/associations/20/contributions/19/reply-to-author/ anonymous": {aLogin, replyNoTextVisitor},
	"/stadt/associations/23/contributions/22/reply-to-author/ anonymous": {aLogin, replyNoTextVisitor},
	"/stadt/associations/25/contributions/13/reply-to-author/ alice":     {aNotFound, replyApplication},
	"/stadt/associations/26/contributions/15/reply-to-author/ alice":     {aNotFound, replyApplication},
	"/stadt/associations/26/contributions/15/reply-to-author/ eve":       {aNotFound, replyApplication},
	"/fahrradwerkstatt/actions/join anonymous":                           {aPage, joinVisitor},
	"/plattform-betrieb/actions/join anonymous":                          {aPage, joinVisitor},
	"/stadtgarten/actions/join anonymous":                                {aPage, joinVisitor},
	"/fahrradwerkstatt/join/request/ alice":                              {aPage, joinRequest},
	"/fahrradwerkstatt/join/request/ eve":                                {aPage, joinRequest},
	"/plattform-betrieb/join/request/ alice":                             {aPage, joinRequest},
	"/plattform-betrieb/join/request/ eve":                               {aPage, joinRequest},
	"/stadtgarten/join/request/ alice":                                   {aPage, joinRequest},
	"/stadtgarten/join/request/ eve":                                     {aPage, joinRequest},
	"/stadt/groups/1/resign/ anonymous":                                  {aPage, resignVisitor},
	"/stadt/groups/2/resign/ anonymous":                                  {aPage, resignVisitor},
	"/stadt/groups/3/resign/ anonymous":                                  {aPage, resignVisitor},
	"/stadt/groups/4/resign/ anonymous":                                  {aPage, resignVisitor},
	"/stadt/groups/2/resign/request/ alice":                              {aPage, resignRequest},
	"/stadt/groups/2/resign/request/ eve":                                {aPage, resignRequest},
	"/stadt/groups/3/resign/request/ alice":                              {aPage, resignRequest},
	"/stadt/groups/2/members/add/ alice":                                 {aPage, membersAdd},
	"/stadt/groups/2/members/add/ eve":                                   {aPage, membersAdd},
	"/stadt/groups/3/members/add/ alice":                                 {aPage, membersAdd},
	"/stadt/groups/1/unsubscribe/ alice":                                 {aPage, unsubscribeOthers},
	"/stadt/groups/1/unsubscribe/ anonymous":                             {aPage, unsubscribeOthers},
	"/stadt/groups/1/unsubscribe/ eve":                                   {aPage, unsubscribeOthers},
	"/stadt/groups/2/unsubscribe/ anonymous":                             {aPage, unsubscribeOthers},
	"/stadt/groups/3/unsubscribe/ anonymous":                             {aPage, unsubscribeOthers},
	"/stadt/groups/3/unsubscribe/ eve":                                   {aPage, unsubscribeOthers},
	"/stadt/groups/4/unsubscribe/ alice":                                 {aPage, unsubscribeOthers},
	"/stadt/groups/4/unsubscribe/ anonymous":                             {aPage, unsubscribeOthers},
	"/stadt/groups/4/unsubscribe/ eve":                                   {aPage, unsubscribeOthers},
	"/stadt/groups/2/unsubscribe/request/ alice":                         {aPage, unsubscribeRequest},
	"/stadt/groups/2/unsubscribe/request/ eve":                           {aPage, unsubscribeRequest},
	"/stadt/groups/3/unsubscribe/request/ alice":                         {aPage, unsubscribeRequest},
}

// TestCrawlOfTheImportedSite fetches every path that the Django grouprise served for the
// fixture site, as an anonymous visitor, as a member and as an outsider, and expects the
// original's kind of answer: a page where it showed one, the login where it asked for it,
// 403, 404 or a redirect where it gave those.
func TestCrawlOfTheImportedSite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := importedSite(t, db)
		paths := crawlPaths(readFixture(t, db))
		browsers := map[string]*browser{"": s.browser()}
		for _, who := range crawlRoles[1:] {
			browsers[who] = s.loggedIn(who, "peer-password")
		}
		var mismatches []string
		matchedKnown := map[string]bool{}
		for _, p := range paths {
			for i, who := range crawlRoles {
				got, where := s.kindOf(browsers[who], p.path, p.want[i])
				key := p.path + " " + roleName(who)
				if known, ok := knownDifferences[key]; ok {
					matchedKnown[key] = true
					switch {
					case got == p.want[i]:
						mismatches = append(mismatches, fmt.Sprintf("%-70s %-9s now %s as the original: drop it from knownDifferences", p.path, roleName(who), got))
					case got != known.now:
						mismatches = append(mismatches, fmt.Sprintf("%-70s %-9s want %-8s got %s %s (knownDifferences says %s)", p.path, roleName(who), p.want[i], got, where, known.now))
					}
					continue
				}
				if got != p.want[i] {
					mismatches = append(mismatches, fmt.Sprintf("%-70s %-9s want %-8s got %s %s", p.path, roleName(who), p.want[i], got, where))
				}
			}
		}
		for key := range knownDifferences {
			if !matchedKnown[key] {
				mismatches = append(mismatches, key+": in knownDifferences but not crawled")
			}
		}
		sort.Strings(mismatches)
		if len(mismatches) > 0 {
			t.Errorf("%d of %d answers differ from the original's:\n%s", len(mismatches), len(paths)*len(crawlRoles), strings.Join(mismatches, "\n"))
		}
		t.Logf("%d paths, %d answers, %d known differences", len(paths), len(paths)*len(crawlRoles), len(knownDifferences))
	})
}

func roleName(who string) string {
	if who == "" {
		return "anonymous"
	}
	return who
}

// kindOf fetches path and classifies the answer; where is the redirect's target. Unless the
// original redirected too, a redirect within the site is followed (up to three times): a
// visitor sent from an old address or a form of the address to the page gets the page.
func (s *site) kindOf(b *browser, path string, want answer) (answer, string) {
	where := ""
	for range 4 {
		r := b.get(path)
		switch {
		case r.StatusCode == http.StatusOK:
			return aPage, where
		case r.StatusCode >= 300 && r.StatusCode < 400:
			loc := r.Header.Get("Location")
			u, err := url.Parse(loc)
			if err == nil && strings.HasSuffix(u.Path, "/login/") && u.Query().Get("next") != "" {
				return aLogin, where + " " + loc
			}
			if want == aMoved || err != nil || u.Host != "" || !strings.HasPrefix(u.Path, "/") {
				return aMoved, where + " " + loc
			}
			where += " via " + loc
			path = u.RequestURI()
			continue
		case r.StatusCode == http.StatusNotFound:
			return aNotFound, where
		case r.StatusCode == http.StatusForbidden:
			return aRefused, where
		case r.StatusCode == http.StatusUnauthorized:
			return aAskAuth, where
		}
		return answer(fmt.Sprint(r.StatusCode)), where
	}
	return aMoved, where
}

// fixture is what the crawl needs to know of the imported site, read from its store.
type fixture struct {
	groups       []fixtureGroup
	people       []fixturePerson
	associations []fixtureAssociation
	// contributions on contents and in conversations
	contributions []fixtureContribution
	files         []fixtureFile
	images        []fixtureImage
	tags          []string
	applications  []fixtureApplication
	// polls: poll id → content id
	polls map[int64]int64
	// voters: content id of a poll → usernames that voted in it
	voters map[int64]map[string]bool
	// firstAuthor: content id → username of its first version's author
	firstAuthor map[int64]string
	// eventDays are the local days on which events start
	eventDays []time.Time
	// events: content id → is an event
	events map[int64]bool
}

type fixtureGroup struct {
	id                   int64
	slug                 string
	closed               bool
	members, subscribers map[string]bool
	// longStanding are the members for more than a week, who may delete the group's contents
	longStanding map[string]bool
}

type fixturePerson struct {
	id       int64
	username string
	public   bool
}

type fixtureAssociation struct {
	id                        int64
	contentID, conversationID int64
	group                     *fixtureGroup
	person                    string // the username, for a person's association
	slug                      string
	public                    bool
	participants              map[string]bool // who wrote in a conversation
	entitySlug                string
}

type fixtureContribution struct {
	id          int64
	association *fixtureAssociation
	author      string
	// noText: an attachment or an application, which have no text to quote
	noText bool
}

type fixtureFile struct {
	name string
	// association is where the file shows: its content's, or the container's of the comment
	// it came with
	association *fixtureAssociation
}

type fixtureImage struct {
	id      int64
	file    string
	creator string
	// shownIn are the groups whose contents show the image (in a gallery or as a preview)
	shownIn []*fixtureGroup
}

type fixtureApplication struct {
	id        int64
	group     *fixtureGroup
	applicant string
}

// tableRows reads all rows of a table of the store as column → value.
func tableRows(t *testing.T, db *store.DB, name string) []map[string]any {
	t.Helper()
	var rows []map[string]any
	err := db.ReadSnapshot(context.Background(), func(q *store.Queries) error {
		return q.ScanTable(context.Background(), name, func(cols []string, vals []any) error {
			row := map[string]any{}
			for i, c := range cols {
				row[c] = vals[i]
			}
			rows = append(rows, row)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func cellID(v any) int64 {
	n, _ := v.(int64)
	return n
}

func cellText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	}
	return ""
}

func cellBool(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case int64:
		return v != 0
	}
	return false
}

// readFixture reads the imported site's groups, people, contents, conversations and what
// hangs on them, so that the crawl's paths follow the store rather than hard-coded ids.
func readFixture(t *testing.T, db *store.DB) *fixture {
	f := &fixture{polls: map[int64]int64{}, voters: map[int64]map[string]bool{}, firstAuthor: map[int64]string{}, events: map[int64]bool{}}
	usernames := map[int64]string{}
	for _, r := range tableRows(t, db, "gestalten") {
		usernames[cellID(r["id"])] = cellText(r["username"])
		f.people = append(f.people, fixturePerson{id: cellID(r["id"]), username: cellText(r["username"]), public: cellBool(r["public"])})
	}
	groups := map[int64]*fixtureGroup{}
	for _, r := range tableRows(t, db, "groups") {
		f.groups = append(f.groups, fixtureGroup{id: cellID(r["id"]), slug: cellText(r["slug"]), closed: cellBool(r["closed"]),
			members: map[string]bool{}, subscribers: map[string]bool{}, longStanding: map[string]bool{}})
	}
	for i := range f.groups {
		groups[f.groups[i].id] = &f.groups[i]
	}
	for _, r := range tableRows(t, db, "memberships") {
		g, who := groups[cellID(r["group_id"])], usernames[cellID(r["member_id"])]
		g.members[who] = true
		if joined, ok := r["date_joined"].(time.Time); ok && time.Since(joined) > 7*24*time.Hour {
			g.longStanding[who] = true
		}
	}
	for _, r := range tableRows(t, db, "subscriptions") {
		groups[cellID(r["group_id"])].subscribers[usernames[cellID(r["subscriber_id"])]] = true
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range tableRows(t, db, "contents") {
		if p := cellID(r["poll_id"]); p != 0 {
			f.polls[p] = cellID(r["id"])
		}
		if at, ok := r["starts_at"].(time.Time); ok {
			f.events[cellID(r["id"])] = true
			f.eventDays = append(f.eventDays, at.In(berlin))
		}
	}
	for _, r := range tableRows(t, db, "content_versions") {
		if _, ok := f.firstAuthor[cellID(r["content_id"])]; !ok { // ordered by id: the first version first
			f.firstAuthor[cellID(r["content_id"])] = usernames[cellID(r["author_id"])]
		}
	}
	byContent, byConversation := map[int64]*fixtureAssociation{}, map[int64]*fixtureAssociation{}
	for _, r := range tableRows(t, db, "associations") {
		if r["deleted"] != nil {
			continue
		}
		a := fixtureAssociation{id: cellID(r["id"]), contentID: cellID(r["content_id"]), conversationID: cellID(r["conversation_id"]),
			slug: cellText(r["slug"]), public: cellBool(r["public"]), participants: map[string]bool{}}
		if g := cellID(r["group_id"]); g != 0 {
			a.group = groups[g]
			a.entitySlug = a.group.slug
		} else {
			a.person = usernames[cellID(r["gestalt_id"])]
			a.entitySlug = a.person
		}
		f.associations = append(f.associations, a)
	}
	for i := range f.associations {
		a := &f.associations[i]
		if a.contentID != 0 {
			byContent[a.contentID] = a
		} else {
			byConversation[a.conversationID] = a
		}
	}
	fileOf := map[int64]*fixtureAssociation{}
	for _, r := range tableRows(t, db, "contributions") {
		if r["deleted"] != nil {
			continue
		}
		a := byContent[cellID(r["content_id"])]
		if a == nil {
			a = byConversation[cellID(r["conversation_id"])]
		}
		a.participants[usernames[cellID(r["author_id"])]] = true
		f.contributions = append(f.contributions, fixtureContribution{id: cellID(r["id"]), association: a, author: usernames[cellID(r["author_id"])],
			noText: cellText(r["kind"]) != "text"})
		if file := cellID(r["file_id"]); file != 0 {
			fileOf[file] = a
		}
	}
	versionContent := map[int64]int64{}
	for _, r := range tableRows(t, db, "content_versions") {
		versionContent[cellID(r["id"])] = cellID(r["content_id"])
	}
	for _, r := range tableRows(t, db, "files") {
		a := fileOf[cellID(r["id"])]
		if v := cellID(r["version_id"]); v != 0 {
			a = byContent[versionContent[v]]
		}
		f.files = append(f.files, fixtureFile{name: cellText(r["file"]), association: a})
	}
	shownIn := map[int64][]*fixtureGroup{} // image id → groups of the contents that show it
	showIn := func(imageID, contentID int64) {
		if a := byContent[contentID]; a != nil && a.group != nil {
			shownIn[imageID] = append(shownIn[imageID], a.group)
		}
	}
	for _, r := range tableRows(t, db, "gallery_images") {
		showIn(cellID(r["image_id"]), cellID(r["content_id"]))
	}
	for _, r := range tableRows(t, db, "contents") {
		if image := cellID(r["image_id"]); image != 0 {
			showIn(image, cellID(r["id"]))
		}
	}
	for _, r := range tableRows(t, db, "images") {
		f.images = append(f.images, fixtureImage{id: cellID(r["id"]), file: cellText(r["file"]),
			creator: usernames[cellID(r["creator_id"])], shownIn: shownIn[cellID(r["id"])]})
	}
	for _, r := range tableRows(t, db, "tags") {
		f.tags = append(f.tags, cellText(r["slug"]))
	}
	options := map[int64]int64{}
	for _, r := range tableRows(t, db, "poll_options") {
		options[cellID(r["id"])] = f.polls[cellID(r["poll_id"])]
	}
	for _, r := range tableRows(t, db, "poll_votes") {
		c := options[cellID(r["option_id"])]
		if r["voter_id"] == nil {
			continue // anonymous voters may vote again under another name
		}
		if f.voters[c] == nil {
			f.voters[c] = map[string]bool{}
		}
		f.voters[c][usernames[cellID(r["voter_id"])]] = true
	}
	// an application is attached to the text its applicant wrote
	authorOf := map[int64]string{}
	for _, c := range f.contributions {
		authorOf[c.id] = c.author
	}
	for _, r := range tableRows(t, db, "applications") {
		f.applications = append(f.applications, fixtureApplication{id: cellID(r["id"]), group: groups[cellID(r["group_id"])],
			applicant: authorOf[cellID(r["attached_to_id"])]})
	}
	if len(f.groups) != 4 || len(f.people) != 8 || len(f.associations) != 28 || len(f.files) != 4 || len(f.polls) != 2 {
		t.Fatalf("the fixture reads as %d groups, %d people, %d associations, %d files, %d polls", len(f.groups),
			len(f.people), len(f.associations), len(f.files), len(f.polls))
	}
	return f
}

// perRole gives each role of crawlRoles the answer that rule gives it.
func perRole(rule func(who string) answer) [3]answer {
	var w [3]answer
	for i, who := range crawlRoles {
		w[i] = rule(who)
	}
	return w
}

func forAll(a answer) [3]answer { return [3]answer{a, a, a} }

// loggedInOnly: the login for visitors, then page.
func loggedInOnly(then answer) [3]answer {
	return perRole(func(who string) answer {
		if who == "" {
			return aLogin
		}
		return then
	})
}

// visitorsOnly: a page for visitors; logged-in people get then.
func visitorsOnly(then answer) [3]answer {
	return perRole(func(who string) answer {
		if who == "" {
			return aPage
		}
		return then
	})
}

// allowed is the original's answer to a permission check: a page when ok, else the login
// for visitors and 403 for people logged in (core.views.PermissionMixin).
func allowed(ok func(who string) bool) [3]answer {
	return perRole(func(who string) answer {
		switch {
		case ok(who):
			return aPage
		case who == "":
			return aLogin
		}
		return aRefused
	})
}

// canView tells whether who may see the association (public, or a member of its group, or
// its person, or, for a conversation, one who wrote in it).
func (a *fixtureAssociation) canView(who string) bool {
	if a.public && a.conversationID == 0 {
		return true
	}
	if who == "" {
		return false
	}
	if a.group != nil && a.group.members[who] || a.person == who {
		return true
	}
	return a.conversationID != 0 && a.participants[who]
}

// isMember tells whether who belongs to the association's group, or is its person.
func (a *fixtureAssociation) isMember(who string) bool {
	return who != "" && (a.group != nil && a.group.members[who] || a.person == who)
}

// crawlPaths instantiates the original's route table (grouprise-features.md § 2) with the
// fixture's groups, people, contents, conversations, files, images, polls and tags.
func crawlPaths(f *fixture) []crawlPath {
	ps := []crawlPath{
		// site
		{"/", forAll(aPage)}, {"/robots.txt", forAll(aPage)}, {"/stadt/feed/", forAll(aPage)},
		{"/stadt/help/", forAll(aPage)}, {"/stadt/privacy/", forAll(aPage)}, {"/stadt/search/?q=garten", forAll(aPage)},
		{"/stadt/markdown/", forAll(aPage)}, {"/stadt/abuse/path=/stadtgarten/", forAll(aPage)},
		{"/stadt/articles/", forAll(aPage)}, {"/stadt/gestalten/", forAll(aPage)},
		{"/stadt/groups", forAll(aPage)}, {"/stadt/groups/add", forAll(aPage)},
		{"/stadt/events", forAll(aPage)}, {"/stadt/events?month=12&year=2026", forAll(aPage)},
		{"/stadt/events/export", forAll(aPage)}, {"/stadt/events/public.ics", forAll(aPage)},
		// creating contents (the site's forms: for one's groups or one's profile)
		{"/stadt/articles/add/", loggedInOnly(aPage)}, {"/stadt/events/add", loggedInOnly(aPage)},
		{"/stadt/galleries/add/", loggedInOnly(aPage)}, {"/stadt/polls/add/", loggedInOnly(aPage)},
		// accounts (allauth: signing up while logged in sends to the start page; the
		// password-set page sends who has a password to the change form)
		{"/stadt/signup/", visitorsOnly(aMoved)}, {"/stadt/login/", visitorsOnly(aRefused)},
		{"/stadt/logout/", loggedInOnly(aPage)},
		// django-allauth's pages of logins through other services (none was set up); the
		// signup of one went to the login
		{"/stadt/login/cancelled/", forAll(aPage)}, {"/stadt/login/error/", forAll(aPage)},
		{"/stadt/login/signup/", forAll(aMoved)}, {"/stadt/password/reset/", visitorsOnly(aRefused)},
		{"/stadt/password/reset/done/", forAll(aMoved)},
		{"/stadt/password/reset/key/done/", forAll(aPage)}, {"/stadt/confirm/no-such-key/", forAll(aPage)}, {"/stadt/password/set/", loggedInOnly(aMoved)},
		{"/stadt/settings/", loggedInOnly(aPage)}, {"/stadt/settings/images/", loggedInOnly(aPage)},
		{"/stadt/settings/notifications/", loggedInOnly(aPage)}, {"/stadt/email/", loggedInOnly(aPage)},
		{"/stadt/settings/password/", loggedInOnly(aPage)}, {"/stadt/settings/gestalt/delete/", loggedInOnly(aPage)},
		{"/stadt/activity", loggedInOnly(aPage)},
		// the API (Django REST framework: 403 without a session) and Transition Connect
		{"/stadt/api/groups/", forAll(aPage)}, {"/stadt/api/gestalten/", [3]answer{aRefused, aPage, aPage}},
		{"/stadt/api/images/", [3]answer{aRefused, aPage, aPage}},
		{"/stadt/tc-api/event/", forAll(aPage)}, {"/stadt/tc-api/organisation/", forAll(aPage)},
		// the logos redirect to the configured pictures; unknown names are 404
		{"/stadt/logos/favicon", forAll(aMoved)}, {"/stadt/logos/nothing", forAll(aNotFound)},
		// the Django admin sends visitors to its login
		{"/stadt/admin/", [3]answer{aLogin, aMoved, aMoved}},
	}
	add := func(path string, want [3]answer) { ps = append(ps, crawlPath{path, want}) }

	for i := range f.groups {
		g := &f.groups[i]
		member := func(who string) bool { return g.members[who] }
		add("/"+g.slug+"/", forAll(aPage))
		add(fmt.Sprintf("/stadt/groups/%d/feed/", g.id), forAll(aPage))
		for _, kind := range []string{"articles/add/", "events/add", "galleries/add/", "files/add/", "polls/add/"} {
			add("/"+g.slug+"/"+kind, allowed(member))
		}
		add("/"+g.slug+"/events/export", forAll(aPage))
		add("/"+g.slug+"/events/public.ics", forAll(aPage))
		add("/"+g.slug+"/events/private.ics", forAll(aAskAuth))
		add("/stadt/settings/group?group="+g.slug, allowed(member))
		add("/stadt/settings/group/images?group="+g.slug, allowed(member))
		add("/stadt/settings/group/subscriptions-memberships?group="+g.slug, loggedInOnly(aPage))
		add("/"+g.slug+"/actions/recommend", forAll(aPage))
		// a member who comes to join is sent to the group
		add("/"+g.slug+"/actions/join", perRole(func(who string) answer {
			switch {
			case who == "":
				return aLogin
			case member(who):
				return aMoved
			case g.closed:
				return aRefused
			}
			return aPage
		}))
		add("/"+g.slug+"/join/request/", allowed(func(who string) bool { return who == "" && !g.closed }))
		add(fmt.Sprintf("/stadt/groups/%d/members/", g.id), allowed(member))
		add(fmt.Sprintf("/stadt/groups/%d/members/add/", g.id), allowed(func(who string) bool { return g.closed && member(who) }))
		add(fmt.Sprintf("/stadt/groups/%d/resign/", g.id), allowed(member))
		add(fmt.Sprintf("/stadt/groups/%d/resign/request/", g.id), visitorsOnly(aRefused))
		// a subscriber who comes to subscribe is sent to the group
		add("/"+g.slug+"/actions/subscribe", perRole(func(who string) answer {
			if g.subscribers[who] {
				return aMoved
			}
			return aPage
		}))
		add(fmt.Sprintf("/stadt/groups/%d/unsubscribe/", g.id), allowed(func(who string) bool { return g.subscribers[who] }))
		add(fmt.Sprintf("/stadt/groups/%d/unsubscribe/request/", g.id), visitorsOnly(aMoved))
		add(fmt.Sprintf("/stadt/groups/%d/conversations/", g.id), allowed(member))
		add(fmt.Sprintf("/stadt/groups/%d/conversations/add/", g.id), forAll(aPage))
		add(fmt.Sprintf("/stadt/api/groups/%d/", g.id), forAll(aPage))
		add(fmt.Sprintf("/stadt/tc-api/organisation/%d/", g.id), forAll(aPage))
	}

	for _, p := range f.people {
		add("/"+p.username+"/", allowed(func(who string) bool { return p.public || who == p.username }))
		add(fmt.Sprintf("/stadt/gestalten/%d/conversations/add/", p.id), allowed(func(who string) bool { return p.public || who != "" }))
		// the API shows a person only themself (Django REST framework: 403 without a session)
		add(fmt.Sprintf("/stadt/api/gestalten/%d/", p.id), perRole(func(who string) answer {
			switch who {
			case "":
				return aRefused
			case p.username:
				return aPage
			}
			return aNotFound
		}))
		add(fmt.Sprintf("/stadt/api/gestalten/%d/settings/", p.id), perRole(func(who string) answer {
			if who == p.username {
				return aPage
			}
			return aRefused
		}))
	}

	for i := range f.associations {
		a := &f.associations[i]
		if a.conversationID != 0 {
			add(fmt.Sprintf("/stadt/conversations/%d/", a.id), allowed(a.canView))
			// applying for membership in a closed group from a conversation with it
			add(fmt.Sprintf("/stadt/associations/%d/apply/", a.id), allowed(func(who string) bool {
				return a.group != nil && a.group.closed && who != "" && !a.group.members[who]
			}))
			continue
		}
		base := "/" + a.entitySlug + "/" + a.slug + "/"
		add(base, allowed(a.canView))
		add(base+"edit/", allowed(a.isMember))
		// deleting: the first author, or a member of the group for more than a week
		add(base+"delete/", allowed(func(who string) bool {
			return who != "" && (f.firstAuthor[a.contentID] == who || a.group != nil && a.group.longStanding[who])
		}))
		add(fmt.Sprintf("/stadt/content/%d/", a.id), forAll(aMoved))
		if f.events[a.contentID] {
			// GET removed one's attendance and went back to the event
			add(fmt.Sprintf("/stadt/content/%d/events/attendees", a.id), perRole(func(who string) answer {
				switch {
				case who == "":
					return aLogin
				case a.canView(who):
					return aMoved
				}
				return aRefused
			}))
			if a.group != nil && a.public {
				add(fmt.Sprintf("/stadt/tc-api/event/%d/", a.id), forAll(aPage))
			}
		}
	}
	for poll, content := range f.polls {
		add(fmt.Sprintf("/stadt/api/polls/%d/", poll), forAll(aPage))
		for i := range f.associations {
			a := &f.associations[i]
			if a.contentID != content {
				continue
			}
			// GET of the vote form goes to the poll, for whoever may still vote
			add("/"+a.entitySlug+"/"+a.slug+"/vote/", perRole(func(who string) answer {
				switch {
				case a.canView(who) && (who == "" || !f.voters[content][who]):
					return aMoved
				case who == "":
					return aLogin
				}
				return aRefused
			}))
		}
	}
	for _, c := range f.contributions {
		a := c.association
		if a.conversationID == 0 {
			add(fmt.Sprintf("/%s/%s/contributions/%d/delete/", a.entitySlug, a.slug, c.id),
				allowed(func(who string) bool { return who != "" && who == c.author }))
		}
		// writing to the author privately where more than one person could read it; the
		// original failed (500) where it quoted an attachment or an application, which have
		// no text
		add(fmt.Sprintf("/stadt/associations/%d/contributions/%d/reply-to-author/", a.id, c.id), perRole(func(who string) answer {
			switch {
			case a.group != nil && a.canView(who) && c.noText:
				return "500"
			case a.group != nil && a.canView(who):
				return aPage
			case who == "":
				return aLogin
			}
			return aRefused
		}))
	}
	for _, file := range f.files {
		add("/-/files/"+file.name, allowed(file.association.canView))
	}
	for _, image := range f.images {
		add("/-/images/"+image.file, forAll(aPage))
		// the API shows one's own pictures; those of one's groups' contents are 403, others 404
		add(fmt.Sprintf("/stadt/api/images/%d/", image.id), perRole(func(who string) answer {
			switch {
			case who == "":
				return aRefused
			case who == image.creator:
				return aPage
			}
			for _, g := range image.shownIn {
				if g.members[who] {
					return aRefused
				}
			}
			return aNotFound
		}))
	}
	for _, tag := range f.tags {
		add("/stadt/tags/"+tag+"/", forAll(aPage))
		add("/stadt/tags/"+tag+"/tag-group/", loggedInOnly(aPage))
	}
	for _, app := range f.applications {
		add(fmt.Sprintf("/stadt/memberships/applications/%d/accept/", app.id), allowed(func(who string) bool {
			return who != "" && app.group.members[who] && !app.group.members[app.applicant]
		}))
	}
	seen := map[string]bool{}
	for _, d := range f.eventDays {
		p := fmt.Sprintf("/stadt/events/%d/%d/%d", d.Year(), d.Month(), d.Day())
		if !seen[p] {
			seen[p] = true
			add(p, forAll(aPage))
		}
	}
	return ps
}

// TestOldAccountPages: pages of django-allauth that the Django grouprise served still lead
// where they led, or to the login: the page after a reset request (the start page) and those
// of logins through other services, for visitors and people logged in.
func TestOldAccountPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		s.person("ruth", "ruth-password-1")
		for who, b := range map[string]*browser{"anonymous": s.browser(), "ruth": s.loggedIn("ruth", "ruth-password-1")} {
			for path, want := range map[string]string{"/stadt/password/reset/done/": "/", "/stadt/login/cancelled/": "/stadt/login/",
				"/stadt/login/error/": "/stadt/login/", "/stadt/login/signup/": "/stadt/login/"} {
				if r := b.get(path); r.StatusCode != http.StatusFound || r.Header.Get("Location") != want {
					t.Errorf("%s %s: %d to %q, want 302 to %s", who, path, r.StatusCode, r.Header.Get("Location"), want)
				}
			}
		}
	})
}
