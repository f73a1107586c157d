package digest

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

// smtpServer is a real SMTP server (emersion/go-smtp) on loopback, with
// switches to misbehave.
type smtpServer struct {
	addr string

	mu       sync.Mutex
	received []received
	mails    int // MAIL commands so far
	datas    int // DATA transactions so far

	rcptCode   map[string]int // recipient -> SMTP code refusing it
	dropMail   map[int]bool   // MAIL commands (1-based) at which to drop the connection
	dropAfter  map[int]bool   // DATA transactions to accept, then drop before replying
	authUser   string         // when set, AUTH PLAIN with these is required
	authPass   string
	authedSeen bool
}

type received struct {
	From string
	To   []string
	Data []byte
}

func newSMTPServer(t testing.TB) *smtpServer {
	t.Helper()
	s := &smtpServer{rcptCode: map[string]int{}, dropMail: map[int]bool{}, dropAfter: map[int]bool{}}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{srv: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
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

// url is the SMTP_URL of the server (plaintext: it is on loopback).
func (s *smtpServer) url() string { return "smtp://" + s.addr + "?tls=none&timeout=5s" }

func (s *smtpServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.received...)
}

type smtpSession struct {
	srv    *smtpServer
	conn   *smtp.Conn
	authed bool
	from   string
	to     []string
}

var _ smtp.AuthSession = (*smtpSession)(nil)

func (ss *smtpSession) AuthMechanisms() []string {
	if ss.srv.authUser == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.srv.authUser || pass != ss.srv.authPass {
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		ss.srv.mu.Lock()
		ss.srv.authedSeen = true
		ss.srv.mu.Unlock()
		return nil
	}), nil
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.srv.authUser != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.srv.mu.Lock()
	ss.srv.mails++
	drop := ss.srv.dropMail[ss.srv.mails]
	ss.srv.mu.Unlock()
	if drop {
		ss.conn.Conn().Close()
		return errors.New("connection dropped")
	}
	ss.from = from
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
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

func (ss *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.srv.mu.Lock()
	ss.srv.datas++
	dropAfter := ss.srv.dropAfter[ss.srv.datas]
	ss.srv.received = append(ss.srv.received, received{From: ss.from, To: ss.to, Data: b})
	ss.srv.mu.Unlock()
	if dropAfter {
		// Taken, but the client never hears so: an ambiguous failure.
		ss.conn.Conn().Close()
	}
	return nil
}

func (ss *smtpSession) Reset() { ss.from, ss.to = "", nil }

func (ss *smtpSession) Logout() error { return nil }

// parsedMail is a received message, decoded.
type parsedMail struct {
	Header  mail.Header
	Subject string
	Text    string
	HTML    string
}

func parseMail(t testing.TB, raw []byte) parsedMail {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse message: %v", err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("decode subject: %v", err)
	}
	out := parsedMail{Header: m.Header, Subject: subject}
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
