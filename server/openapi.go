package server

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"
)

// openAPI is the OpenAPI 3.1 description of every /api/v1 route, written
// by hand from the handlers' types; openapi_test.go checks it against the
// routes of the app and against real answers.
//
//go:embed openapi.json
var openAPI []byte

// getOpenAPI answers GET /api/v1/openapi.json.
func (s *Server) getOpenAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	return c.Send(openAPI)
}
