package notify

import (
	"context"
	"html"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/matrix"
	"grouprise.org/grouprise/internal/store"
)

// chatMessages queues the chat messages of an item (when matrix_chat is enabled): into the
// group's private room, and its public room if the item is public; into the public listener
// rooms for public contents; and into the notification rooms of the recipients who want
// chat notifications. One job per message, each with its own transaction id.
func (n *Notifier) chatMessages(ctx context.Context, q *store.Queries, it *item, audience []recipient, now time.Time) error {
	if !n.cfg.MatrixChat.Enabled {
		return nil
	}
	p := n.catalog.Printer(n.cfg.LanguageCode)
	kind := p.T("chat.kind." + it.kind)
	url := n.baseURL() + it.path
	entity := ""
	if it.group != nil {
		entity = it.group.Name
	} else if owner, err := q.GestaltByID(ctx, it.assoc.GestaltID); err == nil {
		entity = owner.Name()
	} else {
		return err
	}
	message := func(prefix bool) matrix.Message {
		text := kind + ": [" + it.title + "](" + url + ")"
		htmlText := html.EscapeString(kind) + `: <a href="` + html.EscapeString(url) + `">` + html.EscapeString(it.title) + `</a>`
		if prefix {
			text = "[" + entity + "] " + text
			htmlText = "[" + html.EscapeString(entity) + "] " + htmlText
		}
		return matrix.Message{Text: text, HTML: htmlText}
	}
	var jobs []matrix.SendJob
	add := func(t matrix.Target, m matrix.Message) {
		jobs = append(jobs, matrix.SendJob{Target: t, TxnID: matrix.NewTxnID(), Message: m})
	}
	if it.group != nil {
		add(matrix.Target{GroupID: it.group.ID, Private: true}, message(false))
		if it.public {
			add(matrix.Target{GroupID: it.group.ID}, message(false))
		}
	}
	if it.public && it.contribution == nil {
		for _, room := range n.cfg.MatrixChat.PublicListenerRooms {
			if room = strings.TrimSpace(room); room != "" {
				add(matrix.Target{Room: room}, message(true))
			}
		}
	}
	for _, r := range audience {
		if r.ByMatrix && r.CanLogIn && r.ID != it.author.ID {
			add(matrix.Target{GestaltID: r.ID}, message(true))
		}
	}
	return matrix.QueueSend(ctx, q, jobs, now)
}
