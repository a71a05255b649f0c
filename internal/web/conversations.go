package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/conversations"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/markdown"
	"grouprise.org/grouprise/internal/store"
)

type messageData struct {
	Form    *form
	Captcha captcha
	To      string // the addressee's name
	Action  string // where the form goes
	Apply   bool
	Intro   string
}

// groupMessageForm writes to a group: anybody may (anonymous visitors with e-mail address and
// the sum); ?apply_for_membership=1 makes it an application to a closed group.
func (s *Server) groupMessageForm(w http.ResponseWriter, r *http.Request) error {
	g, err := s.groupOfID(r)
	if err != nil {
		return err
	}
	apply := r.URL.Query().Get("apply_for_membership") == "1"
	if apply && !groups.CanApply(viewer(r), g) {
		return errForbidden
	}
	s.render(w, r, http.StatusOK, "message", s.t(r, "message.to", "Name", g.Name), s.groupMessageData(r, g, apply, newForm(nil)))
	return nil
}

func (s *Server) groupMessageData(r *http.Request, g *store.Group, apply bool, f *form) messageData {
	action := "/stadt/groups/" + itoa(g.ID) + "/conversations/add/"
	if apply {
		action += "?apply_for_membership=1"
	}
	intro := s.t(r, "message.group_intro")
	if apply {
		intro = s.t(r, "message.apply_intro", "Group", g.Name)
	}
	return messageData{Form: f, Captcha: s.newCaptcha(), To: g.Name, Action: action, Apply: apply, Intro: intro}
}

func (s *Server) groupMessage(w http.ResponseWriter, r *http.Request) error {
	g, err := s.groupOfID(r)
	if err != nil {
		return err
	}
	apply := r.URL.Query().Get("apply_for_membership") == "1"
	if apply && !groups.CanApply(viewer(r), g) {
		return errForbidden
	}
	f := newForm(r)
	started, ok, err := s.sendMessage(r, f, conversations.Message{GroupID: g.ID, Apply: apply})
	if err != nil {
		return fmt.Errorf("message to group %s: %w", g.Slug, err)
	}
	if !ok {
		s.render(w, r, http.StatusUnprocessableEntity, "message", s.t(r, "message.to", "Name", g.Name), s.groupMessageData(r, g, apply, f))
		return nil
	}
	s.afterMessage(w, r, started, "/"+g.Slug+"/")
	return nil
}

// personMessageForm writes to a person: logged-in people to anyone, anonymous visitors to
// public profiles only.
func (s *Server) personMessageForm(w http.ResponseWriter, r *http.Request) error {
	p, err := s.personOfID(r)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "message", s.t(r, "message.to", "Name", p.Name()), s.personMessageData(r, p, newForm(nil)))
	return nil
}

func (s *Server) personMessageData(r *http.Request, p *store.Gestalt, f *form) messageData {
	return messageData{Form: f, Captcha: s.newCaptcha(), To: p.Name(), Action: "/stadt/gestalten/" + itoa(p.ID) + "/conversations/add/",
		Intro: s.t(r, "message.person_intro")}
}

func (s *Server) personMessage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.personOfID(r)
	if err != nil {
		return err
	}
	f := newForm(r)
	started, ok, err := s.sendMessage(r, f, conversations.Message{GestaltID: p.ID})
	if err != nil {
		return fmt.Errorf("message to person %d: %w", p.ID, err)
	}
	if !ok {
		s.render(w, r, http.StatusUnprocessableEntity, "message", s.t(r, "message.to", "Name", p.Name()), s.personMessageData(r, p, f))
		return nil
	}
	after := "/"
	if p.Public {
		after = "/" + p.Username + "/"
	}
	s.afterMessage(w, r, started, after)
	return nil
}

// personOfID finds the person of the {id} in the path; anonymous visitors find only public
// profiles (else errForbidden, which offers the login).
func (s *Server) personOfID(r *http.Request) (*store.Gestalt, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, errNotFound
	}
	p, err := s.db.GestaltByID(r.Context(), id)
	if err != nil {
		return nil, fmt.Errorf("person %d: %w", id, err)
	}
	if !p.Public && !viewer(r).LoggedIn() {
		return nil, errForbidden
	}
	return p, nil
}

