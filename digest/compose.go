package digest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	htmltemplate "html/template"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"
	"unicode/utf8"

	"callmatch/funding"
)

//go:embed templates/digest.html.tmpl templates/digest.txt.tmpl templates/notice.html.tmpl templates/notice.txt.tmpl
var templateFiles embed.FS

// Message is a composed e-mail, ready for a Mailer.
type Message struct {
	DigestID  int64
	MessageID string // without angle brackets: digest.<hash>@<BASE_URL host>
	From      string
	To        string
	Subject   string
	Date      time.Time
	Language  string
	ListID    string // List-Id header value
	// UnsubscribeURL is BASE_URL/unsubscribe/{token}: the List-Unsubscribe
	// target of RFC 8058 one-click POSTs and the footer link.
	UnsubscribeURL string
	Text           string
	HTML           string
}

// Composer renders digests into messages. It is safe for concurrent use
// and does no I/O: Compose is a pure function of the digest.
type Composer struct {
	baseURL string // no trailing slash
	domain  string // BASE_URL's host name: Message-ID and List-Id domain
	from    string
	html    *htmltemplate.Template
	text    *texttemplate.Template
	zones   zones
}

// NewComposer parses the templates. baseURL is the site's public URL
// (BASE_URL); from is the From address, by default "callmatch
// <digest@host>" with the host of baseURL.
func NewComposer(baseURL, from string) (*Composer, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return nil, fmt.Errorf("digest: base URL %q is not an http(s) URL", baseURL)
	}
	c := &Composer{baseURL: u.String(), domain: strings.ToLower(u.Hostname())}
	if from == "" {
		from = "callmatch <digest@" + c.domain + ">"
	}
	a, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("digest: from address %q: %w", from, err)
	}
	c.from = a.String()
	if c.html, err = htmltemplate.ParseFS(templateFiles, "templates/digest.html.tmpl"); err != nil {
		return nil, fmt.Errorf("digest: parse templates: %w", err)
	}
	if c.text, err = texttemplate.ParseFS(templateFiles, "templates/digest.txt.tmpl"); err != nil {
		return nil, fmt.Errorf("digest: parse templates: %w", err)
	}
	return c, nil
}

// MessageID returns the Message-ID (without angle brackets) of the digest
// of a subscription for a period. It depends on nothing else, so every
// attempt to send a digest carries the same Message-ID and a duplicate after
// an ambiguous failure or a crash can be recognized downstream.
func (c *Composer) MessageID(subscriptionID int64, period string) string {
	sum := sha256.Sum256([]byte(strconv.FormatInt(subscriptionID, 10) + "/" + period))
	return "digest." + hex.EncodeToString(sum[:12]) + "@" + c.domain
}

// view is what the templates see: every string already translated.
type view struct {
	Lang           string
	Colon          string
	Subject        string
	Heading        string
	ProfileName    string
	Date           string
	Intro          string
	Sections       []viewSection
	More           string
	SeeAll         string
	MatchesURL     string
	ViewCall       string
	Footer         string
	Unsubscribe    string
	UnsubscribeURL string
}

type viewSection struct {
	Title   string
	Entries []viewEntry
}

type viewEntry struct {
	Title     string
	CallID    string
	Programme string
	URL       string
	Lines     []viewLine
}

type viewLine struct{ Label, Value string }

