package server

import (
	"github.com/gofiber/fiber/v2"

	"callmatch/locale"
)

// subscribeAccepted is the answer to every accepted subscription request:
// the same words whatever the address, so that it tells nothing about it.
const subscribeAccepted = "Accepted: a confirmation link is being e-mailed to the address. " +
	"Nothing is sent before it is confirmed; the link works for 7 days."

// postSubscription asks for e-mail digests of a profile's matches:
// POST /api/v1/subscriptions {"email","profile_id","frequency", and
// optionally "weekday","hour","timezone","language"}, with the profile's
// token as Authorization: Bearer. 202: a confirmation e-mail goes out
// (double opt-in); 400 bad fields, 401 no token, 404 no such profile, 403
// not this profile's token, 429 too many requests.
func (s *Server) postSubscription(c *fiber.Ctx) error {
	var in subscriptionInput
	if err := decodeJSON(c.Body(), &in); err != nil {
		return err
	}
	sub, err := in.subscription(locale.Negotiate(c.Get(fiber.HeaderAcceptLanguage)))
	if err != nil {
		return err
	}
	token, ok := bearerToken(c)
	if !ok {
		return unauthorized("missing bearer token: subscribing to a profile's digest takes the profile's token")
	}
	ctx, cancel := s.requestContext(c)
	defer cancel()
	p, err := profileByToken(ctx, sub.ProfileID, token, s.store.ProfileAuth)
	if err != nil {
		return err
	}
	retry, err := s.subscribe(c, p, sub)
	if err != nil {
		return err
	}
	if retry > 0 {
		return s.tooMany(c, retry)
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"message": subscribeAccepted})
}