// sendMessage checks a message form and writes the conversation; an anonymous sender gets
// a shadow account for the address given. ok is false when the form needs another try
// (its fields tell why); err is what went wrong otherwise.
func (s *Server) sendMessage(r *http.Request, f *form, m conversations.Message) (started conversations.Started, ok bool, err error) {
	v := viewer(r)
	m.Subject, m.Text = f.Get("subject"), f.Get("text")
	if !v.LoggedIn() {
		if !accounts.ValidEmail(f.Get("email")) {
			f.Fail("email", s.t(r, "error.email_invalid"))
		}
		if !s.checkCaptcha(f.Get("captcha_token"), f.Get("captcha")) {
			f.Fail("captcha", s.t(r, "error.captcha"))
		}
	}
	if m.Subject == "" {
		f.Fail("subject", s.t(r, "form.required"))
	}
	if m.Text == "" {
		f.Fail("text", s.t(r, "form.required"))
	}
	if !f.Valid() {
		return conversations.Started{}, false, nil
	}
	if !v.LoggedIn() {
		// The message mails its sender's address a link to confirm it: at most as many to one
		// address, and from one visitor, as a signup or a password reset.
		allowed, err := s.mailAllowed(r, f.Get("email"))
		if err != nil {
			return started, false, err
		}
		if !allowed {
			f.Fail("email", s.t(r, "message.too_many"))
			return started, false, nil
		}
	}
	if v.LoggedIn() {
		m.Author = v.Gestalt
		started, err = s.conversations.Start(r.Context(), m)
	} else {
		started, err = s.conversations.StartAsGuest(r.Context(), s.accounts, f.Get("email"), s.cfg.BaseURL(), m)
	}
	if msg, ok := s.userError(r, err); ok {
		f.Fail("text", msg)
		return started, false, nil
	}
	if err != nil {
		return started, false, err
	}
	return started, true, nil
}

func (s *Server) senderConfirmForm(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "sender_confirm", s.t(r, "sender_confirm.title"), r.PathValue("key"))
	return nil
}

// senderConfirm lets the owner of an address own a message sent in its name (by POST only,
// so that link scanners do not).
func (s *Server) senderConfirm(w http.ResponseWriter, r *http.Request) error {
	_, err := s.accounts.ConfirmSender(r.Context(), r.PathValue("key"))
	if msg, ok := s.userError(r, err); ok {
		s.flash(r, msgError, msg)
		redirect(w, r, "/")
		return nil
	}
	if err != nil {
		return fmt.Errorf("confirm sender: %w", err)
	}
	s.flash(r, msgSuccess, s.t(r, "sender_confirm.done"))
	redirect(w, r, "/")
	return nil
}

// afterMessage sends the sender to the new conversation (or, anonymous, back with a note).
func (s *Server) afterMessage(w http.ResponseWriter, r *http.Request, started conversations.Started, fallback string) {
	s.wake()
	s.flash(r, msgSuccess, s.t(r, "message.sent"))
	if viewer(r).LoggedIn() {
		redirect(w, r, "/stadt/conversations/"+itoa(started.AssociationID)+"/")
		return
	}
	redirect(w, r, fallback)
}

type conversationData struct {
	Association *store.Association
	Subject     string
	To          string
	Items       []*store.ThreadItem
	Texts       map[int64]template.HTML // the messages, rendered
	CanAccept   map[int64]bool          // application ids the viewer may accept
	Guests      map[int64]bool          // messages whose sender has not confirmed the address
	// Remote are the authors from the Fediverse, by gestalt; Fediverse names the one the
	// members' answers go to, with their names ("" when they stay here).
	Remote    map[int64]*store.RemoteAuthor
	Fediverse string
	Form      *form
}

// conversation shows a thread to those who may see it; POST adds a reply.
func (s *Server) conversation(w http.ResponseWriter, r *http.Request) error {
	a, err := s.conversationOfPath(r)
	if err != nil {
		return err
	}
	f := newForm(r)
	if r.Method == http.MethodPost {
		in, _ := strconv.ParseInt(f.Get("in_reply_to"), 10, 64)
		id, err := s.conversations.Reply(r.Context(), a.ConversationID, viewer(r).Gestalt, f.Get("text"), in)
		if msg, ok := s.userError(r, err); ok {
			f.Fail("text", msg)
		} else if err != nil {
			return fmt.Errorf("reply in conversation %d: %w", a.ID, err)
		} else {
			s.wake()
			redirect(w, r, "/stadt/conversations/"+itoa(a.ID)+"/#contribution-"+itoa(id))
			return nil
		}
	}
	d, err := s.conversationData(r.Context(), r, a)
	if err != nil {
		return fmt.Errorf("conversation %d: %w", a.ID, err)
	}
	d.Form = f
	status := http.StatusOK
	if !f.Valid() {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, "conversation", d.Subject, d)
	return nil
}

// conversationOfPath finds the conversation of /stadt/conversations/{assoc}/ and checks
// that the viewer may see it.
func (s *Server) conversationOfPath(r *http.Request) (*store.Association, error) {
	id, err := strconv.ParseInt(r.PathValue("assoc"), 10, 64)
	if err != nil {
		return nil, errNotFound
	}
	a, err := s.db.AssociationByID(r.Context(), id)
	if err != nil || a.ConversationID == 0 || a.Deleted.Valid {
		return nil, errNotFound
	}
	starter, err := s.db.ConversationStarter(r.Context(), a.ConversationID)
	if err != nil {
		return nil, fmt.Errorf("conversation %d: starter: %w", id, err)
	}
	if !conversations.CanView(viewer(r), a, starter) {
		return nil, errForbidden
	}
	return a, nil
}