// Compose renders digest d for subscription s, whose profile is named
// profileName, in s's language and time zone, as of d.PlannedAt.
// unsubscribeToken goes into BASE_URL/unsubscribe/{token}.
func (c *Composer) Compose(s funding.Subscription, profileName string, d funding.Digest, unsubscribeToken string) (Message, error) {
	items, more, err := decodeItems(d)
	if err != nil {
		return Message{}, err
	}
	if len(items) == 0 {
		return Message{}, fmt.Errorf("digest: %d has no items: an empty digest is never sent", d.ID)
	}
	if err := funding.ValidateEmail(s.Email); err != nil {
		return Message{}, fmt.Errorf("digest: %d: recipient %w", d.ID, err)
	}
	if unsubscribeToken == "" {
		return Message{}, fmt.Errorf("digest: %d has no unsubscribe token", d.ID)
	}
	loc, err := c.zones.load(s.Timezone)
	if err != nil {
		return Message{}, err
	}
	cat := catalogFor(s.Language)
	now := d.PlannedAt.In(loc)
	fi := freqIndex(s.Frequency)
	name := oneLine(profileName)

	v := view{
		Lang:           cat.Code,
		Colon:          cat.Colon,
		Subject:        c.subject(cat, s.Frequency, items, more, now),
		Heading:        cat.Heading[fi],
		ProfileName:    name,
		Date:           cat.date(now),
		Intro:          fmt.Sprintf(cat.Intro, name),
		SeeAll:         cat.SeeAll,
		MatchesURL:     c.baseURL + "/profiles/" + url.PathEscape(s.ProfileID),
		ViewCall:       cat.ViewCall,
		Footer:         fmt.Sprintf(cat.Footer[fi], name),
		Unsubscribe:    cat.Unsub,
		UnsubscribeURL: c.baseURL + "/unsubscribe/" + url.PathEscape(unsubscribeToken),
	}
	if more > 0 {
		v.More = plural(cat.More, more)
	}
	sectionOf := map[Kind]int{KindRecommended: 0, KindNew: 1, KindChanged: 2, KindDeadline: 3}
	for _, it := range items {
		si := sectionOf[it.Kind]
		title := cat.SectionTitle[si]
		if it.Kind == KindDeadline {
			title = fmt.Sprintf(title, int(DeadlineWindow/(24*time.Hour)))
		}
		if n := len(v.Sections); n == 0 || v.Sections[n-1].Title != title {
			v.Sections = append(v.Sections, viewSection{Title: title})
		}
		sec := &v.Sections[len(v.Sections)-1]
		sec.Entries = append(sec.Entries, c.entry(cat, it, now, loc))
	}

	var html, text bytes.Buffer
	html.Grow(4096 + 2048*len(v.Sections) + 1536*len(items)) // about what a digest takes
	text.Grow(1024 + 512*len(items))
	if err := c.html.Execute(&html, v); err != nil {
		return Message{}, fmt.Errorf("digest: render %d: %w", d.ID, err)
	}
	if err := c.text.Execute(&text, v); err != nil {
		return Message{}, fmt.Errorf("digest: render %d: %w", d.ID, err)
	}
	return Message{
		DigestID:       d.ID,
		MessageID:      c.MessageID(d.SubscriptionID, d.PeriodKey),
		From:           c.from,
		To:             s.Email,
		Subject:        v.Subject,
		Date:           now,
		Language:       cat.Code,
		ListID:         "callmatch digest <digest." + c.domain + ">",
		UnsubscribeURL: v.UnsubscribeURL,
		Text:           text.String(),
		HTML:           html.String(),
	}, nil
}

// DeadlineWindow is the horizon of the deadline reminders: a followed or
// matched call whose next deadline falls within it is news.
const DeadlineWindow = 14 * 24 * time.Hour

