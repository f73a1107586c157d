// Package digesttest gives tests a real SMTP server (emersion/go-smtp) on
// loopback, with switches to misbehave, and a parser for the messages it
// received: the digest tests and the server's e-mail tests share them.
package digesttest

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTPServer is a real SMTP server on 127.0.0.1, stopped at the end of the
// test that started it.
type SMTPServer struct {
	Addr string // host:port

	mu         sync.Mutex
	received   []Received
	mails      int            // MAIL commands so far
	datas      int            // DATA transactions so far
	rcptCode   map[string]int // recipient -> SMTP code refusing it
	dropMail   map[int]bool   // MAIL commands (1-based) at which to drop the connection
	dropAfter  map[int]bool   // DATA transactions to accept, then drop before replying
	authUser   string         // when set, AUTH PLAIN with these is required
	authPass   string
	authedSeen bool
}

// Received is one message as the server took it: the envelope and the
// raw data.
type Received struct {
	From string
	To   []string
	Data []byte
}

// NewSMTPServer starts a server; it stops when t ends.
func NewSMTPServer(t testing.TB) *SMTPServer {
	t.Helper()
	s := &SMTPServer{rcptCode: map[string]int{}, dropMail: map[int]bool{}, dropAfter: map[int]bool{}}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{srv: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return s
}

// URL is the SMTP_URL of the server (plaintext: it is on loopback).
func (s *SMTPServer) URL() string { return "smtp://" + s.Addr + "?tls=none&timeout=5s" }

// Messages returns what the server received so far, oldest first.
func (s *SMTPServer) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// WaitForMessages waits until the server has received at least n messages
// (e-mails sent after an HTTP answer arrive a little later) and returns them.
func (s *SMTPServer) WaitForMessages(t testing.TB, n int) []Received {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := s.Messages()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("SMTP server received %d messages, want %d", len(got), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// RefuseRecipient makes RCPT TO addr answer code (4xx or 5xx); 0 accepts it again.
func (s *SMTPServer) RefuseRecipient(addr string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == 0 {
		delete(s.rcptCode, addr)
		return
	}
	s.rcptCode[addr] = code
}

// DropAtMail makes the server hang up at the n-th MAIL command (1-based).
func (s *SMTPServer) DropAtMail(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropMail[n] = true
}

// DropAfterData makes the server take the n-th message (1-based) and hang
// up before replying: an ambiguous failure.
func (s *SMTPServer) DropAfterData(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropAfter[n] = true
}

// RequireAuth makes the server require AUTH PLAIN with user and pass.
func (s *SMTPServer) RequireAuth(user, pass string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authUser, s.authPass = user, pass
}

// Authenticated reports whether a client authenticated, and MailCommands
// how many MAIL commands the server saw.
func (s *SMTPServer) Authenticated() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authedSeen
}

// MailCommands is how many MAIL commands the server saw.
func (s *SMTPServer) MailCommands() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mails
}

type session struct {
	srv    *SMTPServer
	conn   *smtp.Conn
	authed bool
	from   string
	to     []string
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string {
	ss.srv.mu.Lock()
	defer ss.srv.mu.Unlock()
	if ss.srv.authUser == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		ss.srv.mu.Lock()
		defer ss.srv.mu.Unlock()
		if user != ss.srv.authUser || pass != ss.srv.authPass {
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		ss.srv.authedSeen = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.srv.mu.Lock()
	needAuth := ss.srv.authUser != "" && !ss.authed
	if !needAuth {
		ss.srv.mails++
	}
	drop := !needAuth && ss.srv.dropMail[ss.srv.mails]
	ss.srv.mu.Unlock()
	if needAuth {
		return smtp.ErrAuthRequired
	}
	if drop {
		ss.conn.Conn().Close()
		return errors.New("connection dropped")
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.srv.mu.Lock()
	code := ss.srv.rcptCode[to]
	ss.srv.mu.Unlock()
	switch {
	case code >= 500:
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	case code >= 400:
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "Mailbox full, try again later"}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.srv.mu.Lock()
	ss.srv.datas++
	dropAfter := ss.srv.dropAfter[ss.srv.datas]
	ss.srv.received = append(ss.srv.received, Received{From: ss.from, To: ss.to, Data: b})
	ss.srv.mu.Unlock()
	if dropAfter {
		// Taken, but the client never hears so: an ambiguous failure.
		ss.conn.Conn().Close()
	}
	return nil
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

// Mail is a received message, decoded.
type Mail struct {
	Header  mail.Header
	Subject string // decoded
	Text    string // the text/plain part, decoded
	HTML    string // the text/html part, decoded
}

// ParseMail decodes a multipart/alternative message (what callmatch sends).
func ParseMail(t testing.TB, raw []byte) Mail {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse message: %v", err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("decode subject: %v", err)
	}
	out := Mail{Header: m.Header, Subject: subject}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v), want multipart/alternative", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		b, err := io.ReadAll(p) // quoted-printable is decoded by the reader
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		switch ct := p.Header.Get("Content-Type"); {
		case strings.HasPrefix(ct, "text/plain"):
			out.Text = string(b)
		case strings.HasPrefix(ct, "text/html"):
			out.HTML = string(b)
		}
	}
	return out
}
