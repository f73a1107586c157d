package digest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	mail "github.com/wneessen/go-mail"
	mailsmtp "github.com/wneessen/go-mail/smtp"
)

// Mailer delivers composed messages. Send is the digest's only side effect.
// A failed Send returns a *SendError (or an error wrapping one) when it can
// tell what the server said.
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// SendError is a failed delivery, classified for the Runner.
type SendError struct {
	Code int // the SMTP reply code; 0 when no reply came (network error, timeout)
	// Recipient: the reply refused the recipient (RCPT TO), not the session
	// or the message. Only such a refusal says something about the address.
	Recipient bool
	Err       error
}

func (e *SendError) Error() string { return e.Err.Error() }
func (e *SendError) Unwrap() error { return e.Err }

// Bounce reports a permanent refusal of the recipient's address (5xx to
// RCPT TO): the address is marked bounced and gets nothing more. A 5xx
// anywhere else (MAIL FROM, DATA, AUTH) is about our account or our message,
// never a reason to drop the subscriber.
func (e *SendError) Bounce() bool { return e.Recipient && e.Code >= 500 && e.Code < 600 }

// RecipientDeferred reports a temporary refusal of the recipient (4xx to
// RCPT TO: mailbox full, greylisting): retry that digest later, go on with
// the others.
func (e *SendError) RecipientDeferred() bool { return e.Recipient && e.Code >= 400 && e.Code < 500 }

// NewMailer returns an SMTP mailer when smtpURL is set, otherwise one that
// writes .eml files into outboxDir (DATA_DIR/outbox).
func NewMailer(smtpURL, outboxDir string) (Mailer, error) {
	if smtpURL != "" {
		return NewSMTPMailer(smtpURL)
	}
	return NewOutboxMailer(outboxDir)
}

// SMTPMailer sends through an SMTP server with go-mail, reusing one
// connection across messages and dialling again when it broke or idled.
type SMTPMailer struct {
	client *mail.Client
	idle   time.Duration // a connection idle longer than this is not reused

	mu       sync.Mutex
	conn     *mailsmtp.Client
	lastUsed time.Time
}

// NewSMTPMailer configures (but does not dial) a mailer from an SMTP URL:
//
//	smtp://user:pass@host:587    STARTTLS, mandatory (the default port is 587)
//	smtps://user:pass@host:465   TLS from the first byte (the default port is 465)
//
// Query options: timeout=15s (dial and per-command timeout, the default),
// and tls=none, plaintext, accepted only for a loopback host (tests, a
// local relay). TLS is never opportunistic: no silent fallback to
// plaintext.
func NewSMTPMailer(rawURL string) (*SMTPMailer, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("digest: SMTP_URL: %w", redactErr(err))
	}
	host := u.Hostname()
	if host == "" {
		return nil, errors.New("digest: SMTP_URL has no host")
	}
	q := u.Query()
	timeout := 15 * time.Second
	if v := q.Get("timeout"); v != "" {
		if timeout, err = time.ParseDuration(v); err != nil || timeout <= 0 {
			return nil, fmt.Errorf("digest: SMTP_URL timeout %q is not a duration", v)
		}
	}
	opts := []mail.Option{mail.WithTimeout(timeout)}
	plaintext := false
	switch u.Scheme {
	case "smtp":
		opts = append(opts, mail.WithPort(portOr(u, 587)), mail.WithTLSPolicy(mail.TLSMandatory))
	case "smtps":
		opts = append(opts, mail.WithPort(portOr(u, 465)), mail.WithSSL())
	default:
		return nil, fmt.Errorf("digest: SMTP_URL scheme %q (want smtp or smtps)", u.Scheme)
	}
	switch v := q.Get("tls"); v {
	case "", "mandatory":
	case "none":
		if !isLoopback(host) {
			return nil, fmt.Errorf("digest: SMTP_URL tls=none is only allowed for a loopback host, not %q", host)
		}
		if u.Scheme == "smtps" {
			return nil, errors.New("digest: SMTP_URL tls=none contradicts smtps")
		}
		plaintext = true
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		return nil, fmt.Errorf("digest: SMTP_URL tls=%q (want mandatory or none)", v)
	}
	if u.User != nil && u.User.Username() != "" {
		pass, _ := u.User.Password()
		auth := mail.SMTPAuthAutoDiscover
		if plaintext {
			auth = mail.SMTPAuthPlainNoEnc // loopback only, checked above
		}
		opts = append(opts, mail.WithSMTPAuth(auth), mail.WithUsername(u.User.Username()), mail.WithPassword(pass))
	}
	c, err := mail.NewClient(host, opts...)
	if err != nil {
		return nil, fmt.Errorf("digest: SMTP client: %w", err)
	}
	return &SMTPMailer{client: c, idle: 30 * time.Second}, nil
}

