package server

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"callmatch/funding"
	"callmatch/store"
)

// apiError is an error with the status and the message a client may see.
type apiError struct {
	status  int
	message string
}

func (e *apiError) Error() string { return e.message }

func badRequest(msg string) error   { return &apiError{fiber.StatusBadRequest, msg} }
func unauthorized(msg string) error { return &apiError{fiber.StatusUnauthorized, msg} }
func forbidden(msg string) error    { return &apiError{fiber.StatusForbidden, msg} }
func notFound(msg string) error     { return &apiError{fiber.StatusNotFound, msg} }

// handleError maps every error to one status and one message: JSON
// {"error": "..."} under /api, a plain page elsewhere. Unknown errors are
// logged once here and shown as a generic 500.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	status, msg := fiber.StatusInternalServerError, "internal error"
	var (
		ae *apiError
		ve *funding.ValidationError
		fe *fiber.Error
	)
	switch {
	case errors.As(err, &ae):
		status, msg = ae.status, ae.message
	case errors.As(err, &ve):
		status, msg = fiber.StatusBadRequest, ve.Error()
	case errors.Is(err, store.ErrNotFound):
		status, msg = fiber.StatusNotFound, "not found"
	case errors.As(err, &fe):
		status, msg = fe.Code, fe.Message
	case s.storeDown(c):
		// The database is restarting or unreachable: say so, and when to retry.
		status, msg = fiber.StatusServiceUnavailable, "temporarily unavailable: the database cannot be reached, retry shortly"
		c.Set(fiber.HeaderRetryAfter, "5")
		s.logger.Warn("Request failed: store unavailable", slog.String("path", logPath(c)), slog.Any("error", err))
	default:
		s.logger.Error("Request failed", slog.String("method", methodLabel(c.Method())), slog.String("path", logPath(c)), slog.Any("error", err))
	}
	if strings.HasPrefix(c.Path(), "/api/") || status == fiber.StatusRequestEntityTooLarge && !acceptsHTML(c) {
		return c.Status(status).JSON(fiber.Map{"error": msg})
	}
	return s.renderError(c, status, msg)
}

// storeDown reports whether the store fails a quick ping: an unexpected
// error while it is down is an outage to retry (503), not a bug (500).
func (s *Server) storeDown(c *fiber.Ctx) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), 500*time.Millisecond)
	defer cancel()
	return s.store.Ping(ctx) != nil
}

func acceptsHTML(c *fiber.Ctx) bool {
	return strings.Contains(c.Get(fiber.HeaderAccept), "text/html")
}

// logPath is the request's path for a log line: a copy (a log handler may
// keep it past the request, when fasthttp reuses the buffer), at most 200
// bytes of it.
func logPath(c *fiber.Ctx) string {
	p := c.Path()
	if len(p) > 200 {
		p = p[:200] + "..."
	}
	return strings.Clone(p)
}
