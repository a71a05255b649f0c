package djangoimport

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/store"
)

// Options change what Import does.
type Options struct {
	// MediaDir is the Django site's MEDIA_ROOT; its files are copied into MediaRoot.
	MediaDir string
	// MediaRoot is this grouprise's media directory.
	MediaRoot string
	// DryRun runs the whole import and rolls it back: counts and problems without a change.
	DryRun bool
	// Progress, if set, is told how far the import is: it counts the rows of the source
	// first and then reports every row read.
	Progress func(Step)
}

// Count is a number of rows of one table.
type Count struct {
	Table string
	Rows  int
	Note  string
}

// Problem is a row that could not be imported as it was, and why.
type Problem struct {
	Table  string
	ID     int64
	Reason string
}

func (p Problem) String() string {
	if p.ID == 0 {
		return p.Table + ": " + p.Reason
	}
	return fmt.Sprintf("%s %d: %s", p.Table, p.ID, p.Reason)
}

// Report is what an import did (or would do, in a dry run).
type Report struct {
	Imported []Count   // rows written per table of this store
	Skipped  []Count   // source tables left out on purpose, with the reason
	Problems []Problem // rows changed or left out, one by one
	Files    int       // media files copied
	DryRun   bool
}

// Import copies the Django grouprise in src into dst, which must be migrated and empty. All
// rows go in one transaction: a failure leaves dst as it was (and removes copied files).
func Import(ctx context.Context, src *Source, dst *store.DB, opts Options) (*Report, error) {
	if err := dst.CheckSchema(ctx); err != nil {
		return nil, err
	}
	empty, err := dst.IsEmpty(ctx)
	if err != nil {
		return nil, err
	}
	if !empty {
		return nil, errors.New("the store already holds people, groups or contents; import into an empty one")
	}
	im := &importer{
		src: src, opts: opts, rep: &Report{DryRun: opts.DryRun},
		ids: map[string]map[int64]bool{}, counts: map[string]int{},
		slugs: map[string]bool{}, emails: map[string]bool{},
	}
	im.media = newMediaCopier(opts, &im.rep.Problems)
	err = dst.Tx(ctx, func(q *store.Queries) error {
		im.q = q
		if err := im.run(ctx); err != nil {
			return err
		}
		if opts.DryRun {
			return errDryRun
		}
		return nil
	})
	if err != nil && !errors.Is(err, errDryRun) {
		im.media.undo()
		return nil, err
	}
	im.rep.Files = im.media.copied
	for _, t := range store.DataTables {
		if n := im.counts[t]; n > 0 {
			im.rep.Imported = append(im.rep.Imported, Count{Table: t, Rows: n})
		}
	}
	return im.rep, nil
}

type importer struct {
	src    *Source
	q      *store.Queries
	opts   Options
	rep    *Report
	media  *mediaCopier
	ids    map[string]map[int64]bool // ids written per table of this store
	counts map[string]int
	slugs  map[string]bool // folded slugs of people and groups
	emails map[string]bool // folded e-mail addresses

	progress Step  // what Options.Progress was told last
	stepEnd  int64 // where progress.Done stands when the current kind of row is done
}

func (im *importer) run(ctx context.Context) error {
	steps := []struct {
		name   string
		tables []string // the source tables it reads, for the progress
		run    func(context.Context) error
	}{
		{"site", []string{"django_site"}, im.site},
		{"gestalten", []string{"gestalten_gestalt"}, im.gestalten},
		{"settings", []string{"gestalten_gestaltsetting"}, im.settings},
		{"email addresses", []string{"account_emailaddress", "auth_user"}, im.emailAddresses},
		{"email confirmations", []string{"account_emailconfirmation"}, im.emailConfirmations},
		{"groups", []string{"groups_group"}, im.groups},
		{"memberships", []string{"memberships_membership"}, im.memberships},
		{"subscriptions", []string{"subscriptions_subscription"}, im.subscriptions},
		{"images", []string{"images_image"}, im.images},
		{"polls", []string{"polls_workaroundpoll"}, im.polls},
		{"contents", []string{"content2_content"}, im.contents},
		{"versions", []string{"content2_version"}, im.versions},
		{"files", []string{"files_file"}, im.files},
		{"galleries", []string{"galleries_galleryimage"}, im.galleries},
		{"poll options", []string{"polls_option"}, im.pollOptions},
		{"poll votes", []string{"polls_vote"}, im.pollVotes},
		{"conversations", []string{"conversations_conversation"}, im.conversations},
		{"associations", []string{"associations_association"}, im.associations},
		{"applications", []string{"memberships_application"}, im.applications},
		{"contributions", []string{"contributions_contribution"}, im.contributions},
		{"application texts", []string{"memberships_application"}, im.applicationTexts},
		{"tags", []string{"taggit_tag", "taggit_taggeditem"}, im.tags},
		{"attendances", []string{"events_attendancestatement"}, im.attendances},
		{"tokens", []string{"core_permissiontoken"}, im.tokens},
		{"inbox", []string{"builtin_inbox_notifications_builtininboxnotification"}, im.inbox},
		{"feed entries", []string{"imports_imported"}, im.feedEntries},
		{"matrix", []string{"matrix_chat_matrixchatgrouproom", "matrix_chat_matrixchatgrouproominvitations",
			"matrix_chat_matrixchatgestaltsettings"}, im.matrix},
		{"old media names", []string{"django_redirect"}, im.oldMediaNames},
		{"skipped tables", nil, im.skipped},
	}
	rows := make([]int64, len(steps))
	if im.opts.Progress != nil {
		for i, step := range steps {
			n, err := im.countRows(ctx, step.tables)
			if err != nil {
				return err
			}
			rows[i] = n
			im.progress.Total += n
		}
	}
	for i, step := range steps {
		im.begin(step.name, rows[i])
		if err := step.run(ctx); err != nil {
			return err
		}
		im.end()
	}
	im.begin("identities", 0)
	if err := im.q.ResetIdentities(ctx); err != nil {
		return err
	}
	im.begin("search index", 0)
	return im.q.RebuildSearchIndex(ctx)
}