func (c *Composer) entry(cat *catalog, it Item, now time.Time, loc *time.Location) viewEntry {
	e := viewEntry{
		Title:     oneLine(it.Title),
		CallID:    it.CallID,
		Programme: cat.programme(it.Programme),
		URL:       c.baseURL + "/calls/" + url.PathEscape(it.CallID),
	}
	if e.Title == "" {
		e.Title = it.CallID
	}
	add := func(label, value string) {
		if value != "" {
			e.Lines = append(e.Lines, viewLine{Label: label, Value: value})
		}
	}
	if it.Deadline != nil {
		dl := it.Deadline.In(loc)
		add(cat.LabelDeadline, cat.dateTime(dl)+" ("+cat.daysLeft(dl, now)+")")
	}
	add(cat.LabelBudget, cat.budget(it.BudgetMin, it.BudgetMax))
	if it.Status != "" && it.Status != funding.StatusOpen {
		add(cat.LabelStatus, cat.status(it.Status))
	}
	if it.Note != "" {
		label := cat.LabelNote
		if by := oneLine(it.NoteBy); by != "" {
			label = fmt.Sprintf(cat.NoteBy, by)
		}
		add(label, oneLine(it.Note))
	}
	if len(it.Changed) > 0 {
		var parts []string
		for _, f := range it.Changed {
			switch f {
			case "status":
				parts = append(parts, fmt.Sprintf(cat.ChangedStatus, cat.status(it.Status)))
			case "deadlines":
				if it.Deadline != nil {
					parts = append(parts, fmt.Sprintf(cat.ChangedDeadlines, cat.dateTime(it.Deadline.In(loc))))
				} else {
					parts = append(parts, cat.DeadlineRemoved)
				}
			case "opening_date":
				parts = append(parts, cat.ChangedOpening)
			case "budget":
				if b := cat.budget(it.BudgetMin, it.BudgetMax); b != "" {
					parts = append(parts, fmt.Sprintf(cat.ChangedBudget, b))
				}
			case "updates":
				if it.Update != "" {
					parts = append(parts, fmt.Sprintf(cat.ChangedUpdates, truncate(oneLine(it.Update), 200)))
				}
			}
		}
		add(cat.LabelChanged, capitalize(strings.Join(parts, "; ")))
	}
	if len(it.Reasons) > 0 {
		var rs []string
		for _, r := range it.Reasons {
			rs = append(rs, cat.reason(Reason{Kind: r.Kind, Term: oneLine(r.Term), Concept: oneLine(r.Concept), Field: r.Field, Passage: oneLine(r.Passage)}))
		}
		add(cat.LabelWhy, strings.Join(rs, "; "))
	}
	return e
}

// subject fits the content: the call's title when the digest holds one
// item, otherwise what the digest holds ("Daily digest: 1 recommendation,
// 3 new calls").
func (c *Composer) subject(cat *catalog, freq string, items []Item, more int, now time.Time) string {
	if len(items) == 1 && more == 0 {
		it := items[0]
		title := truncate(oneLine(it.Title), 70)
		if title == "" {
			title = it.CallID
		}
		switch it.Kind {
		case KindRecommended:
			return fmt.Sprintf(cat.SubjectRecommended, title)
		case KindChanged:
			return fmt.Sprintf(cat.SubjectChanged, title)
		case KindDeadline:
			loc := now.Location()
			return fmt.Sprintf(cat.SubjectDeadline, cat.daysLeft(it.Deadline.In(loc), now), title)
		default:
			return fmt.Sprintf(cat.SubjectNew, title)
		}
	}
	n := map[Kind]int{}
	for _, it := range items {
		n[it.Kind]++
	}
	var parts []string
	for _, k := range []struct {
		kind  Kind
		forms [2]string
	}{{KindRecommended, cat.CountRecommended}, {KindNew, cat.CountNew}, {KindChanged, cat.CountChanged}, {KindDeadline, cat.CountDeadline}} {
		if n[k.kind] > 0 {
			parts = append(parts, plural(k.forms, n[k.kind]))
		}
	}
	return cat.DigestName[freqIndex(freq)] + cat.Colon + strings.Join(parts, ", ")
}

// oneLine turns control characters (newlines included) into spaces and
// collapses runs of spaces: portal text goes into headers and list lines.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	return strings.TrimRightFunc(string(r), unicode.IsSpace) + "…"
}

func capitalize(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}

// UnsubscribeToken signs a subscription id into the opaque token of
// BASE_URL/unsubscribe/{token}: "<id>.<base64url(HMAC-SHA256(key,
// "callmatch-unsubscribe:<id>"))[:16 bytes]>". The token identifies the
// recipient and the list by itself, as RFC 8058 one-click POSTs carry no
// cookie; the server checks it with VerifyUnsubscribeToken.
func UnsubscribeToken(key []byte, subscriptionID int64) string {
	id := strconv.FormatInt(subscriptionID, 10)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("callmatch-unsubscribe:" + id))
	return id + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:16])
}

// VerifyUnsubscribeToken returns the subscription id a token made by
// UnsubscribeToken names, and whether its signature holds.
func VerifyUnsubscribeToken(key []byte, token string) (int64, bool) {
	enc, _, ok := strings.Cut(token, ".")
	if !ok || len(key) == 0 {
		return 0, false
	}
	id, err := strconv.ParseInt(enc, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != enc {
		return 0, false
	}
	if !hmac.Equal([]byte(UnsubscribeToken(key, id)), []byte(token)) {
		return 0, false
	}
	return id, true
}
