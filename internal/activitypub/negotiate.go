package activitypub

import (
	"mime"
	"strconv"
	"strings"
)

// AcceptsActivity reports whether an Accept header asks for ActivityPub JSON
// (application/activity+json, or application/ld+json as GoToSocial and Mastodon send it),
// so that /<slug>/ answers with the actor instead of the page (design §10). Browsers, which
// accept */*, get the page.
func AcceptsActivity(accept string) bool {
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || (mt != MediaType && mt != "application/ld+json") {
			continue
		}
		if q, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(q, 64); err != nil || f <= 0 {
				continue
			}
		}
		return true
	}
	return false
}
