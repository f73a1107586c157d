package funding

import (
	"fmt"
	"time"
)

// CrawlRun records one crawl of the portal: what it saw and what it changed.
type CrawlRun struct {
	ID         int64     `json:"id"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Pages      int       `json:"pages"`
	Seen       int       `json:"seen"`
	New        int       `json:"new"`
	Changed    int       `json:"changed"`
	Unchanged  int       `json:"unchanged"`
	Gone       int       `json:"gone"`
	Missed     int       `json:"missed"` // live calls missing from this complete listing for the first time(s), not gone yet
	Errors     []string  `json:"errors"`
	Warnings   []string  `json:"warnings,omitempty"` // fields skipped in records that still parsed
	Failed     bool      `json:"failed"`
	ChangedIDs []string  `json:"changed_ids"` // new and changed call ids: what the index must update
	// Held, when set, says why this run marked no call gone although its
	// listing ended: the portal's answers did not add up, or too many live
	// calls were missing at once. The next good crawl decides.
	Held *GoneHold `json:"held,omitempty"`
}

// Reasons a crawl holds back marking calls gone (GoneHold.Reason).
const (
	HoldShort        = "short"         // fewer distinct results than the portal announced
	HoldRepeated     = "repeated"      // a page brought only results already listed: paging broke
	HoldTotalChanged = "total_changed" // the announced total changed between pages
	HoldOverTotal    = "over_total"    // more distinct results than the portal announced
	HoldEmpty        = "empty"         // the portal listed nothing while calls are live
	HoldShare        = "share"         // more live calls missing at once than a crawl may mark gone
)

// GoneHold is why a crawl marked nothing gone, with the numbers that tell
// it. Only the fields of its Reason are set.
type GoneHold struct {
	Reason    string `json:"reason"`
	Announced int    `json:"announced,omitempty"` // the first page's totalResults
	Later     int    `json:"later,omitempty"`     // a later page's different totalResults (HoldTotalChanged)
	Listed    int    `json:"listed,omitempty"`    // distinct results listed
	Page      int    `json:"page,omitempty"`      // the page that repeated earlier results (HoldRepeated)
	Missing   int    `json:"missing,omitempty"`   // live calls the listing lacks (HoldShare)
	Live      int    `json:"live,omitempty"`      // live calls of the crawled programmes (HoldEmpty, HoldShare)
	Allowed   int    `json:"allowed,omitempty"`   // how many a crawl may mark missing at once (HoldShare)
}

// String says it in plain English, for logs and the command line; the
// pages translate Reason.
func (h *GoneHold) String() string {
	if h == nil {
		return ""
	}
	var why string
	switch h.Reason {
	case HoldShort:
		why = fmt.Sprintf("the portal announced %d results but listed %d distinct ones", h.Announced, h.Listed)
	case HoldRepeated:
		why = fmt.Sprintf("page %d repeated results already listed (%d distinct of %d announced)", h.Page, h.Listed, h.Announced)
	case HoldTotalChanged:
		why = fmt.Sprintf("the announced total changed during the listing, from %d to %d", h.Announced, h.Later)
	case HoldOverTotal:
		why = fmt.Sprintf("the portal listed %d distinct results but announced %d", h.Listed, h.Announced)
	case HoldEmpty:
		why = fmt.Sprintf("the portal listed no call while %d are live", h.Live)
	case HoldShare:
		why = fmt.Sprintf("%d of the %d live calls are missing from the listing, more than the %d a crawl may mark at once", h.Missing, h.Live, h.Allowed)
	default:
		why = h.Reason
	}
	return "nothing marked gone: " + why
}
