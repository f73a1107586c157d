package digest

import (
	"crypto/sha256"
	"encoding/hex"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"
)

// Notice is a system e-mail: a sign-in link, a profile or a subscription
// to confirm. The caller translates every string into the reader's
// language; the notice templates lay them out as plain text and simple
// HTML, and a Mailer sends the Message as it sends digests.
type Notice struct {
	Kind   string // "signin", "confirm", "subscribe": the Message-ID's first part
	From   string
	To     string
	Domain string // the Message-ID's domain: BASE_URL's host name
	Lang   string
	Date   time.Time

	Subject string
	Hello   string
	Intro   string
	When    string // a line under Intro, when set
	Links   []NoticeLink
	Expiry  string
	Ignore  string
}

// NoticeLink is a button of a notice, with a note under it when set.
type NoticeLink struct {
	Label, URL, Note string
}

var (
	noticeHTML = htmltemplate.Must(htmltemplate.ParseFS(templateFiles, "templates/notice.html.tmpl"))
	noticeText = texttemplate.Must(texttemplate.ParseFS(templateFiles, "templates/notice.txt.tmpl"))
)

// ComposeNotice renders a notice. It is pure: its Message-ID derives from
// the notice, whose links carry one-time tokens.
func ComposeNotice(n Notice) (Message, error) {
	var text, html strings.Builder
	if err := noticeText.Execute(&text, n); err != nil {
		return Message{}, err
	}
	if err := noticeHTML.Execute(&html, n); err != nil {
		return Message{}, err
	}
	h := sha256.New()
	for _, s := range []string{n.Kind, n.To, n.Subject, n.Date.UTC().Format(time.RFC3339Nano)} {
		h.Write([]byte(s + "\x00"))
	}
	for _, l := range n.Links {
		h.Write([]byte(l.URL + "\x00"))
	}
	return Message{
		MessageID: n.Kind + "." + hex.EncodeToString(h.Sum(nil)[:12]) + "@" + n.Domain,
		From:      n.From,
		To:        n.To,
		Subject:   n.Subject,
		Date:      n.Date,
		Language:  n.Lang,
		Text:      text.String(),
		HTML:      html.String(),
	}, nil
}
