package funding

import (
	"slices"
	"strings"
)

// Applies reports whether a curation targets the profile, directly or
// through a segment (every field set in the segment must match).
func (cu *Curation) Applies(p *Profile) bool {
	if cu.ProfileID != "" {
		return cu.ProfileID == p.ID
	}
	sg := cu.Segment
	if sg == nil || sg.Domain == "" && sg.Size == "" && sg.Keyword == "" {
		return false
	}
	if sg.Domain != "" && !slices.Contains(p.Domains, sg.Domain) {
		return false
	}
	if sg.Size != "" && sg.Size != p.Size {
		return false
	}
	if sg.Keyword != "" {
		kw := strings.ToLower(sg.Keyword)
		found := strings.Contains(strings.ToLower(p.Description), kw) || slices.ContainsFunc(p.Keywords, func(k string) bool {
			return strings.Contains(strings.ToLower(k), kw)
		})
		if !found {
			return false
		}
	}
	return true
}
