package server

import (
	"net/http"

	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"callmatch/ui"
)

// routes lists every route of the app: operations and the JSON API in
// routes_api.go, the middleware and the HTML pages here.
func (s *Server) routes() {
	app := s.app
	app.Use(s.securityHeaders, s.language, s.session, s.csrf)

	// Rate limits and the staff API, under /api/v1, before the API proper.
	app.Post("/api/v1/profiles", s.limitAPIRegistration)
	app.Post("/api/v1/curations", s.postCuration)

	s.apiRoutes()

	app.Use("/static", s.staticAsset, filesystem.New(filesystem.Config{Root: http.FS(ui.Static()), MaxAge: 7 * 24 * 3600}))

	// Search and calls.
	app.Get("/", s.cacheSearchPage, s.showSearchPage)
	app.Get("/calls.csv", s.exportCalls)
	app.Get("/calls/:id", s.cacheCallPage, s.showCallPage)
	app.Get("/feeds/calls.atom", s.callsFeed)

	// SMEs: registration, sign-in by e-mailed link, matches.
	app.Get("/profiles/new", s.showNewProfile)
	app.Post("/profiles/new", s.limitRegistration, s.createProfilePage)
	app.Get("/signin", s.showSignIn)
	app.Post("/signin", s.requestSignIn)
	app.Get("/signin/:token", s.showSignInConfirm)
	app.Post("/signin/:token", s.useSignInLink)
	app.Post("/signout", s.signOut)
	app.Get("/profiles/:id", s.showMatches)
	app.Get("/profiles/:id/edit", s.showEditProfile)
	app.Post("/profiles/:id/edit", s.updateProfilePage)
	app.Get("/profiles/:id/delete", s.showDeleteProfile)
	app.Post("/profiles/:id/delete", s.deleteProfilePage)
	app.Get("/profiles/:id/token", s.showProfileToken)
	app.Post("/profiles/:id/token", s.newProfileTokenPage)
	app.Post("/profiles/:id/follow", s.markCall("follow"))
	app.Post("/profiles/:id/unfollow", s.markCall("unfollow"))
	app.Post("/profiles/:id/dismiss", s.markCall("dismiss"))
	app.Post("/profiles/:id/undismiss", s.markCall("undismiss"))
	app.Get("/profiles/:id/matches.csv", s.exportMatches)
	app.Get("/profiles/:id/deadlines.ics", s.calendarFeed)
	app.Get("/profiles/:id/matches.atom", s.matchesFeed)
	app.Post("/profiles/:id/calendar", s.newCalendarAddress)

	// E-mail digests: subscribing (double opt-in), the owner's settings,
	// and unsubscribing (RFC 8058 one-click POST; the GET only shows a page).
	app.Post("/profiles/:id/subscriptions", s.limitSubscriptions, s.subscribePage)
	app.Post("/profiles/:id/subscriptions/:sid/pause", s.manageSubscription("pause"))
	app.Post("/profiles/:id/subscriptions/:sid/resume", s.manageSubscription("resume"))
	app.Post("/profiles/:id/subscriptions/:sid/unsubscribe", s.manageSubscription("unsubscribe"))
	app.Get("/subscriptions/confirm/:token", s.showConfirmSubscription)
	app.Post("/subscriptions/confirm/:token", s.confirmSubscriptionPage)
	app.Get("/unsubscribe/:token", s.showUnsubscribe)
	app.Post("/unsubscribe/:token", s.unsubscribe)

	// NCC staff.
	app.Get("/staff/login", s.showStaffLogin)
	app.Post("/staff/login", s.staffLogin)
	staff := app.Group("/staff", s.requireStaff)
	staff.Get("/", s.showStaffDashboard)
	staff.Get("/profiles", s.showStaffProfiles)
	staff.Get("/curations", s.showStaffCurations)
	staff.Post("/curations", s.createCurationPage)
}
