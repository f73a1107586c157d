package server

// apiRoutes lists the operational endpoints and the JSON API under /api/v1.
func (s *Server) apiRoutes() {
	app := s.app
	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get("/metrics", s.metrics.handler())

	api := app.Group("/api/v1")
	api.Get("/openapi.json", s.getOpenAPI)
	api.Get("/calls", s.cacheSearchJSON, s.listCalls)
	api.Get("/calls/:id", s.cacheCallJSON, s.getCall)
	api.Post("/profiles", s.createProfile)
	api.Get("/profiles/:id", s.getProfile)
	api.Put("/profiles/:id", s.updateProfile)
	api.Delete("/profiles/:id", s.deleteProfile)
	api.Get("/profiles/:id/matches", s.getMatches)
	api.Post("/profiles/:id/token", s.rotateProfileToken)
	api.Post("/subscriptions", s.limitSubscriptions, s.postSubscription)
}
