package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"callmatch/funding"
	"callmatch/locale"
	"callmatch/store"
)

// profileInput is the body of POST and PUT /api/v1/profiles.
type profileInput struct {
	Name          string   `json:"name"`
	Email         string   `json:"email"`
	Country       string   `json:"country"`
	Size          string   `json:"size"`
	Description   string   `json:"description"`
	Keywords      []string `json:"keywords"`
	Domains       []string `json:"domains"`
	Programmes    []string `json:"programmes"`
	TypesOfAction []string `json:"types_of_action"`
	BudgetMin     int64    `json:"budget_min"`
	BudgetMax     int64    `json:"budget_max"`
	TRL           int      `json:"trl"`
}

func (in profileInput) apply(p *funding.Profile) {
	p.Name, p.Email, p.Country, p.Size, p.Description = in.Name, in.Email, in.Country, in.Size, in.Description
	p.Keywords, p.Domains, p.Programmes, p.TypesOfAction = in.Keywords, in.Domains, in.Programmes, in.TypesOfAction
	p.BudgetMin, p.BudgetMax, p.TRL = in.BudgetMin, in.BudgetMax, in.TRL
}

// decodeJSON reads exactly one JSON object with no unknown fields.
func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			return badRequest(typeMismatch(te))
		case errors.Is(err, io.EOF):
			return badRequest("empty body: a JSON object is expected")
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return badRequest(strings.TrimPrefix(err.Error(), "json: "))
		default:
			return badRequest("malformed JSON")
		}
	}
	if dec.More() {
		return badRequest("one JSON object is expected")
	}
	return nil
}

// typeMismatch says in JSON's words, never Go's, what a field should have
// been: "trl: expected a whole number, got a string".
func typeMismatch(te *json.UnmarshalTypeError) string {
	got, detail, _ := strings.Cut(te.Value, " ") // "number 1.5", "string", "array"
	switch got {
	case "array":
		got = "a list"
	case "object":
		got = "an object"
	case "bool":
		got = "true or false"
	case "number":
		got = "a number"
		if detail != "" && len(detail) <= 30 {
			got = detail
		}
	default:
		got = "a " + got
	}
	want := "another type"
	if te.Type != nil {
		switch te.Type.Kind() {
		case reflect.String:
			want = "a string"
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			want = "a whole number in range"
		case reflect.Float32, reflect.Float64:
			want = "a number"
		case reflect.Bool:
			want = "true or false"
		case reflect.Slice, reflect.Array:
			want = "a list"
		case reflect.Struct, reflect.Map:
			want = "an object"
		}
	}
	if te.Field == "" {
		return fmt.Sprintf("body: expected %s, got %s", want, got)
	}
	return fmt.Sprintf("%s: expected %s, got %s", te.Field, want, got)
}

// decodeProfile parses and validates a profile body; nothing is stored on error.
func decodeProfile(body []byte, p *funding.Profile) error {
	var in profileInput
	if err := decodeJSON(body, &in); err != nil {
		return err
	}
	in.apply(p)
	p.Normalize()
	return p.Validate()
}

