package funding

import "time"

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
	Errors     []string  `json:"errors"`
	Warnings   []string  `json:"warnings,omitempty"` // fields skipped in records that still parsed
	Failed     bool      `json:"failed"`
	ChangedIDs []string  `json:"changed_ids"` // new and changed call ids: what the index must update
}
