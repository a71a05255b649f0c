package web

import (
	"errors"
	"net/http"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/conversations"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/polls"
)

// userErrors are the domain's errors that a person can fix, with their messages.
var userErrors = []struct {
	err error
	id  string
}{
	{accounts.ErrUsernameInvalid, "error.username_invalid"},
	{accounts.ErrUsernameTaken, "error.username_taken"},
	{accounts.ErrUsernameBlocked, "error.username_blocked"},
	{accounts.ErrEmailInvalid, "error.email_invalid"},
	{accounts.ErrEmailTaken, "error.email_taken"},
	{accounts.ErrEmailRegistered, "error.email_registered"},
	{accounts.ErrEmailPending, "error.email_pending"},
	{accounts.ErrPasswordShort, "error.password_short"},
	{accounts.ErrPasswordWrong, "error.password_wrong"},
	{accounts.ErrLinkInvalid, "error.link_invalid"},
	{accounts.ErrNotVerified, "error.not_verified"},
	{accounts.ErrNameTooLong, "error.name_too_long"},
	{accounts.ErrAboutTooLong, "error.about_too_long"},
	{groups.ErrNameMissing, "error.group_name_missing"},
	{groups.ErrNameTooLong, "error.group_name_too_long"},
	{groups.ErrSlugInvalid, "error.slug_invalid"},
	{groups.ErrSlugTaken, "error.slug_taken"},
	{groups.ErrSlugBlocked, "error.slug_blocked"},
	{groups.ErrAlreadyMember, "error.already_member"},
	{groups.ErrNotMember, "error.not_member"},
	{groups.ErrDescriptionTooLong, "error.description_too_long"},
	{groups.ErrURLInvalid, "error.url_invalid"},
	{groups.ErrClosed, "error.group_closed"},
	{conversations.ErrSubjectMissing, "error.subject_missing"},
	{conversations.ErrTextMissing, "error.text_missing"},
	{conversations.ErrTooLong, "error.subject_too_long"},
	{contents.ErrTitleMissing, "error.title_missing"},
	{contents.ErrTitleTooLong, "error.title_too_long"},
	{contents.ErrPlaceMissing, "error.place_missing"},
	{contents.ErrPlaceTooLong, "error.place_too_long"},
	{contents.ErrStartMissing, "error.start_missing"},
	{contents.ErrEndBeforeStart, "error.end_before_start"},
	{contents.ErrDateRange, "error.date_range"},
	{contents.ErrSlugInvalid, "error.slug_invalid"},
	{contents.ErrSlugTaken, "error.content_slug_taken"},
	{contents.ErrTextMissing, "error.comment_missing"},
	{contents.ErrRepeatCount, "error.repeat_count"},
	{contents.ErrRepeatPeriod, "error.repeat_period"},
	{contents.ErrNoImages, "error.no_images"},
	{contents.ErrNoFile, "error.no_file"},
	{contents.ErrNoOptions, "error.no_options"},
	{contents.ErrOptionTooLong, "error.option_too_long"},
	{polls.ErrVoted, "error.voted"},
	{polls.ErrNameTaken, "error.vote_name_taken"},
	{polls.ErrNameMissing, "error.vote_name_missing"},
	{polls.ErrNameTooLong, "error.vote_name_too_long"},
	{polls.ErrIncomplete, "error.vote_incomplete"},
	{polls.ErrBadOption, "error.vote_bad_option"},
}

// userError translates an error a person can fix; ok is false for other errors.
func (s *Server) userError(r *http.Request, err error) (msg string, ok bool) {
	for _, u := range userErrors {
		if errors.Is(err, u.err) {
			return s.t(r, u.id), true
		}
	}
	return "", false
}

// requireLogin sends anonymous visitors to the login and reports whether someone is logged in.
func (s *Server) requireLogin(w http.ResponseWriter, r *http.Request) bool {
	if !viewer(r).LoggedIn() {
		s.redirectToLogin(w, r)
		return false
	}
	return true
}

// isAny tells whether err is one of targets.
func isAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}
