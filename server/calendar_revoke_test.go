package server

import (
	"net/http"
	"strings"
	"testing"
)

// calendarAddress is the feed address the matches page gives.
func calendarAddress(t *testing.T, page, id string) string {
	t.Helper()
	i := strings.Index(page, "/profiles/"+id+"/deadlines.ics?token=")
	if i < 0 {
		t.Fatal("the matches page does not give the calendar address")
	}
	feed := page[i:]
	return feed[:strings.IndexByte(feed, '"')]
}

// Issue 11, point 7: the feed token was a fixed function of the profile id,
// so a calendar address once shared could never be taken back.
func TestCalendarAddressIsRevocable(t *testing.T) {
	s, _ := pageServer(t)
	stranger := newClient(t, s)

	// Through the API: a new API token revokes the old address.
	p := createProfile(t, s, belgianSOC())
	api := newClient(t, s)
	api.header.Set("Authorization", "Bearer "+p.Token)
	old := calendarAddress(t, api.get("/profiles/"+p.ID).body, p.ID)
	if a := stranger.get(old); a.code != http.StatusOK {
		t.Fatalf("feed = %d, want 200", a.code)
	}
	var rotated created
	if code := do(t, s, http.MethodPost, "/api/v1/profiles/"+p.ID+"/token", p.Token, nil, &rotated); code != http.StatusOK {
		t.Fatalf("token rotation = %d", code)
	}
	if a := stranger.get(old); a.code != http.StatusForbidden {
		t.Errorf("old calendar address after a new API token = %d, want 403", a.code)
	}
	api.header.Set("Authorization", "Bearer "+rotated.Token)
	fresh := calendarAddress(t, api.get("/profiles/"+p.ID).body, p.ID)
	if fresh == old {
		t.Fatal("the calendar address did not change with the API token")
	}
	if a := stranger.get(fresh); a.code != http.StatusOK {
		t.Errorf("new calendar address = %d, want 200", a.code)
	}

	// On the page: its own button, for the owner only.
	b := newClient(t, s)
	id := b.register(socForm("Calendar Revoke SME", "revoke@example.be"))
	page := b.get("/profiles/" + id)
	if !strings.Contains(page.body, `id="new-calendar-url"`) {
		t.Fatal("no button for a new calendar address on the owner's page")
	}
	old = calendarAddress(t, page.body, id)
	if a := stranger.get(old); a.code != http.StatusOK {
		t.Fatalf("feed = %d, want 200", a.code)
	}
	stranger.get("/signin")
	if a := stranger.post("/profiles/"+id+"/calendar", nil); a.code != http.StatusForbidden {
		t.Errorf("a stranger's new calendar address = %d, want 403", a.code)
	}
	if a := stranger.get(old); a.code != http.StatusOK {
		t.Errorf("feed after a stranger's attempt = %d, want 200", a.code)
	}
	a := b.post("/profiles/"+id+"/calendar", nil)
	if a.code != http.StatusSeeOther {
		t.Fatalf("new calendar address = %d, want 303", a.code)
	}
	page = b.get(a.header.Get("Location"))
	if !strings.Contains(text(page.body), "Your calendar feed has a new address") {
		t.Error("no flash after a new calendar address")
	}
	fresh = calendarAddress(t, page.body, id)
	if fresh == old {
		t.Fatal("the button did not change the calendar address")
	}
	if a := stranger.get(old); a.code != http.StatusForbidden {
		t.Errorf("old calendar address after the button = %d, want 403", a.code)
	}
	if a := stranger.get(fresh); a.code != http.StatusOK {
		t.Errorf("new calendar address = %d, want 200", a.code)
	}
	// An address of a profile that is gone is refused like a wrong one.
	b.get("/profiles/" + id + "/delete")
	b.post("/profiles/"+id+"/delete", nil)
	if a := stranger.get(fresh); a.code != http.StatusForbidden {
		t.Errorf("calendar of a deleted profile = %d, want 403", a.code)
	}
}
