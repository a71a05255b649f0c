package web

import (
	"net/http"
	"strings"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
)

// routes registers every page and action of the site; URLs keep the Django grouprise's
// shapes, so that links in old mails and bookmarks keep working. Pages that change state
// answer GET with a page that asks, and act on POST only.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.handle(s.index))
	mux.HandleFunc("GET /robots.txt", s.robots)
	mux.HandleFunc("POST /stadt/language/{$}", s.handle(s.setLanguage))

	// accounts
	mux.HandleFunc("GET /stadt/login/{$}", s.handle(s.loginForm))
	mux.HandleFunc("POST /stadt/login/{$}", s.handle(s.login))
	mux.HandleFunc("GET /stadt/logout/{$}", s.handle(s.logoutForm))
	mux.HandleFunc("POST /stadt/logout/{$}", s.handle(s.logout))
	mux.HandleFunc("GET /stadt/signup/{$}", s.handle(s.signupForm))
	mux.HandleFunc("POST /stadt/signup/{$}", s.handle(s.signup))
	mux.HandleFunc("GET /stadt/conversations/confirm/{key}/{$}", s.handle(s.senderConfirmForm))
	mux.HandleFunc("POST /stadt/conversations/confirm/{key}/{$}", s.handle(s.senderConfirm))
	mux.HandleFunc("GET /stadt/signup/confirm/{key}/{$}", s.handle(s.signupConfirmForm))
	mux.HandleFunc("POST /stadt/signup/confirm/{key}/{$}", s.handle(s.signupConfirm))
	mux.HandleFunc("GET /stadt/password/reset/{$}", s.handle(s.resetForm))
	mux.HandleFunc("POST /stadt/password/reset/{$}", s.handle(s.reset))
	mux.HandleFunc("GET /stadt/password/reset/done/{$}", s.handle(s.resetDone))
	for _, p := range []string{"cancelled", "error", "signup"} {
		mux.HandleFunc("GET /stadt/login/"+p+"/{$}", s.handle(s.oldSocialLogin))
	}
	mux.HandleFunc("GET /stadt/password/reset/key/{secret}/{$}", s.handle(s.resetKeyForm))
	mux.HandleFunc("POST /stadt/password/reset/key/{secret}/{$}", s.handle(s.resetKey))
	mux.HandleFunc("GET /stadt/password/set/{$}", s.handle(s.changePasswordForm))
	mux.HandleFunc("POST /stadt/password/set/{$}", s.handle(s.changePassword))
	mux.HandleFunc("GET /stadt/settings/password/{$}", s.handle(s.changePasswordForm))
	mux.HandleFunc("POST /stadt/settings/password/{$}", s.handle(s.changePassword))
	mux.HandleFunc("GET /stadt/email/{$}", s.handle(s.emailSettings))
	mux.HandleFunc("POST /stadt/email/{$}", s.handle(s.emailAction))
	mux.HandleFunc("GET /stadt/confirm/{key}/{$}", s.handle(s.confirmForm))
	mux.HandleFunc("POST /stadt/confirm/{key}/{$}", s.handle(s.confirm))
	mux.HandleFunc("GET /stadt/settings/{$}", s.handle(s.profileSettings))
	mux.HandleFunc("POST /stadt/settings/{$}", s.handle(s.updateProfile))
	mux.HandleFunc("GET /stadt/settings/notifications/{$}", s.handle(s.notificationSettings))
	mux.HandleFunc("POST /stadt/settings/notifications/{$}", s.handle(s.updateNotifications))
	mux.HandleFunc("GET /stadt/settings/gestalt/delete/{$}", s.handle(s.deleteAccountForm))
	mux.HandleFunc("POST /stadt/settings/gestalt/delete/{$}", s.handle(s.deleteAccount))
	mux.HandleFunc("GET /stadt/gestalten/{$}", s.handle(s.people))
	mux.HandleFunc("GET /stadt/activity", s.handle(s.activity))
	mux.HandleFunc("GET /stadt/content/{assoc}/{$}", s.handle(s.permalink))
	mux.HandleFunc("POST /stadt/activity", s.handle(s.activity))
	mux.HandleFunc("GET /stadt/settings/images/{$}", s.handle(s.imageSettings))
	mux.HandleFunc("POST /stadt/settings/images/{$}", s.handle(s.updateImages))
	mux.HandleFunc("GET /stadt/settings/group/images/{$}", s.handle(s.groupImageSettings))
	mux.HandleFunc("POST /stadt/settings/group/images/{$}", s.handle(s.updateGroupImages))
	mux.HandleFunc("GET /-/avatars/{name}", s.handle(s.avatarFile))
	mux.HandleFunc("GET /-/logos/{name}", s.handle(s.avatarFile))
	mux.HandleFunc("GET /-/backgrounds/{name}", s.handle(s.avatarFile))
	mux.HandleFunc("GET /-/files/{name}", s.handle(s.contentFile))
	mux.HandleFunc("GET /-/images/{name}", s.handle(s.contentImage))
	mux.HandleFunc("GET /-/images/{size}/{name}", s.handle(s.contentImage))
	mux.HandleFunc("GET /stadt/media/{name}", s.handle(s.oldMedia))

	// groups, memberships, subscriptions
	mux.HandleFunc("GET /stadt/groups/{$}", s.handle(s.groupIndex))
	mux.HandleFunc("GET /stadt/groups", s.handle(s.groupIndex))
	mux.HandleFunc("GET /stadt/groups/add/{$}", s.handle(s.createGroupForm))
	mux.HandleFunc("GET /stadt/groups/add", s.handle(s.createGroupForm))
	mux.HandleFunc("POST /stadt/groups/add/{$}", s.handle(s.createGroup))
	mux.HandleFunc("POST /stadt/groups/add", s.handle(s.createGroup))
	mux.HandleFunc("GET /stadt/settings/group/subscriptions-memberships", s.handle(s.membershipSettings))
	mux.HandleFunc("GET /stadt/settings/group/subscriptions-memberships/{$}", s.handle(s.membershipSettings))
	mux.HandleFunc("GET /stadt/settings/group/{$}", s.handle(s.groupSettings))
	mux.HandleFunc("POST /stadt/settings/group/{$}", s.handle(s.updateGroupSettings))
	mux.HandleFunc("GET /{group}/actions/join", s.handle(s.joinForm))
	mux.HandleFunc("POST /{group}/actions/join", s.handle(s.join))
	mux.HandleFunc("GET /{group}/join/request/{$}", s.handle(s.joinForm))
	mux.HandleFunc("POST /{group}/join/request/{$}", s.handle(s.join))
	mux.HandleFunc("GET /stadt/groups/join/confirm/{secret}/{$}", s.handle(s.tokenForm("join_confirm")))
	mux.HandleFunc("POST /stadt/groups/join/confirm/{secret}/{$}", s.handle(s.tokenConfirm("join_confirm", store.FeatureJoin)))
	mux.HandleFunc("GET /stadt/groups/{id}/resign/{$}", s.handle(s.resignForm))
	mux.HandleFunc("POST /stadt/groups/{id}/resign/{$}", s.handle(s.resign))
	mux.HandleFunc("GET /stadt/groups/{id}/resign/request/{$}", s.handle(s.resignForm))
	mux.HandleFunc("POST /stadt/groups/{id}/resign/request/{$}", s.handle(s.resign))
	mux.HandleFunc("GET /stadt/groups/resign/confirm/{secret}/{$}", s.handle(s.tokenForm("resign_confirm")))
	mux.HandleFunc("POST /stadt/groups/resign/confirm/{secret}/{$}", s.handle(s.tokenConfirm("resign_confirm", store.FeatureResign)))
	mux.HandleFunc("GET /stadt/groups/{id}/members/{$}", s.handle(s.members))
	mux.HandleFunc("POST /stadt/groups/{id}/members/add/{$}", s.handle(s.addMember))
	mux.HandleFunc("GET /stadt/groups/{id}/members/add/{$}", s.handle(s.members))
	mux.HandleFunc("GET /{group}/actions/subscribe", s.handle(s.subscribeForm))
	mux.HandleFunc("POST /{group}/actions/subscribe", s.handle(s.subscribe))
	mux.HandleFunc("GET /stadt/groups/subscribe/confirm/{secret}/{$}", s.handle(s.tokenForm("subscribe_confirm")))
	mux.HandleFunc("POST /stadt/groups/subscribe/confirm/{secret}/{$}", s.handle(s.tokenConfirm("subscribe_confirm", groups.FeatureSubscribe)))
	mux.HandleFunc("GET /stadt/groups/{id}/unsubscribe/{$}", s.handle(s.unsubscribeForm))
	mux.HandleFunc("POST /stadt/groups/{id}/unsubscribe/{$}", s.handle(s.unsubscribe))
	mux.HandleFunc("GET /stadt/groups/{id}/unsubscribe/request/{$}", s.handle(s.unsubscribeForm))
	mux.HandleFunc("POST /stadt/groups/{id}/unsubscribe/request/{$}", s.handle(s.unsubscribe))
	// The link in every notification; a POST is also RFC 8058's one-click unsubscribe.
	mux.HandleFunc("GET /stadt/unsubscribe/confirm/{secret}/{$}", s.handle(s.tokenForm("unsubscribe_confirm")))
	mux.HandleFunc("POST /stadt/unsubscribe/confirm/{secret}/{$}", s.handle(s.tokenConfirm("unsubscribe_confirm", store.FeatureUnsubscribe)))
	mux.HandleFunc("GET /{group}/actions/recommend", s.handle(s.recommendForm))
	mux.HandleFunc("POST /{group}/actions/recommend", s.handle(s.recommend))

	// maps (geo)
	mux.HandleFunc("GET /stadt/groups/map/{$}", s.handle(s.groupsMap))
	mux.HandleFunc("GET /javascript/leaflet/{name}", s.handle(s.leaflet))
	mux.HandleFunc("GET /javascript/leaflet/images/{name}", s.handle(s.leaflet))

	// OpenID Connect provider (oidc_provider): login and consent for other services
	mux.HandleFunc("GET /stadt/oauth/login/{id}/{$}", s.handle(s.oidcLogin))
	mux.HandleFunc("POST /stadt/oauth/login/{id}/{$}", s.handle(s.oidcLogin))
	mux.HandleFunc("GET /stadt/settings/services/{$}", s.handle(s.oidcServices))
	mux.HandleFunc("POST /stadt/settings/services/{$}", s.handle(s.oidcServices))

	// chat (matrix_chat)
	mux.HandleFunc("GET /{group}/-/chat/public/{$}", s.handle(s.chatRoom(false)))
	mux.HandleFunc("GET /{group}/-/chat/private/{$}", s.handle(s.chatRoom(true)))
	mux.HandleFunc("GET /stadt/settings/matrix-chat/{$}", s.handle(s.chatSettings))
	mux.HandleFunc("POST /stadt/settings/matrix-chat/{$}", s.handle(s.chatSettings))
	mux.HandleFunc("GET /stadt/settings/group/matrix-chat/{$}", s.handle(s.groupChatSettings))
	mux.HandleFunc("POST /stadt/settings/group/matrix-chat/{$}", s.handle(s.groupChatSettings))
	mux.HandleFunc("GET /stadt/chat-rooms/public-feed/{$}", s.handle(s.publicFeedRoom))
	mux.HandleFunc("GET /stadt/chat/{$}", s.handle(s.chatClient))
	mux.HandleFunc("GET /stadt/help/matrix-chat/{$}", s.handle(s.chatHelp))
	mux.HandleFunc("POST /stadt/hints/dismiss/{$}", s.handle(s.dismissHint))

	// conversations
	mux.HandleFunc("GET /stadt/groups/{id}/conversations/{$}", s.handle(s.groupConversations))
	mux.HandleFunc("GET /stadt/groups/{id}/conversations/add/{$}", s.handle(s.groupMessageForm))
	mux.HandleFunc("POST /stadt/groups/{id}/conversations/add/{$}", s.handle(s.groupMessage))
	mux.HandleFunc("GET /stadt/gestalten/{id}/conversations/add/{$}", s.handle(s.personMessageForm))
	mux.HandleFunc("POST /stadt/gestalten/{id}/conversations/add/{$}", s.handle(s.personMessage))
	mux.HandleFunc("GET /stadt/conversations/{assoc}/{$}", s.handle(s.conversation))
	mux.HandleFunc("POST /stadt/conversations/{assoc}/{$}", s.handle(s.conversation))
	mux.HandleFunc("GET /stadt/associations/{assoc}/contributions/{id}/reply-to-author/{$}", s.handle(s.replyToAuthor))
	mux.HandleFunc("POST /stadt/associations/{assoc}/contributions/{id}/reply-to-author/{$}", s.handle(s.replyToAuthor))
	mux.HandleFunc("GET /stadt/associations/{assoc}/apply/{$}", s.handle(s.oldApplyLink))
	mux.HandleFunc("GET /stadt/memberships/applications/{id}/accept/{$}", s.handle(s.acceptApplication))
	mux.HandleFunc("POST /stadt/memberships/applications/{id}/accept/{$}", s.handle(s.acceptApplication))

	// contents
	mux.HandleFunc("GET /stadt/articles/{$}", s.handle(s.articles))
	for _, k := range []struct {
		kind contents.Kind
		path string
	}{{contents.Article, "articles/add/"}, {contents.Event, "events/add"}, {contents.Event, "events/add/"},
		{contents.Gallery, "galleries/add/"}, {contents.File, "files/add/"}, {contents.Poll, "polls/add/"}} {
		if strings.HasSuffix(k.path, "/") {
			k.path += "{$}"
		}
		mux.HandleFunc("GET /stadt/"+k.path, s.handle(s.createContent(k.kind)))
		mux.HandleFunc("POST /stadt/"+k.path, s.handle(s.createContent(k.kind)))
		mux.HandleFunc("GET /{group}/"+k.path, s.handle(s.createContent(k.kind)))
		mux.HandleFunc("POST /{group}/"+k.path, s.handle(s.createContent(k.kind)))
	}
	// events and calendars
	for _, p := range []string{"/stadt/events", "/stadt/events/{$}"} {
		mux.HandleFunc("GET "+p, s.handle(s.events))
	}
	mux.HandleFunc("GET /stadt/events/{year}/{month}/{day}", s.handle(s.eventsDay))
	mux.HandleFunc("GET /stadt/events/export", s.handle(s.eventsExport))
	mux.HandleFunc("GET /stadt/events/export/{$}", s.handle(s.eventsExport))
	mux.HandleFunc("GET /stadt/events/public.ics", s.handle(s.siteFeed))
	mux.HandleFunc("GET /stadt/events/private.ics", s.handle(s.personalFeed))
	mux.HandleFunc("GET /{group}/events/export", s.handle(s.groupEventsExport))
	mux.HandleFunc("GET /{group}/events/export/{$}", s.handle(s.groupEventsExport))
	mux.HandleFunc("GET /{group}/events/public.ics", s.handle(s.groupFeed(false)))
	mux.HandleFunc("GET /{group}/events/private.ics", s.handle(s.groupFeed(true)))
	mux.HandleFunc("/stadt/content/{assoc}/events/attendees", s.handle(s.changeAttendance))

	mux.HandleFunc("GET /{entity}/{assoc}/{$}", s.handle(s.content))
	mux.HandleFunc("POST /{entity}/{assoc}/{$}", s.handle(s.content))
	// /<entity>/<content>/edit/, …/delete/ and …/vote/: one pattern, since literal segments
	// here would conflict with /stadt/<page>/<key>/ routes; the actions are this table.
	contentAction := byPathValue("action", map[string]http.HandlerFunc{
		"edit":   s.handle(s.editContent),
		"delete": s.handle(s.deleteContent),
		"vote":   s.handle(s.vote),
	}, s.notFound)
	mux.HandleFunc("GET /{entity}/{assoc}/{action}/{$}", contentAction)
	mux.HandleFunc("POST /{entity}/{assoc}/{action}/{$}", contentAction)
	mux.HandleFunc("GET /{entity}/{assoc}/contributions/{id}/delete/{$}", s.handle(s.deleteComment))
	mux.HandleFunc("POST /{entity}/{assoc}/contributions/{id}/delete/{$}", s.handle(s.deleteComment))

	// JSON for the pages' scripts
	mux.HandleFunc("POST /stadt/api/content/markdown/{$}", s.handle(s.apiMarkdown))
	mux.HandleFunc("GET /stadt/api/groups/{$}", s.handle(s.apiGroups))
	mux.HandleFunc("GET /stadt/api/images/{$}", s.handle(s.apiImages))
	mux.HandleFunc("POST /stadt/api/images/{$}", s.handle(s.apiImages))
	mux.HandleFunc("GET /stadt/api/polls/{id}/{$}", s.handle(s.apiPoll))
	mux.HandleFunc("POST /stadt/api/polls/{id}/vote/{$}", s.handle(s.apiVote))
	mux.HandleFunc("GET /stadt/api/groups/{id}/{$}", s.handle(s.apiGroup))
	for _, m := range []string{"GET", "PUT", "PATCH"} {
		mux.HandleFunc(m+" /stadt/api/images/{id}/{$}", s.handle(s.apiImage))
	}
	mux.HandleFunc("GET /stadt/api/gestalten/{$}", s.handle(s.apiGestalten))
	mux.HandleFunc("GET /stadt/api/gestalten/{id}/{$}", s.handle(s.apiGestalt))
	mux.HandleFunc("GET /stadt/api/gestalten/{gestalt}/settings/{$}", s.handle(s.apiSettings))
	mux.HandleFunc("POST /stadt/api/gestalten/{gestalt}/settings/{$}", s.handle(s.apiSettings))
	for _, m := range []string{"GET", "PUT", "PATCH", "DELETE"} {
		mux.HandleFunc(m+" /stadt/api/gestalten/{gestalt}/settings/{id}/{$}", s.handle(s.apiSetting))
	}
	// the Transition Connect export (public groups and their public events)
	mux.HandleFunc("GET "+tcBase+"{$}", s.handle(s.tcIndex))
	mux.HandleFunc("GET "+tcBase+"event/{$}", s.handle(s.tcEvents))
	mux.HandleFunc("GET "+tcBase+"event/{id}/{$}", s.handle(s.tcEvent))
	mux.HandleFunc("GET "+tcBase+"organisation/{$}", s.handle(s.tcOrganisations))
	mux.HandleFunc("GET "+tcBase+"organisation/{id}/{$}", s.handle(s.tcOrganisation))

	// site
	mux.HandleFunc("GET /stadt/help/{$}", s.handle(s.help))
	mux.HandleFunc("GET /stadt/search/{$}", s.handle(s.search))
	mux.HandleFunc("GET /stadt/feed/{$}", s.handle(s.siteFeedRSS(false)))
	mux.HandleFunc("GET /stadt/feed/atom/{$}", s.handle(s.siteFeedRSS(true)))
	mux.HandleFunc("GET /stadt/groups/{id}/feed/{$}", s.handle(s.groupFeedRSS(false)))
	mux.HandleFunc("GET /stadt/groups/{id}/feed/atom/{$}", s.handle(s.groupFeedRSS(true)))
	mux.HandleFunc("GET /stadt/markdown/{$}", s.handle(s.markdownHelp))
	mux.HandleFunc("GET /stadt/tags/{slug}/{$}", s.handle(s.tag))
	mux.HandleFunc("GET /stadt/tags/{slug}/tag-group/{$}", s.handle(s.tagGroup))
	mux.HandleFunc("POST /stadt/tags/{slug}/tag-group/{$}", s.handle(s.tagGroup))
	mux.HandleFunc("GET /stadt/search", s.handle(s.search))
	mux.HandleFunc("GET /stadt/imprint/{$}", s.handle(s.imprint))
	mux.HandleFunc("GET /stadt/privacy/{$}", s.handle(s.privacy))
	mux.HandleFunc("GET /stadt/logos/{name}", s.logo)
	mux.HandleFunc("GET /stadt/abuse/{$}", s.handle(s.abuse))
	mux.HandleFunc("POST /stadt/abuse/{$}", s.handle(s.abuse))

	// administration
	mux.HandleFunc("GET /stadt/admin/{$}", s.handle(s.admin))
	mux.HandleFunc("POST /stadt/admin/{action}/{id}/{$}", s.handle(s.adminAction))
	mux.HandleFunc("GET /stadt/admin/groups/{id}/{$}", s.handle(s.adminGroup))
	mux.HandleFunc("POST /stadt/admin/groups/{id}/{$}", s.handle(s.adminUpdateGroup))
	mux.HandleFunc("GET /stadt/admin/people/{id}/{$}", s.handle(s.adminPerson))
	mux.HandleFunc("POST /stadt/admin/people/{id}/{$}", s.handle(s.adminUpdatePerson))
	mux.HandleFunc("POST /stadt/admin/people/{id}/addresses/{$}", s.handle(s.adminPersonAddress))
	mux.HandleFunc("GET /stadt/admin/contents/{id}/{$}", s.handle(s.adminContent))
	mux.HandleFunc("POST /stadt/admin/contents/{id}/{$}", s.handle(s.adminUpdateContent))
	mux.HandleFunc("GET /stadt/admin/comments/{id}/{$}", s.handle(s.adminComment))
	mux.HandleFunc("POST /stadt/admin/comments/{id}/{$}", s.handle(s.adminUpdateComment))

	// federation (design §10); the actors are /<slug>/ asked for as ActivityPub (entity)
	mux.HandleFunc("GET /.well-known/webfinger", s.handle(s.webFinger))
	mux.HandleFunc("GET /stadt/activitypub/actor", s.handle(s.instanceActor))
	mux.HandleFunc("POST /stadt/activitypub/inbox", s.handle(s.sharedInbox))
	mux.HandleFunc("POST /{group}/-/inbox", s.handle(s.groupInbox))
	mux.HandleFunc("GET /{group}/-/outbox", s.handle(s.groupOutbox))
	mux.HandleFunc("GET /{group}/-/followers", s.handle(s.groupFollowers))
	mux.HandleFunc("GET /{group}/-/announce/{id}", s.handle(s.groupAnnounce))
	mux.HandleFunc("GET /{group}/-/notes/{id}", s.handle(s.conversationNote))
	mux.HandleFunc("POST /{group}/-/remote-follow", s.handle(s.remoteFollow))
	mux.HandleFunc("GET /stadt/groups/{id}/followers/{$}", s.handle(s.fediverseFollowers))
	mux.HandleFunc("POST /stadt/groups/{id}/followers/{$}", s.handle(s.decideFollower))

	// groups and people share /<slug>/
	mux.HandleFunc("GET /{entity}/{$}", s.handle(s.entity))
	mux.HandleFunc("/", s.notFound)
	if s.testRoutes != nil {
		s.testRoutes(mux)
	}
	s.routesMux = mux
	return oldAbuseLinks(oldMediaPaths(mux, s.handle(s.oldMedia)), s.handle(s.oldAbuseLink))
}

// byPathValue chooses a handler by the path value name, or answers with otherwise.
func byPathValue(name string, handlers map[string]http.HandlerFunc, otherwise http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h, ok := handlers[r.PathValue(name)]; ok {
			h(w, r)
			return
		}
		otherwise(w, r)
	}
}
