package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"
)

// staticAsset serves a static file asked by its content-hashed name
// (/static/app.<hash>.js, the name the pages link): for a year, immutable,
// when the hash is the file's current one; without long caching when it is
// another release's. The plain names (/static/app.js) are served as before.
func (s *Server) staticAsset(c *fiber.Ctx) error {
	file, current, ok := s.views.StaticFile(strings.TrimPrefix(c.Path(), "/static/"))
	if !ok {
		return c.Next()
	}
	c.Path("/static/" + file)
	if err := c.Next(); err != nil {
		return err
	}
	if c.Response().StatusCode() == fiber.StatusOK {
		if current {
			c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
		} else {
			c.Set(fiber.HeaderCacheControl, "no-cache")
		}
	}
	return nil
}
