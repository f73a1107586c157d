package server

import (
	"net/http"

	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"callmatch/ui"
)

// routes lists every route of the app: operations and the JSON API in
// routes_api.go, the HTML pages here.
func (s *Server) routes() {
	s.apiRoutes()

	app := s.app
	app.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(ui.Static()), MaxAge: 3600}))
	app.Get("/", s.showSearchPage)
	app.Get("/calls/:id", s.showCallPage)
}