func portOr(u *url.URL, def int) int {
	if p, err := strconv.Atoi(u.Port()); err == nil && p > 0 {
		return p
	}
	return def
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redactErr keeps a URL parse error from echoing the password.
func redactErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Send delivers m. It dials when no live connection is at hand; a stale
// pooled connection (the check before sending fails) is replaced once.
func (s *SMTPMailer) Send(ctx context.Context, m Message) error {
	msg, err := m.mailMsg()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil && time.Since(s.lastUsed) > s.idle {
		s.hangup()
	}
	reused := s.conn != nil
	if err := s.dial(ctx); err != nil {
		return err
	}
	err = s.client.SendWithSMTPClient(s.conn, msg)
	var se *mail.SendError
	if err != nil && reused && errors.As(err, &se) && se.Reason == mail.ErrConnCheck {
		s.drop()
		if err := s.dial(ctx); err != nil {
			return err
		}
		msg, _ = m.mailMsg()
		err = s.client.SendWithSMTPClient(s.conn, msg)
	}
	s.lastUsed = time.Now()
	if err == nil {
		return nil
	}
	if msg.IsDelivered() {
		// Accepted (250 after DATA); only the RSET that follows failed.
		s.drop()
		return nil
	}
	out := &SendError{Err: fmt.Errorf("digest: smtp send %s: %w", m.MessageID, err)}
	if errors.As(err, &se) {
		out.Code = se.ErrorCode()
		out.Recipient = se.Reason == mail.ErrSMTPRcptTo
	}
	if !out.Recipient || out.Code == 0 {
		// The session is in an unknown state: start the next one afresh.
		s.drop()
	}
	return out
}

func (s *SMTPMailer) dial(ctx context.Context) error {
	if s.conn != nil {
		return nil
	}
	conn, err := s.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return &SendError{Code: replyCode(err), Err: fmt.Errorf("digest: smtp dial: %w", err)}
	}
	s.conn, s.lastUsed = conn, time.Now()
	return nil
}

// hangup ends the connection politely (QUIT).
func (s *SMTPMailer) hangup() {
	if s.conn != nil {
		_ = s.client.CloseWithSMTPClient(s.conn)
		s.conn = nil
	}
}

// drop abandons a connection in an unknown state without a word.
func (s *SMTPMailer) drop() {
	if s.conn != nil {
		_ = s.conn.Close()
		s.conn = nil
	}
}

// Close ends the pooled connection, if any.
func (s *SMTPMailer) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hangup()
	return nil
}

// replyCode reads the SMTP reply code of an error, 0 when there is none.
func replyCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// OutboxMailer writes each message as an .eml file into a folder, for
// installations without SMTP: another tool (or a person) takes them from
// there. A message is written to a temporary file and renamed into place,
// so a reader never sees half a file; its name derives from the
// Message-ID, so sending a digest again overwrites the same file.
type OutboxMailer struct {
	dir string
}

// NewOutboxMailer creates dir if needed.
func NewOutboxMailer(dir string) (*OutboxMailer, error) {
	if dir == "" {
		return nil, errors.New("digest: outbox folder is empty")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("digest: outbox folder: %w", err)
	}
	return &OutboxMailer{dir: dir}, nil
}

// Dir is the outbox folder.
func (o *OutboxMailer) Dir() string { return o.dir }

// FileName is the name of m's file in the outbox.
func (o *OutboxMailer) FileName(m Message) string {
	local, _, _ := strings.Cut(m.MessageID, "@")
	return m.Date.Format("20060102") + "-" + strings.TrimPrefix(local, "digest.") + ".eml"
}

// Send writes m atomically into the outbox folder.
func (o *OutboxMailer) Send(ctx context.Context, m Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// Not named *.eml until complete: whoever lists the outbox for .eml
	// files (an operator, a relay script, the tests) never reads half a message.
	tmp, err := os.CreateTemp(o.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("digest: outbox: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := m.WriteTo(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("digest: outbox: write %s: %w", m.MessageID, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("digest: outbox: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("digest: outbox: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(o.dir, o.FileName(m))); err != nil {
		return fmt.Errorf("digest: outbox: %w", err)
	}
	if d, err := os.Open(o.dir); err == nil { // make the rename durable
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// WriteTo writes m as an RFC 5322 message (MIME multipart/alternative:
// plain text, then HTML). The output depends only on m: the MIME boundary
// derives from the Message-ID.
func (m Message) WriteTo(w io.Writer) (int64, error) {
	msg, err := m.mailMsg()
	if err != nil {
		return 0, err
	}
	return msg.WriteTo(w)
}

// mailMsg builds the go-mail message of m.
func (m Message) mailMsg() (*mail.Msg, error) {
	sum := sha256.Sum256([]byte(m.MessageID))
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent(), mail.WithBoundary("callmatch-"+hex.EncodeToString(sum[:12])))
	if err := msg.From(m.From); err != nil {
		return nil, fmt.Errorf("digest: from %q: %w", m.From, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("digest: recipient: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDateWithValue(m.Date)
	msg.SetUserAgent("callmatch")
	msg.SetBulk()
	msg.SetGenHeader(mail.Header("Auto-Submitted"), "auto-generated")
	if m.Language != "" {
		msg.SetGenHeader(mail.HeaderContentLang, m.Language)
	}
	// The List-* headers go in as generic headers, which go-mail writes in
	// sorted order (its "preformatted" ones, which SetListUnsubscribeOneClick
	// uses, come out in map order), so that every attempt to send a digest
	// produces the same bytes. They are plain ASCII and are not encoded.
	if m.ListID != "" {
		msg.SetGenHeader(mail.Header("List-Id"), m.ListID)
	}
	if m.UnsubscribeURL != "" {
		// RFC 8058 one-click: a URL that identifies the subscription by
		// itself, and the POST header. (go-mail's helper would also insist
		// on https, which an http BASE_URL in development does not have.)
		msg.SetGenHeader(mail.HeaderListUnsubscribe, "<"+m.UnsubscribeURL+">")
		msg.SetGenHeader(mail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
	msg.SetBodyString(mail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	return msg, nil
}