// newSecret returns n random bytes, base64url-encoded.
func newSecret(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // the OS is broken: nothing safe to do
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is how tokens are stored: never in clear.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// createProfile registers a profile: 201 {"id","token","confirmed":false,
// "confirm_by"}. The profile is pending until someone follows the link
// e-mailed to its address (before confirm_by, or it is deleted); its token
// works meanwhile. NCC staff registering on behalf of an SME (with their
// staff token) get no token: the SME makes its own once signed in.
func (s *Server) createProfile(c *fiber.Ctx) error {
	var p funding.Profile
	if err := decodeProfile(c.Body(), &p); err != nil {
		return err
	}
	if ok, retry := s.allowRegistrationFor(c, p.Email); !ok {
		return s.tooMany(c, retry)
	}
	staff, byStaff := registeringStaff(c)
	p.ID = newSecret(9)
	token := newSecret(32)
	ctx, cancel := s.requestContext(c)
	defer cancel()
	if err := s.store.CreateProfile(ctx, &p, hashToken(token)); err != nil {
		return err
	}
	answer := fiber.Map{"id": p.ID, "confirmed": false, "confirm_by": pendingUntil(&p)}
	lang := locale.Negotiate(c.Get(fiber.HeaderAcceptLanguage))
	if byStaff {
		s.sendConfirmation(p, lang, staff.Email)
		s.logger.Info("Profile registered by staff", slog.String("profile_id", p.ID), slog.Int64("staff_id", staff.ID))
	} else {
		s.sendConfirmation(p, lang, "")
		answer["token"] = token
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(answer)
}

// rotateProfileToken answers POST /api/v1/profiles/{id}/token: a new API
// token for the profile, shown once, in the shape of the registration's
// answer. The token sent stops working.
func (s *Server) rotateProfileToken(c *fiber.Ctx) error {
	id, _, err := s.authorizedVersion(c)
	if err != nil {
		return err
	}
	token, err := s.newProfileToken(c, id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"id": id, "token": token})
}

// newProfileToken gives the profile a new API token and returns it.
func (s *Server) newProfileToken(c *fiber.Ctx, id string) (string, error) {
	token := newSecret(32)
	ctx, cancel := s.requestContext(c)
	defer cancel()
	if err := s.store.SetProfileToken(ctx, id, hashToken(token)); err != nil {
		return "", err
	}
	return token, nil
}

// authorizedProfile loads the profile of the :id parameter when the request
// carries its token: 404 for an unknown id, 401 without a token, 403 for a
// token that does not open the profile, so nobody reaches another SME's
// profile.
func (s *Server) authorizedProfile(c *fiber.Ctx) (*funding.Profile, error) {
	_, p, err := authorizedBy(s, c, s.store.ProfileAuth)
	return p, err
}

// authorizedVersion is authorizedProfile without loading the profile: its
// id and version, enough to find a cached answer.
func (s *Server) authorizedVersion(c *fiber.Ctx) (string, int64, error) {
	return authorizedBy(s, c, s.store.ProfileVersion)
}

// authorizedBy checks the :id parameter and the bearer token with
// profileByToken, and returns the id (a copy: it outlives the request) and
// what lookup read.
func authorizedBy[T any](s *Server, c *fiber.Ctx, lookup func(context.Context, string) (T, string, error)) (string, T, error) {
	var zero T
	id := c.Params("id")
	if !validID(id) {
		return "", zero, notFound("no such profile")
	}
	token, ok := bearerToken(c)
	if !ok {
		return "", zero, unauthorized("missing bearer token")
	}
	ctx, cancel := s.requestContext(c)
	defer cancel()
	v, err := profileByToken(ctx, id, token, lookup)
	if err != nil {
		return "", zero, err
	}
	return utils.CopyString(id), v, nil
}

// profileByToken returns what lookup reads of profile id (with the hash of
// its token) when token opens it: 404 for an unknown profile, 403 for a
// token that does not open it.
func profileByToken[T any](ctx context.Context, id, token string, lookup func(context.Context, string) (T, string, error)) (T, error) {
	var zero T
	v, want, err := lookup(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return zero, notFound("no such profile")
	}
	if err != nil {
		return zero, err
	}
	if !tokenOpens(token, want) {
		return zero, forbidden("this token does not open this profile")
	}
	return v, nil
}

// tokenOpens reports whether token is the one whose hash is want, in
// constant time.
func tokenOpens(token, want string) bool {
	return subtle.ConstantTimeCompare([]byte(hashToken(token)), []byte(want)) == 1
}

func bearerToken(c *fiber.Ctx) (string, bool) {
	h := c.Get(fiber.HeaderAuthorization)
	const prefix = "Bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	return strings.TrimSpace(h[len(prefix):]), true
}

func (s *Server) getProfile(c *fiber.Ctx) error {
	p, err := s.authorizedProfile(c)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s *Server) updateProfile(c *fiber.Ctx) error {
	p, err := s.authorizedProfile(c)
	if err != nil {
		return err
	}
	return s.limitEdits(c, p.ID, func() error {
		oldEmail := p.Email
		if err := decodeProfile(c.Body(), p); err != nil {
			return err
		}
		ctx, cancel := s.requestContext(c)
		defer cancel()
		if err := s.store.UpdateProfile(ctx, p); err != nil {
			return err
		}
		s.emailChanged(c, p, oldEmail)
		return c.JSON(p)
	})
}

// limitEdits runs save, a profile edit, within Limits.EditsPerProfile: each
// edit makes a new version of the profile and of its cached matches. Only
// the owner's edits count (it runs after the authorization), and only those
// saved: a form sent back for a typo costs nothing.
func (s *Server) limitEdits(c *fiber.Ctx, profileID string, save func() error) error {
	key := "edit:" + profileID
	if ok, retry := s.allow(c, key, s.cfg.Limits.EditsPerProfile); !ok {
		return s.tooMany(c, retry)
	}
	err := save()
	if err != nil || c.Response().StatusCode() >= 400 {
		s.refund(c, key)
	}
	return err
}

func (s *Server) deleteProfile(c *fiber.Ctx) error {
	p, err := s.authorizedProfile(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.requestContext(c)
	defer cancel()
	if err := s.store.DeleteProfile(ctx, p.ID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) getMatches(c *fiber.Ctx) error {
	id, version, err := s.authorizedVersion(c)
	if err != nil {
		return err
	}
	limit := 20
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return badRequest("limit: must be a whole number between 1 and 100")
		}
		limit = n
	}
	ctx, cancel := s.requestContext(c)
	defer cancel()
	head, tail, err := s.matches.Answer(ctx, id, version, limit, func() (*funding.Profile, error) {
		return s.store.Profile(ctx, id)
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	// Copied into the response's pooled buffer: no answer-sized
	// allocation per request.
	c.Response().SetBody(head)
	c.Response().AppendBodyString(tail)
	return nil
}
