package web

import (
	"net/http"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/files"
	"grouprise.org/grouprise/internal/images"
)

// saveFormUploads stores what the content form brought: a gallery's pictures or a file
// (saveUploads) and the preview picture (F42). remove deletes all of it again.
func (s *Server) saveFormUploads(r *http.Request, f *form, kind contents.Kind, d *contents.Draft) (remove func()) {
	removeUploads := s.saveUploads(r, f, kind, d)
	removePicture := s.savePreviewPicture(r, f, d)
	return func() { removeUploads(); removePicture() }
}

// savePreviewPicture checks the picture uploaded in the field "picture" as every picture
// (type, size, pixels; decoded in one of the renderer's slots), stores it scaled below
// media_root and puts it into the draft. Only the first file of the field counts.
func (s *Server) savePreviewPicture(r *http.Request, f *form, d *contents.Draft) (remove func()) {
	remove = func() {}
	if r.MultipartForm == nil {
		return remove
	}
	list := r.MultipartForm.File["picture"]
	if len(list) == 0 || list[0].Filename == "" && list[0].Size == 0 {
		return remove
	}
	h := list[0]
	file, err := h.Open()
	if err != nil {
		f.Fail("picture", s.t(r, "upload.failed"))
		return remove
	}
	data, err := s.images.Make(r.Context(), file, s.uploadLimit(), images.Stored)
	file.Close()
	if msg := s.pictureProblem(r, err, cleanName(h.Filename)); msg != "" {
		f.Fail("picture", msg)
		return remove
	} else if err != nil {
		s.log.Error("reading a preview picture failed", "err", err)
		f.Fail("picture", s.t(r, "upload.failed"))
		return remove
	}
	name, err := images.Save(s.cfg.MediaRoot, "", ".jpg", data)
	if err != nil {
		s.log.Error("saving a preview picture failed", "err", err)
		f.Fail("picture", s.t(r, "upload.failed"))
		return remove
	}
	d.NewPicture = name
	return func() { files.Remove(s.cfg.MediaRoot, name) }
}
