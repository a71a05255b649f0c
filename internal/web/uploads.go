package web

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"grouprise.org/grouprise/internal/access"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/conversations"
	"grouprise.org/grouprise/internal/files"
	"grouprise.org/grouprise/internal/images"
	"grouprise.org/grouprise/internal/store"
)

// uploadLimit is the largest accepted upload (upload_max_file_size, or 100 MB when 0).
func (s *Server) uploadLimit() int64 {
	if l := s.cfg.UploadLimit(); l > 0 {
		return l
	}
	return 100 << 20
}

// parseUploadForm reads a multipart form; a form larger than allowed, or broken, is an
// errUpload, whose message the caller shows the person (with the form, or as JSON).
func (s *Server) parseUploadForm(w http.ResponseWriter, r *http.Request) error {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.uploadLimit()*4+(1<<20))
	err := r.ParseMultipartForm(8 << 20)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return errUpload(s.t(r, "upload.too_large", "MB", s.uploadLimit()>>20))
	}
	if err != nil {
		return errUpload(s.t(r, "upload.failed"))
	}
	return nil
}

// cleanName is an uploaded file's name as people see it: without a path and control
// characters, at most 255 characters.
func cleanName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	if r := []rune(name); len(r) > 255 {
		name = string(r[len(r)-255:])
	}
	if name == "." || name == "/" {
		return ""
	}
	return name
}

// saveUploads stores the pictures of a gallery form and the file of a file form below
// media_root and puts them into the draft. Problems go to the form; remove deletes what was
// stored (when the form fails after all).
func (s *Server) saveUploads(r *http.Request, f *form, kind contents.Kind, d *contents.Draft) (remove func()) {
	var saved []string
	remove = func() {
		for _, name := range saved {
			files.Remove(s.cfg.MediaRoot, name)
		}
	}
	if r.MultipartForm == nil {
		return remove
	}
	limit := s.uploadLimit()
	tooLarge := s.t(r, "upload.too_large", "MB", limit>>20)
	switch kind {
	case contents.Gallery:
		for _, h := range r.MultipartForm.File["images"] {
			file, err := h.Open()
			if err != nil {
				f.Fail("images", s.t(r, "upload.failed"))
				continue
			}
			data, err := s.images.Make(r.Context(), file, limit, images.Stored)
			file.Close()
			if msg := s.pictureProblem(r, err, cleanName(h.Filename)); msg != "" {
				f.Fail("images", msg)
				continue
			} else if err != nil {
				f.Fail("images", s.t(r, "upload.failed"))
				continue
			}
			name, err := images.Save(s.cfg.MediaRoot, "", ".jpg", data)
			if err != nil {
				s.log.Error("saving a picture failed", "err", err)
				f.Fail("images", s.t(r, "upload.failed"))
				continue
			}
			saved = append(saved, name)
			d.NewImages = append(d.NewImages, name)
		}
	case contents.File:
		list := r.MultipartForm.File["file"]
		if len(list) == 0 || list[0].Filename == "" {
			return remove
		}
		h := list[0]
		file, err := h.Open()
		if err != nil {
			f.Fail("file", s.t(r, "upload.failed"))
			return remove
		}
		defer file.Close()
		original := cleanName(h.Filename)
		name, err := files.Save(s.cfg.MediaRoot, file, original, limit)
		switch {
		case errors.Is(err, files.ErrMismatch):
			f.Fail("file", s.t(r, "upload.mismatch", "Ext", files.Ext(original)))
		case errors.Is(err, files.ErrTooLarge):
			f.Fail("file", tooLarge)
		case err != nil:
			s.log.Error("saving a file failed", "err", err)
			f.Fail("file", s.t(r, "upload.failed"))
		default:
			saved = append(saved, name)
			d.Upload = &contents.Upload{Stored: name, Name: original}
		}
	}
	return remove
}

// contentFile serves /-/files/<name> to those who may see what it belongs to, under its
// original name.
func (s *Server) contentFile(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if !files.ValidName(name) {
		return errNotFound
	}
	u, err := s.db.FileByName(r.Context(), name)
	if err != nil {
		return err
	}
	allowed, err := s.mayDownload(r.Context(), viewer(r), u)
	if err != nil {
		return err
	}
	if !allowed {
		return errForbidden
	}
	download := u.Filename
	if download == "" {
		download = name
	}
	return s.serveMedia(w, r, name, download, false)
}

// mayDownload tells whether v may fetch the file u: those who may see the content it
// belongs to, or the conversation or comment it is attached to.
func (s *Server) mayDownload(ctx context.Context, v *access.Viewer, u *store.FileUse) (bool, error) {
	allowed := false
	contentID := u.ContentID
	if c := u.Contribution; contentID == 0 && c != nil {
		contentID = c.ContentID
		if c.ConversationID != 0 {
			a, err := s.db.AssociationOf(ctx, 0, c.ConversationID)
			if err != nil {
				return false, err
			}
			starter, err := s.db.ConversationStarter(ctx, c.ConversationID)
			if err != nil {
				return false, err
			}
			allowed = conversations.CanView(v, a, starter)
		}
	}
	if contentID != 0 {
		assocs, err := s.db.AssociationsOf(ctx, contentID)
		if err != nil {
			return false, err
		}
		for _, a := range assocs {
			ok := contents.CanView(v, a)
			if c := u.Contribution; ok && u.ContentID == 0 && c != nil && !c.Public {
				ok = contents.CanViewInternal(v, a) || v.Is(c.AuthorID)
			}
			allowed = allowed || ok
		}
	}
	return allowed, nil
}

// contentImage serves a picture of a gallery or content (public, as in the original: they
// may be embedded anywhere) or, with a size, its rendition, made on first request.
func (s *Server) contentImage(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if !files.ValidName(name) {
		return errNotFound
	}
	if _, err := s.db.ImageByFile(r.Context(), name); err != nil {
		return err
	}
	size := r.PathValue("size")
	if size == "" {
		return s.serveMedia(w, r, name, "", true)
	}
	rend, ok := images.Renditions[size]
	if !ok {
		return errNotFound
	}
	rel := "cache/" + size + "/" + strings.TrimSuffix(name, filepath.Ext(name)) + ".jpg"
	dst := filepath.Join(s.cfg.MediaRoot, filepath.FromSlash(rel))
	if _, err := os.Stat(dst); err != nil {
		if err := s.images.Render(r.Context(), filepath.Join(s.cfg.MediaRoot, name), dst, rend); err != nil {
			// A picture that cannot be scaled (SVG, a broken file) is shown as it is.
			return s.serveMedia(w, r, name, "", true)
		}
	}
	return s.serveMedia(w, r, rel, "", true)
}