// insert writes one row and remembers its id (the first column, when it is "id").
func (im *importer) insert(ctx context.Context, table string, cols []string, vals ...any) error {
	if err := im.q.InsertRow(ctx, table, cols, vals); err != nil {
		return err
	}
	if cols[0] == "id" {
		if im.ids[table] == nil {
			im.ids[table] = map[int64]bool{}
		}
		im.ids[table][vals[0].(int64)] = true
	}
	im.counts[table]++
	return nil
}

// nextID is an id above every id written to a table so far.
func (im *importer) nextID(table string) int64 {
	var top int64
	for id := range im.ids[table] {
		top = max(top, id)
	}
	return top + 1
}

// has tells whether a row of this store's table was imported.
func (im *importer) has(table string, id int64) bool { return im.ids[table][id] }

// hasNull is has for a nullable reference: NULL is always there.
func (im *importer) hasNull(table string, id sql.NullInt64) bool {
	return !id.Valid || im.ids[table][id.Int64]
}

func (im *importer) problem(table string, id int64, format string, args ...any) {
	im.rep.Problems = append(im.rep.Problems, Problem{Table: table, ID: id, Reason: fmt.Sprintf(format, args...)})
}

// null turns a NullInt64 into a value for the store (nil or int64).
func null(v sql.NullInt64) any {
	if !v.Valid {
		return nil
	}
	return v.Int64
}

func nullTime(v sql.NullTime) any {
	if !v.Valid {
		return nil
	}
	return v.Time.UTC()
}

func nullString(v sql.NullString) any {
	if !v.Valid {
		return nil
	}
	return v.String
}

func (im *importer) site(ctx context.Context) error {
	if !im.src.Has("django_site") {
		return nil
	}
	return im.each(ctx, `SELECT name FROM django_site ORDER BY id LIMIT 1`, func(scan scanFunc) error {
		var name string
		if err := scan(&name); err != nil {
			return err
		}
		if name = strings.TrimSpace(name); name == "" {
			return nil
		}
		if err := im.q.SetSiteSetting(ctx, "name", name); err != nil {
			return err
		}
		im.counts["site_settings"]++
		return nil
	})
}

func (im *importer) gestalten(ctx context.Context) error {
	return im.each(ctx, `SELECT g.id, u.username, u.first_name, u.last_name, u.password,
		u.is_superuser, u.is_staff, u.is_active, u.date_joined, u.last_login, g.about, g.avatar,
		g.avatar_color, g.background, g.public, g.score, g.receives_builtin_inbox_notifications,
		g.receives_email_notifications, g.receives_matrix_notifications
		FROM gestalten_gestalt g JOIN auth_user u ON u.id = g.user_id ORDER BY g.id`, func(scan scanFunc) error {
		var (
			id, score                        int64
			username, first, last, password  string
			superuser, staff, active, public bool
			inbox, email, matrix             bool
			joined                           time.Time
			lastLogin                        sql.NullTime
			about, avatar, color, background string
		)
		if err := scan(&id, &username, &first, &last, &password, &superuser, &staff, &active, &joined,
			&lastLogin, &about, &avatar, &color, &background, &public, &score, &inbox, &email, &matrix); err != nil {
			return fmt.Errorf("gestalten: %w", err)
		}
		key := store.Fold(username)
		if im.slugs[key] {
			im.problem("gestalten", id, "username %q is taken in another case; not imported", username)
			return nil
		}
		avatar = im.media.file("gestalten", id, "avatars", avatar)
		background = im.media.file("gestalten", id, "backgrounds", background)
		if err := im.insert(ctx, "gestalten", []string{"id", "username", "first_name", "last_name", "password",
			"is_superuser", "is_staff", "is_active", "date_joined", "last_login", "about", "avatar", "avatar_color",
			"background", "public", "score", "receives_builtin_inbox_notifications",
			"receives_email_notifications", "receives_matrix_notifications"},
			id, username, first, last, password, superuser, staff, active, joined.UTC(), nullTime(lastLogin),
			about, avatar, color, background, public, score, inbox, email, matrix); err != nil {
			return err
		}
		im.slugs[key] = true
		return im.insert(ctx, "entity_slugs", []string{"slug_key", "gestalt_id"}, key, id)
	})
}

func (im *importer) settings(ctx context.Context) error {
	if !im.src.Has("gestalten_gestaltsetting") {
		return nil
	}
	return im.each(ctx, `SELECT id, gestalt_id, category, name, value FROM gestalten_gestaltsetting ORDER BY id`,
		func(scan scanFunc) error {
			var id, gestalt int64
			var category, name, value string
			if err := scan(&id, &gestalt, &category, &name, &value); err != nil {
				return fmt.Errorf("gestalten_gestaltsetting: %w", err)
			}
			if !im.has("gestalten", gestalt) {
				im.problem("gestalten_gestaltsetting", id, "person %d was not imported", gestalt)
				return nil
			}
			return im.insert(ctx, "gestalt_settings", []string{"id", "gestalt_id", "category", "name", "value"},
				id, gestalt, category, name, value)
		})
}

