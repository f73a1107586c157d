package digest

import (
	"strings"
	"testing"
	"time"
)

func TestComposeNotice(t *testing.T) {
	n := Notice{
		Kind: "subscribe", From: "callmatch <noreply@callmatch.example>", To: "ceo@acme.example", Domain: "callmatch.example",
		Lang: "fr", Date: time.Date(2026, time.November, 26, 9, 30, 0, 0, time.UTC),
		Subject: "Confirmez votre abonnement", Hello: "Bonjour,", Intro: "Les appels qui correspondent à Acme & <Co>.",
		When: "Chaque jour à 08:00 (Europe/Brussels).",
		Links: []NoticeLink{
			{Label: "Confirmer", URL: "https://callmatch.example/subscriptions/confirm/tok1"},
			{Label: "Un profil en attente", URL: "https://callmatch.example/signin/tok2", Note: "enregistré le 25 novembre"},
		},
		Expiry: "Le lien fonctionne 7 jours.", Ignore: "Sinon, ignorez cet e-mail.",
	}
	m, err := ComposeNotice(n)
	if err != nil {
		t.Fatal(err)
	}
	if m.From != n.From || m.To != n.To || m.Subject != n.Subject || m.Language != "fr" || !m.Date.Equal(n.Date) {
		t.Errorf("headers = %q %q %q %q %v", m.From, m.To, m.Subject, m.Language, m.Date)
	}
	if !strings.HasPrefix(m.MessageID, "subscribe.") || !strings.HasSuffix(m.MessageID, "@callmatch.example") {
		t.Errorf("MessageID = %q, want subscribe.<hash>@callmatch.example", m.MessageID)
	}
	again, _ := ComposeNotice(n)
	n.Links[0].URL += "x" // another token: another e-mail
	other, _ := ComposeNotice(n)
	if again.MessageID != m.MessageID || other.MessageID == m.MessageID {
		t.Errorf("MessageID: %q, again %q, with another link %q; want the same for the same notice only", m.MessageID, again.MessageID, other.MessageID)
	}
	golden(t, "notice.txt.golden", m.Text)
	golden(t, "notice.html.golden", m.HTML)

	// Without a When line and a note, as the sign-in and profile
	// confirmation e-mails.
	n.When, n.Links = "", n.Links[:1]
	m, err = ComposeNotice(n)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Bonjour,\n\nLes appels qui correspondent à Acme & <Co>.\n\nConfirmer:\n"; !strings.HasPrefix(m.Text, want) {
		t.Errorf("Text starts %q, want %q", m.Text[:min(len(m.Text), len(want))], want)
	}
	if strings.Contains(m.HTML, "<br>") || strings.Count(m.HTML, "<p>") != 3 {
		t.Errorf("HTML without a When line and a note:\n%s", m.HTML)
	}
}
