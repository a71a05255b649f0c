package web

import (
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"grouprise.org/grouprise/internal/files"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/images"
)

// serveMedia answers with a file below media_root: handed to the web server
// (file_download_backend nginx: X-Accel-Redirect to /protected-downloads/; apache and
// lighttpd: X-Sendfile) or sent by the daemon itself. downloadName, if set, makes the
// browser save the file under that name. A path that leaves media_root is errNotFound.
func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request, rel, downloadName string, public bool) error {
	abs := filepath.Join(s.cfg.MediaRoot, filepath.FromSlash(rel))
	if !strings.HasPrefix(abs, filepath.Clean(s.cfg.MediaRoot)+string(filepath.Separator)) {
		return errNotFound
	}
	h := w.Header()
	if downloadName != "" {
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": downloadName}))
	}
	if public {
		h.Set("Cache-Control", "public, max-age=86400")
	} else {
		h.Set("Cache-Control", "private, no-cache")
	}
	switch s.cfg.FileDownloadBackend {
	case "nginx":
		if ct := mime.TypeByExtension(filepath.Ext(rel)); ct != "" {
			h.Set("Content-Type", ct)
		}
		h.Set("X-Accel-Redirect", "/protected-downloads/"+rel)
	case "apache", "lighttpd":
		if ct := mime.TypeByExtension(filepath.Ext(rel)); ct != "" {
			h.Set("Content-Type", ct)
		}
		h.Set("X-Sendfile", abs)
	default:
		http.ServeFile(w, r, abs)
	}
	return nil
}

// avatarFile serves the pictures of people and groups (public, as in the original) from
// their directory. Imports before schema version 5 left a picture at the top of media_root
// under its bare name; such a file is served as long as a person or group uses it.
func (s *Server) avatarFile(w http.ResponseWriter, r *http.Request) error {
	kind, name := strings.Split(r.URL.Path, "/")[2], r.PathValue("name")
	if !files.ValidName(name) {
		return errNotFound
	}
	rel := kind + "/" + name
	if _, err := os.Stat(filepath.Join(s.cfg.MediaRoot, kind, name)); errors.Is(err, fs.ErrNotExist) {
		used, err := s.db.PictureInUse(r.Context(), rel)
		if err != nil {
			return err
		}
		if !used {
			return errNotFound
		}
		rel = name
	}
	return s.serveMedia(w, r, rel, "", true)
}

// upload reads one picture field of a multipart form and makes its rendition; "" without a
// file. A message for the person comes as the error.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, field string, rend images.Rendition, dir string) (string, error) {
	limit := s.uploadLimit()
	r.Body = http.MaxBytesReader(w, r.Body, limit+(1<<20))
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", errUpload(s.t(r, "upload.too_large", "MB", limit>>20))
		}
		return "", errUpload(s.t(r, "upload.failed"))
	}
	file, _, err := r.FormFile(field)
	if errors.Is(err, http.ErrMissingFile) {
		return "", nil
	} else if err != nil {
		return "", errUpload(s.t(r, "upload.failed"))
	}
	defer file.Close()
	data, err := s.images.Make(r.Context(), file, limit, rend)
	if msg := s.pictureProblem(r, err, ""); msg != "" {
		return "", errUpload(msg)
	} else if err != nil {
		return "", err
	}
	return images.Save(s.cfg.MediaRoot, dir, ".jpg", data)
}

// pictureProblem is the message for a picture that the person can change or send again
// (named name, if given), or "" for other errors.
func (s *Server) pictureProblem(r *http.Request, err error, name string) string {
	switch {
	case errors.Is(err, images.ErrNotImage) && name != "":
		return s.t(r, "upload.not_image_named", "Name", name)
	case errors.Is(err, images.ErrNotImage):
		return s.t(r, "upload.not_image")
	case errors.Is(err, images.ErrTooLarge):
		return s.t(r, "upload.too_large", "MB", s.uploadLimit()>>20)
	case errors.Is(err, images.ErrTooCostly): // before ErrTooManyPixels, which it wraps
		return s.t(r, "upload.too_costly")
	case errors.Is(err, images.ErrTooManyPixels):
		return s.t(r, "upload.too_many_pixels", "MP", images.MaxPixels/1_000_000)
	case errors.Is(err, images.ErrBusy):
		return s.t(r, "upload.busy")
	}
	return ""
}