func (im *importer) emailAddresses(ctx context.Context) error {
	hasRow := map[int64]bool{}
	err := im.each(ctx, `SELECT e.id, g.id, e.email, e.verified, e."primary"
		FROM account_emailaddress e JOIN gestalten_gestalt g ON g.user_id = e.user_id
		ORDER BY g.id, e."primary" DESC, e.id`, func(scan scanFunc) error {
		var id, gestalt int64
		var email string
		var verified, primary bool
		if err := scan(&id, &gestalt, &email, &verified, &primary); err != nil {
			return fmt.Errorf("account_emailaddress: %w", err)
		}
		if !im.has("gestalten", gestalt) {
			im.problem("account_emailaddress", id, "person %d was not imported", gestalt)
			return nil
		}
		key := store.Fold(email)
		if im.emails[key] {
			im.problem("account_emailaddress", id, "%s is already the address of someone else (in another case); not imported", email)
			return nil
		}
		if primary && hasRow[gestalt] {
			primary = false // a second primary address: the first one stays primary
		}
		if err := im.insert(ctx, "email_addresses", []string{"id", "gestalt_id", "email", "email_key", "verified", "is_primary"},
			id, gestalt, email, key, verified, primary); err != nil {
			return err
		}
		im.emails[key] = true
		hasRow[gestalt] = true
		return nil
	})
	if err != nil {
		return err
	}
	// Shadow accounts (subscribed or added by their address) have auth_user.email only.
	var shadows []struct {
		gestalt int64
		email   string
	}
	err = im.each(ctx, `SELECT g.id, u.email FROM gestalten_gestalt g JOIN auth_user u ON u.id = g.user_id
		WHERE u.email <> '' ORDER BY g.id`, func(scan scanFunc) error {
		var gestalt int64
		var email string
		if err := scan(&gestalt, &email); err != nil {
			return fmt.Errorf("auth_user: %w", err)
		}
		if !hasRow[gestalt] && im.has("gestalten", gestalt) {
			shadows = append(shadows, struct {
				gestalt int64
				email   string
			}{gestalt, email})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, s := range shadows {
		key := store.Fold(s.email)
		if im.emails[key] {
			im.problem("auth_user", s.gestalt, "the address %s belongs to someone else already; not imported", s.email)
			continue
		}
		// Ids after the source's: the identity sequence moves past them only at the end.
		if err := im.insert(ctx, "email_addresses", []string{"id", "gestalt_id", "email", "email_key", "verified", "is_primary"},
			im.nextID("email_addresses"), s.gestalt, s.email, key, false, true); err != nil {
			return err
		}
		im.emails[key] = true
	}
	return nil
}

func (im *importer) emailConfirmations(ctx context.Context) error {
	if !im.src.Has("account_emailconfirmation") {
		return nil
	}
	return im.each(ctx, `SELECT id, email_address_id, "key", created, sent FROM account_emailconfirmation ORDER BY id`,
		func(scan scanFunc) error {
			var id, address int64
			var key string
			var created time.Time
			var sent sql.NullTime
			if err := scan(&id, &address, &key, &created, &sent); err != nil {
				return fmt.Errorf("account_emailconfirmation: %w", err)
			}
			if !im.has("email_addresses", address) {
				im.problem("account_emailconfirmation", id, "address %d was not imported", address)
				return nil
			}
			return im.insert(ctx, "email_confirmations", []string{"id", "email_address_id", "key", "created_at", "sent_at"},
				id, address, key, created.UTC(), nullTime(sent))
		})
}

func (im *importer) groups(ctx context.Context) error {
	return im.each(ctx, `SELECT id, slug, name, date_created, time_modified, gestalt_created_id, score,
		address, avatar, avatar_color, date_founded, description, logo, url, url_import_feed, closed
		FROM groups_group ORDER BY id`, func(scan scanFunc) error {
		var (
			id, score                                                  int64
			slug, name, address, avatar, color, description, logo, url string
			created, founded, modified                                 time.Time
			creator                                                    sql.NullInt64
			importFeed, closed                                         bool
		)
		if err := scan(&id, &slug, &name, &created, &modified, &creator, &score, &address, &avatar, &color,
			&founded, &description, &logo, &url, &importFeed, &closed); err != nil {
			return fmt.Errorf("groups_group: %w", err)
		}
		key := store.Fold(slug)
		if im.slugs[key] {
			im.problem("groups_group", id, "the slug %q is also a username; not imported", slug)
			return nil
		}
		if !im.hasNull("gestalten", creator) {
			creator = sql.NullInt64{}
		}
		avatar = im.media.file("groups_group", id, "avatars", avatar)
		logo = im.media.file("groups_group", id, "logos", logo)
		if err := im.insert(ctx, "groups", []string{"id", "slug", "name", "date_created", "time_modified",
			"gestalt_created_id", "score", "address", "avatar", "avatar_color", "date_founded", "description",
			"logo", "url", "url_import_feed", "closed"},
			id, slug, name, created.UTC(), modified.UTC(), null(creator), score, address, avatar, color,
			founded.UTC(), description, logo, url, importFeed, closed); err != nil {
			return err
		}
		im.slugs[key] = true
		return im.insert(ctx, "entity_slugs", []string{"slug_key", "group_id"}, key, id)
	})
}

func (im *importer) memberships(ctx context.Context) error {
	return im.each(ctx, `SELECT id, group_id, member_id, created_by_id, date_joined
		FROM memberships_membership ORDER BY id`, func(scan scanFunc) error {
		var id, group, member int64
		var creator sql.NullInt64
		var joined time.Time
		if err := scan(&id, &group, &member, &creator, &joined); err != nil {
			return fmt.Errorf("memberships_membership: %w", err)
		}
		if !im.has("groups", group) || !im.has("gestalten", member) {
			im.problem("memberships_membership", id, "group %d or person %d was not imported", group, member)
			return nil
		}
		if !im.hasNull("gestalten", creator) {
			creator = sql.NullInt64{}
		}
		return im.insert(ctx, "memberships", []string{"id", "group_id", "member_id", "created_by_id", "date_joined"},
			id, group, member, null(creator), joined.UTC())
	})
}

func (im *importer) subscriptions(ctx context.Context) error {
	groupType := im.src.Type("groups.group")
	return im.each(ctx, `SELECT id, subscriber_id, subscribed_to_type_id, subscribed_to_id
		FROM subscriptions_subscription ORDER BY id`, func(scan scanFunc) error {
		var id, subscriber, typ, target int64
		if err := scan(&id, &subscriber, &typ, &target); err != nil {
			return fmt.Errorf("subscriptions_subscription: %w", err)
		}
		if typ != groupType {
			im.problem("subscriptions_subscription", id, "a subscription to something other than a group (content type %d)", typ)
			return nil
		}
		if !im.has("groups", target) || !im.has("gestalten", subscriber) {
			im.problem("subscriptions_subscription", id, "group %d or person %d was not imported", target, subscriber)
			return nil
		}
		return im.insert(ctx, "subscriptions", []string{"id", "group_id", "subscriber_id"}, id, target, subscriber)
	})
}

func (im *importer) images(ctx context.Context) error {
	return im.each(ctx, `SELECT id, creator_id, file FROM images_image ORDER BY id`, func(scan scanFunc) error {
		var id, creator int64
		var file string
		if err := scan(&id, &creator, &file); err != nil {
			return fmt.Errorf("images_image: %w", err)
		}
		if !im.has("gestalten", creator) {
			im.problem("images_image", id, "its creator %d was not imported", creator)
			return nil
		}
		return im.insert(ctx, "images", []string{"id", "creator_id", "file"}, id, creator, im.media.file("images_image", id, "", file))
	})
}

func (im *importer) polls(ctx context.Context) error {
	return im.each(ctx, `SELECT id, condorcet FROM polls_workaroundpoll ORDER BY id`, func(scan scanFunc) error {
		var id int64
		var condorcet bool
		if err := scan(&id, &condorcet); err != nil {
			return fmt.Errorf("polls_workaroundpoll: %w", err)
		}
		return im.insert(ctx, "polls", []string{"id", "condorcet"}, id, condorcet)
	})
}

func (im *importer) contents(ctx context.Context) error {
	return im.each(ctx, `SELECT c.id, c.title, c.image_id, c.place, c.time, c.until_time, c.all_day, c.poll_id,
		(SELECT MIN(v.time_created) FROM content2_version v WHERE v.content_id = c.id)
		FROM content2_content c ORDER BY c.id`, func(scan scanFunc) error {
		var (
			id           int64
			title, place string
			image, poll  sql.NullInt64
			starts, ends sql.NullTime
			allDay       bool
			firstVersion any
		)
		if err := scan(&id, &title, &image, &place, &starts, &ends, &allDay, &poll, &firstVersion); err != nil {
			return fmt.Errorf("content2_content: %w", err)
		}
		created, ok := asTime(firstVersion)
		if !ok {
			im.problem("content2_content", id, "%q has no version (no author, no text); not imported", title)
			return nil
		}
		if !im.hasNull("images", image) {
			im.problem("content2_content", id, "its preview image %d was not imported; left out", image.Int64)
			image = sql.NullInt64{}
		}
		if !im.hasNull("polls", poll) {
			poll = sql.NullInt64{}
		}
		return im.insert(ctx, "contents", []string{"id", "title", "image_id", "place", "starts_at", "ends_at",
			"all_day", "time_created", "poll_id"},
			id, title, null(image), place, nullTime(starts), nullTime(ends), allDay, created, null(poll))
	})
}

// asTime reads an aggregate of a time column: SQLite returns MIN() as text, PostgreSQL as a time.
func asTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC(), true
	case string:
		return parseSQLiteTime(x)
	case []byte:
		return parseSQLiteTime(string(x))
	}
	return time.Time{}, false
}

func parseSQLiteTime(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999",
		"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func (im *importer) versions(ctx context.Context) error {
	return im.each(ctx, `SELECT id, content_id, author_id, text, time_created FROM content2_version ORDER BY id`,
		func(scan scanFunc) error {
			var id, content, author int64
			var text string
			var created time.Time
			if err := scan(&id, &content, &author, &text, &created); err != nil {
				return fmt.Errorf("content2_version: %w", err)
			}
			if !im.has("contents", content) || !im.has("gestalten", author) {
				im.problem("content2_version", id, "content %d or author %d was not imported", content, author)
				return nil
			}
			return im.insert(ctx, "content_versions", []string{"id", "content_id", "author_id", "text", "time_created"},
				id, content, author, text, created.UTC())
		})
}

func (im *importer) files(ctx context.Context) error {
	return im.each(ctx, `SELECT id, file, filename, version_id FROM files_file ORDER BY id`, func(scan scanFunc) error {
		var id int64
		var file string
		var filename sql.NullString
		var version sql.NullInt64
		if err := scan(&id, &file, &filename, &version); err != nil {
			return fmt.Errorf("files_file: %w", err)
		}
		if !im.hasNull("content_versions", version) {
			im.problem("files_file", id, "its content version %d was not imported", version.Int64)
			return nil
		}
		if filename.Valid && filename.String == "" {
			filename.Valid = false // mail attachments: the stored name is all there is
		}
		return im.insert(ctx, "files", []string{"id", "file", "filename", "version_id"},
			id, im.media.file("files_file", id, "", file), nullString(filename), null(version))
	})
}

func (im *importer) galleries(ctx context.Context) error {
	return im.each(ctx, `SELECT id, gallery_id, image_id FROM galleries_galleryimage ORDER BY id`, func(scan scanFunc) error {
		var id, gallery, image int64
		if err := scan(&id, &gallery, &image); err != nil {
			return fmt.Errorf("galleries_galleryimage: %w", err)
		}
		if !im.has("contents", gallery) || !im.has("images", image) {
			im.problem("galleries_galleryimage", id, "gallery %d or image %d was not imported", gallery, image)
			return nil
		}
		return im.insert(ctx, "gallery_images", []string{"id", "content_id", "image_id"}, id, gallery, image)
	})
}

func (im *importer) pollOptions(ctx context.Context) error {
	query := `SELECT o.id, o.poll_id, s.title, NULL, NULL FROM polls_option o
		LEFT JOIN polls_simpleoption s ON s.option_ptr_id = o.id ORDER BY o.id`
	if im.src.Has("polls_eventoption") {
		query = `SELECT o.id, o.poll_id, s.title, e.time, e.until_time FROM polls_option o
			LEFT JOIN polls_simpleoption s ON s.option_ptr_id = o.id
			LEFT JOIN polls_eventoption e ON e.option_ptr_id = o.id ORDER BY o.id`
	}
	return im.each(ctx, query, func(scan scanFunc) error {
		var id int64
		var poll sql.NullInt64
		var title sql.NullString
		var startsRaw, endsRaw any
		if err := scan(&id, &poll, &title, &startsRaw, &endsRaw); err != nil {
			return fmt.Errorf("polls_option: %w", err)
		}
		starts, hasStart := asTime(startsRaw)
		ends, hasEnd := asTime(endsRaw)
		if !poll.Valid || !im.has("polls", poll.Int64) {
			im.problem("polls_option", id, "it belongs to no imported poll")
			return nil
		}
		var startVal, endVal any
		switch {
		case title.Valid:
		case hasStart:
			startVal = starts
			if hasEnd {
				endVal = ends
			}
		default:
			im.problem("polls_option", id, "neither a title nor a time")
			return nil
		}
		return im.insert(ctx, "poll_options", []string{"id", "poll_id", "title", "starts_at", "ends_at"},
			id, poll.Int64, nullString(title), startVal, endVal)
	})
}

func (im *importer) pollVotes(ctx context.Context) error {
	return im.each(ctx, `SELECT v.id, v.option_id, v.voter_id, v.anonymous, v.time_updated,
		s.vote_ptr_id IS NOT NULL, s.endorse, c."rank"
		FROM polls_vote v
		LEFT JOIN polls_simplevote s ON s.vote_ptr_id = v.id
		LEFT JOIN polls_condorcetvote c ON c.vote_ptr_id = v.id ORDER BY v.id`, func(scan scanFunc) error {
		var (
			id, option  int64
			voter, rank sql.NullInt64
			anonymous   sql.NullString
			updated     time.Time
			simple      bool
			endorse     sql.NullBool
		)
		if err := scan(&id, &option, &voter, &anonymous, &updated, &simple, &endorse, &rank); err != nil {
			return fmt.Errorf("polls_vote: %w", err)
		}
		if !im.has("poll_options", option) {
			im.problem("polls_vote", id, "option %d was not imported", option)
			return nil
		}
		if voter.Valid && !im.has("gestalten", voter.Int64) {
			im.problem("polls_vote", id, "voter %d was not imported", voter.Int64)
			return nil
		}
		if voter.Valid == anonymous.Valid {
			im.problem("polls_vote", id, "it has both or neither a voter and an anonymous name")
			return nil
		}
		var endorseVal, rankVal any
		switch {
		case simple:
			if endorse.Valid {
				endorseVal = endorse.Bool
			}
		case rank.Valid:
			rankVal = rank.Int64
		default:
			im.problem("polls_vote", id, "neither a yes/no/maybe vote nor a rank")
			return nil
		}
		return im.insert(ctx, "poll_votes", []string{"id", "option_id", "voter_id", "anonymous", "endorse", "rank", "time_updated"},
			id, option, null(voter), nullString(anonymous), endorseVal, rankVal, updated.UTC())
	})
}

func (im *importer) conversations(ctx context.Context) error {
	return im.each(ctx, `SELECT id, subject FROM conversations_conversation ORDER BY id`, func(scan scanFunc) error {
		var id int64
		var subject string
		if err := scan(&id, &subject); err != nil {
			return fmt.Errorf("conversations_conversation: %w", err)
		}
		return im.insert(ctx, "conversations", []string{"id", "subject"}, id, subject)
	})
}

func (im *importer) associations(ctx context.Context) error {
	contentType, conversationType := im.src.Type("content2.content"), im.src.Type("conversations.conversation")
	groupType, gestaltType := im.src.Type("groups.group"), im.src.Type("gestalten.gestalt")
	taken := map[string]bool{}
	return im.each(ctx, `SELECT id, container_type_id, container_id, entity_type_id, entity_id, public, pinned,
		slug, deleted FROM associations_association ORDER BY id`, func(scan scanFunc) error {
		var (
			id, containerType, container, entityType, entity int64
			public, pinned                                   bool
			slug                                             sql.NullString
			deleted                                          sql.NullTime
		)
		if err := scan(&id, &containerType, &container, &entityType, &entity, &public, &pinned, &slug, &deleted); err != nil {
			return fmt.Errorf("associations_association: %w", err)
		}
		var content, conversation, group, gestalt any
		switch {
		case containerType == contentType && im.has("contents", container):
			content = container
		case containerType == conversationType && im.has("conversations", container):
			conversation = container
		default:
			im.problem("associations_association", id, "its content or conversation %d (type %d) was not imported", container, containerType)
			return nil
		}
		var owner string
		switch {
		case entityType == groupType && im.has("groups", entity):
			group, owner = entity, "g"
		case entityType == gestaltType && im.has("gestalten", entity):
			gestalt, owner = entity, "p"
		default:
			im.problem("associations_association", id, "its group or person %d (type %d) was not imported", entity, entityType)
			return nil
		}
		if slug.Valid && slug.String == "" {
			slug.Valid = false
		}
		if slug.Valid {
			key := fmt.Sprintf("%s%d/%s", owner, entity, strings.ToLower(slug.String))
			if taken[key] {
				im.problem("associations_association", id, "the slug %q is used twice (in another case); not imported", slug.String)
				return nil
			}
			taken[key] = true
		}
		return im.insert(ctx, "associations", []string{"id", "content_id", "conversation_id", "group_id", "gestalt_id",
			"public", "pinned", "slug", "deleted"},
			id, content, conversation, group, gestalt, public, pinned, nullString(slug), nullTime(deleted))
	})
}

// applications are written without their text (attached_to_id), which refers to a
// contribution: applicationTexts fills it in after the contributions.
func (im *importer) applications(ctx context.Context) error {
	return im.each(ctx, `SELECT id, group_id FROM memberships_application ORDER BY id`, func(scan scanFunc) error {
		var id, group int64
		if err := scan(&id, &group); err != nil {
			return fmt.Errorf("memberships_application: %w", err)
		}
		if !im.has("groups", group) {
			im.problem("memberships_application", id, "group %d was not imported", group)
			return nil
		}
		return im.insert(ctx, "applications", []string{"id", "group_id"}, id, group)
	})
}

func (im *importer) applicationTexts(ctx context.Context) error {
	return im.each(ctx, `SELECT id, attached_to_id FROM memberships_application
		WHERE attached_to_id IS NOT NULL ORDER BY id`, func(scan scanFunc) error {
		var id, text int64
		if err := scan(&id, &text); err != nil {
			return fmt.Errorf("memberships_application: %w", err)
		}
		if !im.has("applications", id) || !im.has("contributions", text) {
			return nil
		}
		return im.q.SetColumn(ctx, "applications", id, "attached_to_id", text)
	})
}

// contributions are written in two passes: the rows first, then in_reply_to and attached_to,
// which may point to rows with higher ids.
func (im *importer) contributions(ctx context.Context) error {
	contentType, conversationType := im.src.Type("content2.content"), im.src.Type("conversations.conversation")
	textType, fileType := im.src.Type("contributions.text"), im.src.Type("files.file")
	applicationType := im.src.Type("memberships.application")
	type ref struct{ id, replyTo, attachedTo sql.NullInt64 }
	var refs []ref
	err := im.each(ctx, `SELECT c.id, c.container_type_id, c.container_id, c.contribution_type_id,
		c.contribution_id, c.author_id, c.time_created, c.deleted, c.public, c.in_reply_to_id, c.attached_to_id, t.text
		FROM contributions_contribution c
		LEFT JOIN contributions_text t ON c.contribution_type_id = `+fmt.Sprint(textType)+` AND t.id = c.contribution_id
		ORDER BY c.id`, func(scan scanFunc) error {
		var (
			id, containerType, container, payloadType, payload, author int64
			created                                                    time.Time
			deleted                                                    sql.NullTime
			public                                                     bool
			replyTo, attachedTo                                        sql.NullInt64
			text                                                       sql.NullString
		)
		if err := scan(&id, &containerType, &container, &payloadType, &payload, &author, &created, &deleted,
			&public, &replyTo, &attachedTo, &text); err != nil {
			return fmt.Errorf("contributions_contribution: %w", err)
		}
		var content, conversation any
		switch {
		case containerType == contentType && im.has("contents", container):
			content = container
		case containerType == conversationType && im.has("conversations", container):
			conversation = container
		default:
			im.problem("contributions_contribution", id, "its content or conversation %d was not imported", container)
			return nil
		}
		if !im.has("gestalten", author) {
			im.problem("contributions_contribution", id, "its author %d was not imported", author)
			return nil
		}
		var kind, body string
		var file, application any
		switch {
		case payloadType == textType && text.Valid:
			kind, body = "text", text.String
		case payloadType == fileType && im.has("files", payload):
			kind, file = "file", payload
		case payloadType == applicationType && im.has("applications", payload):
			kind, application = "application", payload
		default:
			im.problem("contributions_contribution", id, "its payload (type %d, id %d) is missing", payloadType, payload)
			return nil
		}
		refs = append(refs, ref{sql.NullInt64{Int64: id, Valid: true}, replyTo, attachedTo})
		return im.insert(ctx, "contributions", []string{"id", "content_id", "conversation_id", "author_id", "kind",
			"text", "file_id", "application_id", "time_created", "deleted", "public"},
			id, content, conversation, author, kind, body, file, application, created.UTC(), nullTime(deleted), public)
	})
	if err != nil {
		return err
	}
	for _, r := range refs {
		for _, link := range []struct {
			col string
			to  sql.NullInt64
		}{{"in_reply_to_id", r.replyTo}, {"attached_to_id", r.attachedTo}} {
			if !link.to.Valid {
				continue
			}
			if !im.has("contributions", link.to.Int64) {
				im.problem("contributions_contribution", r.id.Int64, "%s %d was not imported; left out", link.col, link.to.Int64)
				continue
			}
			if err := im.q.SetColumn(ctx, "contributions", r.id.Int64, link.col, link.to.Int64); err != nil {
				return err
			}
		}
	}
	return nil
}

func (im *importer) tags(ctx context.Context) error {
	err := im.each(ctx, `SELECT id, name, slug FROM taggit_tag ORDER BY id`, func(scan scanFunc) error {
		var id int64
		var name, slug string
		if err := scan(&id, &name, &slug); err != nil {
			return fmt.Errorf("taggit_tag: %w", err)
		}
		return im.insert(ctx, "tags", []string{"id", "name", "slug"}, id, name, slug)
	})
	if err != nil {
		return err
	}
	contentType, groupType := im.src.Type("content2.content"), im.src.Type("groups.group")
	seen := map[string]bool{}
	return im.each(ctx, `SELECT id, tag_id, content_type_id, object_id FROM taggit_taggeditem ORDER BY id`,
		func(scan scanFunc) error {
			var id, tag, typ, object int64
			if err := scan(&id, &tag, &typ, &object); err != nil {
				return fmt.Errorf("taggit_taggeditem: %w", err)
			}
			table, col, target := "content_tags", "content_id", "contents"
			if typ == groupType {
				table, col, target = "group_tags", "group_id", "groups"
			} else if typ != contentType {
				im.problem("taggit_taggeditem", id, "a tag on something other than a content or group (type %d)", typ)
				return nil
			}
			if !im.has(target, object) || !im.has("tags", tag) {
				im.problem("taggit_taggeditem", id, "tag %d or its %s %d was not imported", tag, strings.TrimSuffix(target, "s"), object)
				return nil
			}
			key := fmt.Sprintf("%s/%d/%d", table, object, tag)
			if seen[key] {
				return nil // the same tag twice on one item
			}
			seen[key] = true
			return im.insert(ctx, table, []string{col, "tag_id"}, object, tag)
		})
}

func (im *importer) attendances(ctx context.Context) error {
	return im.each(ctx, `SELECT id, content_id, attendee_id, timestamp FROM events_attendancestatement ORDER BY id`,
		func(scan scanFunc) error {
			var id, content, attendee int64
			var at time.Time
			if err := scan(&id, &content, &attendee, &at); err != nil {
				return fmt.Errorf("events_attendancestatement: %w", err)
			}
			if !im.has("contents", content) || !im.has("gestalten", attendee) {
				im.problem("events_attendancestatement", id, "event %d or person %d was not imported", content, attendee)
				return nil
			}
			return im.insert(ctx, "event_attendances", []string{"id", "content_id", "attendee_id", "timestamp"},
				id, content, attendee, at.UTC())
		})
}

func (im *importer) tokens(ctx context.Context) error {
	targets := map[int64][2]string{}
	for appModel, t := range map[string][2]string{
		"groups.group": {"group_id", "groups"}, "content2.content": {"content_id", "contents"},
		"contributions.contribution": {"contribution_id", "contributions"},
		"conversations.conversation": {"conversation_id", "conversations"},
		"gestalten.gestalt":          {"", "gestalten"},
	} {
		if id := im.src.Type(appModel); id != 0 {
			targets[id] = t
		}
	}
	return im.each(ctx, `SELECT id, gestalt_id, secret_key, feature_key, time_created, target_type_id, target_id
		FROM core_permissiontoken ORDER BY id`, func(scan scanFunc) error {
		var id, gestalt, typ, target int64
		var secret, feature string
		var created time.Time
		if err := scan(&id, &gestalt, &secret, &feature, &created, &typ, &target); err != nil {
			return fmt.Errorf("core_permissiontoken: %w", err)
		}
		t, ok := targets[typ]
		if !ok || !im.has("gestalten", gestalt) || !im.has(t[1], target) {
			im.problem("core_permissiontoken", id, "its owner %d or target %d (type %d) was not imported", gestalt, target, typ)
			return nil
		}
		cols := []string{"id", "gestalt_id", "secret_key", "feature_key", "time_created"}
		vals := []any{id, gestalt, secret, feature, created.UTC()}
		if t[0] == "" {
			if target != gestalt {
				im.problem("core_permissiontoken", id, "a token for another person's profile (%d)", target)
				return nil
			}
		} else {
			cols, vals = append(cols, t[0]), append(vals, target)
		}
		return im.insert(ctx, "permission_tokens", cols, vals...)
	})
}

func (im *importer) inbox(ctx context.Context) error {
	table := "builtin_inbox_notifications_builtininboxnotification"
	if !im.src.Has(table) {
		return nil
	}
	return im.each(ctx, `SELECT id, receiver_id, created_content_id, created_contribution_id, created_on, is_read
		FROM `+table+` ORDER BY id`, func(scan scanFunc) error {
		var id, receiver int64
		var content, contribution sql.NullInt64
		var created time.Time
		var read bool
		if err := scan(&id, &receiver, &content, &contribution, &created, &read); err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
		if !im.has("gestalten", receiver) || !im.hasNull("contents", content) || !im.hasNull("contributions", contribution) {
			im.problem(table, id, "its receiver, content or contribution was not imported")
			return nil
		}
		return im.insert(ctx, "inbox_notifications", []string{"id", "receiver_id", "content_id", "contribution_id",
			"created_on", "is_read"}, id, receiver, null(content), null(contribution), created.UTC(), read)
	})
}

func (im *importer) feedEntries(ctx context.Context) error {
	if !im.src.Has("imports_imported") {
		return nil
	}
	seen := map[string]bool{}
	return im.each(ctx, `SELECT id, "key" FROM imports_imported ORDER BY id`, func(scan scanFunc) error {
		var id int64
		var key string
		if err := scan(&id, &key); err != nil {
			return fmt.Errorf("imports_imported: %w", err)
		}
		if seen[key] {
			return nil
		}
		seen[key] = true
		return im.insert(ctx, "imported_feed_entries", []string{"id", "key"}, id, key)
	})
}

// matrix imports the rooms, invitations and Matrix IDs of the optional matrix_chat app.
func (im *importer) matrix(ctx context.Context) error {
	if im.src.Has("matrix_chat_matrixchatgrouproom") {
		err := im.each(ctx, `SELECT id, group_id, room_id, is_private, is_visible, statistics_cache_json
			FROM matrix_chat_matrixchatgrouproom ORDER BY id`, func(scan scanFunc) error {
			var id, group int64
			var room, stats string
			var private, visible bool
			if err := scan(&id, &group, &room, &private, &visible, &stats); err != nil {
				return fmt.Errorf("matrix_chat_matrixchatgrouproom: %w", err)
			}
			if !im.has("groups", group) {
				im.problem("matrix_chat_matrixchatgrouproom", id, "group %d was not imported", group)
				return nil
			}
			if stats == "" {
				stats = "{}"
			}
			return im.insert(ctx, "matrix_rooms", []string{"id", "group_id", "room_id", "is_private", "is_visible", "statistics"},
				id, group, room, private, visible, stats)
		})
		if err != nil {
			return err
		}
	}
	if im.src.Has("matrix_chat_matrixchatgrouproominvitations") {
		err := im.each(ctx, `SELECT id, room_id, gestalt_id, time_invited
			FROM matrix_chat_matrixchatgrouproominvitations ORDER BY id`, func(scan scanFunc) error {
			var id, room, gestalt int64
			var invited time.Time
			if err := scan(&id, &room, &gestalt, &invited); err != nil {
				return fmt.Errorf("matrix_chat_matrixchatgrouproominvitations: %w", err)
			}
			if !im.has("matrix_rooms", room) || !im.has("gestalten", gestalt) {
				im.problem("matrix_chat_matrixchatgrouproominvitations", id, "room %d or person %d was not imported", room, gestalt)
				return nil
			}
			return im.insert(ctx, "matrix_room_invitations", []string{"id", "room_id", "gestalt_id", "time_invited"},
				id, room, gestalt, invited.UTC())
		})
		if err != nil {
			return err
		}
	}
	if im.src.Has("matrix_chat_matrixchatgestaltsettings") {
		return im.each(ctx, `SELECT gestalt_id, matrix_id_override FROM matrix_chat_matrixchatgestaltsettings
			WHERE matrix_id_override <> ''`, func(scan scanFunc) error {
			var gestalt int64
			var matrixID string
			if err := scan(&gestalt, &matrixID); err != nil {
				return fmt.Errorf("matrix_chat_matrixchatgestaltsettings: %w", err)
			}
			if im.has("gestalten", gestalt) {
				return im.q.SetColumn(ctx, "gestalten", gestalt, "matrix_id", matrixID)
			}
			return nil
		})
	}
	return nil
}

// mapped are the source tables that the steps above read.
var mapped = map[string]bool{
	"django_site": true, "django_content_type": true, "auth_user": true, "account_emailaddress": true,
	"account_emailconfirmation": true, "gestalten_gestalt": true, "gestalten_gestaltsetting": true,
	"groups_group": true, "memberships_membership": true, "memberships_application": true,
	"subscriptions_subscription": true, "images_image": true, "polls_workaroundpoll": true,
	"polls_option": true, "polls_simpleoption": true, "polls_eventoption": true, "polls_vote": true,
	"polls_simplevote": true, "polls_condorcetvote": true, "content2_content": true, "content2_version": true,
	"files_file": true, "galleries_galleryimage": true, "conversations_conversation": true,
	"associations_association": true, "contributions_contribution": true, "contributions_text": true,
	"taggit_tag": true, "taggit_taggeditem": true, "events_attendancestatement": true,
	"core_permissiontoken": true, "builtin_inbox_notifications_builtininboxnotification": true,
	"imports_imported": true, "matrix_chat_matrixchatgrouproom": true,
	"matrix_chat_matrixchatgrouproominvitations": true, "matrix_chat_matrixchatgestaltsettings": true,
	"django_redirect": true,
}

// leftOut are source tables not imported on purpose, with the reason shown in the report.
var leftOut = map[string]string{
	"django_migrations":             "Django's migration history",
	"django_session":                "sessions are signed with the old site's secret; everybody logs in again",
	"django_admin_log":              "the Django admin's history",
	"auth_permission":               "Django's permission catalogue; grouprise's rules are built in",
	"auth_group":                    "Django admin groups (unused by grouprise)",
	"auth_group_permissions":        "Django admin groups (unused by grouprise)",
	"auth_user_groups":              "Django admin groups (unused by grouprise)",
	"auth_user_user_permissions":    "Django admin permissions (unused by grouprise)",
	"sqlite_sequence":               "SQLite's bookkeeping",
	"socialaccount_socialaccount":   "logins through other sites are not supported",
	"socialaccount_socialapp":       "logins through other sites are not supported",
	"socialaccount_socialapp_sites": "logins through other sites are not supported",
	"socialaccount_socialtoken":     "logins through other sites are not supported",
	"oauth2_provider_application":   "OIDC clients keep their secrets hashed in django-oauth-toolkit; register each again with `grouprise oidc client add` and give the service its new secret",
	"oauth2_provider_accesstoken":   "tokens of the old OIDC provider; the services log people in again",
	"oauth2_provider_refreshtoken":  "tokens of the old OIDC provider; the services log people in again",
	"oauth2_provider_idtoken":       "tokens of the old OIDC provider; the services log people in again",
	"oauth2_provider_grant":         "codes of the old OIDC provider (they live for minutes)",
}

// skipped lists every source table that holds rows and was not read: left out on purpose
// (with the reason) or unknown (as a problem), so nothing disappears unnoticed.
func (im *importer) skipped(ctx context.Context) error {
	names := make([]string, 0, len(im.src.tables))
	for t := range im.src.tables {
		names = append(names, t)
	}
	sort.Strings(names)
	for _, t := range names {
		if mapped[t] {
			continue
		}
		n, err := im.src.count(ctx, t)
		if err != nil {
			return err
		}
		if n == 0 {
			continue
		}
		if reason, ok := leftOut[t]; ok {
			im.rep.Skipped = append(im.rep.Skipped, Count{Table: t, Rows: n, Note: reason})
			continue
		}
		im.rep.Problems = append(im.rep.Problems, Problem{Table: t,
			Reason: fmt.Sprintf("%d rows in a table this import does not know; not imported", n)})
	}
	return nil
}
