package digest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"callmatch/digest/digesttest"
)

func crlfToLF(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

func outboxFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

func readFile(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testMessage(t *testing.T, baseURL string) Message {
	t.Helper()
	c, err := NewComposer(baseURL, "")
	if err != nil {
		t.Fatal(err)
	}
	st, m := scenario("en")
	r := newTestRunner(t, st, m, &memMailer{})
	d, name, err := r.plan(context.Background(), st.sub(1), "2026-09-14", monday, nil)
	if err != nil {
		t.Fatal(err)
	}
	d.ID = 7
	msg, err := c.Compose(st.sub(1), name, d, "tok")
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func TestOutboxMailerWritesAtomicallyAndIdempotently(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	o, err := NewOutboxMailer(dir)
	if err != nil {
		t.Fatal(err)
	}
	msg := testMessage(t, testBaseURL)
	for range 2 { // a resend overwrites the same file
		if err := o.Send(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
	}
	files := outboxFiles(t, dir)
	if len(files) != 1 || files[0] != o.FileName(msg) {
		t.Fatalf("outbox = %v, want only %s (no temporary files left)", files, o.FileName(msg))
	}
	pm := digesttest.ParseMail(t, readFile(t, dir, files[0]))
	if pm.Header.Get("Message-Id") != "<"+msg.MessageID+">" {
		t.Errorf("Message-ID = %q, want <%s>", pm.Header.Get("Message-Id"), msg.MessageID)
	}
	if diff := cmp.Diff(msg.Text, crlfToLF(pm.Text)); diff != "" {
		t.Errorf("the text part does not round-trip (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(msg.HTML, crlfToLF(pm.HTML)); diff != "" {
		t.Errorf("the HTML part does not round-trip (-want +got):\n%s", diff)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := o.Send(ctx, msg); !errors.Is(err, context.Canceled) {
		t.Errorf("Send(cancelled) = %v", err)
	}
}

func TestMessageHeadersForHTTPSBaseURL(t *testing.T) {
	msg := testMessage(t, "https://callmatch.example.org")
	var b strings.Builder
	if _, err := msg.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	pm := digesttest.ParseMail(t, []byte(b.String()))
	if got := pm.Header.Get("List-Unsubscribe"); got != "<https://callmatch.example.org/unsubscribe/tok>" {
		t.Errorf("List-Unsubscribe = %q", got)
	}
	if got := pm.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post = %q", got)
	}
	if got := pm.Header.Get("Message-Id"); !strings.HasSuffix(got, "@callmatch.example.org>") {
		t.Errorf("Message-ID = %q, want our domain", got)
	}
	// The output is a function of the message: the same bytes every time.
	var again strings.Builder
	msg.WriteTo(&again)
	if again.String() != b.String() {
		t.Errorf("WriteTo is not deterministic")
	}
}

func TestNewSMTPMailer(t *testing.T) {
	for _, tc := range []struct {
		url     string
		wantErr string
	}{
		{"smtp://user:pass@mail.example.org:587", ""},
		{"smtp://mail.example.org", ""},
		{"smtps://user:pass@mail.example.org", ""},
		{"smtp://127.0.0.1:2525?tls=none", ""},
		{"smtp://localhost:2525?tls=none", ""},
		{"smtp://[::1]:2525?tls=none", ""},
		{"smtp://mail.example.org:25?tls=none", "only allowed for a loopback host"},
		{"smtps://127.0.0.1:2525?tls=none", "contradicts smtps"},
		{"smtp://mail.example.org?tls=opportunistic", "want mandatory or none"},
		{"http://mail.example.org", "scheme"},
		{"smtp://:25", "no host"},
		{"smtp://mail.example.org?timeout=soon", "not a duration"},
	} {
		_, err := NewSMTPMailer(tc.url)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("NewSMTPMailer(%q) = %v, want no error", tc.url, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("NewSMTPMailer(%q) = %v, want an error with %q", tc.url, err, tc.wantErr)
		}
	}
	if _, err := NewSMTPMailer("smtp://user:s3cret@[bad"); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("a bad URL error = %v, want one without the password", err)
	}
}

func TestSMTPMailerTLSMandatoryRefusesPlaintextServer(t *testing.T) {
	srv := digesttest.NewSMTPServer(t)
	m, err := NewSMTPMailer("smtp://" + srv.Addr + "?timeout=5s") // no tls=none: STARTTLS required
	if err != nil {
		t.Fatal(err)
	}
	err = m.Send(context.Background(), testMessage(t, testBaseURL))
	var se *SendError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("Send to a server without STARTTLS = %v, want a STARTTLS error", err)
	}
	if len(srv.Messages()) != 0 {
		t.Errorf("a message went out in plaintext")
	}
}

func TestSMTPMailerAuthAndConnectionReuse(t *testing.T) {
	srv := digesttest.NewSMTPServer(t)
	srv.RequireAuth("digest", "p@ss")
	m, err := NewSMTPMailer("smtp://digest:p%40ss@" + srv.Addr + "?tls=none&timeout=5s")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	msg := testMessage(t, testBaseURL)
	for range 3 {
		if err := m.Send(context.Background(), msg); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	authed, mails := srv.Authenticated(), srv.MailCommands()
	if !authed || mails != 3 || len(srv.Messages()) != 3 {
		t.Errorf("authenticated = %v, %d messages; want AUTH and 3", authed, len(srv.Messages()))
	}

	bad, _ := NewSMTPMailer("smtp://digest:wrong@" + srv.Addr + "?tls=none&timeout=5s")
	err = bad.Send(context.Background(), msg)
	var se *SendError
	if !errors.As(err, &se) || se.Code != 535 || se.Bounce() {
		t.Errorf("Send with a wrong password = %v, want a 535 that is not a bounce", err)
	}
}

func TestSMTPMailerIdleConnectionIsReplaced(t *testing.T) {
	srv := digesttest.NewSMTPServer(t)
	m, err := NewSMTPMailer(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	m.idle = time.Millisecond
	msg := testMessage(t, testBaseURL)
	for range 2 {
		if err := m.Send(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := len(srv.Messages()); n != 2 {
		t.Errorf("%d messages, want 2", n)
	}
}

func TestSendErrorClassification(t *testing.T) {
	for _, tc := range []struct {
		e                  SendError
		bounce, rcptDefers bool
	}{
		{SendError{Code: 550, Recipient: true}, true, false},
		{SendError{Code: 452, Recipient: true}, false, true},
		{SendError{Code: 554}, false, false}, // refused at MAIL FROM or DATA: not the address's fault
		{SendError{Code: 0}, false, false},
	} {
		if tc.e.Bounce() != tc.bounce || tc.e.RecipientDeferred() != tc.rcptDefers {
			t.Errorf("%+v: Bounce %v RecipientDeferred %v, want %v %v", tc.e, tc.e.Bounce(), tc.e.RecipientDeferred(), tc.bounce, tc.rcptDefers)
		}
	}
}
