package web

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/files"
	"grouprise.org/grouprise/internal/images"
	"grouprise.org/grouprise/internal/store"
)

// imageQuery reads the filters of the images list: ?id=1,2 and ?creator=id.
func (s *Server) imageQuery(w http.ResponseWriter, r *http.Request) (store.ImageQuery, bool) {
	v := viewer(r)
	iq := store.ImageQuery{ViewerID: v.ID(), MemberOf: v.GroupIDs(), Limit: 500}
	q := r.URL.Query()
	if ids := q.Get("id"); ids != "" {
		parts := strings.Split(ids, ",")
		if len(parts) > 100 {
			s.jsonError(w, http.StatusBadRequest, "BAD_ID", s.t(r, "api.bad_request"))
			return iq, false
		}
		for _, part := range parts {
			id, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
			if err != nil {
				s.jsonError(w, http.StatusBadRequest, "BAD_ID", s.t(r, "api.bad_request"))
				return iq, false
			}
			iq.IDs = append(iq.IDs, id)
		}
	}
	if c := q.Get("creator"); c != "" {
		id, err := strconv.ParseInt(c, 10, 64)
		if err != nil {
			s.jsonError(w, http.StatusBadRequest, "BAD_ID", s.t(r, "api.bad_request"))
			return iq, false
		}
		iq.Creator = id
	}
	return iq, true
}

// apiSavePicture reads the picture of a multipart field "file", within the upload limits,
// and stores it below media_root; "" with a nil error after it answered a refusal in JSON.
func (s *Server) apiSavePicture(w http.ResponseWriter, r *http.Request) (string, error) {
	if err := s.parseUploadForm(w, r); err != nil {
		s.jsonError(w, http.StatusRequestEntityTooLarge, "UPLOAD", err.Error())
		return "", nil
	}
	file, _, err := r.FormFile("file")
	if err != nil {
		s.jsonError(w, http.StatusBadRequest, "NO_FILE", s.t(r, "error.no_file"))
		return "", nil
	}
	defer file.Close()
	data, err := s.images.Make(r.Context(), file, s.uploadLimit(), images.Stored)
	switch {
	case errors.Is(err, images.ErrNotImage):
		s.jsonError(w, http.StatusBadRequest, "NOT_IMAGE", s.t(r, "upload.not_image"))
		return "", nil
	case errors.Is(err, images.ErrTooLarge), errors.Is(err, images.ErrTooManyPixels):
		s.jsonError(w, http.StatusRequestEntityTooLarge, "TOO_LARGE", s.pictureProblem(r, err, ""))
		return "", nil
	case errors.Is(err, images.ErrBusy):
		s.jsonError(w, http.StatusServiceUnavailable, "BUSY", s.t(r, "upload.busy"))
		return "", nil
	case err != nil:
		return "", fmt.Errorf("api: image: %w", err)
	}
	name, err := images.Save(s.cfg.MediaRoot, "", ".jpg", data)
	if err != nil {
		return "", fmt.Errorf("api: image: %w", err)
	}
	return name, nil
}

// apiImage shows one of the pictures of the viewer's list (GET), or gives it a new file
// (PUT or PATCH, multipart "file") for those who may replace it (contents.CanReplaceImage).
// A picture outside the viewer's list is unknown to them, whether it exists or not.
func (s *Server) apiImage(w http.ResponseWriter, r *http.Request) error {
	if !s.apiLogin(w, r) {
		return nil
	}
	ctx := r.Context()
	v := viewer(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.jsonError(w, http.StatusNotFound, "NOT_FOUND", s.t(r, "error.not_found"))
		return nil
	}
	list, err := s.db.Images(ctx, store.ImageQuery{ViewerID: v.ID(), MemberOf: v.GroupIDs(), IDs: []int64{id}, Limit: 1})
	if err != nil {
		return fmt.Errorf("api: image %d: %w", id, err)
	}
	if len(list) == 0 {
		s.jsonError(w, http.StatusNotFound, "NOT_FOUND", s.t(r, "error.not_found"))
		return nil
	}
	if r.Method == http.MethodGet {
		s.writeJSON(w, http.StatusOK, s.apiImageOf(list[0]))
		return nil
	}
	// Asked before the upload is read, so that a refused request costs no decoding; the
	// domain asks again in its transaction.
	uses, err := s.db.ImageUses(ctx, id)
	if err != nil {
		return fmt.Errorf("api: image %d: %w", id, err)
	}
	if !contents.CanReplaceImage(v, list[0], uses) {
		s.jsonError(w, http.StatusForbidden, "FORBIDDEN", s.t(r, "error.forbidden"))
		return nil
	}
	name, err := s.apiSavePicture(w, r)
	if name == "" || err != nil {
		return err
	}
	img, old, err := s.contents.ReplaceImage(ctx, v, id, name)
	if err != nil {
		files.Remove(s.cfg.MediaRoot, name)
		if errors.Is(err, contents.ErrNotAllowed) {
			s.jsonError(w, http.StatusForbidden, "FORBIDDEN", s.t(r, "error.forbidden"))
			return nil
		}
		if errors.Is(err, store.ErrNotFound) {
			s.jsonError(w, http.StatusNotFound, "NOT_FOUND", s.t(r, "error.not_found"))
			return nil
		}
		return fmt.Errorf("api: image %d: %w", id, err)
	}
	s.removeImageFiles(r, old)
	s.writeJSON(w, http.StatusOK, s.apiImageOf(img))
	return nil
}

// removeImageFiles removes a picture's former file and its renditions, unless another
// picture's row names the file too. Names with a directory (imported from the original)
// stay where they are.
func (s *Server) removeImageFiles(r *http.Request, name string) {
	if !files.ValidName(name) {
		return
	}
	if _, err := s.db.ImageByFile(r.Context(), name); !errors.Is(err, store.ErrNotFound) {
		return
	}
	files.Remove(s.cfg.MediaRoot, name)
	for size := range images.Renditions {
		os.Remove(filepath.Join(s.cfg.MediaRoot, "cache", size, strings.TrimSuffix(name, filepath.Ext(name))+".jpg"))
	}
}
