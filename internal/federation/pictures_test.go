package federation

import (
	"encoding/json"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/activitypub"
)

// A Note's attachments as servers send them become the comment's pictures only when they are
// Images or Documents of a picture type at an http(s) address, four at most, with their
// descriptions as bounded plain text; a sensitive Note brings none.
func TestPicturesOf(t *testing.T) {
	img := func(url, name string) string {
		return `{"type": "Document", "mediaType": "image/jpeg", "url": "` + url + `", "name": "` + name + `"}`
	}
	for name, c := range map[string]struct {
		attachment string // the JSON of the Note's attachment
		sensitive  bool
		want       []replyPicture
	}{
		"none":             {`[]`, false, nil},
		"one, not a list":  {img("https://s.example/a.jpg", "Tomaten"), false, []replyPicture{{"https://s.example/a.jpg", "Tomaten"}}},
		"an Image, as PNG": {`[{"type": "Image", "mediaType": "IMAGE/PNG", "url": "https://s.example/a.png"}]`, false, []replyPicture{{"https://s.example/a.png", ""}}},
		"url as Links": {`[{"type": "Image", "mediaType": "image/webp", "url": [{"type": "Link", "href": "https://s.example/a.webp"}]}]`, false,
			[]replyPicture{{"https://s.example/a.webp", ""}}},
		"four of six, others left out": {`[` + img("https://s.example/1.jpg", "") + `,` +
			`{"type": "Document", "mediaType": "video/mp4", "url": "https://s.example/v.mp4"},` +
			img("https://s.example/2.jpg", "") + `,` + img("https://s.example/3.jpg", "") + `,` +
			img("https://s.example/4.jpg", "") + `,` + img("https://s.example/5.jpg", "") + `]`, false,
			[]replyPicture{{"https://s.example/1.jpg", ""}, {"https://s.example/2.jpg", ""}, {"https://s.example/3.jpg", ""}, {"https://s.example/4.jpg", ""}}},
		"a bare address (no type said)": {`"https://s.example/a.jpg"`, false, nil},
		"an SVG":                        {`[{"type": "Image", "mediaType": "image/svg+xml", "url": "https://s.example/a.svg"}]`, false, nil},
		"a Link":                        {`[{"type": "Link", "mediaType": "image/jpeg", "href": "https://s.example/a.jpg"}]`, false, nil},
		"not http":                      {`[` + img("javascript:alert(1)", "") + `,` + img("file:///etc/passwd", "") + `,` + img("/relative.jpg", "") + `]`, false, nil},
		"sensitive":                     {img("https://s.example/a.jpg", ""), true, nil},
		"a hostile description": {img("https://s.example/a.jpg", `Beet\u202e\u0000 mit\n\n  Kürbis `+strings.Repeat("x", 600)), false,
			[]replyPicture{{"https://s.example/a.jpg", string([]rune("Beet mit Kürbis " + strings.Repeat("x", 600))[:maxPictureAlt])}}},
	} {
		t.Run(name, func(t *testing.T) {
			note := `{"id": "https://s.example/notes/1", "type": "Note", "attributedTo": "https://s.example/users/a",
				"content": "<p>x</p>", "sensitive": ` + map[bool]string{true: "true", false: "false"}[c.sensitive] +
				`, "attachment": ` + c.attachment + `}`
			act, err := activitypub.ParseActivity([]byte(`{"id": "https://s.example/acts/1", "type": "Create",
				"actor": "https://s.example/users/a", "object": ` + note + `}`))
			if err != nil {
				t.Fatal(err)
			}
			post, err := act.Object.Post()
			if err != nil {
				t.Fatal(err)
			}
			var got []replyPicture
			if s := picturesOf(post); s != "" {
				if err := json.Unmarshal([]byte(s), &got); err != nil {
					t.Fatal(err)
				}
			}
			if len(got) != len(c.want) {
				t.Fatalf("pictures %q, want %q", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("picture %d: %q, want %q", i, got[i], c.want[i])
				}
			}
		})
	}
}
