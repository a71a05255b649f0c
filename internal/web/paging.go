package web

import (
	"net/http"
	"strconv"
)

// listPage is the page of a list a request asks for (?page=N). A list fetches one item more
// than it shows, to know whether a next page exists without counting.
type listPage struct {
	Number int // from 1
	Size   int // items shown
}

// Lists show 12 items a page (the group directory 24), as the original did.
const itemsPerPage = 12

// pageOf reads ?page=N (1 if absent or wrong) for pages of size items.
func pageOf(r *http.Request, size int) listPage {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 || n > 10000 {
		n = 1
	}
	return listPage{Number: n, Size: size}
}

// Limit is how many items to fetch: one more than the page shows.
func (p listPage) Limit() int { return p.Size + 1 }

// Offset is how many items come before the page.
func (p listPage) Offset() int { return (p.Number - 1) * p.Size }

// cut returns the items the page shows and the next page's number (0 if this is the last).
func cut[T any](p listPage, fetched []T) ([]T, int) {
	if len(fetched) > p.Size {
		return fetched[:p.Size], p.Number + 1
	}
	return fetched, 0
}