func (s *Server) conversationData(ctx context.Context, r *http.Request, a *store.Association) (*conversationData, error) {
	subject, err := s.db.ConversationSubject(ctx, a.ConversationID)
	if err != nil {
		return nil, err
	}
	items, err := s.db.Thread(ctx, 0, a.ConversationID, true)
	if err != nil {
		return nil, err
	}
	d := &conversationData{Association: a, Subject: subject, Items: items, CanAccept: map[int64]bool{}, Texts: map[int64]template.HTML{}}
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	if d.Guests, err = s.db.UnconfirmedSenders(ctx, ids); err != nil {
		return nil, err
	}
	if d.Remote, err = s.db.RemoteAuthorsOfConversation(ctx, a.ConversationID); err != nil {
		return nil, err
	}
	to, err := s.federation.AnswersGoTo(ctx, a.ConversationID)
	if err != nil {
		return nil, err
	}
	d.Fediverse = fediverseName(to)
	texts := make([]string, len(items))
	for i, it := range items {
		texts[i] = it.Text
	}
	for i, h := range s.renderTexts(r, markdown.Content, 3, texts...) {
		d.Texts[items[i].ID] = h
	}
	if a.GroupID != 0 {
		g, err := s.db.GroupByID(ctx, a.GroupID)
		if err != nil {
			return nil, err
		}
		d.To = g.Name
	} else if p, err := s.db.GestaltByID(ctx, a.GestaltID); err == nil {
		d.To = p.Name()
	}
	v := viewer(r)
	for _, it := range items {
		if it.Kind == "application" && v.IsMember(it.ApplicationOf) {
			member, err := s.db.IsMember(ctx, it.ApplicationOf, it.AuthorID)
			if err != nil {
				return nil, err
			}
			d.CanAccept[it.ApplicationID] = !member
		}
	}
	return d, nil
}

// fediverseName names a person in the Fediverse: the handle, else the name, else the actor's
// address; "" for nobody.
func fediverseName(a *store.RemoteAuthor) string {
	switch {
	case a == nil:
		return ""
	case a.Handle != "":
		return a.Handle
	case a.Name != "":
		return a.Name
	}
	return a.ActorID
}

// acceptApplication admits an applicant; the page asks first.
func (s *Server) acceptApplication(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	app, err := s.db.ApplicationByID(r.Context(), id)
	if err != nil {
		return fmt.Errorf("application %d: %w", id, err)
	}
	v := viewer(r)
	if !v.IsMember(app.GroupID) {
		return errForbidden
	}
	if r.Method == http.MethodGet {
		applicant, err := s.db.GestaltByID(r.Context(), app.ApplicantID)
		if err != nil {
			return fmt.Errorf("application %d: applicant: %w", id, err)
		}
		s.render(w, r, http.StatusOK, "accept", s.t(r, "accept.title"), applicant)
		return nil
	}
	_, err = s.groups.AcceptApplication(r.Context(), id, v.Gestalt)
	if errors.Is(err, groups.ErrApplicationDone) {
		s.flash(r, msgInfo, s.t(r, "accept.already"))
	} else if err != nil {
		return fmt.Errorf("accept application %d: %w", id, err)
	} else {
		s.wake()
		s.flash(r, msgSuccess, s.t(r, "accept.done"))
	}
	redirect(w, r, "/stadt/conversations/"+itoa(app.AssociationID)+"/")
	return nil
}

type groupConversationsData struct {
	Group    *store.Group
	Items    []*store.ConversationItem
	Page     int
	NextPage int
}

// groupConversations lists a group's conversations for its members.
func (s *Server) groupConversations(w http.ResponseWriter, r *http.Request) error {
	g, err := s.groupOfID(r)
	if err != nil {
		return err
	}
	v := viewer(r)
	if !v.IsMember(g.ID) {
		return errForbidden
	}
	p := pageOf(r, itemsPerPage)
	d := groupConversationsData{Group: g, Page: p.Number}
	items, err := s.db.GroupConversations(r.Context(), g.ID, v.ID(), true, p.Limit(), p.Offset())
	if err != nil {
		return fmt.Errorf("conversations of group %s: %w", g.Slug, err)
	}
	d.Items, d.NextPage = cut(p, items)
	s.render(w, r, http.StatusOK, "group_conversations", s.t(r, "conversations.title", "Group", g.Name), d)
	return nil
}
