package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"callmatch/store"
)

// secretMetaKey is where the server keeps its random secret when SECRET_KEY
// is not configured, so that every instance and every restart signs alike.
const secretMetaKey = "server_secret_key"

// LoadSecret returns the server's secret: configured (SECRET_KEY) when set,
// else the random one kept in the store, created on first use. Instances
// starting together for the first time agree on one (store.InitMeta).
func LoadSecret(ctx context.Context, st *store.Store, configured string) ([]byte, error) {
	if configured != "" {
		if len(configured) < 16 {
			return nil, errors.New("server: SECRET_KEY is shorter than 16 characters")
		}
		return []byte(configured), nil
	}
	v, err := st.Meta(ctx, secretMetaKey)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("server: read secret: %w", err)
	}
	if v == "" {
		if v, err = st.InitMeta(ctx, secretMetaKey, newSecret(32)); err != nil {
			return nil, fmt.Errorf("server: store secret: %w", err)
		}
	}
	if v == "" {
		return nil, fmt.Errorf("server: the secret kept in the store (meta %s) is empty", secretMetaKey)
	}
	return base64.RawURLEncoding.DecodeString(v)
}

// keys are the purpose-bound keys derived from the secret: a token made for
// one purpose never validates for another.
type keys struct {
	csrf     []byte
	calendar []byte
	feed     []byte
}

func deriveKeys(secret []byte) keys {
	d := func(purpose string) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte("callmatch/" + purpose))
		return m.Sum(nil)
	}
	return keys{csrf: d("csrf"), calendar: d("calendar"), feed: d("feed")}
}

// CalendarToken is the secret of a profile's calendar feed: an HMAC of its
// id and of its calendar secret (store.ProfileCalendarSecret: the API
// token's hash and a calendar key), so that a new API token or a new
// calendar key revokes the address given to calendar apps.
func (k keys) calendarToken(profileID, secret string) string {
	m := hmac.New(sha256.New, k.calendar)
	m.Write([]byte(profileID))
	m.Write([]byte{0})
	m.Write([]byte(secret))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:24])
}

// feedToken is the secret of a profile's matches feed: made as the
// calendar's, from the same calendar secret (revoked with it), with a key
// of its own.
func (k keys) feedToken(profileID, secret string) string {
	return keys{calendar: k.feed}.calendarToken(profileID, secret)
}
