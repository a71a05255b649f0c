package web

import "net/http"

// routes registers every page and action of the site; URLs keep the Django grouprise's shapes.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.index)
	mux.HandleFunc("GET /robots.txt", s.robots)

	// accounts
	mux.HandleFunc("GET /stadt/login/", s.loginForm)
	mux.HandleFunc("POST /stadt/login/", s.login)
	mux.HandleFunc("GET /stadt/logout/", s.logoutForm)
	mux.HandleFunc("POST /stadt/logout/", s.logout)
	mux.HandleFunc("POST /stadt/language/", s.setLanguage)

	mux.HandleFunc("/", s.notFound)
	return mux
}
