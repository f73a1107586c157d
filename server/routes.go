package server

import (
	"net/http"

	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"callmatch/ui"
)

// routes lists every route of the app.
func (s *Server) routes() {
	app := s.app
	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get("/metrics", s.metrics.handler())

	api := app.Group("/api/v1")
	api.Get("/calls", s.listCalls)
	api.Get("/calls/:id", s.getCall)
	api.Post("/profiles", s.createProfile)
	api.Get("/profiles/:id", s.getProfile)
	api.Put("/profiles/:id", s.updateProfile)
	api.Delete("/profiles/:id", s.deleteProfile)
	api.Get("/profiles/:id/matches", s.getMatches)

	app.Get("/", s.showSearchPage)
	app.Get("/calls/:id", s.showCallPage)
	app.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(ui.Static()), MaxAge: 3600}))
}
