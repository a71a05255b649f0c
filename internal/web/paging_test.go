package web

import (
	"net/http/httptest"
	"testing"
)

func TestListPages(t *testing.T) {
	for _, c := range []struct {
		query          string
		number, offset int
	}{{"", 1, 0}, {"page=2", 2, 12}, {"page=0", 1, 0}, {"page=-3", 1, 0}, {"page=x", 1, 0}, {"page=10001", 1, 0}, {"page=10000", 10000, 119988}} {
		p := pageOf(httptest.NewRequest("GET", "/?"+c.query, nil), itemsPerPage)
		if p.Number != c.number || p.Offset() != c.offset || p.Limit() != 13 {
			t.Errorf("%q: page %d offset %d limit %d, want %d, %d, 13", c.query, p.Number, p.Offset(), p.Limit(), c.number, c.offset)
		}
	}
	p := listPage{Number: 2, Size: 3}
	if items, next := cut(p, []int{1, 2, 3, 4}); len(items) != 3 || next != 3 {
		t.Errorf("a full page and one more: %v, next %d", items, next)
	}
	if items, next := cut(p, []int{1, 2, 3}); len(items) != 3 || next != 0 {
		t.Errorf("the last page: %v, next %d", items, next)
	}
}