// errUpload is an upload problem the person can fix.
type errUpload string

func (e errUpload) Error() string { return string(e) }

type imagesData struct {
	Avatar, Logo, Background string // current files
	Group                    string // slug, for group settings
	Error                    string
}

// pictureKind is one picture field of the image settings.
type pictureKind struct {
	field string
	rend  images.Rendition
	dir   string
}

// removes tells whether the form asks to remove the picture of a field (the remove
// checkboxes share one name).
func removes(r *http.Request, field string) bool {
	return slices.Contains(r.Form["remove"], field)
}

func (s *Server) imageSettings(w http.ResponseWriter, r *http.Request) error {
	if !viewer(r).LoggedIn() {
		return errForbidden
	}
	g := viewer(r).Gestalt
	s.render(w, r, http.StatusOK, "images", s.t(r, "images.title"), imagesData{Avatar: g.Avatar, Background: g.Background})
	return nil
}

// updateImages replaces or removes a person's avatar and profile background.
func (s *Server) updateImages(w http.ResponseWriter, r *http.Request) error {
	if !viewer(r).LoggedIn() {
		return errForbidden
	}
	g := viewer(r).Gestalt
	for _, kind := range []pictureKind{{"avatar", images.Avatar, "avatars"}, {"background", images.Background, "backgrounds"}} {
		name, err := s.upload(w, r, kind.field, kind.rend, kind.dir)
		var problem errUpload
		if errors.As(err, &problem) {
			s.render(w, r, http.StatusUnprocessableEntity, "images", s.t(r, "images.title"),
				imagesData{Avatar: g.Avatar, Background: g.Background, Error: string(problem)})
			return nil
		}
		if err != nil {
			return err
		}
		if name == "" && !removes(r, kind.field) {
			continue
		}
		set := s.accounts.SetAvatar
		if kind.field == "background" {
			set = s.accounts.SetBackground
		}
		if err := set(r.Context(), g.ID, name); err != nil {
			return fmt.Errorf("%s of %d: %w", kind.field, g.ID, err)
		}
	}
	s.flash(r, msgSuccess, s.t(r, "settings.saved"))
	redirect(w, r, "/stadt/settings/images/")
	return nil
}

func (s *Server) groupImageSettings(w http.ResponseWriter, r *http.Request) error {
	g, err := s.groupOfSlug(r)
	if err != nil {
		return err
	}
	if !groups.CanChange(viewer(r), g) {
		return errForbidden
	}
	s.render(w, r, http.StatusOK, "images", s.t(r, "images.group_title"), imagesData{Avatar: g.Avatar, Logo: g.Logo, Group: g.Slug})
	return nil
}

// updateGroupImages replaces or removes a group's avatar and logo.
func (s *Server) updateGroupImages(w http.ResponseWriter, r *http.Request) error {
	g, err := s.groupOfSlug(r)
	if err != nil {
		return err
	}
	if !groups.CanChange(viewer(r), g) {
		return errForbidden
	}
	for _, kind := range []pictureKind{{"avatar", images.Avatar, "avatars"}, {"logo", images.Logo, "logos"}} {
		name, err := s.upload(w, r, kind.field, kind.rend, kind.dir)
		var problem errUpload
		if errors.As(err, &problem) {
			s.render(w, r, http.StatusUnprocessableEntity, "images", s.t(r, "images.group_title"),
				imagesData{Avatar: g.Avatar, Logo: g.Logo, Group: g.Slug, Error: string(problem)})
			return nil
		}
		if err != nil {
			return err
		}
		if name != "" || removes(r, kind.field) {
			if err := s.groups.SetImage(r.Context(), g, kind.field, name); err != nil {
				return fmt.Errorf("%s of group %s: %w", kind.field, g.Slug, err)
			}
		}
	}
	s.flash(r, msgSuccess, s.t(r, "settings.saved"))
	redirect(w, r, "/stadt/settings/group/images/?group="+g.Slug)
	return nil
}
