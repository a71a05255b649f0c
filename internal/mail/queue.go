package mail

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"grouprise.org/grouprise/internal/store"
)

// JobKind is the kind of the queue's jobs that send one message.
const JobKind = "mail"

// Job is what a mail job carries: the message is encoded when it is sent.
type Job struct {
	Envelope Envelope
	Message  Message
}

// Queue puts a message into the job queue, in the caller's transaction: it is sent if and
// only if that transaction commits, and retried until the MTA takes it.
func Queue(ctx context.Context, q *store.Queries, env Envelope, m *Message, at time.Time) error {
	if len(env.To) == 0 {
		return fmt.Errorf("mail: queue %q: no recipient", m.Subject)
	}
	if env.From == "" {
		return fmt.Errorf("mail: queue %q: no sender: nothing is ever sent from the null sender", m.Subject)
	}
	if _, err := q.Enqueue(ctx, JobKind, Job{Envelope: env, Message: *m}, at); err != nil {
		return fmt.Errorf("mail: queue: %w", err)
	}
	return nil
}

// QueueAll puts many messages into the job queue at once (a fan-out), in the caller's
// transaction.
func QueueAll(ctx context.Context, q *store.Queries, jobs []Job, at time.Time) error {
	payloads := make([]any, len(jobs))
	for i := range jobs {
		if len(jobs[i].Envelope.To) == 0 || jobs[i].Envelope.From == "" {
			return fmt.Errorf("mail: queue %q: sender and recipient are required", jobs[i].Message.Subject)
		}
		payloads[i] = &jobs[i]
	}
	if err := q.EnqueueMany(ctx, JobKind, payloads, at); err != nil {
		return fmt.Errorf("mail: queue: %w", err)
	}
	return nil
}

// Sender is the handler of mail jobs.
type Sender struct {
	Transport Transport
}

// Handle sends the message of a mail job. An error that is not permanent makes the runner try
// again later.
func (s *Sender) Handle(ctx context.Context, j *store.Job) error {
	var job Job
	if err := json.Unmarshal(j.Payload, &job); err != nil {
		return &PermanentError{fmt.Errorf("mail: job %d: %w", j.ID, err)}
	}
	data, err := job.Message.Bytes()
	if err != nil {
		return &PermanentError{err}
	}
	return s.Transport.Send(ctx, job.Envelope, data)
}

// ItemDate is the date of a queued mail's message (for a notification: when its content or
// comment was made), or the zero time.
func ItemDate(j *store.Job) time.Time {
	var job struct {
		Message struct {
			Date time.Time
		}
	}
	if err := json.Unmarshal(j.Payload, &job); err != nil {
		return time.Time{}
	}
	return job.Message.Date
}
