package djangoimport

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// oldMediaPrefix is where the Django grouprise served its media directory.
const oldMediaPrefix = "/stadt/media/"

// oldMediaNames keeps every name under which the Django grouprise served a file at
// /stadt/media/ that is stored here under another name: the redirects its 5.0 upgrade made
// when it renamed old files (django_redirect: /stadt/media/<old> → /-/files/<name> or
// /-/images/<name>), and the files this import stored under a new name or in a directory.
func (im *importer) oldMediaNames(ctx context.Context) error {
	names := map[string]string{}
	if im.src.tables["django_redirect"] {
		err := im.each(ctx, `SELECT id, old_path, new_path FROM django_redirect ORDER BY id`, func(scan scanFunc) error {
			var id int64
			var oldPath, newPath string
			if err := scan(&id, &oldPath, &newPath); err != nil {
				return fmt.Errorf("django_redirect: %w", err)
			}
			old, ok := strings.CutPrefix(oldPath, oldMediaPrefix)
			if d, err := url.PathUnescape(old); err == nil {
				old = d
			}
			if !ok || old == "" {
				im.problem("django_redirect", id, "the redirect from %s to %s is not one of a media file; not imported", oldPath, newPath)
				return nil
			}
			name, ok := strings.CutPrefix(newPath, "/-/files/")
			if !ok {
				name, ok = strings.CutPrefix(newPath, "/-/images/")
			}
			if d, err := url.PathUnescape(name); err == nil {
				name = d
			}
			if !ok || name == "" || strings.Contains(name, "/") {
				im.problem("django_redirect", id, "the redirect from %s to %s does not lead to a file; not imported", oldPath, newPath)
				return nil
			}
			if stored, ok := im.media.renamed[name]; ok {
				name = stored
			}
			names[old] = name
			return nil
		})
		if err != nil {
			return err
		}
	}
	for old, name := range im.media.renamed {
		if _, ok := names[old]; !ok {
			names[old] = name
		}
	}
	olds := make([]string, 0, len(names))
	for old := range names {
		olds = append(olds, old)
	}
	sort.Strings(olds)
	for _, old := range olds {
		if err := im.insert(ctx, "old_media_names", []string{"old_name", "name"}, old, names[old]); err != nil {
			return err
		}
	}
	return nil
}
