package server

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"callmatch/funding"
)

// curationInput is the body of POST /api/v1/curations, and what the staff
// form is read into.
type curationInput struct {
	CallID    string           `json:"call_id"`
	ProfileID string           `json:"profile_id"`
	Segment   *funding.Segment `json:"segment"`
	Action    string           `json:"action"`
	Note      string           `json:"note"`
}

// maxNoteLen bounds a curation note.
const maxNoteLen = 2000

// validate normalizes and checks a curation: a call, exactly one target (a
// profile, or a segment with at least one field), an action, a short note.
func (in *curationInput) validate() error {
	bad := func(field, msg string) error { return &funding.ValidationError{Field: field, Message: msg} }
	in.CallID = strings.TrimSpace(in.CallID)
	in.ProfileID = strings.TrimSpace(in.ProfileID)
	in.Action = strings.ToLower(strings.TrimSpace(in.Action))
	in.Note = strings.TrimSpace(in.Note)
	if in.Segment != nil {
		sg := in.Segment
		sg.Domain = strings.ToLower(strings.TrimSpace(sg.Domain))
		sg.Size = strings.ToLower(strings.TrimSpace(sg.Size))
		sg.Keyword = strings.TrimSpace(sg.Keyword)
		if *sg == (funding.Segment{}) {
			in.Segment = nil
		}
	}
	switch {
	case !validCallID(in.CallID):
		return bad("call_id", "is required and must be a call identifier")
	case in.Action != funding.CurationRecommend && in.Action != funding.CurationHide:
		return bad("action", "must be recommend or hide")
	case in.ProfileID != "" && in.Segment != nil:
		return bad("segment", "give a profile_id or a segment, not both")
	case in.ProfileID == "" && in.Segment == nil:
		return bad("segment", "give a profile_id or a segment (domain, size or keyword)")
	case in.ProfileID != "" && !validID(in.ProfileID):
		return bad("profile_id", "is not a profile identifier")
	case utf8.RuneCountInString(in.Note) > maxNoteLen:
		return bad("note", "is longer than 2000 characters")
	}
	if sg := in.Segment; sg != nil {
		switch {
		case sg.Domain != "" && !funding.IsDomain(sg.Domain):
			return bad("segment", "unknown domain "+truncateRunes(sg.Domain, 60))
		case sg.Size != "" && !containsString(funding.Sizes, sg.Size):
			return bad("segment", "size must be micro, small, medium or large")
		case utf8.RuneCountInString(sg.Keyword) > funding.MaxKeywordLen:
			return bad("segment", "keyword is too long")
		}
	}
	if strings.ContainsFunc(in.Note, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\r' && r != '\t' }) {
		return bad("note", "contains control characters")
	}
	return nil
}

func containsString(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// addCuration stores a validated curation by staff member by.
func (s *Server) addCuration(ctx context.Context, in curationInput, by string) (funding.Curation, error) {
	cu := funding.Curation{CallID: in.CallID, ProfileID: in.ProfileID, Segment: in.Segment, Action: in.Action,
		Note: in.Note, By: by, CreatedAt: s.cfg.Now()}
	if err := s.store.AddCuration(ctx, &cu); err != nil {
		return cu, err
	}
	return cu, nil
}

// postCuration is POST /api/v1/curations, for staff API tokens.
func (s *Server) postCuration(c *fiber.Ctx) error {
	st, err := s.staffFromBearer(c)
	if err != nil {
		return err
	}
	if ok, retry := s.allow(c, "curations:"+strings.ToLower(st.Email), s.cfg.Limits.CurationsPerKey); !ok {
		return s.tooMany(c, retry)
	}
	var in curationInput
	if err := decodeJSON(c.Body(), &in); err != nil {
		return err
	}
	if err := in.validate(); err != nil {
		return err
	}
	ctx, cancel := s.requestContext(c)
	defer cancel()
	cu, err := s.addCuration(ctx, in, st.Email)
	if err != nil {
		if isNotFound(err) {
			return notFound(strings.TrimPrefix(notFoundWhat(err), "store: "))
		}
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cu)
}

// notFoundWhat says which of the call and the profile is unknown.
func notFoundWhat(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "add curation: call "):
		return "no such call"
	case strings.Contains(msg, "add curation: profile "):
		return "no such profile"
	}
	return "not found"
}
