package metrics

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestDeliveryAge: the age of the oldest delivery not yet done is shown beside the
// deliveries by outcome; 0 when none waits.
func TestDeliveryAge(t *testing.T) {
	for _, c := range []struct {
		oldest time.Duration
		want   string
	}{{90 * time.Second, "grouprise_activitypub_deliveries_oldest_waiting_seconds 90\n"},
		{0, "grouprise_activitypub_deliveries_oldest_waiting_seconds 0\n"}} {
		reg := New("tasks", "test")
		tasks := reg.NewTasks(func(context.Context) (Queue, error) { return Queue{OldestDelivery: c.oldest}, nil })
		tasks.Delivery("delivered")
		rec := httptest.NewRecorder()
		reg.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		body := rec.Body.String()
		if !strings.Contains(body, c.want) || !strings.Contains(body, `grouprise_activitypub_deliveries_total{outcome="delivered"} 1`) {
			t.Errorf("no %q beside the deliveries in\n%s", c.want, body)
		}
	}
}
